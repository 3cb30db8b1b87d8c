#pragma once
// Every counter the engine keeps, grouped by the part that increments it. Plain integers:
// they are written and read on the engine thread only (the metrics endpoint renders on
// that thread too), so the beat path pays one increment and no lock or atomic.
// Names follow COMPAT.md section 4; export/ renders them as Prometheus families.

#include "core/vlp/frame.h"

#include <array>
#include <cstdint>

namespace varta {

struct IngestCounters {
    std::uint64_t datagrams = 0;                                       // every datagram read from any listener
    std::array<std::uint64_t, vlp::kDecodeErrorCount> decodeErrors{};  // varta_decode_errors_total{kind}
    std::uint64_t truncated = 0;                                       // varta_truncated_datagrams_total (wrong length)
    std::uint64_t ioErrors = 0;                                        // varta_io_errors_total
    std::uint64_t authFailures =
        0;  // varta_frame_auth_failures_total (kernel pid != frame pid, master pid != frame pid)
    std::uint64_t namespaceConflicts = 0;  // agent in another pid namespace, dropped
    std::uint64_t rateLimitedPerPid = 0;   // varta_rate_limited_total{reason="per_pid"}
    std::uint64_t rateLimitedGlobal = 0;   // varta_rate_limited_total{reason="global"}
    std::uint64_t nonceWraps = 0;          // varta_nonce_wrap_total
    std::uint64_t replays = 0;             // duplicate/older nonce, dropped silently
    std::uint64_t beatsAccepted = 0;
};

struct TrackerCounters {
    std::uint64_t evicted = 0;           // varta_tracker_evicted_total
    std::uint64_t capacityExceeded = 0;  // varta_tracker_capacity_exceeded_total (beat refused, table full)
    std::uint64_t stallsSurfaced = 0;
};

struct SecureCounters {
    std::uint64_t decryptFailures = 0;  // varta_frame_decrypt_failures_total
    std::uint64_t replayRefused = 0;    // varta_secure_replay_refused_total
    std::uint64_t senderStateFull = 0;  // varta_sender_state_full_total
};

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
};
inline constexpr std::size_t kRecoveryOutcomeCount = 13;

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
};
inline constexpr std::size_t kRefusalReasonCount = 9;

const char *recoveryOutcomeLabel(RecoveryOutcome outcome) noexcept;  // "spawned", "reaped_zero", ...
const char *refusalReasonLabel(RefusalReason reason) noexcept;       // "unauthenticated_transport", ...

struct RecoveryCounters {
    std::array<std::uint64_t, kRecoveryOutcomeCount> outcomes{};
    std::array<std::uint64_t, kRefusalReasonCount> refused{};
    std::uint64_t childrenRunning = 0;  // gauge
};

}  // namespace varta
