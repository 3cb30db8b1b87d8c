#include "core/ingest/secure_receiver.h"

#include "core/vlp/secure_frame.h"

#include <array>

namespace varta {
namespace {

constexpr std::size_t kFramePidOffset = 4;

// A key derived for one datagram, wiped on every way out of receive().
struct FreshKey {
    vlp::KeyBytes key{};
    bool derived = false;
    FreshKey() = default;
    FreshKey(const FreshKey &) = delete;
    FreshKey &operator=(const FreshKey &) = delete;
    ~FreshKey() {
        if (derived)
            vlp::wipe(key);
    }
};

std::uint32_t framePid(const std::array<std::uint8_t, vlp::kFrameSize> &plain) noexcept {
    const std::uint8_t *p = plain.data() + kFramePidOffset;
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8
           | static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace

SecureReceiver::SecureReceiver(const SecureOptions &keys, IngestCounters &ingest, SecureCounters &secure,
                               std::size_t senderCapacity)
    : m_keys(keys.keys, keys.masterKey),
      m_replay(senderCapacity, m_keys.hasMasterKey()),
      m_ingest(ingest),
      m_secure(secure) {}

SecureReceiver::Outcome SecureReceiver::refuse(Result result) noexcept {
    switch (result) {
    case Result::WrongLength: ++m_ingest.truncated; break;
    case Result::DecryptFailed: ++m_secure.decryptFailures; break;
    case Result::PidMismatch: ++m_ingest.authFailures; break;
    case Result::Replayed: ++m_secure.replayRefused; break;
    case Result::SenderTableFull: ++m_secure.senderStateFull; break;
    case Result::Accepted:
    case Result::DecodeFailed: break;  // the caller counts the decode error's kind
    }
    Outcome outcome;
    outcome.result = result;
    return outcome;
}

SecureReceiver::Outcome SecureReceiver::receive(std::span<const std::uint8_t> datagram, std::int64_t nowNs) noexcept {
    const vlp::DatagramKind kind = vlp::classifyLength(datagram.size());
    if (kind == vlp::DatagramKind::WrongLength)
        return refuse(Result::WrongLength);
    // A plaintext beat on a secure listener is unauthenticated: refused like a forgery.
    if (kind == vlp::DatagramKind::Plain)
        return refuse(Result::DecryptFailed);

    const vlp::SecureHeader header = *vlp::readSecureHeader(datagram);
    // A master-key sender's agent key is derived once, on its first accepted frame, and
    // kept with its replay entry; a pid not (or no longer) in the table costs an HKDF.
    const vlp::KeyBytes *agentKey = nullptr;
    FreshKey fresh;
    if (kind == vlp::DatagramKind::MasterKeySecure && m_keys.hasMasterKey()) {
        agentKey = m_replay.agentKey(header.agentPid);
        if (agentKey == nullptr && m_keys.deriveAgentKey(header.agentPid, fresh.key)) {
            fresh.derived = true;
            agentKey = &fresh.key;
        }
    }

    std::array<std::uint8_t, vlp::kFrameSize> plain{};
    if (!m_keys.open(datagram, plain, agentKey))
        return refuse(Result::DecryptFailed);
    if (kind == vlp::DatagramKind::MasterKeySecure && framePid(plain) != header.agentPid) {
        Outcome outcome = refuse(Result::PidMismatch);
        outcome.claimedPid = header.agentPid;
        return outcome;
    }

    Outcome outcome;
    outcome.claimedPid = header.agentPid;
    if (const auto error = vlp::decode(plain, outcome.frame, &outcome.decodeFailure)) {
        ++m_ingest.decodeErrors[static_cast<std::size_t>(*error)];
        outcome.result = Result::DecodeFailed;
        outcome.frame = {};
        return outcome;
    }
    const ReplayGuard::Verdict verdict =
        m_replay.check(outcome.frame.pid, header.ivRandom, header.ivCounter, outcome.frame.nonce, nowNs,
                       fresh.derived ? &fresh.key : nullptr);
    if (verdict == ReplayGuard::Verdict::Accepted) {
        outcome.result = Result::Accepted;
        return outcome;
    }
    Outcome refused = refuse(verdict == ReplayGuard::Verdict::TableFull ? Result::SenderTableFull : Result::Replayed);
    refused.frame = outcome.frame;
    refused.claimedPid = outcome.claimedPid;
    return refused;
}

}  // namespace varta
