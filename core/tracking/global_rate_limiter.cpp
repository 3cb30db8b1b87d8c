#include "core/tracking/global_rate_limiter.h"

#include <algorithm>

namespace varta {

GlobalRateLimiter::GlobalRateLimiter(std::uint32_t ratePerSecond, std::uint32_t burst) noexcept
    : rate_(ratePerSecond),
      capacityMilli_(static_cast<std::uint64_t>(burst == 0 ? ratePerSecond : burst) * 1000),
      tokensMilli_(capacityMilli_) {}

bool GlobalRateLimiter::allow(std::int64_t nowNs) noexcept {
    if (rate_ == 0)
        return true;
    if (!started_) {
        started_ = true;
        lastNs_ = nowNs;
    }
    // Clamped so the multiplication below cannot overflow after a long quiet spell;
    // 1000 s refills any bucket this flag can describe.
    const std::int64_t elapsed = std::min<std::int64_t>(nowNs - lastNs_, 1'000'000'000'000);
    if (elapsed > 0) {
        // rate tokens per second = rate * 1000 milli-tokens per 1e9 ns.
        const std::uint64_t refill = static_cast<std::uint64_t>(elapsed) * rate_ / 1'000'000;
        if (refill > 0) {
            tokensMilli_ = std::min(capacityMilli_, tokensMilli_ + refill);
            lastNs_ = nowNs;
        }
    }
    if (tokensMilli_ < 1000)
        return false;
    tokensMilli_ -= 1000;
    return true;
}

}  // namespace varta
