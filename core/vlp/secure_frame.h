#pragma once
// The two sealed layouts of secure UDP (docs/protocol.md section 2). The plaintext is always
// the 32-byte base frame; the AEAD nonce is iv_random || u32_le(iv_counter).
//
//   shared key, 60 B: iv_random[0..8] | iv_counter[8..12] | ciphertext[12..44] | tag[44..60]
//                     empty AAD
//   master key, 64 B: agent_pid[0..4] | iv_random[4..12] | iv_counter[12..16] |
//                     ciphertext[16..48] | tag[48..64]; AAD = the 4 agent_pid bytes

#include "core/vlp/aead_context.h"
#include "core/vlp/frame.h"
#include "core/vlp/hkdf.h"

#include <cstdint>
#include <optional>
#include <span>

namespace varta::vlp {

static_assert(kSharedSecureFrameSize == kIvRandomSize + 4 + kFrameSize + kAeadTagSize);
static_assert(kMasterSecureFrameSize == 4 + kSharedSecureFrameSize);

// The fields a secure datagram carries in the clear. agentPid is 0 for 60-byte frames.
struct SecureHeader {
    std::uint32_t agentPid = 0;
    IvRandom ivRandom{};
    std::uint32_t ivCounter = 0;
};

// nullopt unless the datagram is 60 or 64 bytes long.
std::optional<SecureHeader> readSecureHeader(std::span<const std::uint8_t> datagram) noexcept;

bool sealShared(AeadContext &aead, KeyView key, const IvRandom &ivRandom, std::uint32_t ivCounter, FrameView plaintext,
                std::span<std::uint8_t, kSharedSecureFrameSize> out) noexcept;

// `agentKey` is the key derived for agentPid (deriveAgentKey), not the master key.
bool sealMaster(AeadContext &aead, KeyView agentKey, std::uint32_t agentPid, const IvRandom &ivRandom,
                std::uint32_t ivCounter, FrameView plaintext,
                std::span<std::uint8_t, kMasterSecureFrameSize> out) noexcept;

// Opens a 60- or 64-byte datagram with one key; false for any other length or when the
// tag does not verify (then `plaintext` is garbage).
bool openSecure(AeadContext &aead, KeyView key, std::span<const std::uint8_t> datagram, FrameOut plaintext) noexcept;

}  // namespace varta::vlp
