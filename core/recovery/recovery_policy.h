#pragma once
// Whether a stall (or the operator's "Recover now") may start a recovery child, and the
// per-agent bookkeeping that decision needs. Pure logic: time comes in as an argument,
// nothing here touches a process, a file or an event loop.
//
// Gates, in order; the first that refuses wins:
//   1. pid namespace   agent in another pid namespace, unless
//                      --allow-cross-namespace-agents        -> cross_namespace_agent
//   2. trust           UDP / secure UDP origin without that
//                      transport's opt-in (manual bypasses)  -> unauthenticated_transport
//   3. paused          operator put the agent in maintenance -> paused
//   4. gave up         restart-loop limit hit, not re-armed  -> gave_up
//   5. debounce        a child started for this agent less
//                      than debounceMs ago (manual bypasses) -> debounced
//   6. one per agent   a child for this agent is outstanding -> outstanding_in_flight
//   7. capacity        maxConcurrent children outstanding    -> outstanding_capacity
//   8. restart loop    see below                              -> gave_up (and GaveUp)
//
// Restart loop: at most maxAttempts automatic children may start for one agent within
// any attemptWindowMs. The attempt that would be number maxAttempts + 1 inside the
// window is REFUSED (gave_up) and puts the agent in GaveUp until the operator re-arms
// it; the maxAttempts-th attempt itself still runs. Manual recoveries neither count as
// attempts nor face this gate: the operator is the one who breaks loops.
//
// Only a child that actually started arms the debounce and counts as an attempt:
// refusals and failed spawns leave both untouched (docs/compat.md section 1).
//
// The operator's facts (pauses with who, why and until when; gave-up marks; automatic
// attempt times) survive a restart through exportState()/restore() and --state-file.
// A pause with an end is not ended here: the owner asks expiredPauses() when
// nextPauseExpiryUnixMs() comes and resumes each with an event. Every change worth saving
// (pause, resume, rearm, entering GaveUp, a new automatic attempt) bumps changes(), so
// the owner knows when to save; restore() and prune() do not.

#include "core/config/options.h"
#include "core/identity/agent_key.h"
#include "core/recovery/operator_state.h"
#include "core/recovery/recovery_counters.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

namespace varta {

// Which UDP listeners the operator trusts enough for automatic recovery
// (--plaintext-udp-… / --secure-udp-i-accept-recovery-on-unauthenticated-transport).
struct RecoveryTrust {
    bool udpAllowed = false;
    bool secureUdpAllowed = false;
    // --allow-cross-namespace-agents: the operator runs recovery in the agents' namespace.
    bool crossNamespaceAllowed = false;
};

enum class RecoveryTrigger : std::uint8_t { Stall, Manual };

struct RecoveryVerdict {
    std::optional<RefusalReason> refusal;  // none: spawn
    bool enteredGaveUp = false;            // this very refusal put the agent in GaveUp
    bool spawn() const { return !refusal.has_value(); }
};

class RecoveryPolicy {
public:
    struct Limits {
        std::int64_t debounceMs = 1000;
        int maxConcurrent = 64;
        int maxAttempts = 5;  // 0: no restart-loop limit
        std::int64_t attemptWindowMs = 600000;
    };
    static Limits limitsFrom(const RecoveryOptions &options);

    RecoveryPolicy(Limits limits, RecoveryTrust trust);

    // A spawn verdict reserves the agent's slot and one unit of capacity; the caller
    // must follow it with childStarted() or spawnFailed(), and childStarted() with
    // childEnded().
    RecoveryVerdict decide(const AgentKey &agent, bool crossNamespace, RecoveryTrigger trigger, std::int64_t nowMs);
    void childStarted(const AgentKey &agent, RecoveryTrigger trigger, std::int64_t nowMs);
    void spawnFailed(const AgentKey &agent);
    void childEnded(const AgentKey &agent);

    // Pausing a paused agent replaces its details (a new reason, a new end).
    void pause(const AgentKey &agent, PauseInfo info = {});
    void resume(const AgentKey &agent);
    void rearm(const AgentKey &agent);  // leaves GaveUp and forgets past attempts
    // Drops everything kept about the agent (the operator says it is gone); not while a
    // child runs for it.
    void forget(const AgentKey &agent);
    // A restarted unit's new pid carries on the old agent: its pause, gave-up mark and
    // automatic attempts move to `to`, so a crash loop across pids still reaches
    // --recovery-max-attempts and a unit in maintenance stays paused. A child still
    // running for `from` stays its own.
    void carryOver(const AgentKey &from, const AgentKey &to);

    const PauseInfo *pauseInfo(const AgentKey &agent) const;  // nullptr when not paused
    // Keys whose pause has an untilUnixMs <= unixNowMs, soonest first (they are NOT
    // resumed by this call).
    std::vector<AgentKey> expiredPauses(std::int64_t unixNowMs) const;
    std::optional<std::int64_t> nextPauseExpiryUnixMs() const;

    // The operator-relevant facts (pauses, gave-up, automatic attempts still inside the
    // window) for the state file, ordered by key; attempt times are converted from
    // engine ms to Unix ms by the offset between the two "now"s given.
    OperatorState exportState(std::int64_t engineNowMs, std::int64_t unixNowMs) const;
    // Puts them back at start-up, replacing what the policy holds for those keys:
    // Unix ms back to engine ms (an attempt stamped in the future, after the wall clock
    // stepped back, counts as now); attempts older than the attempt window, and beyond
    // the newest maxAttempts, are dropped. Pauses already expired are still restored, so
    // the caller can end them with an event.
    void restore(const OperatorState &state, std::int64_t engineNowMs, std::int64_t unixNowMs);

    // Bumped by every change worth saving; takeChanged() says whether any happened since
    // it was last called.
    std::uint64_t changes() const { return m_changes; }
    bool takeChanged();

    bool isPaused(const AgentKey &agent) const;
    bool hasGivenUp(const AgentKey &agent) const;
    bool inFlight(const AgentKey &agent) const;
    bool knows(const AgentKey &agent) const { return find(agent) != nullptr; }
    int outstanding() const { return m_outstanding; }

    // Drops records that no longer influence any decision; decide() calls it when the
    // table has doubled since the last sweep, so the table stays proportional to the
    // agents that matter now.
    void prune(std::int64_t nowMs);
    std::size_t trackedAgents() const { return m_records.size(); }

private:
    struct Record {
        std::optional<PauseInfo> pause;
        bool gaveUp = false;
        bool inFlight = false;
        std::optional<std::int64_t> lastStartMs;  // debounce anchor
        std::deque<std::int64_t> attemptsMs;      // automatic starts, oldest first, <= maxAttempts
    };

    std::optional<RefusalReason> gate(const AgentKey &agent, Record &record, bool crossNamespace,
                                      RecoveryTrigger trigger, std::int64_t nowMs);
    bool untrusted(const AgentKey &agent) const;
    void forgetOldAttempts(Record &record, std::int64_t nowMs) const;
    bool matters(const Record &record, std::int64_t nowMs) const;
    const Record *find(const AgentKey &agent) const;
    // Every change of a record's pause goes through here, so m_pauseEnds stays exact.
    void setPause(const AgentKey &agent, Record &record, std::optional<PauseInfo> pause);

    Limits m_limits;
    RecoveryTrust m_trust;
    std::unordered_map<AgentKey, Record> m_records;
    // untilUnixMs -> agent for every pause with an end: the next expiry without a scan of
    // every record.
    std::multimap<std::int64_t, AgentKey> m_pauseEnds;
    std::uint64_t m_changes = 0;
    std::uint64_t m_changesTaken = 0;
    int m_outstanding = 0;
    std::size_t m_pruneAt = kMinPruneSize;

    static constexpr std::size_t kMinPruneSize = 1024;
};

}  // namespace varta
