#include "core/tracking/exit_watcher.h"

#include "core/base/engine_clock.h"

#include <QSocketNotifier>

#include <algorithm>
#include <array>
#include <cerrno>
#include <limits>

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace varta {
namespace {

// The pid and its watch's generation travel in the epoll event, so an event needs no
// look-up of the descriptor to be told apart from a stale one.
std::uint64_t eventData(std::uint32_t pid, std::uint32_t generation) { return std::uint64_t{generation} << 32 | pid; }

int pidfdOpen(std::uint32_t pid) {
#ifdef SYS_pidfd_open
    // pidfds are close-on-exec without asking, so no child inherits one.
    return static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0U));
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

void closeOnce(int fd) {
    // Linux releases the descriptor even when close() reports EINTR: never retry.
    ::close(fd);
}

}  // namespace

ExitWatcher::ExitWatcher(std::size_t maxWatched, QObject *parent)
    : QObject(parent), m_capacity(std::min(maxWatched, kMaxWatchedProcesses)) {
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0)
        return;
    m_notifier = std::make_unique<QSocketNotifier>(m_epoll, QSocketNotifier::Read);
    connect(m_notifier.get(), &QSocketNotifier::activated, this, &ExitWatcher::onReadable);
}

ExitWatcher::~ExitWatcher() {
    // The notifier goes before the descriptor it watches.
    m_notifier.reset();
    for (const auto &[pid, watch] : m_watches)
        closeOnce(watch.fd);
    if (m_epoll >= 0)
        closeOnce(m_epoll);
}

ExitWatcher::WatchResult ExitWatcher::watch(std::uint32_t pid) {
    if (m_watches.contains(pid))
        return WatchResult::AlreadyWatching;
    if (m_epoll < 0 || pid == 0 || pid > static_cast<std::uint32_t>(std::numeric_limits<pid_t>::max())) {
        ++m_counters.openFailures;
        return WatchResult::Unsupported;
    }
    if (m_watches.size() >= m_capacity) {
        ++m_counters.atCapacity;
        return WatchResult::AtCapacity;
    }
    const int fd = pidfdOpen(pid);
    if (fd < 0) {
        const int error = errno;
        if (error == ESRCH)
            return WatchResult::Gone;
        ++m_counters.openFailures;
        if (error == EMFILE || error == ENFILE || error == ENOMEM)
            return WatchResult::AtCapacity;
        // EINVAL also stands for a thread that does not lead its thread group.
        return WatchResult::Unsupported;
    }
    const std::uint32_t generation = m_nextGeneration++;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = eventData(pid, generation);
    if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event) != 0) {
        // ENOSPC: fs.epoll.max_user_watches; ENOMEM: the kernel's memory.
        const int error = errno;
        closeOnce(fd);
        ++m_counters.openFailures;
        return error == ENOSPC || error == ENOMEM ? WatchResult::AtCapacity : WatchResult::Unsupported;
    }
    m_watches.emplace(pid, Watch{fd, generation});
    return WatchResult::Watching;
}

bool ExitWatcher::unwatch(std::uint32_t pid) {
    const auto it = m_watches.find(pid);
    if (it == m_watches.end())
        return false;
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, it->second.fd, nullptr);
    closeOnce(it->second.fd);
    m_watches.erase(it);
    return true;
}

bool ExitWatcher::isWatching(std::uint32_t pid) const { return m_watches.contains(pid); }
std::size_t ExitWatcher::watched() const { return m_watches.size(); }
std::size_t ExitWatcher::capacity() const { return m_capacity; }
const ExitWatcher::Counters &ExitWatcher::counters() const { return m_counters; }

void ExitWatcher::onReadable() {
    std::array<epoll_event, kEpollBatch> events{};
    std::size_t handled = 0;
    while (handled < kMaxExitsPerActivation) {
        const int ready = ::epoll_wait(m_epoll, events.data(), kEpollBatch, 0);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            break;
        const std::int64_t seenNs = engineNowNs();
        for (int i = 0; i < ready; ++i) {
            const std::uint64_t data = events[static_cast<std::size_t>(i)].data.u64;
            const auto pid = static_cast<std::uint32_t>(data);
            const auto generation = static_cast<std::uint32_t>(data >> 32);
            // A slot of an earlier exit in this batch may have unwatched this pid, or
            // watched it afresh.
            const auto it = m_watches.find(pid);
            if (it == m_watches.end() || it->second.generation != generation)
                continue;
            ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, it->second.fd, nullptr);
            closeOnce(it->second.fd);
            m_watches.erase(it);
            ++m_counters.exitsSeen;
            Q_EMIT exited(pid, seenNs);
        }
        handled += static_cast<std::size_t>(ready);
        if (ready < kEpollBatch)
            break;
    }
}

std::size_t ExitWatcher::capacityForOpenFileLimit(std::uint64_t softLimit) {
    if (softLimit <= kReservedDescriptors)
        return 0;
    const std::uint64_t room = softLimit - kReservedDescriptors;
    return static_cast<std::size_t>(std::min<std::uint64_t>(room, std::numeric_limits<std::size_t>::max()));
}

}  // namespace varta
