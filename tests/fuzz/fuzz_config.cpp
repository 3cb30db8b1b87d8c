// libFuzzer target for the command line: the input, split on NUL bytes, is the argument
// list after the program name. Whatever it holds, parseCommandLine must return, and
// without Options it must give one of the documented exit codes and say something.
#include "core/config/command_line.h"

#include <QString>
#include <QStringList>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    QStringList arguments{QStringLiteral("varta-watch")};
    const char *text = reinterpret_cast<const char *>(data);
    std::size_t start = 0;
    for (std::size_t i = 0; size > 0 && i <= size; ++i) {
        if (i == size || data[i] == 0) {
            arguments << QString::fromUtf8(text + start, static_cast<qsizetype>(i - start));
            start = i + 1;
        }
    }

    const varta::ParseOutcome outcome = varta::parseCommandLine(arguments);
    if (outcome.options) {
        if (outcome.exitCode != 0)
            std::abort();
    } else {
        if (outcome.exitCode < 0 || outcome.exitCode > 2 || outcome.output.isEmpty())
            std::abort();
        if (outcome.exitCode != 0 && outcome.output.contains(QLatin1Char('\n')))
            std::abort();  // an error is one line
    }
    return 0;
}
