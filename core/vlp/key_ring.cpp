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

KeyRing::KeyRing(const SecureOptions &options) {
    keys_.reserve(static_cast<std::size_t>(options.keys.size()));
    for (const QByteArray &bytes : options.keys) {
        Key key{};
        if (copyKey(bytes, key))
            keys_.push_back(key);
        else
            ++ignoredKeys_;
        OPENSSL_cleanse(key.data(), key.size());
    }
    if (options.masterKey) {
        hasMaster_ = copyKey(*options.masterKey, master_);
        if (hasMaster_)
            cache_.resize(kDerivedKeyCacheSlots);
        else
            ++ignoredKeys_;
    }
}

KeyRing::~KeyRing() {
    for (Key &key : keys_)
        OPENSSL_cleanse(key.data(), key.size());
    OPENSSL_cleanse(cache_.data(), cache_.size() * sizeof(CacheSlot));
    OPENSSL_cleanse(master_.data(), master_.size());
}

const KeyRing::Key *KeyRing::agentKeyFor(std::uint32_t pid) noexcept {
    CacheSlot &slot = cache_[slotOf(pid)];
    if (slot.filled && slot.pid == pid)
        return &slot.key;
    ++derivations_;
    slot.filled = deriveAgentKey(master_, pid, slot.key);
    slot.pid = pid;
    return slot.filled ? &slot.key : nullptr;
}

void KeyRing::tryKey(const Key &key, std::span<const std::uint8_t> datagram, bool &opened,
                     FrameOut plaintext) noexcept {
    ++aeadAttempts_;
    if (!openSecure(aead_, key, datagram, scratch_))
        return;
    // Keep the first key's plaintext; later keys are still tried so timing stays flat.
    if (!opened)
        std::copy(scratch_.begin(), scratch_.end(), plaintext.begin());
    opened = true;
}

bool KeyRing::open(std::span<const std::uint8_t> datagram, FrameOut plaintext) noexcept {
    const DatagramKind kind = classifyLength(datagram.size());
    if (kind != DatagramKind::SharedKeySecure && kind != DatagramKind::MasterKeySecure)
        return false;
    bool opened = false;
    for (const Key &key : keys_)
        tryKey(key, datagram, opened, plaintext);
    if (kind == DatagramKind::MasterKeySecure && hasMaster_) {
        const auto header = readSecureHeader(datagram);
        if (const Key *agentKey = agentKeyFor(header->agentPid))
            tryKey(*agentKey, datagram, opened, plaintext);
    }
    return opened;
}

}  // namespace varta::vlp
