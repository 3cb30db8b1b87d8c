#pragma once
// What the recovery side counts: every decision's outcome and every refusal's reason.
// Written and read on the engine thread only (the metrics thread gets a copy once a
// second). Family names: docs/compat.md section 4; the labels are the audit log's reason
// texts (docs/compat.md section 3).

#include <QString>

#include <array>
#include <cstddef>
#include <cstdint>

namespace varta {

// varta_recovery_outcomes_total{outcome}: index with RecoveryOutcome.
enum class RecoveryOutcome : std::uint8_t {
    Spawned,
    Debounced,
    ReapedZero,
    ReapedNonzero,
    Killed,
    SpawnFailed,
    RefusedUnauthenticatedTransport,
    RefusedCrossNamespace,
    RefusedOutstandingCapacity,
    SkippedAgentResumed,
    RefusedGaveUp,
    RefusedPaused,
    Manual,
    SkippedPidRecycled,         // the stalled pid belongs to another process now (upstream's name)
    RefusedMissingPlaceholder,  // the command names a fact ({unit}, ...) this agent does not have
};
inline constexpr std::size_t kRecoveryOutcomeCount = 15;

// varta_recovery_refused_total{reason}: index with RefusalReason; the label is the audit
// log's reason text.
enum class RefusalReason : std::uint8_t {
    UnauthenticatedTransport,
    CrossNamespaceAgent,
    Debounced,
    OutstandingInFlight,
    OutstandingCapacity,
    SpawnFailed,
    SkippedAgentResumed,
    GaveUp,
    Paused,
    SkippedPidRecycled,
    MissingPlaceholder,
};
inline constexpr std::size_t kRefusalReasonCount = 11;

const char *recoveryOutcomeLabel(RecoveryOutcome outcome) noexcept;  // "spawned", "reaped_zero", ...
const char *refusalReasonLabel(RefusalReason reason) noexcept;       // "unauthenticated_transport", ...
// The reason in words, for log lines: "a child for this agent is still running", ...
QString refusalReasonText(RefusalReason reason);

struct RecoveryCounters {
    std::array<std::uint64_t, kRecoveryOutcomeCount> outcomes{};
    std::array<std::uint64_t, kRefusalReasonCount> refused{};
    std::uint64_t childrenRunning = 0;  // gauge
    std::uint64_t durationNsSum = 0;    // varta_recovery_duration_ns_sum: children that ended
    std::uint64_t durationCount = 0;    // varta_recovery_duration_count_total
};

// Whether a refusal shows in varta_recovery_refused_total: the refusals an operator must
// look at. Routine ones (a debounce, a child still running, an agent that came back, a
// pause the operator chose, a failed spawn with its own outcome) stay in the outcomes, so
// an upstream rule over the refused family does not fire on them.
bool countsAsRefused(RefusalReason reason) noexcept;

}  // namespace varta
