#pragma once
// The receive path of one datagram on a secure UDP listener (docs/protocol.md section 2):
//   length (60 or 64) -> AEAD open with the key ring (no key opens it: decrypt failure,
//   never BadCrc; a 32-byte plaintext frame is a decrypt failure too) -> for 64-byte
//   frames the frame's pid must equal the clear agent_pid (else auth failure) ->
//   base-frame decode -> replay guard -> accepted Frame.
// Master-key frames are opened with the agent key kept in the sender's replay entry;
// only a pid without one costs a derivation (counted: varta_secure_key_derivations_total).
// The listener calls receive() once per datagram; it allocates nothing once the replay
// table has grown to the senders seen.

#include "core/config/options.h"
#include "core/ingest/ingest_counters.h"
#include "core/ingest/replay_guard.h"
#include "core/vlp/frame.h"
#include "core/vlp/key_ring.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace varta {

class SecureReceiver {
public:
    enum class Result : std::uint8_t {
        Accepted,         // `frame` is authenticated, decoded and fresh
        WrongLength,      // counted in IngestCounters::truncated
        DecryptFailed,    // SecureCounters::decryptFailures
        PidMismatch,      // IngestCounters::authFailures ("mismatch ... auth_failure" event)
        DecodeFailed,     // IngestCounters::decodeErrors[decodeFailure.kind]
        Replayed,         // SecureCounters::replayRefused
        SenderTableFull,  // SecureCounters::senderStateFull
    };

    struct Outcome {
        Result result = Result::WrongLength;
        vlp::Frame frame;                  // authenticated and decoded: Accepted, Replayed, SenderTableFull
        vlp::DecodeFailure decodeFailure;  // when DecodeFailed
        std::uint32_t claimedPid = 0;      // 64-byte frames: the clear agent_pid
    };

    // The counters are the engine's and must outlive the receiver. receive() increments
    // exactly one of the counters named above per refused datagram and none for an
    // accepted one (the listener counts datagrams, the tracker accepted beats).
    // `senderCapacity` bounds the replay table; the engine passes --tracker-capacity.
    SecureReceiver(const SecureOptions &keys, IngestCounters &ingest, SecureCounters &secure,
                   std::size_t senderCapacity = ReplayGuard::kDefaultCapacity);

    // `nowNs` is engine time in ns, as on the ingest path (idle expiry of senders).
    Outcome receive(std::span<const std::uint8_t> datagram, std::int64_t nowNs) noexcept;

    const vlp::KeyRing &keyRing() const noexcept { return m_keys; }
    const ReplayGuard &replayGuard() const noexcept { return m_replay; }

private:
    Outcome refuse(Result result) noexcept;

    vlp::KeyRing m_keys;
    ReplayGuard m_replay;
    IngestCounters &m_ingest;
    SecureCounters &m_secure;
};

}  // namespace varta
