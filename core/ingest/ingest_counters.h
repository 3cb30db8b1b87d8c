#pragma once
// What the listeners and the ingest pipeline count before a frame reaches the tracker.
// Plain integers written and read on the engine thread only (the metrics thread gets a
// copy once a second). Family names: docs/compat.md section 4.

#include "core/vlp/frame.h"

#include <array>
#include <cstdint>

namespace varta {

struct IngestCounters {
    std::uint64_t datagrams = 0;                                       // every datagram read from any listener
    std::array<std::uint64_t, vlp::kDecodeErrorCount> decodeErrors{};  // varta_decode_errors_total{kind}
    std::uint64_t truncated = 0;                                       // varta_truncated_datagrams_total (wrong length)
    std::uint64_t ioErrors = 0;                                        // varta_io_errors_total
    std::uint64_t ctrlTruncated = 0;  // varta_ctrl_truncated_total (control messages cut: MSG_CTRUNC)
    std::uint64_t authFailures =
        0;  // varta_frame_auth_failures_total (kernel pid != frame pid, master pid != frame pid)
    std::uint64_t namespaceConflicts = 0;  // varta_frame_namespace_mismatch_total: other pid namespace, dropped
    std::uint64_t pidAboveMax = 0;         // varta_frame_rejected_pid_above_max_total
};

// The secure UDP receiver's refusals.
struct SecureCounters {
    std::uint64_t decryptFailures = 0;  // varta_frame_decrypt_failures_total
    std::uint64_t replayRefused = 0;    // varta_secure_replay_refused_total
    std::uint64_t senderStateFull = 0;  // varta_sender_state_full_total
    std::uint64_t aeadAttempts = 0;     // varta_secure_aead_attempts_total (the key ring's, copied per snapshot)
    std::uint64_t keyDerivations = 0;   // varta_secure_key_derivations_total (likewise)
};

}  // namespace varta
