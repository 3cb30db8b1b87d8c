#pragma once
// How many agents were in each state over time, for the fleet band above the stall
// timeline. Fed one sample per batch (EngineStats: nowMs and agentsByState); batches
// less than kSampleSpacingMs after the newest kept sample merge into it, which keeps
// the counts at its end (`last`) and each state's highest count within it (`peak`), so a
// stall shorter than the spacing still shows. A sample lasts until the next one: a fleet
// whose counts do not change adds none.
//
// Bounded: at most kMaxSamples (24 hours of counts changing every second); past that the
// oldest sample is dropped and counted.

#include "core/published/engine_batch.h"

#include <array>
#include <cstdint>
#include <deque>
#include <optional>

namespace varta::ui {

using FleetCounts = std::array<std::uint32_t, kAgentStateCount>;

struct FleetSample {
    EngineMs atMs = 0;
    FleetCounts last{};  // the counts of the newest batch merged into it
    FleetCounts peak{};  // each state's highest count among those batches
};

class FleetHistory {
public:
    static constexpr EngineMs kSampleSpacingMs = 1'000;
    static constexpr qsizetype kMaxSamples = 24 * 3'600;

    void append(const EngineStats &stats);
    // Times are expected in order; an earlier one merges into the newest sample.
    void append(EngineMs atMs, const FleetCounts &counts);
    void clear();

    // Oldest first.
    qsizetype size() const { return qsizetype(m_samples.size()); }
    const FleetSample &at(qsizetype i) const { return m_samples[std::size_t(i)]; }
    // The sample in force at `t` (the newest at or before it); -1 before the first.
    qsizetype indexAt(EngineMs t) const;
    std::optional<FleetSample> sampleAt(EngineMs t) const;
    // The newest counts; zeros before the first batch.
    FleetCounts current() const;
    // Whether any kept sample has an agent in `state`.
    bool seen(AgentState state) const { return m_nonZero[std::size_t(state)] > 0; }
    // Samples dropped to honour kMaxSamples.
    std::uint64_t droppedCount() const { return m_dropped; }

private:
    void count(const FleetSample &sample, int sign);

    std::deque<FleetSample> m_samples;
    // Per state, how many kept samples have a non-zero peak.
    std::array<qsizetype, kAgentStateCount> m_nonZero{};
    std::uint64_t m_dropped = 0;
};

}  // namespace varta::ui
