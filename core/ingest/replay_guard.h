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

#include "core/vlp/hkdf.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace varta {

class ReplayGuard {
public:
    static constexpr std::size_t kDefaultCapacity = 1024;           // upstream's sender table size
    static constexpr std::size_t kMaxCapacity = 1u << 16;           // larger requests are clamped
    static constexpr std::int64_t kIdleExpiryNs = 600'000'000'000;  // 600 s silent: forgotten

    enum class Verdict : std::uint8_t {
        Accepted,
        StaleCounter,  // known iv_random, counter not greater than the last one
        StaleNonce,    // new iv_random, nonce not greater than the sender's highest
        TableFull,     // new sender and no room: fails closed
    };

    // `capacity` senders at most (at least 1, at most kMaxCapacity).
    explicit ReplayGuard(std::size_t capacity = kDefaultCapacity);

    // `nowNs` is engine time in ns, as on the ingest path. An accepted frame is recorded;
    // a refused one changes nothing, so a flood of replays cannot keep a sender's entry
    // from expiring. Allocates nothing.
    Verdict check(std::uint32_t pid, const vlp::IvRandom &ivRandom, std::uint32_t ivCounter, std::uint64_t nonce,
                  std::int64_t nowNs) noexcept;

    std::size_t size() const noexcept { return m_size; }
    std::size_t capacity() const noexcept { return m_capacity; }

private:
    struct Session {
        vlp::IvRandom ivRandom{};
        std::uint32_t counter = 0;
    };
    struct Sender {
        std::uint32_t pid = 0;
        bool used = false;
        bool hasPrevious = false;
        std::int64_t lastSeenNs = 0;
        std::uint64_t highestNonce = 0;
        Session current;
        Session previous;
    };

    Sender *find(std::uint32_t pid) noexcept;
    Sender *insert(std::vector<Sender> &slots, std::uint32_t pid) noexcept;
    void sweepIdle(std::int64_t nowNs) noexcept;
    static Verdict update(Sender &sender, const vlp::IvRandom &ivRandom, std::uint32_t ivCounter,
                          std::uint64_t nonce) noexcept;
    static void start(Sender &sender, const vlp::IvRandom &ivRandom, std::uint32_t ivCounter,
                      std::uint64_t nonce) noexcept;
    static bool isIdle(const Sender &sender, std::int64_t nowNs) noexcept;

    std::size_t m_capacity;
    std::size_t m_size = 0;
    // Open addressing with linear probing, at most half full. Entries are only removed by
    // a sweep, which rebuilds into `m_spare` (allocated up front) and swaps.
    std::vector<Sender> m_slots;
    std::vector<Sender> m_spare;
    std::size_t m_mask;
    std::int64_t m_nextSweepNs = 0;  // no entry can be idle before this
};

}  // namespace varta
