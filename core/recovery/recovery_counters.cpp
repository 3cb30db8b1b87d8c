#include "core/recovery/recovery_counters.h"

namespace varta {

const char *recoveryOutcomeLabel(RecoveryOutcome outcome) noexcept {
    switch (outcome) {
    case RecoveryOutcome::Spawned: return "spawned";
    case RecoveryOutcome::Debounced: return "debounced";
    case RecoveryOutcome::ReapedZero: return "reaped_zero";
    case RecoveryOutcome::ReapedNonzero: return "reaped_nonzero";
    case RecoveryOutcome::Killed: return "killed";
    case RecoveryOutcome::SpawnFailed: return "spawn_failed";
    case RecoveryOutcome::RefusedUnauthenticatedTransport: return "refused_unauthenticated_transport";
    case RecoveryOutcome::RefusedCrossNamespace: return "refused_cross_namespace";
    case RecoveryOutcome::RefusedOutstandingCapacity: return "refused_outstanding_capacity";
    case RecoveryOutcome::SkippedAgentResumed: return "skipped_agent_resumed";
    case RecoveryOutcome::RefusedGaveUp: return "refused_gave_up";
    case RecoveryOutcome::RefusedPaused: return "refused_paused";
    case RecoveryOutcome::Manual: return "manual";
    case RecoveryOutcome::SkippedPidRecycled: return "skipped_pid_recycled";
    case RecoveryOutcome::RefusedMissingPlaceholder: return "refused_missing_placeholder";
    }
    return "unknown";
}

const char *refusalReasonLabel(RefusalReason reason) noexcept {
    switch (reason) {
    case RefusalReason::UnauthenticatedTransport: return "unauthenticated_transport";
    case RefusalReason::CrossNamespaceAgent: return "cross_namespace_agent";
    case RefusalReason::Debounced: return "debounced";
    case RefusalReason::OutstandingInFlight: return "outstanding_in_flight";
    case RefusalReason::OutstandingCapacity: return "outstanding_capacity";
    case RefusalReason::SpawnFailed: return "spawn_failed";
    case RefusalReason::SkippedAgentResumed: return "skipped_agent_resumed";
    case RefusalReason::GaveUp: return "gave_up";
    case RefusalReason::Paused: return "paused";
    case RefusalReason::SkippedPidRecycled: return "skipped_pid_recycled";
    case RefusalReason::MissingPlaceholder: return "missing_placeholder";
    }
    return "unknown";
}

QString refusalReasonText(RefusalReason reason) {
    switch (reason) {
    case RefusalReason::UnauthenticatedTransport:
        return QStringLiteral("its transport is not trusted for automatic recovery");
    case RefusalReason::CrossNamespaceAgent: return QStringLiteral("it is in another pid namespace");
    case RefusalReason::Debounced: return QStringLiteral("a recovery for it started moments ago");
    case RefusalReason::OutstandingInFlight: return QStringLiteral("a recovery for it is still running");
    case RefusalReason::OutstandingCapacity: return QStringLiteral("the most recovery children at once are running");
    case RefusalReason::SpawnFailed: return QStringLiteral("the command could not be started");
    case RefusalReason::SkippedAgentResumed: return QStringLiteral("it beat again before the decision");
    case RefusalReason::GaveUp: return QStringLiteral("it has given up; re-arm it to recover again");
    case RefusalReason::Paused: return QStringLiteral("it is paused");
    case RefusalReason::SkippedPidRecycled: return QStringLiteral("its pid belongs to another process now");
    case RefusalReason::MissingPlaceholder:
        return QStringLiteral("the command names a fact ({unit}, {comm} or {uid}) this agent does not have");
    }
    return QStringLiteral("unknown");
}

bool countsAsRefused(RefusalReason reason) noexcept {
    switch (reason) {
    case RefusalReason::UnauthenticatedTransport:
    case RefusalReason::CrossNamespaceAgent:
    case RefusalReason::OutstandingCapacity:
    case RefusalReason::GaveUp:
    case RefusalReason::MissingPlaceholder: return true;
    case RefusalReason::Debounced:
    case RefusalReason::OutstandingInFlight:
    case RefusalReason::SpawnFailed:
    case RefusalReason::SkippedAgentResumed:
    case RefusalReason::SkippedPidRecycled:
    case RefusalReason::Paused: return false;
    }
    return false;
}

}  // namespace varta
