#pragma once
// The engine thread's own health, beside what ingest, tracking and recovery count:
// its clock, its limits and its diagnostics. Filled by the engine for each snapshot.

#include "core/base/log.h"
#include "core/control/control_counters.h"
#include "core/published/engine_batch.h"

#include <array>
#include <cstdint>

namespace varta {

struct ObserverCounters {
    std::uint64_t clockRegressions = 0;       // varta_observer_clock_regression_total
    std::uint64_t clockJumpsForward = 0;      // varta_observer_clock_jump_forward_total
    std::uint64_t udsReceiveBufferBytes = 0;  // varta_observer_uds_rcvbuf_bytes, as granted (0: no --socket)
    std::uint64_t pidMax = 0;                 // varta_pid_max_current
    std::uint64_t evictionScanWindow = 0;     // varta_tracker_eviction_scan_window_max
    std::uint64_t exitWatchProcesses = 0;     // varta_exit_watch_processes: local processes watched now
    std::uint64_t exitWatchCapacity = 0;      // varta_exit_watch_capacity: most at once (0: --exit-detection off)
    std::uint64_t exitWatchUnwatched = 0;     // varta_exit_watch_refused_total: past the cap, /proc at the deadline
    std::uint64_t identityFailures = 0;       // varta_agent_identity_failures_total: /proc said nothing at first beat
    bool signalHandlerLibc = false;           // varta_signal_handler_install_total{mode}
    std::array<std::uint64_t, kLogKindCount> logSuppressed{};  // varta_log_suppressed_total{kind}
    // Events past their kind's budget: varta_log_suppressed_total{kind="stall"...}
    std::array<std::uint64_t, kEventKindCount> eventsSuppressed{};
    std::uint64_t eventsPosted = 0;        // varta_events_total
    std::uint64_t logLinesLost = 0;        // varta_log_lines_lost_total: the writer's queue was full
    std::uint64_t exportLinesDropped = 0;  // varta_export_lines_dropped_total: event lines never written
    std::uint64_t exportWriteErrors = 0;   // varta_export_write_errors_total: writes, opens, renames failed
    std::uint64_t exportReopens = 0;       // varta_export_reopens_total: SIGHUP, or moved or deleted under us
    ControlCounters control;               // varta_control_*
};

}  // namespace varta
