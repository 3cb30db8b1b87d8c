#include "core/recovery/recovery_policy.h"

#include <algorithm>

namespace varta {

RecoveryPolicy::Limits RecoveryPolicy::limitsFrom(const RecoveryOptions &options) {
    return Limits{options.debounceMs, options.maxConcurrent, options.maxAttempts, options.attemptWindowMs};
}

RecoveryPolicy::RecoveryPolicy(Limits limits, RecoveryTrust trust) : m_limits(limits), m_trust(trust) {}

RecoveryVerdict RecoveryPolicy::decide(const AgentKey &agent, bool crossNamespace, RecoveryTrigger trigger,
                                       std::int64_t nowMs) {
    if (m_records.size() >= m_pruneAt)
        prune(nowMs);
    Record &record = m_records[agent];
    RecoveryVerdict verdict;
    verdict.refusal = gate(agent, record, crossNamespace, trigger, nowMs);
    if (verdict.refusal == RefusalReason::GaveUp && !record.gaveUp) {
        record.gaveUp = true;
        verdict.enteredGaveUp = true;
    }
    if (verdict.spawn()) {
        record.inFlight = true;
        ++m_outstanding;
    }
    return verdict;
}

std::optional<RefusalReason> RecoveryPolicy::gate(const AgentKey &agent, Record &record, bool crossNamespace,
                                                  RecoveryTrigger trigger, std::int64_t nowMs) {
    const bool manual = trigger == RecoveryTrigger::Manual;
    if (crossNamespace && !m_trust.crossNamespaceAllowed)
        return RefusalReason::CrossNamespaceAgent;  // its pid means another process here
    if (!manual && untrusted(agent))
        return RefusalReason::UnauthenticatedTransport;
    if (record.paused)
        return RefusalReason::Paused;
    if (record.gaveUp)
        return RefusalReason::GaveUp;
    if (!manual && record.lastStartMs && nowMs - *record.lastStartMs < m_limits.debounceMs)
        return RefusalReason::Debounced;
    if (record.inFlight)
        return RefusalReason::OutstandingInFlight;
    if (m_outstanding >= m_limits.maxConcurrent)
        return RefusalReason::OutstandingCapacity;
    if (!manual && m_limits.maxAttempts > 0) {
        forgetOldAttempts(record, nowMs);
        if (record.attemptsMs.size() >= static_cast<std::size_t>(m_limits.maxAttempts))
            return RefusalReason::GaveUp;
    }
    return std::nullopt;
}

bool RecoveryPolicy::untrusted(const AgentKey &agent) const {
    switch (agent.transport) {
    case Transport::Uds: return false;
    case Transport::Udp: return !m_trust.udpAllowed;
    case Transport::SecureUdp: return !m_trust.secureUdpAllowed;
    }
    return true;
}

void RecoveryPolicy::forgetOldAttempts(Record &record, std::int64_t nowMs) const {
    while (!record.attemptsMs.empty() && nowMs - record.attemptsMs.front() >= m_limits.attemptWindowMs)
        record.attemptsMs.pop_front();
}

void RecoveryPolicy::childStarted(const AgentKey &agent, RecoveryTrigger trigger, std::int64_t nowMs) {
    Record &record = m_records[agent];
    record.lastStartMs = nowMs;
    if (trigger == RecoveryTrigger::Stall && m_limits.maxAttempts > 0) {
        record.attemptsMs.push_back(nowMs);
        // Only the newest maxAttempts can ever matter to the gate.
        while (record.attemptsMs.size() > static_cast<std::size_t>(m_limits.maxAttempts))
            record.attemptsMs.pop_front();
    }
}

void RecoveryPolicy::spawnFailed(const AgentKey &agent) { childEnded(agent); }

void RecoveryPolicy::childEnded(const AgentKey &agent) {
    const auto it = m_records.find(agent);
    if (it == m_records.end() || !it->second.inFlight)
        return;
    it->second.inFlight = false;
    --m_outstanding;
}

void RecoveryPolicy::pause(const AgentKey &agent) { m_records[agent].paused = true; }

void RecoveryPolicy::resume(const AgentKey &agent) {
    if (const auto it = m_records.find(agent); it != m_records.end())
        it->second.paused = false;
}

void RecoveryPolicy::rearm(const AgentKey &agent) {
    if (const auto it = m_records.find(agent); it != m_records.end()) {
        it->second.gaveUp = false;
        it->second.attemptsMs.clear();
    }
}

const RecoveryPolicy::Record *RecoveryPolicy::find(const AgentKey &agent) const {
    const auto it = m_records.find(agent);
    return it == m_records.end() ? nullptr : &it->second;
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
    if (record.lastStartMs && nowMs - *record.lastStartMs < m_limits.debounceMs)
        return true;
    return !record.attemptsMs.empty() && nowMs - record.attemptsMs.back() < m_limits.attemptWindowMs;
}

void RecoveryPolicy::prune(std::int64_t nowMs) {
    std::erase_if(m_records, [&](const auto &entry) { return !matters(entry.second, nowMs); });
    m_pruneAt = std::max(kMinPruneSize, m_records.size() * 2);
}

}  // namespace varta
