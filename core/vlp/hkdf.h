#pragma once
// HKDF-SHA256 derivations of the secure UDP transport (docs/protocol.md section 2), with the
// exact info strings upstream's clients use; upstream's m_kdf* vectors pin every one.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <openssl/types.h>

namespace varta::vlp {

inline constexpr std::size_t kKeySize = 32;
inline constexpr std::size_t kSessionSaltSize = 16;
inline constexpr std::size_t kIvRandomSize = 8;

using KeyView = std::span<const std::uint8_t, kKeySize>;
using KeyOut = std::span<std::uint8_t, kKeySize>;
using SessionSaltView = std::span<const std::uint8_t, kSessionSaltSize>;
using IvRandom = std::array<std::uint8_t, kIvRandomSize>;
using KeyBytes = std::array<std::uint8_t, kKeySize>;

// Overwrites secret bytes in a way the compiler cannot drop (OPENSSL_cleanse), for the
// modules above that keep keys and do not link OpenSSL themselves.
void wipe(std::span<std::uint8_t> bytes) noexcept;

// The per-agent key of a master-key deployment: IKM = master, empty salt,
// info = "varta-agent-v1\0" || u32_le(pid). False only if OpenSSL fails.
bool deriveAgentKey(KeyView master, std::uint32_t pid, KeyOut out) noexcept;

// deriveAgentKey for one master key, many pids, at a fraction of the cost: HKDF's extract
// step (PRK = HMAC(zeros, master)) depends on the master key alone, so it is done once
// here and the HMAC keyed with the PRK is kept; a derivation is then HKDF's single
// expand block, T(1) = HMAC(PRK, info || 0x01), with no parameter parsing or context
// set-up. Same bytes as deriveAgentKey (tests compare them). Not thread-safe: one per
// thread.
class AgentKeyDeriver {
public:
    explicit AgentKeyDeriver(KeyView master) noexcept;
    ~AgentKeyDeriver();  // frees the keyed HMAC (OpenSSL cleanses its state)
    AgentKeyDeriver(const AgentKeyDeriver &) = delete;
    AgentKeyDeriver &operator=(const AgentKeyDeriver &) = delete;

    // False when OpenSSL could not set it up; derive() then always fails.
    bool isValid() const noexcept { return m_mac != nullptr; }
    bool derive(std::uint32_t pid, KeyOut out) noexcept;

private:
    EVP_MAC_CTX *m_mac = nullptr;
};

// A client's iv_random for one prefix index: IKM = session salt, info =
// "varta-iv-prefix-v1\0" || u32_le(index). The HKDF salt is EMPTY: upstream's code and
// its kdf-iv-prefix vector agree on that, whatever the vector's description says.
std::optional<IvRandom> deriveIvPrefix(SessionSaltView sessionSalt, std::uint32_t prefixIndex) noexcept;

// Reserved upstream (not on the wire yet): IKM = agent key, empty salt,
// info = "varta-epoch-v1\0" || u64_le(epoch).
bool deriveEpochKey(KeyView agentKey, std::uint64_t epoch, KeyOut out) noexcept;

}  // namespace varta::vlp
