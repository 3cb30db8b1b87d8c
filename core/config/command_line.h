#pragma once
// The command line of docs/compat.md section 1, turned into validated Options.

#include "core/config/options.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace varta {

struct ParseOutcome {
    std::optional<Options> options;  // set when the program should run
    // When !options: 0 (--help or --version: print output to stdout), 1 (a secret file
    // could not be used), 2 (a bad flag). Always 0 when options is set.
    int exitCode = 0;
    // --help/--version text for stdout, or the ONE error line for stderr, such as
    // "varta-watch: --threshold-ms: must be at least 10 (got 5); see --help".
    // Never ends in a newline. Options::warnings lines carry no program prefix.
    QString output;
};

// arguments[0] is the program. Qt's own options (-platform X, -style X, -reverse, ...)
// are accepted and ignored: QApplication removes most of them before this runs, but a
// QCoreApplication (--headless) leaves them all in QCoreApplication::arguments().
ParseOutcome parseCommandLine(const QStringList &arguments);

// Whether the program can start without a window system: --headless, or --help or
// --version, which only print. Called before any Q*Application exists, to choose
// between QCoreApplication and QApplication.
bool argumentsRequestHeadless(int argc, char **argv);

}  // namespace varta
