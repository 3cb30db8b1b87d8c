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
#include <type_traits>
#include <vector>

namespace varta::vlp {

class KeyRing {
public:
    // Keys derived from the master key, cached by pid. Direct-mapped: a pid's key lives in
    // one slot and a colliding pid simply re-derives, so memory is bounded whatever pids
    // senders claim. Measured: a derivation costs ~2 us, an AEAD open ~0.9 us, so
    // deriving per 64-byte frame would be most of the receive path's cost.
    static constexpr std::size_t kDerivedKeyCacheSlots = 1024;

    // Keys that are not exactly kKeySize bytes are ignored and counted (ignoredKeys()).
    KeyRing(const QList<QByteArray> &keys, const std::optional<QByteArray> &masterKey);
    ~KeyRing();  // wipes every key and derived key
    KeyRing(const KeyRing &) = delete;
    KeyRing &operator=(const KeyRing &) = delete;

    std::size_t keyCount() const noexcept { return m_keys.size(); }
    bool hasMasterKey() const noexcept { return m_hasMaster; }
    std::size_t ignoredKeys() const noexcept { return m_ignoredKeys; }

    // Opens a 60- or 64-byte datagram. Every loaded key is tried, with no early exit, so
    // the work does not depend on which key (if any) matches; a 64-byte datagram is also
    // tried with the master-derived key for its clear agent_pid. True when a key opened
    // it; `plaintext` then holds the frame. Any other length: false.
    bool open(std::span<const std::uint8_t> datagram, FrameOut plaintext) noexcept;

    // How many AEAD opens and master-key derivations open() has done (tests, benchmarks).
    std::uint64_t aeadAttempts() const noexcept { return m_aeadAttempts; }
    std::uint64_t derivations() const noexcept { return m_derivations; }

private:
    using Key = std::array<std::uint8_t, kKeySize>;
    struct CacheSlot {
        Key key{};
        std::uint32_t pid = 0;
        bool filled = false;
    };
    static_assert(std::is_trivially_copyable_v<CacheSlot>, "wiped as one block");
    static_assert((kDerivedKeyCacheSlots & (kDerivedKeyCacheSlots - 1)) == 0,
                  "slot index is taken from the hash's top bits");

    const Key *agentKeyFor(std::uint32_t pid) noexcept;
    void tryKey(const Key &key, std::span<const std::uint8_t> datagram, bool &opened, FrameOut plaintext) noexcept;

    std::vector<Key> m_keys;
    Key m_master{};
    bool m_hasMaster = false;
    std::size_t m_ignoredKeys = 0;
    std::vector<CacheSlot> m_cache;
    AeadContext m_aead;
    std::array<std::uint8_t, kFrameSize> m_scratch{};
    std::uint64_t m_aeadAttempts = 0;
    std::uint64_t m_derivations = 0;
};

}  // namespace varta::vlp
