#include "core/base/unix_signal_watcher.h"

#include <csignal>

#include <fcntl.h>
#include <unistd.h>

namespace varta {
namespace {

int gPipe[2] = {-1, -1};

extern "C" void onTerminationSignal(int signalNumber) {
    const unsigned char byte = static_cast<unsigned char>(signalNumber);
    [[maybe_unused]] const ssize_t ignored = ::write(gPipe[1], &byte, 1);
}

}  // namespace

UnixSignalWatcher::UnixSignalWatcher(QObject *parent) : QObject(parent) {
    if (::pipe2(gPipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return;
    struct sigaction action {};
    action.sa_handler = onTerminationSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGHUP, &action, nullptr);
    m_notifier = std::make_unique<QSocketNotifier>(gPipe[0], QSocketNotifier::Read);
    connect(m_notifier.get(), &QSocketNotifier::activated, this, &UnixSignalWatcher::onReadable);
}

UnixSignalWatcher::~UnixSignalWatcher() {
    // Ignored, not back to their defaults: the process is on its way out, and a SIGTERM or
    // logrotate's SIGHUP in its last moments must not turn a clean exit into a death by
    // signal (systemd would call the stop a failure).
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGTERM, SIG_IGN);
    ::signal(SIGHUP, SIG_IGN);
    m_notifier.reset();
    ::close(gPipe[0]);
    ::close(gPipe[1]);
    gPipe[0] = gPipe[1] = -1;
}

void UnixSignalWatcher::onReadable() {
    unsigned char byte = 0;
    while (::read(gPipe[0], &byte, 1) == 1) {
        if (byte == SIGHUP)
            Q_EMIT reopenRequested();
        else
            Q_EMIT terminationRequested(byte);
    }
}

}  // namespace varta
