#include "core/vlp/key_ring.h"

#include "core/vlp/secure_frame.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include <openssl/crypto.h>

namespace varta::vlp {
namespace {

constexpr int kSlotBits = std::countr_zero(KeyRing::kDerivedKeyCacheSlots);

std::size_t slotOf(std::uint32_t pid) noexcept {
    // Fibonacci hashing: sequential pids spread over the whole cache.
    return static_cast<std::uint32_t>(pid * 0x9E3779B1u) >> (32 - kSlotBits);
}

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
        Key key{};
        if (copyKey(bytes, key))
            m_keys.push_back(key);
        else
            ++m_ignoredKeys;
        OPENSSL_cleanse(key.data(), key.size());
    }
    if (masterKey) {
        m_hasMaster = copyKey(*masterKey, m_master);
        if (m_hasMaster)
            m_cache.resize(kDerivedKeyCacheSlots);
        else
            ++m_ignoredKeys;
    }
}

KeyRing::~KeyRing() {
    for (Key &key : m_keys)
        OPENSSL_cleanse(key.data(), key.size());
    OPENSSL_cleanse(m_cache.data(), m_cache.size() * sizeof(CacheSlot));
    OPENSSL_cleanse(m_master.data(), m_master.size());
}

const KeyRing::Key *KeyRing::agentKeyFor(std::uint32_t pid) noexcept {
    CacheSlot &slot = m_cache[slotOf(pid)];
    if (slot.filled && slot.pid == pid)
        return &slot.key;
    ++m_derivations;
    slot.filled = deriveAgentKey(m_master, pid, slot.key);
    slot.pid = pid;
    return slot.filled ? &slot.key : nullptr;
}

void KeyRing::tryKey(const Key &key, std::span<const std::uint8_t> datagram, bool &opened,
                     FrameOut plaintext) noexcept {
    ++m_aeadAttempts;
    if (!openSecure(m_aead, key, datagram, m_scratch))
        return;
    // Keep the first key's plaintext; later keys are still tried so timing stays flat.
    if (!opened)
        std::copy(m_scratch.begin(), m_scratch.end(), plaintext.begin());
    opened = true;
}

bool KeyRing::open(std::span<const std::uint8_t> datagram, FrameOut plaintext) noexcept {
    const DatagramKind kind = classifyLength(datagram.size());
    if (kind != DatagramKind::SharedKeySecure && kind != DatagramKind::MasterKeySecure)
        return false;
    bool opened = false;
    for (const Key &key : m_keys)
        tryKey(key, datagram, opened, plaintext);
    if (kind == DatagramKind::MasterKeySecure && m_hasMaster) {
        const auto header = readSecureHeader(datagram);
        if (const Key *agentKey = agentKeyFor(header->agentPid))
            tryKey(*agentKey, datagram, opened, plaintext);
    }
    return opened;
}

}  // namespace varta::vlp
