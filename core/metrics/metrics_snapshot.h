#pragma once
// Everything /metrics shows, copied out of the engine once a second. The endpoint
// renders from the copy on its own thread, so neither rendering 100,000 agents' rows
// nor sending a 17 MB body ever holds up the engine's sockets.

#include "core/base/loop_stats.h"
#include "core/identity/agent_key.h"
#include "core/identity/process_identity.h"
#include "core/ingest/ingest_counters.h"
#include "core/metrics/observer_counters.h"
#include "core/recovery/audit_counters.h"
#include "core/recovery/recovery_counters.h"
#include "core/tracking/tracker_counters.h"
#include "core/vlp/frame.h"

#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

namespace varta {

// varta_audit_fsync_seconds from the audit writer's counts: the writer thread counts per
// bucket in its own counters, and the engine copies them once a second.
inline Histogram auditFsyncHistogram(const AuditCounters &audit) {
    return Histogram::fromCounts({AuditCounters::kFsyncBucketBounds.begin(), AuditCounters::kFsyncBucketBounds.end()},
                                 audit.fsyncBuckets, audit.fsyncSecondsSum);
}

// Plain data: the metrics thread empties a million of them a second to hand the vector
// back, and with nothing to destroy that costs nothing. An agent's identity is an index
// into the snapshot's `identities`.
struct MetricsAgentRow {
    static constexpr std::uint32_t kNoIdentity = 0xffffffff;
    AgentKey key;
    std::uint64_t beats = 0;
    std::uint64_t stalls = 0;
    vlp::Status status = vlp::Status::Ok;
    bool exited = false;                   // varta_agent_exited
    std::uint32_t identity = kNoIdentity;  // varta_agent_info; local agents only
};
static_assert(std::is_trivially_destructible_v<MetricsAgentRow>);

struct MetricsSnapshot {
    IngestCounters ingest;
    TrackerCounters tracker;
    SecureCounters secure;
    RecoveryCounters recovery;
    LoopCounters loop;
    ObserverCounters observer;
    AuditCounters audit;
    Histogram auditFsync = auditFsyncHistogram(AuditCounters{});  // from `audit`
    Histogram stallLag = Histogram::forStallLag();
    std::uint64_t pidsTracked = 0;
    std::uint64_t trackerCapacity = 0;
    std::vector<MetricsAgentRow> agents;
    std::vector<std::shared_ptr<const ProcessIdentity>> identities;  // the rows' `identity`
    // The rows were copied over several event-loop turns while agents were erased, so a
    // key may appear twice: the later row is the agent as it is now.
    bool agentsMayRepeat = false;
    // When the engine thread took the snapshot: engine time and Unix time. Uptime and the
    // last-turn timestamp come from here, so a wedged engine shows as numbers that stop.
    std::int64_t takenNs = 0;
    double takenUnixSeconds = 0;
};

}  // namespace varta
