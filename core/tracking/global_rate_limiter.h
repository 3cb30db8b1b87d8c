#pragma once
// --global-beat-rate / --global-beat-burst: a token bucket over every datagram that
// decoded, checked before the tracker is touched so a flood costs as little as possible.

#include <cstdint>

namespace varta {

class GlobalRateLimiter {
public:
    // rate 0 disables; burst 0 means "same as the rate" (one second's worth).
    GlobalRateLimiter(std::uint32_t ratePerSecond, std::uint32_t burst) noexcept;

    bool enabled() const noexcept { return m_rate != 0; }
    bool allow(std::int64_t nowNs) noexcept;

private:
    std::uint64_t m_rate;
    std::uint64_t m_capacityMilli;  // tokens are kept in thousandths so slow rates refill smoothly
    std::uint64_t m_tokensMilli;
    std::int64_t m_lastNs = 0;
    bool m_started = false;
};

}  // namespace varta
