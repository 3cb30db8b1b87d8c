// varta-watch: parse the command line, start the engine thread, and either run headless
// or show the console. All logic lives in core/ and ui/.
#include "core/base/unix_signal_watcher.h"
#include "core/config/command_line.h"
#include "core/engine/engine.h"
#include "core/engine/engine_thread.h"
#include "core/sender/demo_fleet.h"
#include "core/sender/demo_mode.h"
#include "ui/style/install_translator.h"
#include "ui/style/resources_init.h"
#include "ui/widgets/console_wiring.h"
#include "ui/widgets/main_window.h"
#include "ui/widgets/screenshot_taker.h"
#include "ui/widgets/timeline/stall_timeline_view.h"
#include "ui/widgets/timeline/timeline_pane.h"

#include <QApplication>
#include <QCoreApplication>
#include <QGuiApplication>
#include <QTimer>

#include <cstdio>
#include <memory>

using namespace varta;

namespace {

void printLine(std::FILE *stream, const QString &line) {
    std::fprintf(stream, "%s\n", qPrintable(line));
    std::fflush(stream);
}

// The console: window, translations, screenshot. Returns once the window is set up;
// everything it creates is parented to `app` or lives in `window`.
void startConsole(QApplication &app, ui::MainWindow &window, EngineThread &host, const Options &options) {
    ui::connectConsole(window, host.link());
    window.show();
    if (!options.screenshotPath.isEmpty()) {
        auto *taker = new ui::ScreenshotTaker(&window, options.screenshotPath, &app);
        QObject::connect(taker, &ui::ScreenshotTaker::finished, &app, [](bool ok, const QString &message) {
            printLine(ok ? stdout : stderr, QStringLiteral("varta-watch: ") + message);
        });
        taker->start(static_cast<int>(options.screenshotDelayMs));
    }
}

}  // namespace

int main(int argc, char *argv[]) {
    const bool headless = argumentsRequestHeadless(argc, argv);
    std::unique_ptr<QCoreApplication> app;
    if (headless)
        app = std::make_unique<QCoreApplication>(argc, argv);
    else
        app = std::make_unique<QApplication>(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("varta-watch"));
    QCoreApplication::setOrganizationName(QStringLiteral("varta"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VARTA_VERSION));

    const ParseOutcome parsed = parseCommandLine(QCoreApplication::arguments());
    if (!parsed.options) {
        printLine(parsed.exitCode == 0 ? stdout : stderr, parsed.output);
        return parsed.exitCode;
    }
    const Options options = parsed.options->demo ? withDemoDefaults(*parsed.options) : *parsed.options;
    for (const QString &warning : options.warnings)
        printLine(stderr, QStringLiteral("varta-watch: warning: ") + warning);

    // Installed before anything is announced: a SIGTERM sent as soon as the listeners are
    // printed must end in an orderly shutdown, not in the default action.
    UnixSignalWatcher signalWatcher;
    EngineThread host(options);
    QObject::connect(&signalWatcher, &UnixSignalWatcher::terminationRequested, &host, &EngineThread::requestShutdown);
    QString error;
    if (!host.start(&error)) {
        printLine(stderr, QStringLiteral("varta-watch: ") + error);
        return 1;
    }
    for (const QString &warning : host.startupWarnings())
        printLine(stderr, QStringLiteral("varta-watch: warning: ") + warning);
    for (const QString &listener : host.listenerDescriptions())
        printLine(stdout, QStringLiteral("varta-watch: listening on ") + listener);

    DemoFleet demo;
    demo.setTiming(demoFleetTiming());
    if (options.demo && !demo.start(QHostAddress::LocalHost, host.udpPort()))
        printLine(stderr, QStringLiteral("varta-watch: demo agents could not start: ") + demo.errorString());

    std::unique_ptr<ui::MainWindow> window;
    if (!headless) {
        ui::initUiResources();
        ui::installTranslator(*static_cast<QApplication *>(app.get()), options.language);
        window = std::make_unique<ui::MainWindow>();
        window->setAttribute(Qt::WA_DeleteOnClose, false);
        if (options.demo)
            window->timelinePane()->setWindowSpan(kDemoTimelineSpanMs);
        startConsole(*static_cast<QApplication *>(app.get()), *window, host, options);
        // Closing the window stops the engine first; the app quits when it has stopped.
        QGuiApplication::setQuitOnLastWindowClosed(false);
        QObject::connect(static_cast<QGuiApplication *>(app.get()), &QGuiApplication::lastWindowClosed, &host,
                         &EngineThread::requestShutdown);
    }

    if (options.shutdownAfterSecs)
        QTimer::singleShot(std::chrono::seconds(*options.shutdownAfterSecs), &host, &EngineThread::requestShutdown);
    QObject::connect(&host, &EngineThread::finished, app.get(), &QCoreApplication::quit);
    const int code = app->exec();
    demo.stop();
    printLine(stdout, QStringLiteral("varta-watch: stopped: ") + host.finalSummary());
    return code;
}
