#include "core/tracking/global_rate_limiter.h"

#include <algorithm>

namespace varta {

GlobalRateLimiter::GlobalRateLimiter(std::uint32_t ratePerSecond, std::uint32_t burst) noexcept
    : m_rate(ratePerSecond),
      m_capacityMilli(static_cast<std::uint64_t>(burst == 0 ? ratePerSecond : burst) * 1000),
      m_tokensMilli(m_capacityMilli) {}

bool GlobalRateLimiter::allow(std::int64_t nowNs) noexcept {
    if (m_rate == 0)
        return true;
    if (!m_started) {
        m_started = true;
        m_lastNs = nowNs;
    }
    // Clamped so the multiplication below cannot overflow after a long quiet spell;
    // 1000 s refills any bucket this flag can describe.
    const std::int64_t elapsed = std::min<std::int64_t>(nowNs - m_lastNs, 1'000'000'000'000);
    if (elapsed > 0) {
        // rate tokens per second = rate * 1000 milli-tokens per 1e9 ns.
        const std::uint64_t refill = static_cast<std::uint64_t>(elapsed) * m_rate / 1'000'000;
        if (refill > 0) {
            m_tokensMilli = std::min(m_capacityMilli, m_tokensMilli + refill);
            m_lastNs = nowNs;
        }
    }
    if (m_tokensMilli < 1000)
        return false;
    m_tokensMilli -= 1000;
    return true;
}

}  // namespace varta
