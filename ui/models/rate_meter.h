#pragma once
// A per-second rate from a monotonically increasing counter sampled with engine time,
// averaged over the last second or so, so 20 Hz batches do not make the number jitter.

#include "core/published/engine_batch.h"

#include <cstdint>
#include <deque>

namespace varta::ui {

class RateMeter {
public:
    static constexpr EngineMs kWindowMs = 1000;

    // A counter that goes backwards (engine restart) starts the meter afresh.
    void addSample(EngineMs atMs, std::uint64_t total);
    // 0 until two samples at least 1 ms apart have been seen.
    double perSecond() const;
    void reset() { m_samples.clear(); }

private:
    struct Sample {
        EngineMs atMs;
        std::uint64_t total;
    };
    std::deque<Sample> m_samples;
};

}  // namespace varta::ui
