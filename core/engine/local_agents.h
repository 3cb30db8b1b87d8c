#pragma once
// What the engine knows of its local agents' processes beyond their beats: who each one
// is (ProcReader, read once at its first beat), the moment one ends (ExitWatcher), which
// systemd unit it belongs to (so that a restarted unit's new pid carries on the old
// agent's row), and when an exited or replaced agent is forgotten (--forget-after-ms).
//
// Only agents on the Unix socket in our own pid namespace are looked up: the kernel
// vouches for their pid. A UDP peer's pid names a process on another host, and a
// cross-namespace agent's pid is not the one /proc knows it by.
//
// Engine thread only. It decides nothing about recovery; it reports facts.

#include "core/config/options.h"
#include "core/identity/agent_key.h"
#include "core/identity/process_identity.h"
#include "core/tracking/exit_watcher.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace varta {

class LocalAgents : public QObject {
    Q_OBJECT
public:
    struct Entry {
        std::shared_ptr<const ProcessIdentity> identity;  // null when /proc had nothing
        std::optional<AgentKey> continues;                // the agent of its unit it took over
        std::optional<std::uint32_t> replacedByPid;       // the pid that took over from it
        bool watched = false;                             // its exit comes from the watcher
    };

    struct Counters {
        std::uint64_t identitiesRead = 0;
        std::uint64_t identityFailures = 0;  // the process was gone or /proc unreadable at first contact
        std::uint64_t unwatched = 0;         // past the watcher's cap: /proc is asked at the deadline
    };

    LocalAgents(const TrackerOptions &options, QObject *parent = nullptr);
    ~LocalAgents() override;

    // Raises the open-file limit and sizes the exit watcher (none with --exit-detection off).
    void start();
    bool detectsExits() const { return m_watcher != nullptr; }

    // An agent's first accepted beat: reads its process and starts watching it.
    const Entry &add(const AgentKey &key);
    // It left the table (forgotten, evicted, recycled): nothing of it is kept.
    void remove(const AgentKey &key);
    const Entry *find(const AgentKey &key) const;

    // The silent agent of the same unit that `key` (just added) carries on from, if any:
    // the first one `isSilent` accepts. Records the continuation on both entries.
    std::optional<AgentKey> takeOver(const AgentKey &key, const std::function<bool(const AgentKey &)> &isSilent);

    // What /proc says of a local agent's process at its stall deadline.
    enum class Fate : std::uint8_t { Alive, Gone, Recycled, Unknown };
    Fate fateOf(std::uint32_t pid, std::uint64_t generation) const;
    // A silent agent beat again: is its pid another process's now? A watched agent that
    // did not exit is the same process (the watcher would have said); others ask /proc.
    bool isNewProcess(const AgentKey &key, std::uint64_t generation) const;

    // An exited or replaced agent: forgetDue(key, generation) after --forget-after-ms
    // (never when it is 0). The engine checks it is still that agent then.
    void scheduleForget(const AgentKey &key, std::uint64_t generation, std::int64_t nowNs);

    const Counters &counters() const { return m_counters; }
    const ExitWatcher *watcher() const { return m_watcher.get(); }

Q_SIGNALS:
    void exited(const varta::AgentKey &key, std::int64_t seenNs);
    void forgetDue(const varta::AgentKey &key, std::uint64_t generation);

private:
    struct Forget {
        std::int64_t dueNs;
        AgentKey key;
        std::uint64_t generation;
    };
    void armForget();
    void forgetExpired();

    ProcReader m_reader;
    bool m_exitDetection;
    std::int64_t m_forgetAfterNs;  // 0: never
    std::unique_ptr<ExitWatcher> m_watcher;
    QHash<AgentKey, Entry> m_entries;
    QHash<QString, QList<AgentKey>> m_byUnit;
    // One --forget-after-ms for everyone: in the order scheduled is the order due.
    std::deque<Forget> m_forget;
    QTimer m_forgetTimer;
    Counters m_counters;
};

}  // namespace varta
