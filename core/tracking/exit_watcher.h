#pragma once
// Says the moment a local agent's process exits, instead of the engine learning it at
// the agent's deadline. Each watched process is held by a pidfd, which becomes readable
// when the process exits and, unlike its pid, can not come to mean another process.
//
// All pidfds sit in ONE epoll descriptor behind ONE QSocketNotifier: Qt's Unix event
// dispatcher polls every registered notifier on each wake, so a notifier per process
// would tax every beat once tens of thousands of local agents are connected. The number
// watched is capped (each pidfd is an open file); past the cap the engine checks /proc at
// the deadline instead. Used from the thread that made it.

#include <QObject>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>

class QSocketNotifier;

namespace varta {

class ExitWatcher : public QObject {
    Q_OBJECT
public:
    static constexpr std::size_t kMaxWatchedProcesses = 65536;  // a named cap; past it the engine checks /proc
    // Left by capacityForOpenFileLimit for sockets, files and children's pipes.
    static constexpr std::size_t kReservedDescriptors = 1024;
    // Exits handled per wake of the event loop; the rest wait for the next turn, so a mass
    // exit does not keep beats waiting. Read from epoll kEpollBatch at a time.
    static constexpr std::size_t kMaxExitsPerActivation = 4096;
    static constexpr int kEpollBatch = 256;

    // maxWatched: the cap (the engine passes min(kMaxWatchedProcesses, what RLIMIT_NOFILE
    // leaves after a reserve)); more than kMaxWatchedProcesses is held to that.
    explicit ExitWatcher(std::size_t maxWatched, QObject *parent = nullptr);
    ~ExitWatcher() override;  // closes every pidfd

    enum class WatchResult : std::uint8_t {
        Watching,
        AlreadyWatching,
        AtCapacity,   // the cap, or the kernel's (EMFILE, ENFILE, ENOMEM, epoll's ENOSPC)
        Gone,         // no such process: it has exited and been reaped
        Unsupported,  // no pidfds here (ENOSYS, a seccomp EPERM), or not a process (EINVAL)
    };
    // A zombie is watched like a live process: its exit is reported at the next turn of
    // the event loop, since its pidfd is readable at once.
    WatchResult watch(std::uint32_t pid);
    bool unwatch(std::uint32_t pid);  // closes its pidfd; false when not watched
    bool isWatching(std::uint32_t pid) const;
    std::size_t watched() const;
    std::size_t capacity() const;

    // For /metrics: refused at capacity, pidfd_open or epoll failures other than a gone
    // process (the kernel's limits among them), exits seen.
    struct Counters {
        std::uint64_t atCapacity = 0, openFailures = 0, exitsSeen = 0;
    };
    const Counters &counters() const;

    // How many processes the open-file limit leaves room for, after kReservedDescriptors.
    static std::size_t capacityForOpenFileLimit(std::uint64_t softLimit);

Q_SIGNALS:
    // seenNs: engineNowNs() when the exit was read, not when it happened.
    void exited(std::uint32_t pid, std::int64_t seenNs);

private:
    void onReadable();

    struct Watch {
        int fd;
        std::uint32_t generation;  // tells this watch's events from an earlier one's of the same pid
    };
    int m_epoll = -1;
    std::unique_ptr<QSocketNotifier> m_notifier;
    std::unordered_map<std::uint32_t, Watch> m_watches;
    std::size_t m_capacity;
    std::uint32_t m_nextGeneration = 0;
    Counters m_counters;
};

}  // namespace varta
