// varta-watch: parse the command line, start the engine thread, and either run headless
// or show the console. All logic lives in core/ and ui/.
#include "core/config.h"
#include "core/engine_host.h"
#include "core/observer.h"
#include "core/unix_signal_watcher.h"

#include <QCoreApplication>
#include <QTimer>

#include <cstdio>
#include <memory>

using namespace varta;

namespace {

void printLine(std::FILE *stream, const QString &line) {
    std::fprintf(stream, "%s\n", qPrintable(line));
    std::fflush(stream);
}

} // namespace

int main(int argc, char *argv[]) {
    std::unique_ptr<QCoreApplication> app;
    const bool headless = argumentsRequestHeadless(argc, argv);
    app = std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("varta-watch"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VARTA_VERSION));

    const ParseOutcome parsed = parseCommandLine(QCoreApplication::arguments());
    if (!parsed.options) {
        printLine(parsed.exitCode == 0 ? stdout : stderr, parsed.output);
        return parsed.exitCode;
    }
    const Options &options = *parsed.options;
    Q_UNUSED(headless);
    for (const QString &warning : options.warnings)
        printLine(stderr, QStringLiteral("varta-watch: warning: ") + warning);

    EngineHost host(options);
    QString error;
    if (!host.start(&error)) {
        printLine(stderr, QStringLiteral("varta-watch: ") + error);
        return 1;
    }
    // Before the "listening on" lines: whoever waits for them may send SIGTERM at once,
    // and that must be an orderly shutdown, not the default action.
    UnixSignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::terminationRequested, &host, &EngineHost::requestShutdown);
    for (const QString &warning : host.startupWarnings())
        printLine(stderr, QStringLiteral("varta-watch: warning: ") + warning);
    for (const QString &listener : host.listenerDescriptions())
        printLine(stdout, QStringLiteral("varta-watch: listening on ") + listener);
    if (options.shutdownAfterSecs)
        QTimer::singleShot(std::chrono::seconds(*options.shutdownAfterSecs), &host, &EngineHost::requestShutdown);
    QObject::connect(&host, &EngineHost::finished, app.get(), &QCoreApplication::quit);
    const int code = app->exec();
    printLine(stdout, QStringLiteral("varta-watch: stopped: ") + host.finalSummary());
    return code;
}
