#include "core/recovery/recovery_policy.h"

#include <algorithm>

namespace varta {

RecoveryPolicy::Limits RecoveryPolicy::limitsFrom(const RecoveryOptions &options) {
    return Limits{options.debounceMs, options.maxConcurrent, options.maxAttempts, options.attemptWindowMs};
}

RecoveryPolicy::RecoveryPolicy(Limits limits, RecoveryTrust trust) : limits_(limits), trust_(trust) {}

RecoveryVerdict RecoveryPolicy::decide(const AgentKey &agent, bool crossNamespace, RecoveryTrigger trigger,
                                       std::int64_t nowMs) {
    if (records_.size() >= pruneAt_)
        prune(nowMs);
    Record &record = records_[agent];
    RecoveryVerdict verdict;
    verdict.refusal = gate(agent, record, crossNamespace, trigger, nowMs);
    if (verdict.refusal == RefusalReason::GaveUp && !record.gaveUp) {
        record.gaveUp = true;
        verdict.enteredGaveUp = true;
    }
    if (verdict.spawn()) {
        record.inFlight = true;
        ++outstanding_;
    }
    return verdict;
}

std::optional<RefusalReason> RecoveryPolicy::gate(const AgentKey &agent, Record &record, bool crossNamespace,
                                                  RecoveryTrigger trigger, std::int64_t nowMs) {
    const bool manual = trigger == RecoveryTrigger::Manual;
    if (crossNamespace)
        return RefusalReason::CrossNamespaceAgent;  // its pid means another process here
    if (!manual && untrusted(agent))
        return RefusalReason::UnauthenticatedTransport;
    if (record.paused)
        return RefusalReason::Paused;
    if (record.gaveUp)
        return RefusalReason::GaveUp;
    if (!manual && record.lastStartMs && nowMs - *record.lastStartMs < limits_.debounceMs)
        return RefusalReason::Debounced;
    if (record.inFlight)
        return RefusalReason::OutstandingInFlight;
    if (outstanding_ >= limits_.maxConcurrent)
        return RefusalReason::OutstandingCapacity;
    if (!manual && limits_.maxAttempts > 0) {
        forgetOldAttempts(record, nowMs);
        if (record.attemptsMs.size() >= static_cast<std::size_t>(limits_.maxAttempts))
            return RefusalReason::GaveUp;
    }
    return std::nullopt;
}

bool RecoveryPolicy::untrusted(const AgentKey &agent) const {
    switch (agent.transport) {
    case Transport::Uds: return false;
    case Transport::Udp: return !trust_.udpAllowed;
    case Transport::SecureUdp: return !trust_.secureUdpAllowed;
    }
    return true;
}

void RecoveryPolicy::forgetOldAttempts(Record &record, std::int64_t nowMs) const {
    while (!record.attemptsMs.empty() && nowMs - record.attemptsMs.front() >= limits_.attemptWindowMs)
        record.attemptsMs.pop_front();
}

void RecoveryPolicy::childStarted(const AgentKey &agent, RecoveryTrigger trigger, std::int64_t nowMs) {
    Record &record = records_[agent];
    record.lastStartMs = nowMs;
    if (trigger == RecoveryTrigger::Stall && limits_.maxAttempts > 0) {
        record.attemptsMs.push_back(nowMs);
        // Only the newest maxAttempts can ever matter to the gate.
        while (record.attemptsMs.size() > static_cast<std::size_t>(limits_.maxAttempts))
            record.attemptsMs.pop_front();
    }
}

void RecoveryPolicy::spawnFailed(const AgentKey &agent) { childEnded(agent); }

void RecoveryPolicy::childEnded(const AgentKey &agent) {
    const auto it = records_.find(agent);
    if (it == records_.end() || !it->second.inFlight)
        return;
    it->second.inFlight = false;
    --outstanding_;
}

void RecoveryPolicy::pause(const AgentKey &agent) { records_[agent].paused = true; }

void RecoveryPolicy::resume(const AgentKey &agent) {
    if (const auto it = records_.find(agent); it != records_.end())
        it->second.paused = false;
}

void RecoveryPolicy::rearm(const AgentKey &agent) {
    if (const auto it = records_.find(agent); it != records_.end()) {
        it->second.gaveUp = false;
        it->second.attemptsMs.clear();
    }
}

const RecoveryPolicy::Record *RecoveryPolicy::find(const AgentKey &agent) const {
    const auto it = records_.find(agent);
    return it == records_.end() ? nullptr : &it->second;
}

bool RecoveryPolicy::isPaused(const AgentKey &agent) const {
    const Record *record = find(agent);
    return record && record->paused;
}

bool RecoveryPolicy::hasGivenUp(const AgentKey &agent) const {
    const Record *record = find(agent);
    return record && record->gaveUp;
}

bool RecoveryPolicy::inFlight(const AgentKey &agent) const {
    const Record *record = find(agent);
    return record && record->inFlight;
}

bool RecoveryPolicy::matters(const Record &record, std::int64_t nowMs) const {
    if (record.paused || record.gaveUp || record.inFlight)
        return true;
    if (record.lastStartMs && nowMs - *record.lastStartMs < limits_.debounceMs)
        return true;
    return !record.attemptsMs.empty() && nowMs - record.attemptsMs.back() < limits_.attemptWindowMs;
}

void RecoveryPolicy::prune(std::int64_t nowMs) {
    std::erase_if(records_, [&](const auto &entry) { return !matters(entry.second, nowMs); });
    pruneAt_ = std::max(kMinPruneSize, records_.size() * 2);
}

}  // namespace varta
