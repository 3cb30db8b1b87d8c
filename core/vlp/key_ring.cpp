#include "core/vlp/key_ring.h"

#include "core/vlp/secure_frame.h"

#include <algorithm>
#include <cstring>

#include <openssl/crypto.h>

namespace varta::vlp {
namespace {

bool copyKey(const QByteArray &bytes, std::array<std::uint8_t, kKeySize> &out) noexcept {
    if (bytes.size() != static_cast<qsizetype>(kKeySize))
        return false;
    std::memcpy(out.data(), bytes.constData(), kKeySize);
    return true;
}

}  // namespace

KeyRing::KeyRing(const QList<QByteArray> &keys, const std::optional<QByteArray> &masterKey) {
    m_keys.reserve(static_cast<std::size_t>(keys.size()));
    for (const QByteArray &bytes : keys) {
        KeyBytes key{};
        if (copyKey(bytes, key))
            m_keys.push_back(key);
        else
            ++m_ignoredKeys;
        OPENSSL_cleanse(key.data(), key.size());
    }
    if (masterKey) {
        m_hasMaster = copyKey(*masterKey, m_master);
        if (m_hasMaster)
            m_deriver.emplace(m_master);
        else
            ++m_ignoredKeys;
    }
}

KeyRing::~KeyRing() {
    for (KeyBytes &key : m_keys)
        OPENSSL_cleanse(key.data(), key.size());
    OPENSSL_cleanse(m_master.data(), m_master.size());
}

bool KeyRing::deriveAgentKey(std::uint32_t pid, KeyBytes &out) noexcept {
    if (!m_hasMaster)
        return false;
    ++m_derivations;
    return m_deriver->derive(pid, out);
}

void KeyRing::tryKey(const KeyBytes &key, std::span<const std::uint8_t> datagram, bool &opened,
                     FrameOut plaintext) noexcept {
    ++m_aeadAttempts;
    if (!openSecure(m_aead, key, datagram, m_scratch))
        return;
    // Keep the first key's plaintext; later keys are still tried so timing stays flat.
    if (!opened)
        std::copy(m_scratch.begin(), m_scratch.end(), plaintext.begin());
    opened = true;
}

bool KeyRing::open(std::span<const std::uint8_t> datagram, FrameOut plaintext, const KeyBytes *agentKey) noexcept {
    const DatagramKind kind = classifyLength(datagram.size());
    if (kind != DatagramKind::SharedKeySecure && kind != DatagramKind::MasterKeySecure)
        return false;
    bool opened = false;
    for (const KeyBytes &key : m_keys)
        tryKey(key, datagram, opened, plaintext);
    if (kind == DatagramKind::MasterKeySecure && m_hasMaster && agentKey != nullptr)
        tryKey(*agentKey, datagram, opened, plaintext);
    return opened;
}

bool KeyRing::open(std::span<const std::uint8_t> datagram, FrameOut plaintext) noexcept {
    if (classifyLength(datagram.size()) != DatagramKind::MasterKeySecure || !m_hasMaster)
        return open(datagram, plaintext, nullptr);
    KeyBytes agentKey{};
    const bool derived = deriveAgentKey(readSecureHeader(datagram)->agentPid, agentKey);
    const bool opened = open(datagram, plaintext, derived ? &agentKey : nullptr);
    wipe(agentKey);
    return opened;
}

}  // namespace varta::vlp
