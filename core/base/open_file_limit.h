#pragma once
// The process's open-file limit (RLIMIT_NOFILE). systemd starts a service with a soft
// limit of 1,024 under a hard limit hundreds of times higher; the soft one is what runs
// out, so the observer raises it once at start (main) and every bound that spends
// descriptors (the exit watcher, /metrics, recovery spawns) is judged against the result.

#include <cstdint>

namespace varta {

// Raises the soft limit to the hard limit; returns the soft limit now in force
// (UINT64_MAX when unlimited, 0 when it cannot be read). Children inherit it.
std::uint64_t raiseOpenFileLimit();

// The soft limit now in force, read afresh (an operator's prlimit(1) may change it).
std::uint64_t openFileSoftLimit();

}  // namespace varta
