#pragma once
// Secure UDP replay protection (docs/protocol.md section 2). Per authenticated sender pid it
// remembers the current and the previous iv_random with the last counter seen on each,
// and the highest VLP nonce accepted. A frame passes only with a strictly greater counter
// on a known iv_random, or, on a new iv_random (the client reconnected or rotated its
// prefix), with a nonce greater than any accepted from that pid.
//
// Keyed by pid alone, not by peer address: the bytes are authenticated but the source
// address is not, so a captured frame replayed from another address must still be
// refused.
//
// The table is built like the agent table (tracking/agent_table.h): a slab of Sender
// entries addressed by slot, reserved up front for the capacity but only touched as
// senders arrive, and an open-addressing index (linear probing, backward-shift deletion)
// from pid to slot that starts at kInitialBuckets and doubles while it is more than half
// full. Its memory follows the senders seen, not the capacity (the engine passes
// --tracker-capacity, up to kMaxCapacity):
//   Sender entry   48 bytes (static_assert below)
//   index          8 bytes a bucket, 2..4 buckets a sender: 16..32 bytes
//   agent key      32 bytes, only when a master key is loaded (keepAgentKeys)
// so 64..80 bytes a sender with shared keys, 96..112 with a master key.
//
// Expiry: a sender silent for kIdleExpiryNs is forgotten. Its entry is started afresh
// when the pid is next seen; each new sender first examines kSweepStepsPerInsert entries
// of the slab and erases the idle ones (slab slots are reused), so idle entries go within
// a round of the slab while senders come and go; and a new sender that finds the table
// full sweeps the whole slab first, at most once per possible expiry (m_nextSweepNs).
// Only then does it fail closed (TableFull, counted by the caller as
// varta_sender_state_full_total).
//
// Master-key deployments: the agent key derived for a pid (an HKDF) is kept beside the
// sender's entry once a frame under it was accepted, and erased (wiped) with the entry,
// so a sender's beats cost one AEAD open each. The cap is the entry count: at most
// capacity() keys, kMaxDerivedKeys at the very most.

#include "core/vlp/hkdf.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace varta {

class ReplayGuard {
public:
    static constexpr std::size_t kDefaultCapacity = 1024;           // upstream's fixed sender table size
    static constexpr std::size_t kMaxCapacity = 1u << 20;           // --tracker-capacity's ceiling; larger is clamped
    static constexpr std::size_t kMaxDerivedKeys = kMaxCapacity;    // one per entry at most
    static constexpr std::size_t kInitialBuckets = 1024;            // index size before the first doubling
    static constexpr std::size_t kSweepStepsPerInsert = 2;          // slab entries a new sender examines for expiry
    static constexpr std::int64_t kIdleExpiryNs = 600'000'000'000;  // 600 s silent: forgotten

    enum class Verdict : std::uint8_t {
        Accepted,
        StaleCounter,  // known iv_random, counter not greater than the last one
        StaleNonce,    // new iv_random, nonce not greater than the sender's highest
        TableFull,     // new sender and no room: fails closed
    };

    // `capacity` senders at most (at least 1, at most kMaxCapacity). With `keepAgentKeys`
    // (a master key is loaded) each entry can hold its pid's derived agent key.
    explicit ReplayGuard(std::size_t capacity = kDefaultCapacity, bool keepAgentKeys = false);
    ~ReplayGuard();  // wipes the agent keys
    ReplayGuard(const ReplayGuard &) = delete;
    ReplayGuard &operator=(const ReplayGuard &) = delete;

    // `nowNs` is engine time in ns, as on the ingest path. An accepted frame is recorded;
    // a refused one changes nothing, so a flood of replays cannot keep a sender's entry
    // from expiring. `agentKey`, when given, is the key the frame was opened with, derived
    // for `pid`; an accepted frame stores it in the entry (keepAgentKeys only). Allocates
    // only when a new sender makes the index double; a failed allocation fails closed.
    Verdict check(std::uint32_t pid, const vlp::IvRandom &ivRandom, std::uint32_t ivCounter, std::uint64_t nonce,
                  std::int64_t nowNs, const vlp::KeyBytes *agentKey = nullptr) noexcept;

    // The derived agent key stored for `pid`, or null. Valid until the next check().
    const vlp::KeyBytes *agentKey(std::uint32_t pid) const noexcept;

    std::size_t size() const noexcept { return m_size; }
    std::size_t capacity() const noexcept { return m_capacity; }
    std::size_t bucketCount() const noexcept { return m_index.size(); }
    std::size_t agentKeysHeld() const noexcept { return m_keysHeld; }

private:
    using Slot = std::uint32_t;
    static constexpr Slot kNoSlot = ~Slot{0};

    struct Sender {
        std::int64_t lastSeenNs = 0;
        std::uint64_t highestNonce = 0;
        vlp::IvRandom currentIv{};
        vlp::IvRandom previousIv{};
        std::uint32_t currentCounter = 0;
        std::uint32_t previousCounter = 0;
        std::uint32_t pid = 0;
        bool live = false;
        bool hasPrevious = false;
        bool hasKey = false;
    };
    static_assert(sizeof(Sender) == 48, "the per-sender size the header comment counts");

    struct Bucket {
        std::uint32_t pid = 0;  // compared without touching the slab
        Slot slot = kNoSlot;
    };

    Slot find(std::uint32_t pid) const noexcept;
    bool makeRoom() noexcept;
    Slot insert(std::uint32_t pid) noexcept;
    void erase(Slot slot) noexcept;
    void place(Bucket bucket) noexcept;
    void sweepStep(std::int64_t nowNs) noexcept;
    void sweepIdle(std::int64_t nowNs) noexcept;
    void remember(Slot slot, const vlp::KeyBytes *agentKey) noexcept;
    static Verdict update(Sender &sender, const vlp::IvRandom &ivRandom, std::uint32_t ivCounter,
                          std::uint64_t nonce) noexcept;
    static void start(Sender &sender, const vlp::IvRandom &ivRandom, std::uint32_t ivCounter,
                      std::uint64_t nonce) noexcept;
    static bool isIdle(const Sender &sender, std::int64_t nowNs) noexcept;

    std::size_t m_capacity;
    bool m_keepKeys;
    std::size_t m_size = 0;
    std::size_t m_keysHeld = 0;
    std::size_t m_maxBuckets;
    std::size_t m_mask;
    std::vector<Bucket> m_index;        // at most half full
    std::vector<Sender> m_senders;      // reserved for m_capacity, grows to it, never beyond
    std::vector<vlp::KeyBytes> m_keys;  // beside m_senders, same slots (keepAgentKeys only)
    std::vector<Slot> m_freeSlots;      // reserved for m_capacity
    std::size_t m_sweepCursor = 0;      // next slab slot sweepStep() examines
    std::int64_t m_nextSweepNs = 0;     // no entry can be idle before this
};

}  // namespace varta
