#include "core/engine/local_agents.h"

#include "core/base/engine_clock.h"
#include "core/base/open_file_limit.h"

#include <algorithm>
#include <limits>

namespace varta {

LocalAgents::LocalAgents(const TrackerOptions &options, QObject *parent)
    : QObject(parent),
      m_reader(options.procRoot),
      m_exitDetection(options.exitDetection),
      m_forgetAfterNs(options.forgetAfterMsOrDefault() * 1'000'000),
      m_forgetTimer(this) {
    m_forgetTimer.setSingleShot(true);
    connect(&m_forgetTimer, &QTimer::timeout, this, &LocalAgents::forgetExpired);
}

LocalAgents::~LocalAgents() = default;

void LocalAgents::start() {
    if (!m_exitDetection)
        return;
    const std::uint64_t limit = raiseOpenFileLimit();
    const std::size_t cap = std::min(ExitWatcher::kMaxWatchedProcesses, ExitWatcher::capacityForOpenFileLimit(limit));
    m_watcher = std::make_unique<ExitWatcher>(cap, this);
    connect(m_watcher.get(), &ExitWatcher::exited, this, [this](std::uint32_t pid, std::int64_t seenNs) {
        const AgentKey key = AgentKey::local(pid);
        if (Entry *entry = m_entries.contains(key) ? &m_entries[key] : nullptr)
            entry->watched = false;
        Q_EMIT exited(key, seenNs);
    });
}

const LocalAgents::Entry &LocalAgents::add(const AgentKey &key) {
    remove(key);  // a recycled pid: the old process's facts are not this one's
    Entry &entry = m_entries[key];
    if (std::optional<ProcessIdentity> identity = m_reader.read(key.pid)) {
        ++m_counters.identitiesRead;
        if (!identity->unit.isEmpty())
            m_byUnit[identity->unit].append(key);
        entry.identity = std::make_shared<const ProcessIdentity>(std::move(*identity));
    } else {
        ++m_counters.identityFailures;
    }
    if (m_watcher) {
        switch (m_watcher->watch(key.pid)) {
        case ExitWatcher::WatchResult::Watching:
        case ExitWatcher::WatchResult::AlreadyWatching: entry.watched = true; break;
        case ExitWatcher::WatchResult::Gone:
            // It beat and died before we looked: say so on the next turn, as the
            // watcher would have.
            QMetaObject::invokeMethod(
                this, [this, key] { Q_EMIT exited(key, engineNowNs()); }, Qt::QueuedConnection);
            break;
        case ExitWatcher::WatchResult::AtCapacity:
        case ExitWatcher::WatchResult::Unsupported: ++m_counters.unwatched; break;
        }
    }
    return entry;
}

void LocalAgents::remove(const AgentKey &key) {
    const auto it = m_entries.find(key);
    if (it == m_entries.end())
        return;
    if (it->watched && m_watcher)
        m_watcher->unwatch(key.pid);
    if (it->identity && !it->identity->unit.isEmpty()) {
        const auto unit = m_byUnit.find(it->identity->unit);
        if (unit != m_byUnit.end()) {
            unit->removeOne(key);
            if (unit->isEmpty())
                m_byUnit.erase(unit);
        }
    }
    m_entries.erase(it);
}

const LocalAgents::Entry *LocalAgents::find(const AgentKey &key) const {
    const auto it = m_entries.constFind(key);
    return it == m_entries.cend() ? nullptr : &*it;
}

std::optional<AgentKey> LocalAgents::takeOver(const AgentKey &key,
                                              const std::function<bool(const AgentKey &)> &isSilent) {
    const auto self = m_entries.find(key);
    if (self == m_entries.end() || !self->identity || self->identity->unit.isEmpty())
        return std::nullopt;
    for (const AgentKey &other : m_byUnit.value(self->identity->unit)) {
        if (other == key || !isSilent(other))
            continue;
        self->continues = other;
        m_entries[other].replacedByPid = key.pid;
        return other;
    }
    return std::nullopt;
}

LocalAgents::Fate LocalAgents::fateOf(std::uint32_t pid, std::uint64_t generation) const {
    const std::optional<std::uint64_t> now = m_reader.startTime(pid);
    if (!now)
        return Fate::Gone;  // no such process, or a zombie: it has ended
    if (generation == 0)
        return Fate::Unknown;
    return *now == generation ? Fate::Alive : Fate::Recycled;
}

bool LocalAgents::isNewProcess(const AgentKey &key, std::uint64_t generation) const {
    const Entry *entry = find(key);
    if (entry && entry->watched)
        return false;
    if (generation == 0)
        return false;  // nothing to compare with: as upstream, the beat continues the agent
    const std::optional<std::uint64_t> now = m_reader.startTime(key.pid);
    return now && *now != generation;
}

void LocalAgents::scheduleForget(const AgentKey &key, std::uint64_t generation, std::int64_t nowNs) {
    if (m_forgetAfterNs <= 0)
        return;
    m_forget.push_back(Forget{nowNs + m_forgetAfterNs, key, generation});
    if (!m_forgetTimer.isActive())
        armForget();
}

void LocalAgents::armForget() {
    if (m_forget.empty())
        return;
    const std::int64_t waitNs = std::max<std::int64_t>(m_forget.front().dueNs - engineNowNs(), 0);
    const std::int64_t waitMs = std::min<std::int64_t>((waitNs + 999'999) / 1'000'000, std::numeric_limits<int>::max());
    m_forgetTimer.start(static_cast<int>(waitMs));
}

void LocalAgents::forgetExpired() {
    const std::int64_t now = engineNowNs();
    while (!m_forget.empty() && m_forget.front().dueNs <= now) {
        const Forget due = m_forget.front();
        m_forget.pop_front();
        Q_EMIT forgetDue(due.key, due.generation);
    }
    armForget();
}

}  // namespace varta
