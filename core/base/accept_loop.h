#pragma once
// Takes connections off a listening socket, for every listener of the observer (/metrics,
// the control socket). Out of descriptors (EMFILE, ENFILE) or kernel memory, accept()
// fails while the socket stays readable, so the loop stops listening and tries again
// kRetryMs later instead of spinning. QTcpServer cannot be trusted with this in Qt 6.4:
// its socket engine keeps the first error it ever saw, so after one EAGAIN (any accepted
// connection) it reports EMFILE as temporary and polls the listener again at once.

#include <QObject>
#include <QSocketNotifier>
#include <QTimer>

#include <cstdint>
#include <functional>

namespace varta {

class AcceptLoop : public QObject {
    Q_OBJECT
public:
    static constexpr int kRetryMs = 100;

    // `accepted` is called with each new connection's descriptor (non-blocking,
    // close-on-exec) and owns it from then on. `failures` (the owner's counter) counts the
    // accept() calls that failed for want of descriptors or memory, each pausing the loop. At most `perWakeup` are
    // taken at a time, so a flood of connections cannot starve the rest of the thread; the notifier fires again for
    // what is left. `listenFd` stays the caller's, to close after stop().
    AcceptLoop(int listenFd, int perWakeup, std::uint64_t &failures, std::function<void(int)> accepted,
               QObject *parent = nullptr);

    // Never listens again; call before closing the listening descriptor.
    void stop();

    bool paused() const noexcept { return m_retry.isActive(); }

private:
    void acceptPending();

    int m_fd;
    int m_perWakeup;
    std::uint64_t &m_failures;
    std::function<void(int)> m_accepted;
    QSocketNotifier m_notifier;
    QTimer m_retry;
};

}  // namespace varta
