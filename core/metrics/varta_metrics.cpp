#include "core/metrics/varta_metrics.h"

#include "core/base/histogram.h"
#include "core/base/loop_stats.h"
#include "core/identity/agent_key.h"
#include "core/metrics/metrics_registry.h"
#include "core/metrics/metrics_snapshot.h"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace varta {

namespace {

// Room for "secure-udp:" and the longest IPv6 text with a scope id.
struct OriginText {
    char bytes[128];
    QByteArray fallback;
};

bool isIpv4Mapped(const AgentKey &key) noexcept {
    return std::all_of(key.address.begin(), key.address.begin() + 10, [](std::uint8_t b) { return b == 0; })
           && key.address[10] == 0xff && key.address[11] == 0xff;
}

// Same text as AgentKey::originLabel(), without a QString per row for the common cases
// (local socket, IPv4 peer): 100,000 agents would mean 300,000 allocations per render.
std::string_view originText(const AgentKey &key, OriginText &text) {
    if (key.transport == Transport::Uds)
        return "uds";
    if (!isIpv4Mapped(key)) {
        text.fallback = key.originLabel().toUtf8();
        return std::string_view(text.fallback.constData(), static_cast<std::size_t>(text.fallback.size()));
    }
    const std::string_view prefix = key.transport == Transport::Udp ? "udp:" : "secure-udp:";
    char *p = std::copy(prefix.begin(), prefix.end(), text.bytes);
    for (std::size_t i = 12; i < 16; ++i) {
        p = std::to_chars(p, text.bytes + sizeof text.bytes, key.address[i]).ptr;
        if (i != 15)
            *p++ = '.';
    }
    return std::string_view(text.bytes, static_cast<std::size_t>(p - text.bytes));
}

// One per-agent family: `name{pid="…",origin="…"} value` for every tracked agent that
// `keep` accepts.
template <typename Value, typename Keep>
MetricsFamily::RowWriter agentRows(const MetricSources &sources, Value value, Keep keep) {
    return [forEach = sources.forEachAgent, value, keep](MetricsTextWriter &out, std::string_view name) {
        if (!forEach)
            return;
        OriginText text;
        forEach([&](const AgentMetricsRow &row) {
            if (!keep(row))
                return;
            out.beginRow(name);
            out.label("pid", static_cast<std::uint64_t>(row.key->pid));
            out.label("origin", originText(*row.key, text));
            out.endRow(value(row));
        });
    };
}

template <typename Value>
MetricsFamily::RowWriter agentRows(const MetricSources &sources, Value value) {
    return agentRows(sources, value, [](const AgentMetricsRow &) { return true; });
}

std::string_view utf8(const QString &text, QByteArray &buffer) {
    buffer = text.toUtf8();
    return std::string_view(buffer.constData(), static_cast<std::size_t>(buffer.size()));
}

// The Prometheus info convention: one series per local agent the kernel described,
// value 1, its facts as labels, so that a query joins them onto any per-agent series
// instead of every series carrying them.
MetricsFamily::RowWriter agentInfoRows(const MetricSources &sources) {
    return [forEach = sources.forEachAgent](MetricsTextWriter &out, std::string_view name) {
        if (!forEach)
            return;
        OriginText text;
        QByteArray unit, comm;
        forEach([&](const AgentMetricsRow &row) {
            if (!row.identity)
                return;
            out.beginRow(name);
            out.label("pid", static_cast<std::uint64_t>(row.key->pid));
            out.label("origin", originText(*row.key, text));
            out.label("unit", utf8(row.identity->unit, unit));
            out.label("comm", utf8(row.identity->comm, comm));
            out.endRow(std::uint64_t{1});
        });
    };
}

MetricsFamily::IntegerSource orZero(std::function<std::uint64_t()> source) {
    if (source)
        return source;
    return [] { return std::uint64_t{0}; };
}

void registerAgentFamilies(MetricsRegistry &registry, const MetricSources &sources) {
    registry.counter("varta_beats_total", "Beats accepted from each agent.")
        .setRowWriter(agentRows(sources, [](const AgentMetricsRow &row) { return row.beats; }));
    registry.counter("varta_stalls_total", "Stalls surfaced for each agent.")
        .setRowWriter(agentRows(sources, [](const AgentMetricsRow &row) { return row.stalls; }));
    registry.gauge("varta_status", "Last status of each agent: 0 ok, 1 degraded, 2 critical, 3 stall.")
        .setRowWriter(
            agentRows(sources, [](const AgentMetricsRow &row) { return static_cast<std::uint64_t>(row.status); }));
    registry
        .gauge("varta_agent_info",
               "1 for each local agent, labelled with its systemd unit and command as the kernel reported them.")
        .setRowWriter(agentInfoRows(sources));
    registry
        .gauge("varta_agent_exited",
               "1 for each local agent whose process has exited (its varta_status is 3, as for a stall).")
        .setRowWriter(agentRows(
            sources, [](const AgentMetricsRow &) { return std::uint64_t{1}; },
            [](const AgentMetricsRow &row) { return row.exited; }));
}

void registerIngestFamilies(MetricsRegistry &registry, const IngestCounters &ingest) {
    auto &decode = registry.counter("varta_decode_errors_total", "Datagrams rejected by the frame decoder, by kind.");
    for (std::size_t i = 0; i < vlp::kDecodeErrorCount; ++i)
        decode.addValue(&ingest.decodeErrors[i], {{"kind", vlp::decodeErrorLabel(static_cast<vlp::DecodeError>(i))}});
    registry.counter("varta_truncated_datagrams_total", "Datagrams whose length is no valid frame size.")
        .addValue(&ingest.truncated);
    registry.counter("varta_io_errors_total", "Socket read errors.").addValue(&ingest.ioErrors);
    registry
        .counter("varta_ctrl_truncated_total",
                 "Datagrams refused because the kernel truncated their control messages (MSG_CTRUNC).")
        .addValue(&ingest.ctrlTruncated);
    registry
        .counter("varta_frame_auth_failures_total",
                 "Frames whose pid does not match the sender's kernel or key identity.")
        .addValue(&ingest.authFailures);
    registry
        .counter("varta_frame_namespace_mismatch_total",
                 "Local frames from another pid namespace, dropped (see --allow-cross-namespace-agents).")
        .addValue(&ingest.namespaceConflicts);
    registry
        .counter("varta_frame_rejected_pid_above_max_total",
                 "Frames claiming a pid above /proc/sys/kernel/pid_max, dropped.")
        .addValue(&ingest.pidAboveMax);
}

// Upstream families whose event cannot happen in this design. They exist, at zero, so
// upstream's rules and dashboards find them; the help says why each stays there.
void registerStructurallyZero(MetricsRegistry &registry) {
    static const std::uint64_t zero = 0;
    const std::pair<const char *, const char *> families[] = {
        {"varta_tracker_namespace_conflict_total",
         "Always 0: namespaces are checked per frame at ingest (varta_frame_namespace_mismatch_total)."},
        {"varta_tracker_invariant_violations_total", "Always 0: no tracker invariant check has failed."},
        {"varta_tracker_pid_index_probe_exhausted_total", "Always 0: the agent index never gives up a look-up."},
        {"varta_tracker_removed_pid_drops_total", "Always 0: removed agents leave no pending work behind."},
        {"varta_recovery_last_fired_evictions_total", "Always 0: the debounce ledger is pruned, never evicted."},
        {"varta_recovery_debounce_recycle_resets_total", "Always 0: agents are not told apart by process start time."},
        {"varta_recovery_outstanding_recycle_resets_total",
         "Always 0: agents are not told apart by process start time."},
        {"varta_recovery_spawn_budget_exceeded_total",
         "Always 0: decisions left over in one engine turn wait for the next, none is dropped."},
        {"varta_recovery_invariant_violations_total", "Always 0: no recovery invariant check has failed."},
        {"varta_recovery_outstanding_probe_exhausted_total", "Always 0: the children table never gives up a look-up."},
        {"varta_recovery_reap_truncated_total", "Always 0: every child's end is handled as it happens."},
        {"varta_socket_bind_dir_fsync_failed_total", "Always 0: the socket's directory is not fsynced."},
    };
    for (const auto &[name, help] : families)
        registry.counter(name, help).addValue(&zero);
}

void registerTrackerFamilies(MetricsRegistry &registry, const MetricSources &sources, const TrackerCounters &tracker) {
    registry.counter("varta_rate_limited_total", "Beats dropped by a rate limit, by limit.")
        .addValue(&tracker.rateLimitedPerPid, {{"reason", "per_pid"}})
        .addValue(&tracker.rateLimitedGlobal, {{"reason", "global"}});
    registry.counter("varta_nonce_wrap_total", "Agents whose nonce wrapped around.").addValue(&tracker.nonceWraps);
    registry
        .counter("varta_origin_conflict_total",
                 "Beats refused because their local pid is held over a stronger or equal origin.")
        .addValue(&tracker.originConflicts);
    registry
        .counter("varta_tracker_origin_takeover_total",
                 "Local agents removed because their pid beat over a stronger origin.")
        .addValue(&tracker.originTakeovers);
    registry.gauge("varta_watch_pids_tracked", "Agents currently tracked.").addInteger(orZero(sources.pidsTracked));
    registry.gauge("varta_tracker_capacity", "Maximum number of agents tracked.")
        .addInteger(orZero(sources.trackerCapacity));
    registry.counter("varta_tracker_evicted_total", "Silent agents evicted to make room for new ones.")
        .addValue(&tracker.evicted);
    registry
        .counter("varta_tracker_capacity_exceeded_total", "Beats of new agents refused because the tracker was full.")
        .addValue(&tracker.capacityExceeded);
    registry
        .counter("varta_tracker_probe_limited_total",
                 "Beats of new agents refused because their key's run of the tracker's index was at its probe "
                 "limit (counted as capacity_exceeded too).")
        .addValue(&tracker.probeLimited);
    registry
        .counter("varta_tracker_eviction_scan_truncated_total",
                 "Eviction searches that stopped at --eviction-scan-window with old agents left unexamined.")
        .addValue(&tracker.evictionScanTruncated);
    registry
        .counter("varta_tracker_pid_recycle_total",
                 "Local agents whose pid was found to belong to another process (a new start time).")
        .addValue(&tracker.pidRecycles);
    registry.counter("varta_agent_exits_total", "Local agents whose process the kernel saw exit.")
        .addValue(&tracker.exitsSeen);
    registry
        .counter("varta_agent_restarts_total", "Silent local agents taken over by a new pid of the same systemd unit.")
        .addValue(&tracker.restarts);
    registry.counter("varta_agents_forgotten_total", "Exited or replaced agents removed after --forget-after-ms.")
        .addValue(&tracker.forgotten);
}

void registerRecoveryFamilies(MetricsRegistry &registry, const RecoveryCounters &recovery) {
    auto &outcomes =
        registry.counter("varta_recovery_outcomes_total", "Recovery decisions and child results, by outcome.");
    for (std::size_t i = 0; i < kRecoveryOutcomeCount; ++i)
        outcomes.addValue(&recovery.outcomes[i], {{"outcome", recoveryOutcomeLabel(static_cast<RecoveryOutcome>(i))}});
    // Upstream's five reasons (two cannot happen here) and our restart-loop limit; routine
    // refusals are outcomes only (countsAsRefused()).
    static const std::uint64_t never = 0;
    auto &refused = registry.counter("varta_recovery_refused_total",
                                     "Recoveries refused for a reason an operator must look at, by reason.");
    for (std::size_t i = 0; i < kRefusalReasonCount; ++i) {
        const auto reason = static_cast<RefusalReason>(i);
        if (countsAsRefused(reason))
            refused.addValue(&recovery.refused[i], {{"reason", refusalReasonLabel(reason)}});
    }
    refused.addValue(&never, {{"reason", "debounce_capacity"}}).addValue(&never, {{"reason", "socket_mode_only"}});
    registry
        .counter("varta_recovery_duration_ns_sum", "Total run time of the recovery commands that ended, nanoseconds.")
        .addValue(&recovery.durationNsSum);
    registry.counter("varta_recovery_duration_count_total", "Recovery commands that ended.")
        .addValue(&recovery.durationCount);
}

void registerSecureFamilies(MetricsRegistry &registry, const SecureCounters &secure) {
    registry.counter("varta_frame_decrypt_failures_total", "Secure frames that failed to decrypt or authenticate.")
        .addValue(&secure.decryptFailures);
    registry.counter("varta_secure_replay_refused_total", "Secure frames refused as replays.")
        .addValue(&secure.replayRefused);
    registry.counter("varta_sender_state_full_total", "Secure senders refused because the sender table was full.")
        .addValue(&secure.senderStateFull);
    registry.counter("varta_secure_aead_attempts_total", "AEAD opens tried on secure frames (one per key loaded).")
        .addValue(&secure.aeadAttempts);
    registry
        .counter("varta_secure_key_derivations_total",
                 "Agent keys derived from the master key (HKDF): once per sender, kept with its replay entry.")
        .addValue(&secure.keyDerivations);
}

void registerLoopFamilies(MetricsRegistry &registry, const LoopCounters &loop) {
    registry.histogram("varta_observer_iteration_seconds",
                       "Time the engine thread spent on one event (a read batch, a stall pass, a child's end, ...).",
                       &loop.iteration);
    registry
        .counter("varta_observer_iteration_budget_exceeded_total",
                 "Engine-thread events that took longer than --iteration-budget-ms.")
        .addValue(&loop.iterationBudgetExceeded);
    auto &stages = registry.histogram("varta_observer_stage_seconds",
                                      "Time the engine thread spent per event, by upstream's stage names.", nullptr);
    for (std::size_t i = 0; i < kLoopStageCount; ++i)
        stages.addHistogram(&loop.stages[i], {"stage", loopStageLabel(static_cast<LoopStage>(i))});
}

void registerObserverFamilies(MetricsRegistry &registry, const ObserverCounters &observer) {
    registry.counter("varta_observer_clock_regression_total", "Engine clock readings earlier than the one before.")
        .addValue(&observer.clockRegressions);
    registry
        .counter("varta_observer_clock_jump_forward_total",
                 "Engine housekeeping ticks more than 5 s after the one before (clock jump, suspend, stall).")
        .addValue(&observer.clockJumpsForward);
    registry.gauge("varta_observer_uds_rcvbuf_bytes", "Receive buffer the kernel granted the Unix socket, bytes.")
        .addValue(&observer.udsReceiveBufferBytes);
    registry.gauge("varta_pid_max_current", "/proc/sys/kernel/pid_max as last read (once a minute).")
        .addValue(&observer.pidMax);
    registry
        .gauge("varta_tracker_eviction_scan_window_max",
               "Agents looked at per eviction search (--eviction-scan-window).")
        .addValue(&observer.evictionScanWindow);
    registry.gauge("varta_exit_watch_processes", "Local agents' processes watched for their exit now.")
        .addValue(&observer.exitWatchProcesses);
    registry
        .gauge("varta_exit_watch_capacity",
               "Most processes watched at once (the open-file limit's share); 0 with --exit-detection off.")
        .addValue(&observer.exitWatchCapacity);
    registry
        .counter("varta_exit_watch_refused_total",
                 "Local agents not watched (past the capacity): their exit is found at their deadline.")
        .addValue(&observer.exitWatchUnwatched);
    registry
        .counter("varta_agent_identity_failures_total",
                 "Local agents whose process /proc could not describe at their first beat.")
        .addValue(&observer.identityFailures);
    auto &suppressed = registry.counter("varta_log_suppressed_total", "Repeated log lines held back, by kind.");
    for (std::size_t i = 0; i < kLogKindCount; ++i)
        suppressed.addValue(&observer.logSuppressed[i], {{"kind", logKindLabel(static_cast<LogKind>(i))}});
    for (std::size_t i = 0; i < kEventKindCount; ++i)
        suppressed.addValue(&observer.eventsSuppressed[i], {{"kind", eventKindName(static_cast<EventKind>(i))}});
    registry.counter("varta_events_total", "Events posted to the log, the console and the control socket.")
        .addValue(&observer.eventsPosted);
    registry
        .counter("varta_log_lines_lost_total",
                 "Log lines dropped because stderr was not read and the writer's queue was full, or "
                 "because stderr was closed (a pipe whose reader went away).")
        .addValue(&observer.logLinesLost);
    registry
        .counter("varta_export_lines_dropped_total",
                 "Event file lines never written: past the 8 MiB held while the disk refused them, or at exit.")
        .addValue(&observer.exportLinesDropped);
    registry
        .counter("varta_export_write_errors_total",
                 "Event file writes, creates and rotations that failed (each is tried again).")
        .addValue(&observer.exportWriteErrors);
    registry
        .counter("varta_export_reopens_total",
                 "Event file reopened at its path: on SIGHUP, or found renamed or deleted.")
        .addValue(&observer.exportReopens);
    registry.counter("varta_control_connections_total", "Control-socket connections accepted.")
        .addValue(&observer.control.connectionsAccepted);
    registry
        .counter("varta_control_accept_errors_total",
                 "accept() calls on the control socket that failed (out of descriptors: EMFILE, ENFILE); each "
                 "pauses accepting for 100 ms.")
        .addValue(&observer.control.acceptErrors);
    registry.counter("varta_control_requests_total", "Control-socket requests read.")
        .addValue(&observer.control.requests);
    registry.gauge("varta_control_connections", "Control-socket connections open.")
        .addValue(&observer.control.connectionsOpen);
    registry
        .counter("varta_control_resyncs_total",
                 "Control subscribers that fell 8 MiB behind: their unsent batches were dropped and a fresh "
                 "snapshot sent once they caught up.")
        .addValue(&observer.control.resyncs);
    auto &refused =
        registry.counter("varta_control_refused_total", "Control-socket requests or connections refused, by reason.");
    for (std::size_t i = 0; i < kControlRefusalCount; ++i)
        refused.addValue(&observer.control.refused[i],
                         {{"reason", controlRefusalLabel(static_cast<ControlRefusal>(i))}});
    registry
        .counter("varta_signal_handler_install_total",
                 "Signal handlers installed, by --signal-handler-mode (both are installed through sigaction).")
        .addInteger([&observer] { return std::uint64_t{observer.signalHandlerLibc ? 0u : 1u}; }, {{"mode", "direct"}})
        .addInteger([&observer] { return std::uint64_t{observer.signalHandlerLibc ? 1u : 0u}; }, {{"mode", "libc"}});
}

MetricsFamily::RealSource orZero(std::function<double()> source) {
    if (source)
        return source;
    return [] { return 0.0; };
}

void registerProcessFamilies(MetricsRegistry &registry, const MetricSources &sources, const Histogram *stallLag) {
    registry.gauge("varta_watch_uptime_seconds", "Seconds since the observer started, as its engine thread last saw.")
        .addReal(orZero(sources.uptimeSeconds));
    registry
        .gauge("varta_watch_last_poll_loop_timestamp_seconds",
               "Unix time at which the engine thread last handed its counters to /metrics (about once a second).")
        .addReal(orZero(sources.lastTurnUnixSeconds));
    registry.histogram("varta_stall_detection_lag_seconds",
                       "Delay between an agent's stall deadline and the stall being surfaced.", stallLag);
}

// Upstream's audit families. Ours writes on a thread of its own with an unbounded queue:
// the ring families are there for upstream's rules and dashboards and stay 0.
void registerAuditFamilies(MetricsRegistry &registry, const AuditCounters &audit, const Histogram *fsync) {
    registry.histogram("varta_audit_fsync_seconds", "Duration of each fdatasync of the recovery audit log.", fsync);
    registry
        .counter("varta_audit_fsync_budget_exceeded_total",
                 "Audit-log fdatasync calls slower than --audit-fsync-budget-ms.")
        .addValue(&audit.fsyncBudgetExceeded);
    registry
        .counter("varta_audit_rotation_budget_exceeded_total",
                 "Audit-log rotations slower than --audit-rotation-budget-ms.")
        .addValue(&audit.rotationBudgetExceeded);
    registry
        .counter("varta_audit_reopens_total",
                 "Times the recovery audit log followed its path to a new file: moved, deleted or truncated under "
                 "varta-watch (seen within a second, or at SIGHUP).")
        .addValue(&audit.reopens);
    registry
        .counter("varta_recovery_audit_dropped_total",
                 "Audit records dropped: more than 1024 could not be written (a full disk); each leaves a gap in seq.")
        .addValue(&audit.dropped);
    registry
        .counter("varta_recovery_audit_flush_budget_exceeded_total",
                 "Audit flushes that ran out of time budget. Always 0 here: varta-watch writes the audit log on "
                 "a thread of its own, with no budget.")
        .addValue(&audit.flushBudgetExceeded);
    registry
        .counter("varta_audit_ring_watermark_total",
                 "Audit ring buffer fill-level crossings (warn 75 %, critical 95 %). Always 0 here: varta-watch "
                 "has no audit ring buffer.")
        .addValue(&audit.ringWatermarkWarn, {{"level", "warn"}})
        .addValue(&audit.ringWatermarkCritical, {{"level", "critical"}});
}

}  // namespace

void registerVartaMetrics(MetricsRegistry &registry, const MetricSources &sources) {
    // Statics, not temporaries: the registry keeps pointers to them.
    static const IngestCounters noIngest{};
    static const TrackerCounters noTracker{};
    static const SecureCounters noSecure{};
    static const RecoveryCounters noRecovery{};
    static const Histogram noStallLag = Histogram::forStallLag();
    static const LoopCounters noLoop{};
    static const ObserverCounters noObserver{};
    static const AuditCounters noAudit{};
    static const Histogram noAuditFsync = auditFsyncHistogram(noAudit);

    registerAgentFamilies(registry, sources);
    registerIngestFamilies(registry, sources.ingest ? *sources.ingest : noIngest);
    registerTrackerFamilies(registry, sources, sources.tracker ? *sources.tracker : noTracker);
    registerRecoveryFamilies(registry, sources.recovery ? *sources.recovery : noRecovery);
    registerSecureFamilies(registry, sources.secure ? *sources.secure : noSecure);
    registerProcessFamilies(registry, sources, sources.stallLag ? sources.stallLag : &noStallLag);
    registerLoopFamilies(registry, sources.loop ? *sources.loop : noLoop);
    registerObserverFamilies(registry, sources.observer ? *sources.observer : noObserver);
    registerStructurallyZero(registry);
    registerAuditFamilies(registry, sources.audit ? *sources.audit : noAudit,
                          sources.auditFsync ? sources.auditFsync : &noAuditFsync);
}

}  // namespace varta
