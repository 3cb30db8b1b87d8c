#pragma once
// Sleeping on the same clock as monotonicNs(), to an absolute deadline so that pacing
// does not drift. Returns early when a signal arrives, so callers can check their stop
// flag; they loop for the rest.

#include <cstdint>
#include <ctime>

namespace varta {

inline void sleepUntilNs(std::int64_t deadlineNs) noexcept {
    timespec deadline{};
    deadline.tv_sec = static_cast<time_t>(deadlineNs / 1'000'000'000);
    deadline.tv_nsec = static_cast<long>(deadlineNs % 1'000'000'000);
    ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr);
}

}  // namespace varta
