// varta-watch: parse the command line, start the engine thread, and either run headless
// or show the console. All logic lives in core/ and ui/.
#include "core/attach/attach_credentials.h"
#include "core/attach/observer_fleet.h"
#include "core/base/engine_clock.h"
#include "core/base/log.h"
#include "core/base/open_file_limit.h"
#include "core/base/unix_signal_watcher.h"
#include "core/config/command_line.h"
#include "core/control/ctl_command.h"
#include "core/engine/engine.h"
#include "core/engine/engine_thread.h"
#include "core/engine/engine_watchdog.h"
#include "core/engine/systemd_notifier.h"
#include "core/sender/demo_fleet.h"
#include "core/sender/demo_mode.h"
#include "ui/style/install_translator.h"
#include "ui/style/resources_init.h"
#include "ui/widgets/console_wiring.h"
#include "ui/widgets/incident_window.h"
#include "ui/widgets/main_window.h"
#include "ui/widgets/screenshot_taker.h"
#include "ui/widgets/timeline/stall_timeline_view.h"
#include "ui/widgets/timeline/timeline_pane.h"

#include <QApplication>
#include <QCoreApplication>
#include <QGuiApplication>
#include <QProcessEnvironment>
#include <QSslCertificate>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>

using namespace varta;

namespace {

// At exit the queued log lines get this long to reach stderr; a pipe nobody reads must
// not hold the observer's exit.
constexpr int kLogFlushAtExitMs = 2000;

void printLine(std::FILE *stream, const QString &line) {
    std::fprintf(stream, "%s\n", qPrintable(line));
    std::fflush(stream);
}

void startScreenshot(QApplication &app, QWidget &window, const Options &options) {
    if (options.screenshotPath.isEmpty())
        return;
    auto *taker = new ui::ScreenshotTaker(&window, options.screenshotPath, &app);
    QObject::connect(taker, &ui::ScreenshotTaker::finished, &app, [](bool ok, const QString &message) {
        printLine(ok ? stdout : stderr, QStringLiteral("varta-watch: ") + message);
    });
    taker->start(static_cast<int>(options.screenshotDelayMs));
}

// The console: window, translations, screenshot. Returns once the window is set up;
// everything it creates is parented to `app` or lives in `window`.
void startConsole(QApplication &app, ui::MainWindow &window, EngineThread &host, const Options &options) {
    ui::connectConsole(window, host.link());
    window.show();
    startScreenshot(app, window, options);
}

// A console without an engine of its own (--open, --attach): names, icons, language.
void setUpWindowApp(QApplication &app, const Options &options) {
    QCoreApplication::setApplicationName(QStringLiteral("varta-watch"));
    QCoreApplication::setOrganizationName(QStringLiteral("varta"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VARTA_VERSION));
    ui::initUiResources();
    ui::installTranslator(app, options.language);
}

// --open: a post-mortem of files in a window of its own; no observer starts.
int runPostMortem(int argc, char *argv[], const QStringList &arguments, const Options &options) {
    if (!displayAvailable(arguments, QProcessEnvironment::systemEnvironment())) {
        printLine(stderr, QStringLiteral("varta-watch: --open: needs a display (DISPLAY or WAYLAND_DISPLAY, "
                                         "or -platform offscreen); see --help"));
        return 2;
    }
    QApplication app(argc, argv);
    setUpWindowApp(app, options);
    QString error;
    const std::unique_ptr<ui::IncidentWindow> window = ui::IncidentWindow::open(options.openFiles, &error);
    if (!window) {
        printLine(stderr, QStringLiteral("varta-watch: ") + error);
        return 1;
    }
    window->show();
    startScreenshot(app, *window, options);
    if (options.shutdownAfterSecs)
        QTimer::singleShot(std::chrono::seconds(*options.shutdownAfterSecs), &app, &QCoreApplication::quit);
    return app.exec();
}

// --attach: the console of observers elsewhere; no engine starts here.
int runAttached(int argc, char *argv[], const QStringList &arguments, const Options &options) {
    QList<RemoteEngineLink::Settings> observers;
    bool anyTcp = false;
    for (const QString &text : options.attachTargets) {
        QString error;
        const std::optional<AttachTarget> target = AttachTarget::parse(text, &error);
        if (!target) {
            printLine(stderr, QStringLiteral("varta-watch: --attach: %1: %2").arg(text, error));
            return 2;
        }
        anyTcp = anyTcp || !target->isUnix();
        observers.append(RemoteEngineLink::Settings{*target, {}, {}});
    }
    if (anyTcp && options.attachTokenFile.isEmpty()) {
        printLine(stderr, QStringLiteral("varta-watch: --attach-token-file: needed to attach to HOST:PORT: the "
                                         "observer admits consoles by token"));
        return 2;
    }
    if (observers.size() > ObserverFleet::kMaxObservers) {
        printLine(stderr, QStringLiteral("varta-watch: --attach: at most %1 observers in one window")
                              .arg(ObserverFleet::kMaxObservers));
        return 2;
    }
    if (!displayAvailable(arguments, QProcessEnvironment::systemEnvironment())) {
        printLine(stderr, QStringLiteral("varta-watch: --attach: needs a display (DISPLAY or WAYLAND_DISPLAY, "
                                         "or -platform offscreen); see --help"));
        return 2;
    }
    QByteArray token;
    QList<QSslCertificate> trusted;
    QString error;
    if (!options.attachTokenFile.isEmpty()) {
        const std::optional<QByteArray> read = readAttachToken(options.attachTokenFile, &error);
        if (!read) {
            printLine(stderr, QStringLiteral("varta-watch: --attach-token-file: ") + error);
            return 1;
        }
        token = *read;
    }
    if (!options.attachCaFile.isEmpty()) {
        const std::optional<QList<QSslCertificate>> read = readAttachCa(options.attachCaFile, &error);
        if (!read) {
            printLine(stderr, QStringLiteral("varta-watch: --attach-ca: ") + error);
            return 1;
        }
        trusted = *read;
    }
    QApplication app(argc, argv);
    setUpWindowApp(app, options);
    ObserverFleet fleet;
    for (RemoteEngineLink::Settings &settings : observers) {
        settings.token = token;
        settings.caCertificates = trusted;
        fleet.add(settings);
    }
    ui::MainWindow window;
    ui::connectObservers(window, fleet);
    window.show();
    startScreenshot(app, window, options);
    if (options.shutdownAfterSecs)
        QTimer::singleShot(std::chrono::seconds(*options.shutdownAfterSecs), &app, &QCoreApplication::quit);
    const int code = app.exec();
    fleet.setPublishing(false);
    return code;
}

}  // namespace

int main(int argc, char *argv[]) {
    // `varta-watch ctl …` is the control socket's client: no engine, no GUI.
    if (argc > 1 && std::strcmp(argv[1], "ctl") == 0) {
        QStringList ctlArguments;
        for (int i = 2; i < argc; ++i)
            ctlArguments << QString::fromLocal8Bit(argv[i]);
        return runCtl(ctlArguments, stdout, stderr);
    }
    // Read before any Q*Application exists: a QApplication with no display aborts the
    // process, and a mistyped flag must still get its one line and exit 2.
    const QStringList arguments = argumentsFrom(argc, argv);
    const ParseOutcome parsed = parseCommandLine(arguments);
    if (!parsed.options) {
        printLine(parsed.exitCode == 0 ? stdout : stderr, parsed.output);
        return parsed.exitCode;
    }
    if (!parsed.options->openFiles.isEmpty())
        return runPostMortem(argc, argv, arguments, *parsed.options);
    if (!parsed.options->attachTargets.isEmpty())
        return runAttached(argc, argv, arguments, *parsed.options);
    Options options = parsed.options->demo ? withDemoDefaults(*parsed.options) : *parsed.options;
    // A stderr or control peer that goes away is an error to count, not a reason to die.
    std::signal(SIGPIPE, SIG_IGN);
    // systemd's soft limit of 1,024 descriptors is what idle peers exhaust; the hard
    // limit is the real budget. Recovery commands get the startup limit back.
    raiseOpenFileLimit();
    setJsonLog(options.logFormat == LogFormat::Json);
    setJournalPriorities(stderrIsJournal());
    startLogWriter();
    if (options.clockSource == ClockSource::Boottime)
        useBoottimeForEngineClock();
    engineEpochNs();  // engine time (observer_ns) counts from here, before any thread starts
    if (!options.headless && !displayAvailable(arguments, QProcessEnvironment::systemEnvironment())) {
        if (!options.screenshotPath.isEmpty()) {
            printLine(stderr, QStringLiteral("varta-watch: --screenshot: needs a display (DISPLAY or WAYLAND_DISPLAY, "
                                             "or -platform offscreen); see --help"));
            return 2;
        }
        logLine(LogLevel::Info, QStringLiteral("no display (DISPLAY, WAYLAND_DISPLAY and QT_QPA_PLATFORM are unset, "
                                               "no -platform): running headless"));
        options.headless = true;
    }
    const bool headless = options.headless;
    std::unique_ptr<QCoreApplication> app;
    if (headless)
        app = std::make_unique<QCoreApplication>(argc, argv);
    else
        app = std::make_unique<QApplication>(argc, argv);
    // The demo's 15-second timeline and its columns stay out of the real sessions' settings.
    QCoreApplication::setApplicationName(options.demo ? QStringLiteral("varta-watch-demo")
                                                      : QStringLiteral("varta-watch"));
    QCoreApplication::setOrganizationName(QStringLiteral("varta"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VARTA_VERSION));

    for (const QString &warning : options.warnings)
        logLine(LogLevel::Warning, warning);

    // Installed before anything is announced: a SIGTERM sent as soon as the listeners are
    // printed must end in an orderly shutdown, not in the default action.
    UnixSignalWatcher signalWatcher;
    EngineThread host(options);
    // systemd's watchdog (WatchdogSec=) and our own (--self-watchdog-secs) both watch the
    // engine thread's turns from a thread of their own.
    const EngineWatchdog::Settings watch =
        EngineWatchdog::settingsFor(SystemdNotifier::watchdogIntervalNs(), options.selfWatchdogSecs);
    EngineWatchdog watchdog(watch, host.lastTurnNs());
    if (watchdog.enabled())
        host.setTurnTickMs(EngineWatchdog::turnTickMs(watch));
    QObject::connect(&signalWatcher, &UnixSignalWatcher::terminationRequested, &host, &EngineThread::requestShutdown);
    QObject::connect(&signalWatcher, &UnixSignalWatcher::reopenRequested, &host, &EngineThread::requestReopen);
    QString error;
    if (!host.start(&error)) {
        logLine(LogLevel::Error, error);
        flushLog(kLogFlushAtExitMs);
        return 1;
    }
    // As upstream, the first line on stdout is where /metrics listens, alone: scripts
    // that asked for port 0 read it.
    if (!host.metricsAddress().isEmpty())
        printLine(stdout, host.metricsAddress());
    for (const QString &warning : host.startupWarnings())
        logLine(LogLevel::Warning, warning);
    for (const QString &listener : host.listenerDescriptions())
        printLine(stdout, QStringLiteral("varta-watch: listening on ") + listener);
    SystemdNotifier::ready();
    watchdog.start();

    DemoFleet demo;
    demo.setTiming(demoFleetTiming());
    if (options.demo && !demo.start(QHostAddress::LocalHost, host.udpPort()))
        logLine(LogLevel::Error, QStringLiteral("demo agents could not start"),
                {std::nullopt, std::nullopt, demo.errorString(), {}});

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
    watchdog.stop();
    demo.stop();
    printLine(stdout, QStringLiteral("varta-watch: stopped: ") + host.finalSummary());
    if (!host.fatalError().isEmpty())
        logLine(LogLevel::Error, host.fatalError());
    flushLog(kLogFlushAtExitMs);
    return host.fatalError().isEmpty() ? code : 1;
}
