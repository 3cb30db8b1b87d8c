// varta-beat: parse the command line, let SIGINT/SIGTERM end the run cleanly, print the
// summary. Everything else lives in core/sender.
#include "core/sender/beat_command.h"
#include "core/sender/beat_options.h"

#include <QCoreApplication>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace {

std::atomic<bool> g_stopRequested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void requestStop(int) { g_stopRequested.store(true); }

void installStopHandlers() {
    struct sigaction action {};
    action.sa_handler = requestStop;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: a signal cuts the current sleep short so the stop is seen at once.
    action.sa_flags = 0;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

void printLine(std::FILE *stream, const QString &text) {
    const QByteArray bytes = text.toLocal8Bit();
    std::fprintf(stream, "%s%s", bytes.constData(), bytes.endsWith('\n') ? "" : "\n");
    std::fflush(stream);
}

}  // namespace

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("varta-beat"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VARTA_VERSION));

    const varta::BeatOptionsParse parsed = varta::parseBeatOptions(QCoreApplication::arguments());
    switch (parsed.outcome) {
    case varta::BeatOptionsParse::Outcome::Help:
    case varta::BeatOptionsParse::Outcome::Version: printLine(stdout, parsed.text); return 0;
    case varta::BeatOptionsParse::Outcome::Error: printLine(stderr, parsed.text); return 2;
    case varta::BeatOptionsParse::Outcome::Run: break;
    }

    installStopHandlers();
    const varta::BeatReport report = varta::BeatCommand(parsed.options).run(g_stopRequested);
    if (!report.summary.isEmpty())
        printLine(stdout, report.summary);
    if (!report.error.isEmpty())
        printLine(stderr, report.error);
    return report.exitCode;
}
