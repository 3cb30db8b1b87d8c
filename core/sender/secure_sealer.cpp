#include "core/sender/secure_sealer.h"

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

SecureSealer::SecureSealer(vlp::KeyView sharedKey, std::optional<Session> session)
    : m_ownAead(std::make_unique<vlp::AeadContext>()), m_aead(m_ownAead.get()) {
    std::copy(sharedKey.begin(), sharedKey.end(), m_key.begin());
    m_valid = m_aead->isValid() && startSession(session);
}

SecureSealer::SecureSealer(vlp::KeyView masterKey, std::uint32_t agentPid, std::optional<Session> session)
    : m_agentPid(agentPid), m_ownAead(std::make_unique<vlp::AeadContext>()), m_aead(m_ownAead.get()) {
    m_valid = m_aead->isValid() && vlp::deriveAgentKey(masterKey, agentPid, m_key) && startSession(session);
}

SecureSealer::SecureSealer(vlp::KeyView sharedKey, vlp::AeadContext &aead, std::optional<Session> session)
    : m_aead(&aead) {
    std::copy(sharedKey.begin(), sharedKey.end(), m_key.begin());
    m_valid = m_aead->isValid() && startSession(session);
}

SecureSealer::SecureSealer(vlp::KeyView masterKey, std::uint32_t agentPid, vlp::AeadContext &aead,
                           std::optional<Session> session)
    : m_agentPid(agentPid), m_aead(&aead) {
    m_valid = m_aead->isValid() && vlp::deriveAgentKey(masterKey, agentPid, m_key) && startSession(session);
}

SecureSealer::~SecureSealer() {
    OPENSSL_cleanse(m_key.data(), m_key.size());
    OPENSSL_cleanse(m_session.salt.data(), m_session.salt.size());
}

std::size_t SecureSealer::datagramSize() const noexcept {
    return m_agentPid ? vlp::kMasterSecureFrameSize : vlp::kSharedSecureFrameSize;
}

bool SecureSealer::startSession(std::optional<Session> session) noexcept {
    if (session)
        m_session = *session;
    else if (!drawSalt(m_session))
        return false;
    const auto iv = vlp::deriveIvPrefix(m_session.salt, m_session.prefixIndex);
    if (!iv)
        return false;
    m_ivRandom = *iv;
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
    if (!m_valid)
        return 0;
    Session next = m_session;
    vlp::IvRandom nextIv = m_ivRandom;
    // The last counter value is never used, as upstream's clients do: it marks "spent".
    if (next.counter == kLastIndex && !advancePrefix(next, nextIv))
        return 0;

    const auto plain = vlp::encode(frame);
    const bool sealed = m_agentPid ? vlp::sealMaster(*m_aead, m_key, *m_agentPid, nextIv, next.counter, plain,
                                                     out.first<vlp::kMasterSecureFrameSize>())
                                   : vlp::sealShared(*m_aead, m_key, nextIv, next.counter, plain,
                                                     out.first<vlp::kSharedSecureFrameSize>());
    if (!sealed)
        return 0;
    ++next.counter;
    m_session = next;
    m_ivRandom = nextIv;
    return datagramSize();
}

}  // namespace varta
