#pragma once
// The keys a secure UDP listener accepts (--key-file, --accepted-key-file,
// --master-key-file), and opening a datagram with them.

#include "core/vlp/aead_context.h"
#include "core/vlp/hkdf.h"

#include <QByteArray>
#include <QList>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace varta::vlp {

class KeyRing {
public:
    // Keys that are not exactly kKeySize bytes are ignored and counted (ignoredKeys()).
    KeyRing(const QList<QByteArray> &keys, const std::optional<QByteArray> &masterKey);
    ~KeyRing();  // wipes every key
    KeyRing(const KeyRing &) = delete;
    KeyRing &operator=(const KeyRing &) = delete;

    std::size_t keyCount() const noexcept { return m_keys.size(); }
    bool hasMasterKey() const noexcept { return m_hasMaster; }
    std::size_t ignoredKeys() const noexcept { return m_ignoredKeys; }

    // The agent key of `pid` under the master key (HKDF's expand step on a kept PRK, about
    // a microsecond; counted in derivations()).
    // False without a master key or when OpenSSL fails. Callers keep the result per
    // sender (ReplayGuard does), so that a beat costs an AEAD open, not a derivation.
    bool deriveAgentKey(std::uint32_t pid, KeyBytes &out) noexcept;

    // Opens a 60- or 64-byte datagram. Every loaded key is tried, with no early exit, so
    // the work does not depend on which key (if any) matches; a 64-byte datagram is also
    // tried with `agentKey`, the caller's master-derived key for its clear agent_pid (null:
    // none). True when a key opened it; `plaintext` then holds the frame. Any other
    // length: false.
    bool open(std::span<const std::uint8_t> datagram, FrameOut plaintext, const KeyBytes *agentKey) noexcept;
    // The same, deriving the agent key of a 64-byte datagram on every call.
    bool open(std::span<const std::uint8_t> datagram, FrameOut plaintext) noexcept;

    // How many AEAD opens and master-key derivations have been done (tests, benchmarks,
    // varta_secure_aead_attempts_total and varta_secure_key_derivations_total).
    std::uint64_t aeadAttempts() const noexcept { return m_aeadAttempts; }
    std::uint64_t derivations() const noexcept { return m_derivations; }

private:
    void tryKey(const KeyBytes &key, std::span<const std::uint8_t> datagram, bool &opened, FrameOut plaintext) noexcept;

    std::vector<KeyBytes> m_keys;
    KeyBytes m_master{};
    bool m_hasMaster = false;
    std::optional<AgentKeyDeriver> m_deriver;  // with a master key
    std::size_t m_ignoredKeys = 0;
    AeadContext m_aead;
    std::array<std::uint8_t, kFrameSize> m_scratch{};
    std::uint64_t m_aeadAttempts = 0;
    std::uint64_t m_derivations = 0;
};

}  // namespace varta::vlp
