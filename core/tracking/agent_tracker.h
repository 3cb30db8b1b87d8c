#pragma once
// Every agent's state: the nonce rules, the panic frame, rate limits, capacity with
// eviction, origin pinning of local pids (OriginPins), and deadline-ordered stall
// surfacing (docs/protocol.md section 1, docs/compat.md section 1). Single-threaded: it
// lives on the engine thread and never allocates per beat.

#include "core/config/options.h"
#include "core/tracking/agent_state_machine.h"
#include "core/tracking/agent_table.h"
#include "core/tracking/deadline_list.h"
#include "core/tracking/global_rate_limiter.h"
#include "core/tracking/origin_pins.h"
#include "core/tracking/tracker_counters.h"

#include <queue>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

namespace varta {

enum class BeatVerdict : std::uint8_t {
    Accepted,
    Replay,  // nonce not newer (or a panic frame not newer): dropped, timer untouched
    RateLimitedPerPid,
    RateLimitedGlobal,
    CapacityExceeded,  // table full and nothing evictable: the new agent is refused
    OriginConflict,    // a local pid already held over an origin at least as strong: refused
};

struct BeatOutcome {
    BeatVerdict verdict = BeatVerdict::Accepted;
    Slot slot = kNoSlot;
    bool newAgent = false;
    bool resumed = false;             // was stalled; this beat re-arms its stall
    std::int64_t silentForNs = 0;     // when resumed: since the beat before this one
    std::optional<AgentKey> evicted;  // made room for this agent
    // The local agent that held this pid over a weaker origin, removed for this one.
    std::optional<AgentKey> replaced;
    // The pid's previous process had exited (or the generation check said so): its
    // agent was removed and this beat began a new one under the same key.
    bool recycled = false;
};

class AgentTracker {
public:
    // An agent silent this many thresholds is old enough to evict.
    static constexpr std::int64_t kEvictionSilenceThresholds = 10;
    // Nonce wrap: the old nonce within this of u64 max and the new one at most this.
    static constexpr std::uint64_t kNonceWrapWindow = 1ull << 20;

    using TransitionFn = std::function<void(Slot, AgentState from, AgentState to, std::int64_t nowNs)>;

    AgentTracker(const TrackerOptions &options, TrackerCounters &tracker);

    BeatOutcome onBeat(const AgentKey &key, const vlp::Frame &frame, std::int64_t nowNs, bool crossNamespace = false);

    // Deadline of the agent that will stall next, or max() when nobody is beating.
    std::int64_t nextDeadlineNs() const noexcept;

    // Surfaces every stall whose deadline is <= nowNs, oldest first, calling
    // onStall(slot, deadlineNs) for each. Returns how many.
    template <typename OnStall>
    std::uint32_t surfaceDue(std::int64_t nowNs, OnStall &&onStall);

    // The recovery side's verdict on the agent changed (a child started or ended, the
    // operator paused or re-armed it, ...).
    void setMark(Slot slot, RecoveryMark mark, std::int64_t nowNs);
    // A recovery child started for the agent.
    void countRecovery(Slot slot) noexcept;

    // Changes since the last drain: visit each changed slot once, then forget them.
    template <typename Fn>
    void drainDirty(std::int64_t nowNs, Fn &&fn);
    // At least as many as drainDirty will visit (an evicted slot may still be listed),
    // owed agents it may make dirty included.
    std::size_t dirtyCount() const noexcept {
        return m_dirty.size() + std::min(m_owedCount, kMinOwedPerDrain + m_owedCount / kOwedShareDenominator);
    }
    void setTrackDirty(bool on) noexcept { m_trackDirty = on; }
    // Every agent dirty, nothing owed: what a new listener starts from.
    void markAllDirty();
    // Folding (windowNs > 0): an agent whose only change is a beat, visited by drainDirty
    // less than windowNs ago, is not made dirty but owed, and becomes dirty (its newest
    // beat with it) in the first drain windowNs after that visit. Under a flood most beats
    // are such, and a drain then visits about one record per agent per window instead of
    // one per agent per drain. An agent's first beat is owed too, due at once, unless
    // other first sights came just before it (kFirstSightsPerSecond). Any other change
    // makes it dirty at once. 0: every beat.
    // A drain makes at most kMinOwedPerDrain + owed / kOwedShareDenominator owed agents
    // dirty, so that a fleet that appeared (or beat) together is spread over about a
    // window's worth of drains instead of landing in one.
    static constexpr std::size_t kMinOwedPerDrain = 1024;
    static constexpr std::size_t kOwedShareDenominator = 16;
    // First sights fall due at most this many a second, in the order they came: a new
    // agent goes out as a full row, five times a beat's bytes, so a fleet that appears at
    // once is written out over seconds (100,000 in four) instead of in a few batches that
    // would hold up ingest.
    static constexpr std::int64_t kFirstSightsPerSecond = 25'000;
    void setBeatFolding(std::int64_t windowNs);
    std::size_t owedBeats() const noexcept { return m_owedCount; }

    std::uint32_t agentsInState(AgentState state) const noexcept { return m_stateCounts[static_cast<int>(state)]; }

    void setTransitionObserver(TransitionFn fn) { m_onTransition = std::move(fn); }
    // Agents never to evict, whatever their state: the engine keeps those whose recovery
    // child is still running (a Paused mark hides that from the state).
    using KeepFn = std::function<bool(const AgentKey &)>;
    void setEvictionGuard(KeepFn fn) { m_keep = std::move(fn); }

    Slot find(const AgentKey &key) const noexcept { return m_table.find(key); }

    // A local agent's process ended (the kernel said so). Returns true when this surfaces
    // the agent's silence, as a stall would (it moves to the stalled order and counts a
    // stall); false when it was already silent and only its state changes.
    bool surfaceExit(Slot slot, std::int64_t nowNs);
    // Its unit came back under another pid: a tombstone until it is forgotten.
    void markReplaced(Slot slot, std::int64_t nowNs);
    void setGeneration(Slot slot, std::uint64_t generation) noexcept { m_table.at(slot).generation = generation; }
    // Asked when a silent local agent beats again: does its pid now belong to another
    // process? (The engine compares start times; an exited agent needs no asking.)
    using NewProcessFn = std::function<bool(const AgentRecord &)>;
    void setNewProcessCheck(NewProcessFn fn) { m_isNewProcess = std::move(fn); }

    // Look-ahead for a batch of beats, in three passes over the batch: the key's index
    // bucket, then the record it names, then the record's deadline neighbours. Each pass
    // reads only what the one before started loading, so a batch's cache misses overlap.
    // Returns the key's hash for the next pass.
    std::size_t prefetchBucket(const AgentKey &key) const noexcept {
        const std::size_t hash = hashAgentKey(key);
        m_table.prefetchBucket(hash);
        return hash;
    }
    Slot prefetchRecord(std::size_t hash) const noexcept { return m_table.prefetchRecord(hash); }
    void prefetchNeighbours(Slot slot) const noexcept {
        if (slot != kNoSlot)
            m_deadlines.prefetchNeighbours(slot);
    }
    const AgentRecord &record(Slot slot) const noexcept { return m_table.at(slot); }
    const AgentTable &table() const noexcept { return m_table; }
    const OriginPins &pins() const noexcept { return m_pins; }
    std::int64_t thresholdNs() const noexcept { return m_thresholdNs; }

    // The operator says the agent is gone: it leaves the table (its series leave /metrics).
    bool forget(const AgentKey &key);

private:
    bool nonceIsNewer(AgentRecord &record, const vlp::Frame &frame) noexcept;
    bool perAgentRateAllows(const AgentRecord &record, std::int64_t nowNs) const noexcept;
    bool isFirstPanic(const AgentKey &key) const noexcept;
    bool claimPid(const AgentKey &key, BeatOutcome &outcome);
    bool isAnotherProcess(const AgentRecord &record) const;
    Slot admitNewAgent(const AgentKey &key, std::int64_t nowNs, BeatOutcome &outcome);
    void remove(Slot slot);
    Slot findEvictable(std::int64_t nowNs) noexcept;
    void accept(Slot slot, const vlp::Frame &frame, std::int64_t nowNs, BeatOutcome &outcome);
    void setCondition(Slot slot, const AgentCondition &condition, std::int64_t nowNs);
    void markDirty(Slot slot) noexcept;
    std::int64_t firstSightDue(std::int64_t nowNs) noexcept;  // paced by kFirstSightsPerSecond
    // A beat and nothing else changed (or a first beat): dirty, or owed while folding.
    void markBeat(Slot slot, std::int64_t nowNs, bool firstSight);
    static AgentCondition conditionOf(const AgentRecord &r) noexcept {
        return AgentCondition{r.lastStatus, r.silent, r.mark, r.exited, r.replaced};
    }

    AgentTable m_table;
    OriginPins m_pins;  // pid -> slot, local-origin agents only
    DeadlineList m_deadlines;
    GlobalRateLimiter m_globalRate;
    std::int64_t m_thresholdNs;
    EvictionPolicy m_eviction;
    // --eviction-scan-window: bounded work per insert when looking for an evictable
    // agent (strict skips agents under recovery, paused or given up).
    std::uint32_t m_evictionScanWindow;
    std::int64_t m_minBeatSpacingNs;  // 0: no per-agent limit
    TrackerCounters &m_counters;
    TransitionFn m_onTransition;
    KeepFn m_keep;
    NewProcessFn m_isNewProcess;
    std::vector<Slot> m_dirty;  // each live slot at most once while its dirty flag is set
    // Folded beats by due time; an entry whose record is no longer owed is skipped.
    using Owed = std::pair<std::int64_t, Slot>;
    struct DueLater {
        bool operator()(const Owed &a, const Owed &b) const noexcept { return a.first > b.first; }
    };
    std::priority_queue<Owed, std::vector<Owed>, DueLater> m_owed;
    std::size_t m_owedCount = 0;
    std::int64_t m_foldNs = 0;
    std::int64_t m_lastFirstSightDueNs = std::numeric_limits<std::int64_t>::min();
    // While folding, by slot: when drainDirty last visited it. Beside the records, not in
    // them: only an observer with consoles attached pays for it.
    std::vector<std::int64_t> m_publishedNs;
    std::int64_t &publishedNs(Slot slot) {
        if (slot >= m_publishedNs.size())
            m_publishedNs.resize(std::size_t{slot} + 1, 0);  // grows geometrically
        return m_publishedNs[slot];
    }
    std::int64_t m_latestBeatNs = std::numeric_limits<std::int64_t>::min();  // of any accepted beat
    bool m_trackDirty = false;
    std::uint32_t m_stateCounts[kAgentStateCount] = {};
};

template <typename OnStall>
std::uint32_t AgentTracker::surfaceDue(std::int64_t nowNs, OnStall &&onStall) {
    std::uint32_t surfaced = 0;
    for (Slot slot = m_deadlines.head(DeadlineList::Beating); slot != kNoSlot;
         slot = m_deadlines.head(DeadlineList::Beating)) {
        AgentRecord &record = m_table.at(slot);
        const std::int64_t deadline = record.lastBeatNs + m_thresholdNs;
        if (deadline > nowNs)
            break;
        m_deadlines.remove(slot);
        m_deadlines.pushBack(DeadlineList::Stalled, slot);
        ++record.stalls;
        ++m_counters.stallsSurfaced;
        setCondition(slot, applyEvent(conditionOf(record), AgentEvent::Silence), nowNs);
        onStall(slot, deadline);
        ++surfaced;
    }
    return surfaced;
}

template <typename Fn>
void AgentTracker::drainDirty(std::int64_t nowNs, Fn &&fn) {
    for (std::size_t budget = kMinOwedPerDrain + m_owedCount / kOwedShareDenominator;
         budget > 0 && !m_owed.empty() && m_owed.top().first <= nowNs;) {
        const Slot slot = m_owed.top().second;
        m_owed.pop();
        AgentRecord &record = m_table.at(slot);
        if (!record.live || !record.owed)
            continue;  // gone, or made dirty by a change since
        record.owed = false;
        --m_owedCount;
        --budget;
        if (!record.dirty) {
            record.dirty = true;
            m_dirty.push_back(slot);
        }
    }
    for (const Slot slot : m_dirty) {
        AgentRecord &record = m_table.at(slot);
        if (!record.live || !record.dirty)
            continue;  // evicted (and maybe reused) since it was marked
        record.dirty = false;
        if (m_foldNs > 0)
            publishedNs(slot) = nowNs;
        if (record.owed) {
            record.owed = false;  // its entry is skipped when it comes up
            --m_owedCount;
        }
        fn(slot, static_cast<const AgentRecord &>(record));
    }
    m_dirty.clear();
}

}  // namespace varta
