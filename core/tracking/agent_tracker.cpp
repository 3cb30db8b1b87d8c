#include "core/tracking/agent_tracker.h"

#include <algorithm>

namespace varta {

AgentTracker::AgentTracker(const TrackerOptions &options, IngestCounters &ingest, TrackerCounters &tracker)
    : table_(options.capacity),
      deadlines_(table_),
      globalRate_(options.globalBeatRate, options.globalBeatBurst),
      thresholdNs_(options.thresholdMs * 1'000'000),
      eviction_(options.eviction),
      maxBeatRate_(options.maxBeatRate),
      ingest_(ingest),
      tracker_(tracker) {}

std::int64_t AgentTracker::nextDeadlineNs() const noexcept {
    const Slot head = deadlines_.head(DeadlineList::Beating);
    if (head == kNoSlot)
        return std::numeric_limits<std::int64_t>::max();
    return table_.at(head).lastBeatNs + thresholdNs_;
}

BeatOutcome AgentTracker::onBeat(const AgentKey &key, const vlp::Frame &frame, std::int64_t nowNs,
                                 bool crossNamespace) {
    BeatOutcome outcome;
    if (globalRate_.enabled() && !globalRate_.allow(nowNs)) {
        ++ingest_.rateLimitedGlobal;
        outcome.verdict = BeatVerdict::RateLimitedGlobal;
        return outcome;
    }
    Slot slot = table_.find(key);
    if (slot == kNoSlot) {
        slot = admitNewAgent(key, nowNs, outcome);
        if (slot == kNoSlot) {
            ++tracker_.capacityExceeded;
            outcome.verdict = BeatVerdict::CapacityExceeded;
            return outcome;
        }
        AgentRecord &record = table_.at(slot);
        record.firstSeenNs = nowNs;
        record.crossNamespace = crossNamespace;
        outcome.newAgent = true;
    } else {
        AgentRecord &record = table_.at(slot);
        if (!nonceIsNewer(record, frame)) {
            ++ingest_.replays;
            outcome.verdict = BeatVerdict::Replay;
            return outcome;
        }
        if (!perAgentRateAllows(record, nowNs)) {
            ++ingest_.rateLimitedPerPid;
            outcome.verdict = BeatVerdict::RateLimitedPerPid;
            return outcome;
        }
    }
    accept(slot, frame, nowNs, outcome);
    return outcome;
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
        ++ingest_.nonceWraps;
    return wrapped;
}

bool AgentTracker::perAgentRateAllows(AgentRecord &record, std::int64_t nowNs) noexcept {
    if (maxBeatRate_ == 0)
        return true;
    const auto second = static_cast<std::uint32_t>(nowNs / 1'000'000'000);
    if (second != record.rateWindowSec) {
        record.rateWindowSec = second;
        record.rateWindowCount = 0;
    }
    if (record.rateWindowCount >= maxBeatRate_)
        return false;
    ++record.rateWindowCount;
    return true;
}

Slot AgentTracker::admitNewAgent(const AgentKey &key, std::int64_t nowNs, BeatOutcome &outcome) {
    if (table_.full()) {
        const Slot victim = findEvictable(nowNs);
        if (victim == kNoSlot)
            return kNoSlot;
        outcome.evicted = table_.at(victim).key;
        deadlines_.remove(victim);
        table_.at(victim).dirty = false;  // drainDirty skips its stale entry
        --stateCounts_[static_cast<int>(table_.at(victim).state)];
        table_.erase(victim);
        ++tracker_.evicted;
    }
    const Slot slot = table_.insert(key);
    ++stateCounts_[static_cast<int>(AgentState::Up)];
    if (maxBeatRate_ != 0) {
        table_.at(slot).rateWindowSec = static_cast<std::uint32_t>(nowNs / 1'000'000'000);
        table_.at(slot).rateWindowCount = 1;
    }
    return slot;
}

Slot AgentTracker::findEvictable(std::int64_t nowNs) const noexcept {
    const std::int64_t oldEnough = kEvictionSilenceThresholds * thresholdNs_;
    Slot slot = deadlines_.head(DeadlineList::Stalled);
    for (int scanned = 0; slot != kNoSlot && scanned < kEvictionScanLimit; ++scanned) {
        const AgentRecord &record = table_.at(slot);
        if (nowNs - record.lastBeatNs <= oldEnough)
            return kNoSlot;  // the list is in silence order: nobody further is older
        const bool eligible =
            eviction_ == EvictionPolicy::Strict ? record.state == AgentState::Stalled : !record.recovering;
        if (eligible)
            return slot;
        slot = deadlines_.next(slot);
    }
    return kNoSlot;
}

void AgentTracker::accept(Slot slot, const vlp::Frame &frame, std::int64_t nowNs, BeatOutcome &outcome) {
    AgentRecord &record = table_.at(slot);
    outcome.slot = slot;
    outcome.resumed = record.silent;
    if (frame.isPanic())
        record.terminating = true;
    else
        record.lastNonce = frame.nonce;
    record.lastTimestamp = frame.timestamp;
    record.payload = frame.payload;
    // The deadline list is sorted only if no accepted beat is earlier than the one before;
    // two listeners, or a receive timestamp beside a read time, can disagree by a little.
    latestBeatNs_ = std::max(nowNs, latestBeatNs_);
    record.lastBeatNs = latestBeatNs_;
    ++record.beats;
    ++ingest_.beatsAccepted;
    deadlines_.remove(slot);
    deadlines_.pushBack(DeadlineList::Beating, slot);
    markDirty(slot);
    // A beat only sets the reported status and clears silence; when it repeats the status
    // of an agent that is not silent (nearly every beat) no condition changes, and the
    // state machine has nothing to say.
    if (!record.silent && record.lastStatus == frame.status)
        return;
    const AgentCondition c = varta::applyEvent(
        AgentCondition{record.lastStatus, record.silent, record.recovering, record.gaveUp, record.paused},
        beatEvent(frame.status));
    setCondition(slot, c, nowNs);
}

void AgentTracker::applyEvent(Slot slot, AgentEvent event, std::int64_t nowNs) {
    AgentRecord &record = table_.at(slot);
    const AgentCondition c = varta::applyEvent(
        AgentCondition{record.lastStatus, record.silent, record.recovering, record.gaveUp, record.paused}, event);
    setCondition(slot, c, nowNs);
}

void AgentTracker::setCondition(Slot slot, const AgentCondition &c, std::int64_t nowNs) {
    AgentRecord &record = table_.at(slot);
    record.lastStatus = c.status;
    record.silent = c.silent;
    record.recovering = c.recovering;
    record.gaveUp = c.gaveUp;
    record.paused = c.paused;
    const AgentState next = displayedState(c);
    const AgentState previous = record.state;
    if (next == previous)
        return;
    record.state = next;
    --stateCounts_[static_cast<int>(previous)];
    ++stateCounts_[static_cast<int>(next)];
    markDirty(slot);
    if (onTransition_)
        onTransition_(slot, previous, next, nowNs);
}

void AgentTracker::countRecovery(Slot slot) noexcept {
    ++table_.at(slot).recoveries;
    markDirty(slot);
}

void AgentTracker::markAllDirty() {
    table_.forEach([this](const AgentRecord &record) { markDirty(table_.find(record.key)); });
}

void AgentTracker::markDirty(Slot slot) noexcept {
    if (!trackDirty_)
        return;
    AgentRecord &record = table_.at(slot);
    if (record.dirty)
        return;
    record.dirty = true;
    dirty_.push_back(slot);
}

}  // namespace varta
