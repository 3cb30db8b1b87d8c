#include "core/tracking/agent_tracker.h"

#include "core/identity/state_groups.h"

#include <algorithm>

namespace varta {

AgentTracker::AgentTracker(const TrackerOptions &options, TrackerCounters &tracker)
    : m_table(options.capacity),
      m_pins(m_table.capacity()),
      m_deadlines(m_table),
      m_globalRate(options.globalBeatRate, options.globalBeatBurst),
      m_thresholdNs(options.thresholdMs * 1'000'000),
      m_eviction(options.eviction),
      m_evictionScanWindow(std::max<std::uint32_t>(options.evictionScanWindow, 1)),
      m_minBeatSpacingNs(options.maxBeatRate == 0 ? 0 : 1'000'000'000 / std::int64_t{options.maxBeatRate}),
      m_counters(tracker) {}

std::int64_t AgentTracker::nextDeadlineNs() const noexcept {
    const Slot head = m_deadlines.head(DeadlineList::Beating);
    if (head == kNoSlot)
        return std::numeric_limits<std::int64_t>::max();
    return m_table.at(head).lastBeatNs + m_thresholdNs;
}

BeatOutcome AgentTracker::onBeat(const AgentKey &key, const vlp::Frame &frame, std::int64_t nowNs,
                                 bool crossNamespace) {
    BeatOutcome outcome;
    // As upstream, an agent's first panic frame (its last words) passes the per-agent limit,
    // and for a local agent the global one too: it is never lost to a limit.
    const bool firstPanic = frame.isPanic() && isFirstPanic(key);
    const bool globalExempt = firstPanic && !key.isUdp();
    if (m_globalRate.enabled() && !globalExempt && !m_globalRate.allow(nowNs)) {
        ++m_counters.rateLimitedGlobal;
        outcome.verdict = BeatVerdict::RateLimitedGlobal;
        return outcome;
    }
    Slot slot = m_table.find(key);
    if (slot != kNoSlot && isAnotherProcess(m_table.at(slot))) [[unlikely]] {
        // The process this agent was is gone; the beat is its pid's next owner's.
        if (m_table.at(slot).exited || !m_table.at(slot).replaced)
            ++m_counters.pidRecycles;
        remove(slot);
        slot = kNoSlot;
        outcome.recycled = true;
    }
    if (slot == kNoSlot) {
        // Only a new agent pays for origin pinning: a tracked agent already holds its pid.
        if (OriginPins::pinnable(key) && !claimPid(key, outcome)) {
            ++m_counters.originConflicts;
            outcome.verdict = BeatVerdict::OriginConflict;
            return outcome;
        }
        slot = admitNewAgent(key, nowNs, outcome);
        if (slot == kNoSlot) {
            ++m_counters.capacityExceeded;
            outcome.verdict = BeatVerdict::CapacityExceeded;
            return outcome;
        }
        AgentRecord &record = m_table.at(slot);
        record.firstSeenNs = nowNs;
        record.crossNamespace = crossNamespace;
        outcome.newAgent = true;
    } else {
        AgentRecord &record = m_table.at(slot);
        if (!nonceIsNewer(record, frame)) {
            ++m_counters.replays;
            outcome.verdict = BeatVerdict::Replay;
            return outcome;
        }
        if (!firstPanic && !perAgentRateAllows(record, nowNs)) {
            ++m_counters.rateLimitedPerPid;
            outcome.verdict = BeatVerdict::RateLimitedPerPid;
            return outcome;
        }
    }
    accept(slot, frame, nowNs, outcome);
    return outcome;
}

bool AgentTracker::isAnotherProcess(const AgentRecord &record) const {
    if (record.exited || record.replaced)
        return true;
    return record.silent && !record.key.isUdp() && m_isNewProcess && m_isNewProcess(record);
}

bool AgentTracker::surfaceExit(Slot slot, std::int64_t nowNs) {
    AgentRecord &record = m_table.at(slot);
    const bool surfaces = !record.silent;
    if (surfaces) {
        m_deadlines.remove(slot);
        m_deadlines.pushBack(DeadlineList::Stalled, slot);
        ++record.stalls;
        ++m_counters.stallsSurfaced;
    }
    ++m_counters.exitsSeen;
    setCondition(slot, applyEvent(conditionOf(record), AgentEvent::Exit), nowNs);
    return surfaces;
}

void AgentTracker::markReplaced(Slot slot, std::int64_t nowNs) {
    AgentRecord &record = m_table.at(slot);
    if (!record.silent) {  // not expected (only silent agents are replaced), but keep the lists right
        m_deadlines.remove(slot);
        m_deadlines.pushBack(DeadlineList::Stalled, slot);
    }
    ++m_counters.restarts;
    setCondition(slot, applyEvent(conditionOf(record), AgentEvent::Replacement), nowNs);
}

bool AgentTracker::nonceIsNewer(AgentRecord &record, const vlp::Frame &frame) noexcept {
    if (frame.isPanic()) {
        // The panic hook's frame carries the terminal nonce every time; it counts once
        // per strictly newer sender timestamp.
        return !record.terminating || frame.timestamp > record.lastTimestamp;
    }
    if (frame.nonce > record.lastNonce)
        return true;
    const bool wrapped = record.lastNonce >= vlp::kNonceTerminal - kNonceWrapWindow && frame.nonce <= kNonceWrapWindow;
    if (wrapped)
        ++m_counters.nonceWraps;
    return wrapped;
}

// As upstream: a minimum spacing of 1e9 / --max-beat-rate ns between an agent's accepted
// beats (10 ms at the default 100 per second), not a count per calendar second.
bool AgentTracker::perAgentRateAllows(const AgentRecord &record, std::int64_t nowNs) const noexcept {
    return m_minBeatSpacingNs == 0 || nowNs - record.lastBeatNs >= m_minBeatSpacingNs;
}

bool AgentTracker::isFirstPanic(const AgentKey &key) const noexcept {
    const Slot slot = m_table.find(key);
    return slot == kNoSlot || !m_table.at(slot).terminating;
}

// A local pid is one process, so it belongs to one local agent: the one seen over the
// strongest origin (upstream's pinning). A holder at least as strong keeps it, so that
// a spoofed loopback datagram can not claim a Unix-socket agent's pid and two loopback
// addresses of one rank do not take it from each other on every beat. A weaker holder is
// removed as an eviction removes an agent, and its silence no longer counts.
bool AgentTracker::claimPid(const AgentKey &key, BeatOutcome &outcome) {
    const Slot holder = m_pins.find(key.pid);
    if (holder == kNoSlot)
        return true;
    const AgentKey &held = m_table.at(holder).key;
    if (OriginPins::rank(held.transport) >= OriginPins::rank(key.transport))
        return false;
    outcome.replaced = held;
    remove(holder);
    ++m_counters.originTakeovers;
    return true;
}

Slot AgentTracker::admitNewAgent(const AgentKey &key, std::int64_t nowNs, BeatOutcome &outcome) {
    if (m_table.full()) {
        // Asked before a victim is chosen: a key refused anyway must not cost an agent its
        // place (an eviction only shortens runs, so a placeable key stays placeable).
        if (!m_table.placeable(key)) [[unlikely]] {
            ++m_counters.probeLimited;
            return kNoSlot;
        }
        const Slot victim = findEvictable(nowNs);
        if (victim == kNoSlot)
            return kNoSlot;
        outcome.evicted = m_table.at(victim).key;
        remove(victim);
        ++m_counters.evicted;
    }
    const Slot slot = m_table.insert(key);
    if (slot == kNoSlot) [[unlikely]] {
        // Refused as a full table refuses: a run that long is made, never met by chance, and
        // whoever made it must not make every look-up walk further.
        ++m_counters.probeLimited;
        return kNoSlot;
    }
    ++m_stateCounts[static_cast<int>(AgentState::Up)];
    if (OriginPins::pinnable(key))
        m_pins.pin(key.pid, slot);
    return slot;
}

bool AgentTracker::forget(const AgentKey &key) {
    const Slot slot = m_table.find(key);
    if (slot == kNoSlot)
        return false;
    remove(slot);
    return true;
}

void AgentTracker::remove(Slot slot) {
    AgentRecord &record = m_table.at(slot);
    m_deadlines.remove(slot);
    record.dirty = false;  // drainDirty skips its stale entries
    if (record.owed) {
        record.owed = false;
        --m_owedCount;
    }
    --m_stateCounts[static_cast<int>(record.state)];
    if (OriginPins::pinnable(record.key))
        m_pins.unpin(record.key.pid);
    m_table.erase(slot);
}

Slot AgentTracker::findEvictable(std::int64_t nowNs) noexcept {
    const std::int64_t oldEnough = kEvictionSilenceThresholds * m_thresholdNs;
    Slot slot = m_deadlines.head(DeadlineList::Stalled);
    for (std::uint32_t scanned = 0; slot != kNoSlot; ++scanned) {
        if (scanned == m_evictionScanWindow) {
            ++m_counters.evictionScanTruncated;  // old enough agents left unexamined
            return kNoSlot;
        }
        const AgentRecord &record = m_table.at(slot);
        if (nowNs - record.lastBeatNs <= oldEnough)
            return kNoSlot;  // the list is in silence order: nobody further is older
        const bool byPolicy = m_eviction == EvictionPolicy::Balanced || record.state == AgentState::Stalled;
        if (byPolicy && !(m_keep && m_keep(record.key)))
            return slot;
        slot = m_deadlines.next(slot);
    }
    return kNoSlot;
}

void AgentTracker::accept(Slot slot, const vlp::Frame &frame, std::int64_t nowNs, BeatOutcome &outcome) {
    AgentRecord &record = m_table.at(slot);
    // A panic frame changes more than the beat fields; a first beat is owed like a beat
    // while folding (new agents by the thousand are spread over drains).
    const bool panicNow = frame.isPanic() && !record.terminating;
    const bool firstSight = record.beats == 0;
    outcome.slot = slot;
    outcome.resumed = record.silent;
    if (record.silent)
        outcome.silentForNs = nowNs - record.lastBeatNs;
    if (frame.isPanic())
        record.terminating = true;
    else
        record.lastNonce = frame.nonce;
    record.lastTimestamp = frame.timestamp;
    record.payload = frame.payload;
    // The deadline list is sorted only if no accepted beat is earlier than the one before;
    // two listeners, or a receive timestamp beside a read time, can disagree by a little.
    m_latestBeatNs = std::max(nowNs, m_latestBeatNs);
    record.lastBeatNs = m_latestBeatNs;
    ++record.beats;
    ++m_counters.beatsAccepted;
    m_deadlines.remove(slot);
    m_deadlines.pushBack(DeadlineList::Beating, slot);
    if (panicNow)
        markDirty(slot);
    else
        markBeat(slot, nowNs, firstSight);  // a change of status or silence below marks it dirty too
    // A beat only sets the reported status and clears silence; when it repeats the status
    // of an agent that is not silent (nearly every beat) no condition changes, and the
    // state machine has nothing to say.
    if (!record.silent && record.lastStatus == frame.status)
        return;
    setCondition(slot, varta::applyEvent(conditionOf(record), beatEvent(frame.status)), nowNs);
}

void AgentTracker::setMark(Slot slot, RecoveryMark mark, std::int64_t nowNs) {
    const AgentRecord &record = m_table.at(slot);
    if (record.mark != mark) {
        AgentCondition c = conditionOf(record);
        c.mark = mark;
        setCondition(slot, c, nowNs);
    }
}

void AgentTracker::setCondition(Slot slot, const AgentCondition &c, std::int64_t nowNs) {
    AgentRecord &record = m_table.at(slot);
    const bool silenceChanged = record.silent != c.silent;
    record.lastStatus = c.status;
    record.silent = c.silent;
    record.mark = c.mark;
    record.exited = c.exited;
    record.replaced = c.replaced;
    const AgentState next = displayedState(c);
    const AgentState previous = record.state;
    if (next == previous) {
        // "paused · silent", "gave up · beating": told as a transition to the same state.
        if (silenceChanged && isOverlay(next)) {
            markDirty(slot);
            if (m_onTransition)
                m_onTransition(slot, previous, next, nowNs);
        }
        return;
    }
    record.state = next;
    if (!isDown(next))
        record.downSinceNs = 0;
    else if (record.downSinceNs == 0)
        record.downSinceNs = next == AgentState::Stalled ? record.lastBeatNs : nowNs;
    --m_stateCounts[static_cast<int>(previous)];
    ++m_stateCounts[static_cast<int>(next)];
    markDirty(slot);
    if (m_onTransition)
        m_onTransition(slot, previous, next, nowNs);
}

void AgentTracker::countRecovery(Slot slot) noexcept {
    ++m_table.at(slot).recoveries;
    markDirty(slot);
}

void AgentTracker::markAllDirty() {
    m_owed = {};
    m_owedCount = 0;
    m_table.forEach([this](const AgentRecord &record) {
        const Slot slot = m_table.find(record.key);
        m_table.at(slot).owed = false;
        markDirty(slot);
    });
}

void AgentTracker::setBeatFolding(std::int64_t windowNs) {
    m_foldNs = windowNs;
    m_publishedNs.clear();
    m_publishedNs.shrink_to_fit();  // an observer whose consoles left pays nothing again
}

void AgentTracker::markBeat(Slot slot, std::int64_t nowNs, bool firstSight) {
    if (!m_trackDirty)
        return;
    AgentRecord &record = m_table.at(slot);
    if (record.dirty)
        return;
    if (m_foldNs > 0) {
        // Owed already (a first sight not yet drained, or a beat waiting out its window):
        // it goes out with this newest beat when its turn comes, within a drain's budget.
        if (record.owed)
            return;
        const std::int64_t published = publishedNs(slot);
        if (firstSight || nowNs - published < m_foldNs) {
            record.owed = true;
            ++m_owedCount;
            m_owed.emplace(firstSight ? firstSightDue(nowNs) : published + m_foldNs, slot);
            return;
        }
    }
    record.dirty = true;
    m_dirty.push_back(slot);
}

std::int64_t AgentTracker::firstSightDue(std::int64_t nowNs) noexcept {
    constexpr std::int64_t kSpacingNs = 1'000'000'000 / kFirstSightsPerSecond;
    m_lastFirstSightDueNs = m_lastFirstSightDueNs > nowNs - kSpacingNs ? m_lastFirstSightDueNs + kSpacingNs : nowNs;
    return m_lastFirstSightDueNs;
}

void AgentTracker::markDirty(Slot slot) noexcept {
    if (!m_trackDirty)
        return;
    AgentRecord &record = m_table.at(slot);
    if (record.dirty)
        return;
    record.dirty = true;
    m_dirty.push_back(slot);
}

}  // namespace varta
