#pragma once
// The command line of docs/compat.md section 1, turned into validated Options.

#include "core/config/options.h"

#include <QProcessEnvironment>
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

// argv as the user typed it, Qt's own options included: the command line is read before
// any Q*Application exists, so that a bad flag or a missing display never meets one.
QStringList argumentsFrom(int argc, char **argv);

// Whether Qt can show windows: a platform named by -platform or QT_QPA_PLATFORM, an X
// display named by -display, or DISPLAY / WAYLAND_DISPLAY to connect to. Without one, a
// QApplication aborts the process, so varta-watch runs headless instead.
bool displayAvailable(const QStringList &arguments, const QProcessEnvironment &environment);

}  // namespace varta
