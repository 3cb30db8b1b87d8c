#pragma once
// A Prometheus histogram with fixed upper bounds, fed on the one thread that owns it. observe()
// costs a short scan over a dozen bounds and two additions: no allocation, no lock.

#include <cstdint>
#include <span>
#include <vector>

namespace varta {

class Histogram {
public:
    // Bounds must be finite and strictly increasing; +Inf is implicit.
    explicit Histogram(std::vector<double> upperBounds);

    // Stall-surfacing lag: the deadline timer is precise, so lags are expected in the
    // sub-millisecond to tens-of-milliseconds range; a full second means trouble.
    static Histogram forStallLag();
    // Upstream's bounds for all its histograms (0.001 ... 1 s), so that dashboards and rules
    // written against upstream find the same `le` values.
    static Histogram withUpstreamBounds();

    void observe(double seconds) noexcept;

    std::span<const double> upperBounds() const noexcept { return m_bounds; }
    // Cumulative count of observations <= upperBounds()[index]; index == size() is +Inf.
    std::uint64_t cumulativeCount(std::size_t index) const noexcept;
    std::uint64_t count() const noexcept { return m_count; }
    double sum() const noexcept { return m_sum; }

private:
    std::vector<double> m_bounds;
    std::vector<std::uint64_t> m_buckets;  // per bucket, not cumulative; last one is +Inf
    std::uint64_t m_count = 0;
    double m_sum = 0.0;
};

}  // namespace varta
