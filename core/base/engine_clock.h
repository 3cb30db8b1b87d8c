#pragma once
// Engine time: monotonic, starting near zero when the process starts. The event file's
// observer_ns column, stall deadlines and everything published to the UI use it.

#include <cstdint>
#include <ctime>

namespace varta {

inline std::int64_t monotonicNs() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Fixed at the first call (the observer makes it early in main()).
inline std::int64_t engineEpochNs() noexcept {
    static const std::int64_t epoch = monotonicNs();
    return epoch;
}

inline std::int64_t engineNowNs() noexcept {
    const std::int64_t epoch = engineEpochNs();  // first, so the very first call is never negative
    return monotonicNs() - epoch;
}
inline std::int64_t engineNowMs() noexcept { return engineNowNs() / 1'000'000; }

}  // namespace varta
