#include "core/metrics/metrics_registry.h"

#include <QtGlobal>

namespace varta {

MetricsRegistry::MetricsRegistry(Clock nowNs) : m_nowNs(std::move(nowNs)) {}

MetricsFamily &MetricsRegistry::add(std::string name, MetricType type, std::string help) {
    Q_ASSERT_X(!family(name), "MetricsRegistry", "duplicate metric family");
    m_families.push_back(std::make_unique<MetricsFamily>(std::move(name), type, std::move(help)));
    m_cacheValid = false;
    return *m_families.back();
}

MetricsFamily &MetricsRegistry::counter(std::string name, std::string help) {
    return add(std::move(name), MetricType::Counter, std::move(help));
}

MetricsFamily &MetricsRegistry::gauge(std::string name, std::string help) {
    return add(std::move(name), MetricType::Gauge, std::move(help));
}

MetricsFamily &MetricsRegistry::histogram(std::string name, std::string help, const Histogram *histogram) {
    return add(std::move(name), MetricType::Histogram, std::move(help)).setHistogram(histogram);
}

const MetricsFamily *MetricsRegistry::family(std::string_view name) const {
    for (const auto &family : m_families) {
        if (family->name() == name)
            return family.get();
    }
    return nullptr;
}

QByteArray MetricsRegistry::render(bool *fresh) {
    const std::int64_t now = m_nowNs();
    const bool cached = m_cacheValid && now >= m_cachedAtNs && now - m_cachedAtNs < kRenderCacheNs;
    if (fresh)
        *fresh = !cached;
    if (cached)
        return m_cached;
    // Start at the last body's size so a large render does not regrow its buffer, and in
    // the last body's memory when no response still holds it.
    const qsizetype expected = m_cached.size() + m_cached.size() / 8 + 4096;
    MetricsTextWriter out(expected, std::move(m_cached));
    for (const auto &family : m_families)
        family->render(out);
    m_cached = out.take();
    m_cachedAtNs = now;
    m_cacheValid = true;
    return m_cached;
}

}  // namespace varta
