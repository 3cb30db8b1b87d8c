#pragma once
// The set of metric families the /metrics endpoint serves, rendered in registration
// order on the metrics thread. A render is kept for kRenderCacheNs: a scrape storm (or
// several Prometheus servers scraping one observer) costs one render a second.

#include "core/base/engine_clock.h"
#include "core/metrics/metrics_family.h"

#include <QByteArray>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace varta {

class MetricsRegistry {
public:
    static constexpr std::int64_t kRenderCacheNs = 1'000'000'000;
    using Clock = std::function<std::int64_t()>;  // monotonic nanoseconds

    explicit MetricsRegistry(Clock nowNs = &engineNowNs);
    MetricsRegistry(const MetricsRegistry &) = delete;
    MetricsRegistry &operator=(const MetricsRegistry &) = delete;

    // The returned family lives as long as the registry; names must be unique.
    MetricsFamily &counter(std::string name, std::string help);
    MetricsFamily &gauge(std::string name, std::string help);
    MetricsFamily &histogram(std::string name, std::string help, const Histogram *histogram);

    const MetricsFamily *family(std::string_view name) const;
    std::size_t familyCount() const noexcept { return m_families.size(); }

    // The whole exposition, from the cache when it is younger than kRenderCacheNs;
    // `fresh`, when given, says whether this call rendered it.
    QByteArray render(bool *fresh = nullptr);
    // Drops the cached render, so the next render() reads every value again.
    void invalidate() noexcept { m_cacheValid = false; }

private:
    MetricsFamily &add(std::string name, MetricType type, std::string help);

    Clock m_nowNs;
    std::vector<std::unique_ptr<MetricsFamily>> m_families;
    QByteArray m_cached;
    std::int64_t m_cachedAtNs = 0;
    bool m_cacheValid = false;
};

}  // namespace varta
