#include "core/recovery/recovery_policy.h"

#include <algorithm>
#include <tuple>

namespace varta {

namespace {

// Any fixed order will do; this one puts the Unix socket's agents first, by pid.
bool keyLess(const AgentKey &a, const AgentKey &b) {
    return std::tie(a.transport, a.address, a.pid) < std::tie(b.transport, b.address, b.pid);
}

}  // namespace

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
        ++m_changes;
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
    if (record.pause)
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
        ++m_changes;
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

void RecoveryPolicy::setPause(const AgentKey &agent, Record &record, std::optional<PauseInfo> pause) {
    if (record.pause && record.pause->untilUnixMs) {
        auto [it, end] = m_pauseEnds.equal_range(*record.pause->untilUnixMs);
        while (it != end && !(it->second == agent))
            ++it;
        if (it != end)
            m_pauseEnds.erase(it);
    }
    record.pause = std::move(pause);
    if (record.pause && record.pause->untilUnixMs)
        m_pauseEnds.emplace(*record.pause->untilUnixMs, agent);
}

void RecoveryPolicy::pause(const AgentKey &agent, PauseInfo info) {
    setPause(agent, m_records[agent], std::move(info));
    ++m_changes;
}

void RecoveryPolicy::resume(const AgentKey &agent) {
    if (const auto it = m_records.find(agent); it != m_records.end() && it->second.pause) {
        setPause(agent, it->second, std::nullopt);
        ++m_changes;
    }
}

void RecoveryPolicy::forget(const AgentKey &agent) {
    if (const Record *record = find(agent); !record || record->inFlight)
        return;
    resume(agent);  // keeps the pause-expiry index in step
    if (m_records.erase(agent) != 0)
        ++m_changes;
}

void RecoveryPolicy::carryOver(const AgentKey &from, const AgentKey &to) {
    const auto old = m_records.find(from);
    if (old == m_records.end() || from == to)
        return;
    std::optional<PauseInfo> pause = old->second.pause;
    const bool gaveUp = old->second.gaveUp;
    std::deque<std::int64_t> attempts = std::exchange(old->second.attemptsMs, {});
    old->second.gaveUp = false;
    setPause(from, old->second, std::nullopt);
    Record &next = m_records[to];  // may move `old`: not used below
    next.gaveUp = next.gaveUp || gaveUp;
    if (!next.pause && pause)
        setPause(to, next, std::move(pause));
    attempts.insert(attempts.end(), next.attemptsMs.begin(), next.attemptsMs.end());
    std::sort(attempts.begin(), attempts.end());
    while (m_limits.maxAttempts > 0 && attempts.size() > static_cast<std::size_t>(m_limits.maxAttempts))
        attempts.pop_front();
    next.attemptsMs = std::move(attempts);
    ++m_changes;
}

void RecoveryPolicy::rearm(const AgentKey &agent) {
    if (const auto it = m_records.find(agent);
        it != m_records.end() && (it->second.gaveUp || !it->second.attemptsMs.empty())) {
        it->second.gaveUp = false;
        it->second.attemptsMs.clear();
        ++m_changes;
    }
}

const PauseInfo *RecoveryPolicy::pauseInfo(const AgentKey &agent) const {
    const Record *record = find(agent);
    return record && record->pause ? &*record->pause : nullptr;
}

std::vector<AgentKey> RecoveryPolicy::expiredPauses(std::int64_t unixNowMs) const {
    std::vector<AgentKey> expired;
    for (auto it = m_pauseEnds.begin(); it != m_pauseEnds.end() && it->first <= unixNowMs; ++it)
        expired.push_back(it->second);
    return expired;
}

std::optional<std::int64_t> RecoveryPolicy::nextPauseExpiryUnixMs() const {
    if (m_pauseEnds.empty())
        return std::nullopt;
    return m_pauseEnds.begin()->first;
}

OperatorState RecoveryPolicy::exportState(std::int64_t engineNowMs, std::int64_t unixNowMs) const {
    const std::int64_t toUnix = unixNowMs - engineNowMs;
    OperatorState state;
    for (const auto &[key, record] : m_records) {
        OperatorAgentState agent{key, record.pause, record.gaveUp, {}};
        for (const std::int64_t at : record.attemptsMs) {
            if (engineNowMs - at < m_limits.attemptWindowMs)  // older ones no longer count
                agent.attemptsUnixMs.push_back(at + toUnix);
        }
        if (agent.pause || agent.gaveUp || !agent.attemptsUnixMs.empty())
            state.agents.push_back(std::move(agent));
    }
    std::sort(state.agents.begin(), state.agents.end(),
              [](const OperatorAgentState &a, const OperatorAgentState &b) { return keyLess(a.key, b.key); });
    return state;
}

void RecoveryPolicy::restore(const OperatorState &state, std::int64_t engineNowMs, std::int64_t unixNowMs) {
    const std::int64_t toEngine = engineNowMs - unixNowMs;
    for (const OperatorAgentState &agent : state.agents) {
        Record &record = m_records[agent.key];
        setPause(agent.key, record, agent.pause);
        record.gaveUp = agent.gaveUp;
        std::vector<std::int64_t> attempts;
        if (m_limits.maxAttempts > 0) {
            for (const std::int64_t unixMs : agent.attemptsUnixMs) {
                const std::int64_t at = std::min(unixMs + toEngine, engineNowMs);
                if (engineNowMs - at < m_limits.attemptWindowMs)
                    attempts.push_back(at);
            }
        }
        std::sort(attempts.begin(), attempts.end());
        const std::size_t keep = std::min(attempts.size(), static_cast<std::size_t>(std::max(0, m_limits.maxAttempts)));
        record.attemptsMs.assign(attempts.end() - static_cast<std::ptrdiff_t>(keep), attempts.end());
        if (!matters(record, engineNowMs))
            m_records.erase(agent.key);  // nothing left worth a record
    }
}

bool RecoveryPolicy::takeChanged() {
    const bool changed = m_changes != m_changesTaken;
    m_changesTaken = m_changes;
    return changed;
}

const RecoveryPolicy::Record *RecoveryPolicy::find(const AgentKey &agent) const {
    const auto it = m_records.find(agent);
    return it == m_records.end() ? nullptr : &it->second;
}

bool RecoveryPolicy::isPaused(const AgentKey &agent) const {
    const Record *record = find(agent);
    return record && record->pause;
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
    if (record.pause || record.gaveUp || record.inFlight)
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
