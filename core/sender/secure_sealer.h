#pragma once
// The client side of secure UDP, as upstream's clients do it: a random 16-byte session
// salt drawn once, iv_random = HKDF(salt, prefix index), a 32-bit counter per datagram,
// and the next prefix index when the counter would wrap, so no AEAD nonce repeats and no
// entropy is drawn per beat. Shared-key sealers send 60-byte datagrams, master-key ones
// 64-byte datagrams for one agent pid. A sealer owns an OpenSSL cipher context unless it
// is given one to share (the load generator's million agents share one: a context is
// re-keyed per call anyway, and each would cost about a kilobyte).

#include "core/vlp/aead_context.h"
#include "core/vlp/frame.h"
#include "core/vlp/hkdf.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace varta {

class SecureSealer {
public:
    static constexpr std::size_t kMaxDatagramSize = vlp::kMasterSecureFrameSize;

    // Where a sender is in its nonce space; `counter` is the next one it will use.
    struct Session {
        std::array<std::uint8_t, vlp::kSessionSaltSize> salt{};
        std::uint32_t prefixIndex = 0;
        std::uint32_t counter = 0;
    };

    // A fresh session from RAND_bytes, or `session` when given (reproducible load runs).
    explicit SecureSealer(vlp::KeyView sharedKey, std::optional<Session> session = std::nullopt);
    // Derives the agent key for `agentPid`; the master key itself is not kept. The clear
    // agent_pid of every datagram is `agentPid`, whatever pid the sealed frame carries.
    SecureSealer(vlp::KeyView masterKey, std::uint32_t agentPid, std::optional<Session> session = std::nullopt);
    // The same with a context shared by sealers on one thread; it must outlive them.
    SecureSealer(vlp::KeyView sharedKey, vlp::AeadContext &aead, std::optional<Session> session = std::nullopt);
    SecureSealer(vlp::KeyView masterKey, std::uint32_t agentPid, vlp::AeadContext &aead,
                 std::optional<Session> session = std::nullopt);
    ~SecureSealer();  // wipes the key
    SecureSealer(const SecureSealer &) = delete;
    SecureSealer &operator=(const SecureSealer &) = delete;

    // False when OpenSSL failed (no entropy, no context): seal() then always fails.
    bool isValid() const noexcept { return m_valid; }
    std::size_t datagramSize() const noexcept;

    // Seals `frame` into `out` and advances the session. Returns the datagram's size
    // (60 or 64), or 0 when sealing failed; the session then does not advance.
    std::size_t seal(const vlp::Frame &frame, std::span<std::uint8_t, kMaxDatagramSize> out) noexcept;

    const Session &session() const noexcept { return m_session; }
    const vlp::IvRandom &ivRandom() const noexcept { return m_ivRandom; }

private:
    bool startSession(std::optional<Session> session) noexcept;
    bool advancePrefix(Session &next, vlp::IvRandom &nextIv) noexcept;

    std::array<std::uint8_t, vlp::kKeySize> m_key{};
    std::optional<std::uint32_t> m_agentPid;  // set for master-key sealers
    Session m_session;
    vlp::IvRandom m_ivRandom{};
    std::unique_ptr<vlp::AeadContext> m_ownAead;  // null when shared
    vlp::AeadContext *m_aead;
    bool m_valid = false;
};

}  // namespace varta
