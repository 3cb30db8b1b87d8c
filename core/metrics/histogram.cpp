#include "core/metrics/histogram.h"

#include <QtGlobal>

#include <cmath>

namespace varta {

Histogram::Histogram(std::vector<double> upperBounds)
    : m_bounds(std::move(upperBounds)), m_buckets(m_bounds.size() + 1, 0) {
    for (std::size_t i = 0; i < m_bounds.size(); ++i) {
        Q_ASSERT(std::isfinite(m_bounds[i]));
        Q_ASSERT(i == 0 || m_bounds[i - 1] < m_bounds[i]);
    }
}

Histogram Histogram::forStallLag() {
    return Histogram({0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0});
}

Histogram Histogram::withUpstreamBounds() { return Histogram({0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0}); }

void Histogram::observe(double seconds) noexcept {
    // A NaN would poison the sum forever; a negative lag (a timer that fired a hair
    // early) is a stall surfaced on time.
    if (std::isnan(seconds))
        return;
    if (seconds < 0.0)
        seconds = 0.0;
    std::size_t index = 0;
    while (index < m_bounds.size() && seconds > m_bounds[index])
        ++index;
    ++m_buckets[index];
    ++m_count;
    m_sum += seconds;
}

std::uint64_t Histogram::cumulativeCount(std::size_t index) const noexcept {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= index && i < m_buckets.size(); ++i)
        total += m_buckets[i];
    return total;
}

}  // namespace varta
