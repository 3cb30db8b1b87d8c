#include "core/vlp/secure_frame.h"

#include <algorithm>
#include <array>

namespace varta::vlp {
namespace {

constexpr std::size_t kPidSize = 4;
constexpr std::size_t kCounterSize = 4;
// Offsets inside the 60-byte shared layout; the master layout is the same after its
// 4-byte clear pid.
constexpr std::size_t kCounterOffset = kIvRandomSize;
constexpr std::size_t kCiphertextOffset = kCounterOffset + kCounterSize;
constexpr std::size_t kTagOffset = kCiphertextOffset + kFrameSize;

std::uint32_t loadU32(const std::uint8_t *p) noexcept {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8
           | static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

void storeU32(std::uint8_t *p, std::uint32_t value) noexcept {
    for (std::size_t i = 0; i < 4; ++i)
        p[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

// Seals into `body`, the 60 bytes that follow the optional clear pid.
bool sealBody(AeadContext &aead, KeyView key, std::span<const std::uint8_t> aad, const IvRandom &ivRandom,
              std::uint32_t ivCounter, FrameView plaintext,
              std::span<std::uint8_t, kSharedSecureFrameSize> body) noexcept {
    std::copy(ivRandom.begin(), ivRandom.end(), body.begin());
    storeU32(body.data() + kCounterOffset, ivCounter);
    const AeadNonceView nonce = body.first<kAeadNonceSize>();
    return aead.seal(key, nonce, aad, plaintext, body.subspan<kCiphertextOffset, kFrameSize>(),
                     body.subspan<kTagOffset, kAeadTagSize>());
}

}  // namespace

std::optional<SecureHeader> readSecureHeader(std::span<const std::uint8_t> datagram) noexcept {
    std::size_t bodyOffset = 0;
    SecureHeader header;
    if (datagram.size() == kMasterSecureFrameSize) {
        header.agentPid = loadU32(datagram.data());
        bodyOffset = kPidSize;
    } else if (datagram.size() != kSharedSecureFrameSize) {
        return std::nullopt;
    }
    const std::uint8_t *body = datagram.data() + bodyOffset;
    std::copy(body, body + kIvRandomSize, header.ivRandom.begin());
    header.ivCounter = loadU32(body + kCounterOffset);
    return header;
}

bool sealShared(AeadContext &aead, KeyView key, const IvRandom &ivRandom, std::uint32_t ivCounter, FrameView plaintext,
                std::span<std::uint8_t, kSharedSecureFrameSize> out) noexcept {
    return sealBody(aead, key, {}, ivRandom, ivCounter, plaintext, out);
}

bool sealMaster(AeadContext &aead, KeyView agentKey, std::uint32_t agentPid, const IvRandom &ivRandom,
                std::uint32_t ivCounter, FrameView plaintext,
                std::span<std::uint8_t, kMasterSecureFrameSize> out) noexcept {
    storeU32(out.data(), agentPid);
    return sealBody(aead, agentKey, out.first<kPidSize>(), ivRandom, ivCounter, plaintext,
                    out.subspan<kPidSize, kSharedSecureFrameSize>());
}

bool openSecure(AeadContext &aead, KeyView key, std::span<const std::uint8_t> datagram, FrameOut plaintext) noexcept {
    std::span<const std::uint8_t> aad;
    std::span<const std::uint8_t> body = datagram;
    if (datagram.size() == kMasterSecureFrameSize) {
        aad = datagram.first(kPidSize);
        body = datagram.subspan(kPidSize);
    } else if (datagram.size() != kSharedSecureFrameSize) {
        return false;
    }
    const auto fixedBody = body.first<kSharedSecureFrameSize>();
    return aead.open(key, fixedBody.first<kAeadNonceSize>(), aad, fixedBody.subspan<kCiphertextOffset, kFrameSize>(),
                     fixedBody.subspan<kTagOffset, kAeadTagSize>(), plaintext);
}

}  // namespace varta::vlp
