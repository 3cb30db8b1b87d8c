#include "ui/models/rate_meter.h"

namespace varta::ui {

void RateMeter::addSample(EngineMs atMs, std::uint64_t total) {
    if (!m_samples.empty() && (total < m_samples.back().total || atMs < m_samples.back().atMs))
        m_samples.clear();
    if (!m_samples.empty() && atMs == m_samples.back().atMs) {
        m_samples.back().total = total;
        return;
    }
    m_samples.push_back({atMs, total});
    // Keep one sample at or beyond the window's start, so the span covers a full window.
    while (m_samples.size() > 2 && atMs - m_samples[1].atMs >= kWindowMs)
        m_samples.pop_front();
}

double RateMeter::perSecond() const {
    if (m_samples.size() < 2)
        return 0.0;
    const Sample &first = m_samples.front();
    const Sample &last = m_samples.back();
    const EngineMs span = last.atMs - first.atMs;
    if (span <= 0)
        return 0.0;
    return double(last.total - first.total) * 1000.0 / double(span);
}

}  // namespace varta::ui
