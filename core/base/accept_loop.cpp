#include "core/base/accept_loop.h"

#include <cerrno>

#include <sys/socket.h>

namespace varta {

AcceptLoop::AcceptLoop(int listenFd, int perWakeup, std::uint64_t &failures, std::function<void(int)> accepted,
                       QObject *parent)
    : QObject(parent),
      m_fd(listenFd),
      m_perWakeup(perWakeup),
      m_failures(failures),
      m_accepted(std::move(accepted)),
      m_notifier(listenFd, QSocketNotifier::Read, this) {
    m_retry.setSingleShot(true);
    m_retry.setInterval(kRetryMs);
    connect(&m_retry, &QTimer::timeout, this, [this] {
        if (m_fd >= 0)
            m_notifier.setEnabled(true);
    });
    connect(&m_notifier, &QSocketNotifier::activated, this, &AcceptLoop::acceptPending);
}

void AcceptLoop::stop() {
    m_retry.stop();
    m_notifier.setEnabled(false);
    m_fd = -1;
}

void AcceptLoop::acceptPending() {
    for (int i = 0; i < m_perWakeup && m_fd >= 0; ++i) {
        const int fd = ::accept4(m_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            m_accepted(fd);  // may stop() this loop
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;  // that one connection is gone; the rest wait
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            ++m_failures;
            m_notifier.setEnabled(false);
            m_retry.start();
        }
        return;
    }
}

}  // namespace varta
