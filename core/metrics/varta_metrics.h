#pragma once
// The one place where the names of docs/compat.md section 4 live: every family upstream's
// varta-watch exports (same names, types, labels and label values), plus ours.
// registerVartaMetrics() wires them to the plain counters of a MetricsSnapshot, the copy
// the engine hands over once a second; the registry reads them at render time on the
// metrics thread (MetricsService).

#include "core/ingest/ingest_counters.h"
#include "core/metrics/observer_counters.h"
#include "core/recovery/audit_counters.h"
#include "core/recovery/recovery_counters.h"
#include "core/tracking/tracker_counters.h"
#include "core/vlp/frame.h"

#include <cstdint>
#include <functional>

namespace varta {

class Histogram;
struct LoopCounters;
class MetricsRegistry;
struct AgentKey;
struct ProcessIdentity;

struct AgentMetricsRow {
    const AgentKey *key = nullptr;
    std::uint64_t beats = 0;
    std::uint64_t stalls = 0;
    vlp::Status status = vlp::Status::Ok;       // varta_status: 0 ok, 1 degraded, 2 critical, 3 stall
    bool exited = false;                        // varta_agent_exited: its process is gone
    const ProcessIdentity *identity = nullptr;  // varta_agent_info{unit,comm}: local agents the kernel described
};

struct MetricSources {
    using AgentVisitor = std::function<void(const AgentMetricsRow &)>;

    // Null pointers and empty callbacks export zeros, so every family is always present.
    const IngestCounters *ingest = nullptr;
    const TrackerCounters *tracker = nullptr;
    const SecureCounters *secure = nullptr;
    const RecoveryCounters *recovery = nullptr;
    const Histogram *stallLag = nullptr;  // varta_stall_detection_lag_seconds
    const LoopCounters *loop = nullptr;   // varta_observer_iteration_seconds, …_stage_seconds
    const ObserverCounters *observer = nullptr;
    const AuditCounters *audit = nullptr;
    const Histogram *auditFsync = nullptr;           // varta_audit_fsync_seconds
    std::function<std::uint64_t()> pidsTracked;      // varta_watch_pids_tracked
    std::function<std::uint64_t()> trackerCapacity;  // varta_tracker_capacity
    // varta_watch_uptime_seconds and varta_watch_last_poll_loop_timestamp_seconds, as the
    // engine thread last saw them.
    std::function<double()> uptimeSeconds;
    std::function<double()> lastTurnUnixSeconds;
    // Calls the visitor once per tracked agent; called once per per-agent family.
    std::function<void(const AgentVisitor &)> forEachAgent;
};

// The pointed-to counters must outlive the registry.
void registerVartaMetrics(MetricsRegistry &registry, const MetricSources &sources);

}  // namespace varta
