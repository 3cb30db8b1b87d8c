#pragma once
// The per-source-IP token bucket in front of /metrics (upstream's: --prom-rate-limit-per-sec
// tokens a second, --prom-rate-limit-burst of them at most; either 0 turns it off). A
// connection costs one token; without one it is closed unanswered. The table of source
// addresses is bounded: when it is full, a new address takes the place of one whose bucket
// is full again or that has been idle past kIdleNs (forgetting either loses nothing: it
// would come back with a full bucket), and is refused when there is none, so a flood from
// many addresses can neither grow the table nor hand its addresses fresh buckets.
// Used on the metrics thread only; time is passed in, so tests drive it.

#include <QHostAddress>

#include <array>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace varta {

class ScrapeRateLimiter {
public:
    static constexpr std::size_t kMaxTrackedIps = 1024;      // upstream's MAX_PROM_IP_STATES
    static constexpr std::int64_t kIdleNs = 60'000'000'000;  // upstream's PROM_IP_STATE_TTL

    enum class Verdict : std::uint8_t { Admit, RateLimited, TableFull };

    ScrapeRateLimiter(std::uint32_t perSecond, std::uint32_t burst, std::size_t capacity = kMaxTrackedIps);

    bool enabled() const noexcept { return m_perSecond != 0 && m_burst != 0; }
    std::size_t trackedIps() const noexcept { return m_buckets.size(); }
    std::size_t capacity() const noexcept { return m_capacity; }

    // One connection from `peer` at monotonic time `nowNs`; Admit took a token.
    Verdict admit(const QHostAddress &peer, std::int64_t nowNs);

private:
    using Key = std::array<std::uint8_t, 16>;  // IPv4 as its IPv6-mapped form
    struct KeyHash {
        std::size_t operator()(const Key &key) const noexcept;
    };
    // Tokens in millionths, so refills add up exactly and a fraction earned is never lost.
    static constexpr std::int64_t kMicro = 1'000'000;
    struct Bucket {
        std::int64_t microTokens = 0;
        std::int64_t refilledNs = 0;
        std::int64_t lastSeenNs = 0;
    };

    void refill(Bucket &bucket, std::int64_t nowNs) const noexcept;
    bool evictOne(std::int64_t nowNs);

    std::uint32_t m_perSecond;
    std::uint32_t m_burst;
    std::int64_t m_fullMicro;  // m_burst tokens
    std::int64_t m_fillNs;     // from empty to full
    std::size_t m_capacity;
    std::unordered_map<Key, Bucket, KeyHash> m_buckets;
};

}  // namespace varta
