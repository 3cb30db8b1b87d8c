#include "core/beat/secure_sealer.h"

#include "core/vlp/secure_frame.h"

#include <algorithm>
#include <limits>

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace varta {
namespace {

constexpr std::uint32_t kLastIndex = std::numeric_limits<std::uint32_t>::max();

bool drawSalt(SecureSealer::Session &session) noexcept {
    session = SecureSealer::Session{};
    return RAND_bytes(session.salt.data(), static_cast<int>(session.salt.size())) == 1;
}

}  // namespace

SecureSealer::SecureSealer(vlp::KeyView sharedKey, std::optional<Session> session) {
    std::copy(sharedKey.begin(), sharedKey.end(), key_.begin());
    valid_ = aead_.isValid() && startSession(session);
}

SecureSealer::SecureSealer(vlp::KeyView masterKey, std::uint32_t agentPid, std::optional<Session> session)
    : agentPid_(agentPid) {
    valid_ = aead_.isValid() && vlp::deriveAgentKey(masterKey, agentPid, key_) && startSession(session);
}

SecureSealer::~SecureSealer() {
    OPENSSL_cleanse(key_.data(), key_.size());
    OPENSSL_cleanse(session_.salt.data(), session_.salt.size());
}

std::size_t SecureSealer::datagramSize() const noexcept {
    return agentPid_ ? vlp::kMasterSecureFrameSize : vlp::kSharedSecureFrameSize;
}

bool SecureSealer::startSession(std::optional<Session> session) noexcept {
    if (session)
        session_ = *session;
    else if (!drawSalt(session_))
        return false;
    const auto iv = vlp::deriveIvPrefix(session_.salt, session_.prefixIndex);
    if (!iv)
        return false;
    ivRandom_ = *iv;
    return true;
}

// The counter space of this prefix is spent: move to the next prefix index, or, after
// 2^32 of them, to a new salt (upstream's clients reconnect at that point).
bool SecureSealer::advancePrefix(Session &next, vlp::IvRandom &nextIv) noexcept {
    if (next.prefixIndex == kLastIndex) {
        if (!drawSalt(next))
            return false;
    } else {
        ++next.prefixIndex;
        next.counter = 0;
    }
    const auto iv = vlp::deriveIvPrefix(next.salt, next.prefixIndex);
    if (!iv)
        return false;
    nextIv = *iv;
    return true;
}

std::size_t SecureSealer::seal(const vlp::Frame &frame, std::span<std::uint8_t, kMaxDatagramSize> out) noexcept {
    if (!valid_)
        return 0;
    Session next = session_;
    vlp::IvRandom nextIv = ivRandom_;
    // The last counter value is never used, as upstream's clients do: it marks "spent".
    if (next.counter == kLastIndex && !advancePrefix(next, nextIv))
        return 0;

    const auto plain = vlp::encode(frame);
    const bool sealed =
        agentPid_ ? vlp::sealMaster(aead_, key_, *agentPid_, nextIv, next.counter, plain,
                                    out.first<vlp::kMasterSecureFrameSize>())
                  : vlp::sealShared(aead_, key_, nextIv, next.counter, plain, out.first<vlp::kSharedSecureFrameSize>());
    if (!sealed)
        return 0;
    ++next.counter;
    session_ = next;
    ivRandom_ = nextIv;
    return datagramSize();
}

}  // namespace varta
