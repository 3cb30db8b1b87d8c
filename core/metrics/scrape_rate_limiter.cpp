#include "core/metrics/scrape_rate_limiter.h"

#include "core/identity/keyed_hash.h"

#include <algorithm>
#include <cstring>

namespace varta {

std::size_t ScrapeRateLimiter::KeyHash::operator()(const Key &key) const noexcept {
    // Seeded (identity/keyed_hash.h): the addresses are the peers' to choose (an IPv6 /64
    // holds plenty), and under a fixed function they could all share one bucket chain.
    std::uint64_t a, b;
    std::memcpy(&a, key.data(), 8);
    std::memcpy(&b, key.data() + 8, 8);
    return static_cast<std::size_t>(seededHash(a, b, 0));
}

ScrapeRateLimiter::ScrapeRateLimiter(std::uint32_t perSecond, std::uint32_t burst, std::size_t capacity)
    : m_perSecond(perSecond),
      m_burst(burst),
      m_fullMicro(static_cast<std::int64_t>(burst) * kMicro),
      m_fillNs(perSecond ? m_fullMicro * 1000 / perSecond + 1 : 0),
      m_capacity(std::max<std::size_t>(capacity, 1)) {
    if (enabled())
        m_buckets.reserve(m_capacity);
}

void ScrapeRateLimiter::refill(Bucket &bucket, std::int64_t nowNs) const noexcept {
    // A clock that steps back refills nothing rather than draining the bucket.
    if (nowNs <= bucket.refilledNs)
        return;
    // Past m_fillNs any bucket is full: the clamp keeps the product below 2^63.
    const std::int64_t elapsedNs = std::min(nowNs - bucket.refilledNs, m_fillNs);
    const std::int64_t earned = elapsedNs * m_perSecond / 1000;  // ns x tokens/s -> millionths
    bucket.microTokens = std::min(m_fullMicro, bucket.microTokens + earned);
    bucket.refilledNs = nowNs;
}

bool ScrapeRateLimiter::evictOne(std::int64_t nowNs) {
    for (auto it = m_buckets.begin(); it != m_buckets.end(); ++it) {
        Bucket &bucket = it->second;
        refill(bucket, nowNs);
        if (bucket.microTokens >= m_fullMicro || nowNs - bucket.lastSeenNs >= kIdleNs) {
            m_buckets.erase(it);
            return true;
        }
    }
    return false;
}

ScrapeRateLimiter::Verdict ScrapeRateLimiter::admit(const QHostAddress &peer, std::int64_t nowNs) {
    if (!enabled())
        return Verdict::Admit;
    const Q_IPV6ADDR raw = peer.toIPv6Address();
    Key key;
    std::memcpy(key.data(), raw.c, key.size());

    auto it = m_buckets.find(key);
    if (it == m_buckets.end()) {
        if (m_buckets.size() >= m_capacity && !evictOne(nowNs))
            return Verdict::TableFull;
        // A new address starts with a full bucket, as upstream's.
        it = m_buckets.emplace(key, Bucket{m_fullMicro, nowNs, nowNs}).first;
    }
    Bucket &bucket = it->second;
    refill(bucket, nowNs);
    bucket.lastSeenNs = std::max(bucket.lastSeenNs, nowNs);
    if (bucket.microTokens < kMicro)
        return Verdict::RateLimited;
    bucket.microTokens -= kMicro;
    return Verdict::Admit;
}

}  // namespace varta
