#include "ui/models/fleet_history.h"

#include <algorithm>

namespace varta::ui {

void FleetHistory::append(const EngineStats &stats) {
    FleetCounts counts{};
    std::copy(std::begin(stats.agentsByState), std::end(stats.agentsByState), counts.begin());
    append(stats.nowMs, counts);
}

void FleetHistory::append(EngineMs atMs, const FleetCounts &counts) {
    if (!m_samples.empty()) {
        FleetSample &newest = m_samples.back();
        if (atMs < newest.atMs + kSampleSpacingMs) {
            count(newest, -1);
            newest.last = counts;
            for (std::size_t i = 0; i < counts.size(); ++i)
                newest.peak[i] = std::max(newest.peak[i], counts[i]);
            count(newest, +1);
            return;
        }
        // Unchanged since a sample without a peak of its own: it simply lasts longer.
        if (newest.last == counts && newest.peak == counts)
            return;
    }
    const FleetSample sample{atMs, counts, counts};
    m_samples.push_back(sample);
    count(sample, +1);
    while (size() > kMaxSamples) {
        count(m_samples.front(), -1);
        m_samples.pop_front();
        ++m_dropped;
    }
}

void FleetHistory::count(const FleetSample &sample, int sign) {
    for (std::size_t i = 0; i < sample.peak.size(); ++i)
        if (sample.peak[i] > 0)
            m_nonZero[i] += sign;
}

void FleetHistory::clear() {
    m_samples.clear();
    m_nonZero = {};
}

qsizetype FleetHistory::indexAt(EngineMs t) const {
    const auto after = std::upper_bound(m_samples.begin(), m_samples.end(), t,
                                        [](EngineMs ms, const FleetSample &s) { return ms < s.atMs; });
    return qsizetype(after - m_samples.begin()) - 1;
}

std::optional<FleetSample> FleetHistory::sampleAt(EngineMs t) const {
    const qsizetype i = indexAt(t);
    if (i < 0)
        return std::nullopt;
    return at(i);
}

FleetCounts FleetHistory::current() const { return m_samples.empty() ? FleetCounts{} : m_samples.back().last; }

}  // namespace varta::ui
