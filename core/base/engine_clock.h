#pragma once
// Engine time: starting near zero when the process starts, on the clock --clock-source
// chose (CLOCK_MONOTONIC, or CLOCK_BOOTTIME to count time suspended). The event file's
// observer_ns column, stall deadlines and everything published to the UI use it.
// monotonicNs() stays CLOCK_MONOTONIC for durations that must not include a suspend
// (the watchdogs, child run times, pacing).

#include <atomic>
#include <cstdint>
#include <ctime>

namespace varta {

inline std::int64_t clockNs(clockid_t clock) noexcept {
    timespec ts{};
    ::clock_gettime(clock, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline std::int64_t monotonicNs() noexcept { return clockNs(CLOCK_MONOTONIC); }

// Chosen once, before the epoch is fixed and before any other thread starts.
inline std::atomic<clockid_t> &engineClockId() noexcept {
    static std::atomic<clockid_t> clock{CLOCK_MONOTONIC};
    return clock;
}
inline void useBoottimeForEngineClock() noexcept { engineClockId().store(CLOCK_BOOTTIME); }

// Fixed at the first call (the observer makes it early in main()).
inline std::int64_t engineEpochNs() noexcept {
    static const std::int64_t epoch = clockNs(engineClockId().load(std::memory_order_relaxed));
    return epoch;
}

inline std::int64_t engineNowNs() noexcept {
    const std::int64_t epoch = engineEpochNs();  // first, so the very first call is never negative
    return clockNs(engineClockId().load(std::memory_order_relaxed)) - epoch;
}
inline std::int64_t engineNowMs() noexcept { return engineNowNs() / 1'000'000; }

}  // namespace varta
