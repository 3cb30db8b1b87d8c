#pragma once
// What the tracker counts as it decides each decoded beat. Plain integers written and
// read on the engine thread only (the metrics thread gets a copy once a second), so the
// beat path pays one increment and no lock or atomic. Family names: docs/compat.md
// section 4.

#include <cstdint>

namespace varta {

struct TrackerCounters {
    std::uint64_t beatsAccepted = 0;
    std::uint64_t replays = 0;            // duplicate/older nonce, dropped silently
    std::uint64_t nonceWraps = 0;         // varta_nonce_wrap_total
    std::uint64_t rateLimitedPerPid = 0;  // varta_rate_limited_total{reason="per_pid"}
    std::uint64_t rateLimitedGlobal = 0;  // varta_rate_limited_total{reason="global"}
    std::uint64_t evicted = 0;            // varta_tracker_evicted_total
    std::uint64_t capacityExceeded = 0;   // varta_tracker_capacity_exceeded_total (beat refused, table full)
    // varta_tracker_probe_limited_total: of those, refused because the key's run of the
    // index was AgentTable::kMaxProbe long (keys made to collide), not for want of room.
    std::uint64_t probeLimited = 0;
    std::uint64_t stallsSurfaced = 0;
    std::uint64_t evictionScanTruncated = 0;  // varta_tracker_eviction_scan_truncated_total
    std::uint64_t originConflicts = 0;        // varta_origin_conflict_total (local pid held by a stronger origin)
    std::uint64_t originTakeovers = 0;        // varta_tracker_origin_takeover_total (ours: a weaker holder removed)
    std::uint64_t pidRecycles = 0;            // varta_tracker_pid_recycle_total: a known pid, another process
    std::uint64_t exitsSeen = 0;              // varta_agent_exits_total: local processes seen to end
    std::uint64_t restarts = 0;               // varta_agent_restarts_total: a unit's new pid took over
    std::uint64_t forgotten = 0;              // varta_agents_forgotten_total: exited/replaced, after --forget-after-ms
    std::uint64_t recycledAtStall = 0;        // stalls retired because the pid belongs to another process
};

}  // namespace varta
