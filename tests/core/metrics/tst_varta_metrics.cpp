// docs/compat.md section 4 as a test: every family upstream exports (plus ours) is present
// from the first scrape with the exact names, types, labels and label values; values
// come from the engine's counters; per-agent rows carry pid and origin; promtool agrees.
#include "core/base/histogram.h"
#include "core/identity/agent_key.h"
#include "core/ingest/ingest_counters.h"
#include "core/metrics/metrics_registry.h"
#include "core/metrics/metrics_snapshot.h"
#include "core/metrics/varta_metrics.h"
#include "core/recovery/recovery_counters.h"
#include "core/tracking/tracker_counters.h"

#include <QFileInfo>
#include <QProcess>
#include <QSet>
#include <QTest>

#include <cmath>

using namespace varta;

namespace {

constexpr const char *kPromtool = "/usr/bin/promtool";

// The contract, spelled out by hand from docs/compat.md rather than from the code under test.
struct FamilySpec {
    const char *name;
    const char *type;
    QList<QByteArray> zeroSamples;  // sample lines present at zero on a fresh set of counters
};

QList<QByteArray> labelled(const char *name, const char *label, const QList<const char *> &values) {
    QList<QByteArray> lines;
    for (const char *value : values)
        lines << QByteArray(name) + '{' + label + "=\"" + value + "\"} 0";
    return lines;
}

QList<FamilySpec> contractFamilies() {
    return {
        {"varta_beats_total", "counter", {}},
        {"varta_stalls_total", "counter", {}},
        {"varta_status", "gauge", {}},
        // ours: local agents' processes (docs/compat.md section 4)
        {"varta_agent_info", "gauge", {}},
        {"varta_agent_exited", "gauge", {}},
        {"varta_agent_exits_total", "counter", {"varta_agent_exits_total 0"}},
        {"varta_agent_restarts_total", "counter", {"varta_agent_restarts_total 0"}},
        {"varta_agents_forgotten_total", "counter", {"varta_agents_forgotten_total 0"}},
        {"varta_exit_watch_processes", "gauge", {"varta_exit_watch_processes 0"}},
        {"varta_exit_watch_capacity", "gauge", {"varta_exit_watch_capacity 0"}},
        {"varta_exit_watch_refused_total", "counter", {"varta_exit_watch_refused_total 0"}},
        {"varta_agent_identity_failures_total", "counter", {"varta_agent_identity_failures_total 0"}},
        {"varta_decode_errors_total", "counter",
         labelled("varta_decode_errors_total", "kind",
                  {"bad_magic", "bad_version", "bad_crc", "bad_status", "stall_on_wire", "bad_pid", "bad_timestamp",
                   "bad_nonce"})},
        {"varta_truncated_datagrams_total", "counter", {"varta_truncated_datagrams_total 0"}},
        {"varta_io_errors_total", "counter", {"varta_io_errors_total 0"}},
        {"varta_ctrl_truncated_total", "counter", {"varta_ctrl_truncated_total 0"}},
        {"varta_frame_auth_failures_total", "counter", {"varta_frame_auth_failures_total 0"}},
        {"varta_rate_limited_total", "counter", labelled("varta_rate_limited_total", "reason", {"per_pid", "global"})},
        {"varta_nonce_wrap_total", "counter", {"varta_nonce_wrap_total 0"}},
        {"varta_origin_conflict_total", "counter", {"varta_origin_conflict_total 0"}},
        {"varta_tracker_origin_takeover_total", "counter", {"varta_tracker_origin_takeover_total 0"}},
        {"varta_watch_pids_tracked", "gauge", {"varta_watch_pids_tracked 0"}},
        {"varta_tracker_capacity", "gauge", {"varta_tracker_capacity 0"}},
        {"varta_tracker_evicted_total", "counter", {"varta_tracker_evicted_total 0"}},
        {"varta_tracker_capacity_exceeded_total", "counter", {"varta_tracker_capacity_exceeded_total 0"}},
        {"varta_tracker_probe_limited_total", "counter", {"varta_tracker_probe_limited_total 0"}},
        {"varta_recovery_outcomes_total", "counter",
         labelled("varta_recovery_outcomes_total", "outcome",
                  {"spawned", "debounced", "reaped_zero", "reaped_nonzero", "killed", "spawn_failed",
                   "refused_unauthenticated_transport", "refused_cross_namespace", "refused_outstanding_capacity",
                   "skipped_agent_resumed", "refused_gave_up", "refused_paused", "manual", "skipped_pid_recycled",
                   "refused_missing_placeholder"})},
        {"varta_recovery_refused_total", "counter",
         labelled("varta_recovery_refused_total", "reason",
                  {"unauthenticated_transport", "cross_namespace_agent", "outstanding_capacity", "gave_up",
                   "missing_placeholder", "debounce_capacity", "socket_mode_only"})},
        {"varta_recovery_duration_ns_sum", "counter", {"varta_recovery_duration_ns_sum 0"}},
        {"varta_recovery_duration_count_total", "counter", {"varta_recovery_duration_count_total 0"}},
        {"varta_frame_namespace_mismatch_total", "counter", {"varta_frame_namespace_mismatch_total 0"}},
        {"varta_frame_rejected_pid_above_max_total", "counter", {"varta_frame_rejected_pid_above_max_total 0"}},
        {"varta_tracker_eviction_scan_truncated_total", "counter", {"varta_tracker_eviction_scan_truncated_total 0"}},
        {"varta_secure_aead_attempts_total", "counter", {"varta_secure_aead_attempts_total 0"}},
        {"varta_secure_key_derivations_total", "counter", {"varta_secure_key_derivations_total 0"}},
        {"varta_observer_iteration_seconds",
         "histogram",
         {"varta_observer_iteration_seconds_bucket{le=\"+Inf\"} 0", "varta_observer_iteration_seconds_count 0"}},
        {"varta_observer_iteration_budget_exceeded_total",
         "counter",
         {"varta_observer_iteration_budget_exceeded_total 0"}},
        {"varta_observer_stage_seconds", "histogram",
         labelled("varta_observer_stage_seconds_count", "stage",
                  {"drain_pending", "poll", "maintenance", "recovery_reap", "serve_pending", "housekeeping"})},
        {"varta_observer_clock_regression_total", "counter", {"varta_observer_clock_regression_total 0"}},
        {"varta_observer_clock_jump_forward_total", "counter", {"varta_observer_clock_jump_forward_total 0"}},
        {"varta_observer_uds_rcvbuf_bytes", "gauge", {"varta_observer_uds_rcvbuf_bytes 0"}},
        {"varta_pid_max_current", "gauge", {"varta_pid_max_current 0"}},
        {"varta_tracker_eviction_scan_window_max", "gauge", {"varta_tracker_eviction_scan_window_max 0"}},
        {"varta_log_suppressed_total", "counter",
         labelled("varta_log_suppressed_total", "kind",
                  {"file_export_io", "audit_io", "prom_serve", "heartbeat_io", "audit_ring_warn", "audit_ring_critical",
                   // ours: events past their kind's budget (docs/control.md section 4)
                   "stall", "back", "recovery_started", "recovery_ended", "refused", "gave_up", "rearmed", "paused",
                   "resumed", "pause_expired", "evicted", "replaced", "exited", "restarted", "recycled", "forgotten",
                   "decode_errors", "io_error", "audit_error", "operator", "suppressed", "notice"})},
        {"varta_events_total", "counter", {"varta_events_total 0"}},
        {"varta_log_lines_lost_total", "counter", {"varta_log_lines_lost_total 0"}},
        {"varta_export_lines_dropped_total", "counter", {"varta_export_lines_dropped_total 0"}},
        {"varta_export_write_errors_total", "counter", {"varta_export_write_errors_total 0"}},
        {"varta_export_reopens_total", "counter", {"varta_export_reopens_total 0"}},
        {"varta_control_connections_total", "counter", {"varta_control_connections_total 0"}},
        {"varta_control_requests_total", "counter", {"varta_control_requests_total 0"}},
        {"varta_control_accept_errors_total", "counter", {"varta_control_accept_errors_total 0"}},
        {"varta_control_connections", "gauge", {"varta_control_connections 0"}},
        {"varta_control_resyncs_total", "counter", {"varta_control_resyncs_total 0"}},
        {"varta_control_refused_total", "counter",
         labelled("varta_control_refused_total", "reason",
                  {"permission_denied", "busy", "too_large", "timeout", "idle", "slow_reader", "bad_request",
                   "bad_token", "tls_failed", "view_only"})},
        {"varta_signal_handler_install_total",
         "counter",
         {"varta_signal_handler_install_total{mode=\"direct\"} 1",
          "varta_signal_handler_install_total{mode=\"libc\"} 0"}},
        {"varta_tracker_namespace_conflict_total", "counter", {"varta_tracker_namespace_conflict_total 0"}},
        {"varta_tracker_pid_recycle_total", "counter", {"varta_tracker_pid_recycle_total 0"}},
        {"varta_tracker_invariant_violations_total", "counter", {"varta_tracker_invariant_violations_total 0"}},
        {"varta_tracker_pid_index_probe_exhausted_total",
         "counter",
         {"varta_tracker_pid_index_probe_exhausted_total 0"}},
        {"varta_tracker_removed_pid_drops_total", "counter", {"varta_tracker_removed_pid_drops_total 0"}},
        {"varta_recovery_last_fired_evictions_total", "counter", {"varta_recovery_last_fired_evictions_total 0"}},
        {"varta_recovery_debounce_recycle_resets_total", "counter", {"varta_recovery_debounce_recycle_resets_total 0"}},
        {"varta_recovery_outstanding_recycle_resets_total",
         "counter",
         {"varta_recovery_outstanding_recycle_resets_total 0"}},
        {"varta_recovery_spawn_budget_exceeded_total", "counter", {"varta_recovery_spawn_budget_exceeded_total 0"}},
        {"varta_recovery_invariant_violations_total", "counter", {"varta_recovery_invariant_violations_total 0"}},
        {"varta_recovery_outstanding_probe_exhausted_total",
         "counter",
         {"varta_recovery_outstanding_probe_exhausted_total 0"}},
        {"varta_recovery_reap_truncated_total", "counter", {"varta_recovery_reap_truncated_total 0"}},
        {"varta_socket_bind_dir_fsync_failed_total", "counter", {"varta_socket_bind_dir_fsync_failed_total 0"}},
        {"varta_frame_decrypt_failures_total", "counter", {"varta_frame_decrypt_failures_total 0"}},
        {"varta_secure_replay_refused_total", "counter", {"varta_secure_replay_refused_total 0"}},
        {"varta_sender_state_full_total", "counter", {"varta_sender_state_full_total 0"}},
        {"varta_watch_uptime_seconds", "gauge", {"varta_watch_uptime_seconds 0"}},
        {"varta_watch_last_poll_loop_timestamp_seconds", "gauge", {"varta_watch_last_poll_loop_timestamp_seconds 0"}},
        {"varta_stall_detection_lag_seconds",
         "histogram",
         {"varta_stall_detection_lag_seconds_bucket{le=\"+Inf\"} 0", "varta_stall_detection_lag_seconds_sum 0",
          "varta_stall_detection_lag_seconds_count 0"}},
        {"varta_audit_fsync_seconds",
         "histogram",
         {"varta_audit_fsync_seconds_bucket{le=\"0.001\"} 0", "varta_audit_fsync_seconds_bucket{le=\"0.005\"} 0",
          "varta_audit_fsync_seconds_bucket{le=\"0.01\"} 0", "varta_audit_fsync_seconds_bucket{le=\"0.05\"} 0",
          "varta_audit_fsync_seconds_bucket{le=\"0.1\"} 0", "varta_audit_fsync_seconds_bucket{le=\"0.25\"} 0",
          "varta_audit_fsync_seconds_bucket{le=\"0.5\"} 0", "varta_audit_fsync_seconds_bucket{le=\"1\"} 0",
          "varta_audit_fsync_seconds_bucket{le=\"+Inf\"} 0", "varta_audit_fsync_seconds_sum 0",
          "varta_audit_fsync_seconds_count 0"}},
        {"varta_audit_fsync_budget_exceeded_total", "counter", {"varta_audit_fsync_budget_exceeded_total 0"}},
        {"varta_audit_rotation_budget_exceeded_total", "counter", {"varta_audit_rotation_budget_exceeded_total 0"}},
        {"varta_audit_reopens_total", "counter", {"varta_audit_reopens_total 0"}},  // ours
        {"varta_recovery_audit_dropped_total", "counter", {"varta_recovery_audit_dropped_total 0"}},
        {"varta_recovery_audit_flush_budget_exceeded_total",
         "counter",
         {"varta_recovery_audit_flush_budget_exceeded_total 0"}},
        {"varta_audit_ring_watermark_total", "counter",
         labelled("varta_audit_ring_watermark_total", "level", {"warn", "critical"})},
    };
}

// The engine's side: counters, a histogram and a list of agents, wired like the observer.
struct EngineCounters {
    IngestCounters ingest;
    TrackerCounters tracker;
    SecureCounters secure;
    RecoveryCounters recovery;
    Histogram stallLag = Histogram::forStallLag();
    AuditCounters audit;
    Histogram auditFsync = auditFsyncHistogram(audit);  // rebuilt from `audit` by sources()
    std::vector<AgentKey> keys;
    std::vector<AgentMetricsRow> rows;
    std::uint64_t capacity = 0;
    double uptime = 0;
    double lastTurn = 0;

    MetricSources sources() {
        MetricSources s;
        s.ingest = &ingest;
        s.tracker = &tracker;
        s.secure = &secure;
        s.recovery = &recovery;
        s.stallLag = &stallLag;
        auditFsync = auditFsyncHistogram(audit);
        s.audit = &audit;
        s.auditFsync = &auditFsync;
        s.pidsTracked = [this] { return static_cast<std::uint64_t>(rows.size()); };
        s.trackerCapacity = [this] { return capacity; };
        s.uptimeSeconds = [this] { return uptime; };
        s.lastTurnUnixSeconds = [this] { return lastTurn; };
        s.forEachAgent = [this](const MetricSources::AgentVisitor &visit) {
            for (std::size_t i = 0; i < rows.size(); ++i) {
                rows[i].key = &keys[i];
                visit(rows[i]);
            }
        };
        return s;
    }
    void addAgent(const AgentKey &key, std::uint64_t beats, std::uint64_t stalls, vlp::Status status) {
        keys.push_back(key);
        rows.push_back(AgentMetricsRow{nullptr, beats, stalls, status});
    }
};

QByteArray renderFresh(EngineCounters &engine) {
    MetricsRegistry registry;
    registerVartaMetrics(registry, engine.sources());
    return registry.render();
}

QList<QByteArray> lines(const QByteArray &body) {
    QList<QByteArray> result = body.split('\n');
    if (!result.isEmpty() && result.back().isEmpty())
        result.removeLast();
    return result;
}

QString promtoolCheck(const QByteArray &body) {
    QProcess promtool;
    promtool.start(QString::fromLatin1(kPromtool), {QStringLiteral("check"), QStringLiteral("metrics")});
    if (!promtool.waitForStarted())
        return QStringLiteral("promtool did not start: ") + promtool.errorString();
    promtool.write(body);
    promtool.closeWriteChannel();
    if (!promtool.waitForFinished(60000))
        return QStringLiteral("promtool did not finish");
    if (promtool.exitStatus() != QProcess::NormalExit || promtool.exitCode() != 0)
        return QString::fromUtf8(promtool.readAllStandardOutput() + promtool.readAllStandardError());
    return {};
}

}  // namespace

class TestVartaMetrics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyFamilyPresentAtZero_data();
    void everyFamilyPresentAtZero();
    void noFamilyBeyondTheContract();
    void nullSourcesStillExportZeros();
    void countsAreExact_data();
    void countsAreExact();
    void gaugesFromCallbacks();
    void uptimeIsWhatTheEngineLastSaw();
    void stallLagHistogram();
    void auditFamilies();
    void perAgentRows_data();
    void perAgentRows();
    void perAgentRowsForManyAgents();
    void promtoolAcceptsBody_data();
    void promtoolAcceptsBody();
};

void TestVartaMetrics::everyFamilyPresentAtZero_data() {
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("type");
    QTest::addColumn<QList<QByteArray>>("zeroSamples");
    for (const FamilySpec &spec : contractFamilies())
        QTest::newRow(spec.name) << QByteArray(spec.name) << QByteArray(spec.type) << spec.zeroSamples;
}

void TestVartaMetrics::everyFamilyPresentAtZero() {
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, type);
    QFETCH(QList<QByteArray>, zeroSamples);
    EngineCounters engine;
    const QList<QByteArray> body = lines(renderFresh(engine));
    QVERIFY2(body.contains("# TYPE " + name + ' ' + type), name.constData());
    QVERIFY(std::any_of(body.begin(), body.end(), [&](const QByteArray &line) {
        return line.startsWith("# HELP " + name + ' ') && line.size() > name.size() + 10;
    }));
    for (const QByteArray &sample : zeroSamples)
        QVERIFY2(body.contains(sample), sample.constData());
    // Labelled families carry exactly the contract's label values, no more.
    const qsizetype samples = std::count_if(body.begin(), body.end(), [&](const QByteArray &line) {
        return line.startsWith(name + '{') || line.startsWith(name + ' ');
    });
    if (!zeroSamples.isEmpty() && type != "histogram")
        QCOMPARE(samples, zeroSamples.size());
}

void TestVartaMetrics::noFamilyBeyondTheContract() {
    EngineCounters engine;
    QSet<QByteArray> rendered;
    for (const QByteArray &line : lines(renderFresh(engine))) {
        if (line.startsWith("# TYPE "))
            rendered.insert(line.split(' ').at(2));
    }
    QSet<QByteArray> expected;
    for (const FamilySpec &spec : contractFamilies())
        expected.insert(spec.name);
    QCOMPARE(rendered, expected);
}

void TestVartaMetrics::nullSourcesStillExportZeros() {
    MetricsRegistry registry;
    registerVartaMetrics(registry, MetricSources{});
    const QList<QByteArray> body = lines(registry.render());
    for (const FamilySpec &spec : contractFamilies()) {
        for (const QByteArray &sample : spec.zeroSamples)
            QVERIFY2(body.contains(sample), sample.constData());
    }
}

void TestVartaMetrics::countsAreExact_data() {
    QTest::addColumn<QByteArray>("line");
    // Distinct values per counter, set in countsAreExact(); a swapped pointer shows here.
    QTest::newRow("decode bad_magic") << QByteArray("varta_decode_errors_total{kind=\"bad_magic\"} 101");
    QTest::newRow("decode bad_nonce") << QByteArray("varta_decode_errors_total{kind=\"bad_nonce\"} 108");
    QTest::newRow("decode bad_crc") << QByteArray("varta_decode_errors_total{kind=\"bad_crc\"} 103");
    QTest::newRow("truncated") << QByteArray("varta_truncated_datagrams_total 11");
    QTest::newRow("io") << QByteArray("varta_io_errors_total 12");
    QTest::newRow("ctrl truncated") << QByteArray("varta_ctrl_truncated_total 17");
    QTest::newRow("auth") << QByteArray("varta_frame_auth_failures_total 13");
    QTest::newRow("per_pid") << QByteArray("varta_rate_limited_total{reason=\"per_pid\"} 14");
    QTest::newRow("global") << QByteArray("varta_rate_limited_total{reason=\"global\"} 15");
    QTest::newRow("nonce wrap") << QByteArray("varta_nonce_wrap_total 16");
    QTest::newRow("origin conflict") << QByteArray("varta_origin_conflict_total 18");
    QTest::newRow("origin takeover") << QByteArray("varta_tracker_origin_takeover_total 19");
    QTest::newRow("evicted") << QByteArray("varta_tracker_evicted_total 21");
    QTest::newRow("capacity exceeded") << QByteArray("varta_tracker_capacity_exceeded_total 22");
    QTest::newRow("probe limited") << QByteArray("varta_tracker_probe_limited_total 23");
    QTest::newRow("decrypt") << QByteArray("varta_frame_decrypt_failures_total 31");
    QTest::newRow("replay") << QByteArray("varta_secure_replay_refused_total 32");
    QTest::newRow("sender full") << QByteArray("varta_sender_state_full_total 33");
    QTest::newRow("spawned") << QByteArray("varta_recovery_outcomes_total{outcome=\"spawned\"} 200");
    QTest::newRow("killed") << QByteArray("varta_recovery_outcomes_total{outcome=\"killed\"} 204");
    QTest::newRow("manual") << QByteArray("varta_recovery_outcomes_total{outcome=\"manual\"} 212");
    QTest::newRow("refused outstanding capacity")
        << QByteArray("varta_recovery_refused_total{reason=\"outstanding_capacity\"} 304");
    QTest::newRow("refused cross namespace")
        << QByteArray("varta_recovery_refused_total{reason=\"cross_namespace_agent\"} 301");
    QTest::newRow("u64 max") << QByteArray("varta_recovery_refused_total{reason=\"gave_up\"} 18446744073709551615");
}

void TestVartaMetrics::countsAreExact() {
    QFETCH(QByteArray, line);
    EngineCounters engine;
    for (std::size_t i = 0; i < engine.ingest.decodeErrors.size(); ++i)
        engine.ingest.decodeErrors[i] = 101 + i;
    engine.ingest.truncated = 11;
    engine.ingest.ioErrors = 12;
    engine.ingest.ctrlTruncated = 17;
    engine.ingest.authFailures = 13;
    engine.tracker.rateLimitedPerPid = 14;
    engine.tracker.rateLimitedGlobal = 15;
    engine.tracker.nonceWraps = 16;
    engine.tracker.originConflicts = 18;
    engine.tracker.originTakeovers = 19;
    engine.tracker.evicted = 21;
    engine.tracker.capacityExceeded = 22;
    engine.tracker.probeLimited = 23;
    engine.secure.decryptFailures = 31;
    engine.secure.replayRefused = 32;
    engine.secure.senderStateFull = 33;
    for (std::size_t i = 0; i < kRecoveryOutcomeCount; ++i)
        engine.recovery.outcomes[i] = 200 + i;
    for (std::size_t i = 0; i < kRefusalReasonCount; ++i)
        engine.recovery.refused[i] = 300 + i;
    engine.recovery.refused[static_cast<std::size_t>(RefusalReason::GaveUp)] = ~std::uint64_t{0};
    const QList<QByteArray> body = lines(renderFresh(engine));
    QVERIFY2(body.contains(line), line.constData());
}

void TestVartaMetrics::gaugesFromCallbacks() {
    EngineCounters engine;
    engine.capacity = 65536;
    engine.addAgent(AgentKey::local(100), 1, 0, vlp::Status::Ok);
    engine.addAgent(AgentKey::local(101), 1, 0, vlp::Status::Ok);
    const QList<QByteArray> body = lines(renderFresh(engine));
    QVERIFY(body.contains("varta_watch_pids_tracked 2"));
    QVERIFY(body.contains("varta_tracker_capacity 65536"));
}

// Both come from what the engine thread last handed over, not from the clock at render
// time: when the engine wedges, they stop, and upstream's VartaWatchStalled rule
// (rate(varta_watch_uptime_seconds[30s]) == 0) fires.
void TestVartaMetrics::uptimeIsWhatTheEngineLastSaw() {
    EngineCounters engine;
    engine.uptime = 12.5;
    engine.lastTurn = 1764585600.25;
    const QByteArray first = renderFresh(engine);
    QTest::qWait(20);
    const QByteArray again = renderFresh(engine);
    for (const QByteArray &body : {first, again}) {
        QVERIFY(lines(body).contains("varta_watch_uptime_seconds 12.5"));
        QVERIFY(lines(body).contains("varta_watch_last_poll_loop_timestamp_seconds 1764585600.25"));
    }
}

void TestVartaMetrics::stallLagHistogram() {
    EngineCounters engine;
    engine.stallLag.observe(0.0004);
    engine.stallLag.observe(0.02);
    engine.stallLag.observe(3.0);
    const QList<QByteArray> body = lines(renderFresh(engine));
    QVERIFY(body.contains("varta_stall_detection_lag_seconds_bucket{le=\"0.0005\"} 1"));
    QVERIFY(body.contains("varta_stall_detection_lag_seconds_bucket{le=\"0.025\"} 2"));
    QVERIFY(body.contains("varta_stall_detection_lag_seconds_bucket{le=\"1\"} 2"));
    QVERIFY(body.contains("varta_stall_detection_lag_seconds_bucket{le=\"+Inf\"} 3"));
    QVERIFY(body.contains("varta_stall_detection_lag_seconds_count 3"));
}

// The audit writer counts fsyncs per bucket with upstream's bounds; the snapshot turns
// that into the histogram, and the counters land in their own families.
void TestVartaMetrics::auditFamilies() {
    EngineCounters engine;
    for (const double seconds : {0.0005, 0.002, 0.002, 0.3, 2.0})
        engine.audit.observeFsync(seconds);
    engine.audit.fsyncBudgetExceeded = 41;
    engine.audit.rotationBudgetExceeded = 42;
    const QList<QByteArray> body = lines(renderFresh(engine));
    QVERIFY(body.contains("varta_audit_fsync_seconds_bucket{le=\"0.001\"} 1"));
    QVERIFY(body.contains("varta_audit_fsync_seconds_bucket{le=\"0.005\"} 3"));
    QVERIFY(body.contains("varta_audit_fsync_seconds_bucket{le=\"0.25\"} 3"));
    QVERIFY(body.contains("varta_audit_fsync_seconds_bucket{le=\"0.5\"} 4"));
    QVERIFY(body.contains("varta_audit_fsync_seconds_bucket{le=\"1\"} 4"));
    QVERIFY(body.contains("varta_audit_fsync_seconds_bucket{le=\"+Inf\"} 5"));
    QVERIFY(body.contains("varta_audit_fsync_seconds_count 5"));
    QVERIFY(std::any_of(body.begin(), body.end(), [](const QByteArray &line) {
        return line.startsWith("varta_audit_fsync_seconds_sum ") && std::abs(line.mid(30).toDouble() - 2.3045) < 1e-9;
    }));
    QVERIFY(body.contains("varta_audit_fsync_budget_exceeded_total 41"));
    QVERIFY(body.contains("varta_audit_rotation_budget_exceeded_total 42"));
    // Ours never drops and has no ring: upstream's families are there, at 0, saying why.
    QVERIFY(body.contains("varta_recovery_audit_dropped_total 0"));
    QVERIFY(std::any_of(body.begin(), body.end(), [](const QByteArray &line) {
        return line.startsWith("# HELP varta_audit_ring_watermark_total ") && line.contains("no audit ring");
    }));
}

void TestVartaMetrics::perAgentRows_data() {
    QTest::addColumn<int>("transport");
    QTest::addColumn<QString>("address");
    QTest::addColumn<QByteArray>("origin");
    QTest::newRow("uds") << int(Transport::Uds) << QString() << QByteArray("uds");
    QTest::newRow("udp v4") << int(Transport::Udp) << QStringLiteral("127.0.0.1") << QByteArray("udp:127.0.0.1");
    QTest::newRow("udp v4 zeros") << int(Transport::Udp) << QStringLiteral("0.0.0.0") << QByteArray("udp:0.0.0.0");
    QTest::newRow("udp v4 max") << int(Transport::Udp) << QStringLiteral("255.255.255.255")
                                << QByteArray("udp:255.255.255.255");
    QTest::newRow("udp v4-mapped v6") << int(Transport::Udp) << QStringLiteral("::ffff:10.1.2.3")
                                      << QByteArray("udp:10.1.2.3");
    QTest::newRow("secure v4") << int(Transport::SecureUdp) << QStringLiteral("192.168.100.7")
                               << QByteArray("secure-udp:192.168.100.7");
    QTest::newRow("udp v6") << int(Transport::Udp) << QStringLiteral("2001:db8::42") << QByteArray("udp:2001:db8::42");
    QTest::newRow("secure v6 loopback") << int(Transport::SecureUdp) << QStringLiteral("::1")
                                        << QByteArray("secure-udp:::1");
}

void TestVartaMetrics::perAgentRows() {
    QFETCH(int, transport);
    QFETCH(QString, address);
    QFETCH(QByteArray, origin);
    const AgentKey key = AgentKey::fromPeer(static_cast<Transport>(transport), QHostAddress(address), 4242);
    // The label must be exactly what the rest of the product calls this agent's origin.
    QCOMPARE(origin, key.originLabel().toUtf8());
    EngineCounters engine;
    engine.addAgent(key, 17, 3, vlp::Status::Critical);
    const QList<QByteArray> body = lines(renderFresh(engine));
    const QByteArray labels = "{pid=\"4242\",origin=\"" + origin + "\"}";
    QVERIFY2(body.contains("varta_beats_total" + labels + " 17"), labels.constData());
    QVERIFY(body.contains("varta_stalls_total" + labels + " 3"));
    QVERIFY(body.contains("varta_status" + labels + " 2"));
}

void TestVartaMetrics::perAgentRowsForManyAgents() {
    EngineCounters engine;
    constexpr std::uint32_t kAgents = 500;
    for (std::uint32_t i = 0; i < kAgents; ++i) {
        const auto key = AgentKey::fromPeer(Transport::Udp, QHostAddress(0x0a000000u + i), 1000 + i % 7);
        engine.addAgent(key, i, i / 10, static_cast<vlp::Status>(i % 4));
    }
    const QList<QByteArray> body = lines(renderFresh(engine));
    for (const char *family : {"varta_beats_total{", "varta_stalls_total{", "varta_status{"}) {
        const auto rows =
            std::count_if(body.begin(), body.end(), [&](const QByteArray &l) { return l.startsWith(family); });
        QCOMPARE(rows, qsizetype{kAgents});
    }
    QVERIFY(body.contains("varta_beats_total{pid=\"1002\",origin=\"udp:10.0.1.243\"} 499"));
    QVERIFY(body.contains("varta_status{pid=\"1002\",origin=\"udp:10.0.1.243\"} 3"));
    QVERIFY(body.contains("varta_watch_pids_tracked 500"));
}

void TestVartaMetrics::promtoolAcceptsBody_data() {
    QTest::addColumn<bool>("populated");
    QTest::newRow("fresh") << false;
    QTest::newRow("populated") << true;
}

void TestVartaMetrics::promtoolAcceptsBody() {
    QFETCH(bool, populated);
    QVERIFY2(QFileInfo(QString::fromLatin1(kPromtool)).isExecutable(),
             "promtool missing: run scripts/install-deps.sh (Debian package prometheus)");
    EngineCounters engine;
    if (populated) {
        engine.ingest.decodeErrors[2] = 5;
        engine.recovery.outcomes[0] = 1;
        engine.stallLag.observe(0.003);
        engine.addAgent(AgentKey::local(77), 10, 1, vlp::Status::Stall);
        engine.addAgent(AgentKey::fromPeer(Transport::Udp, QHostAddress(QStringLiteral("::1")), 77), 4, 0,
                        vlp::Status::Ok);
    }
    const QByteArray body = renderFresh(engine);
    QStringList problems = promtoolCheck(body).split('\n', Qt::SkipEmptyParts);
    // Upstream's own names, kept so its rules find them; the linter dislikes their suffixes.
    problems.removeIf([](const QString &problem) { return problem.startsWith("varta_recovery_duration_ns_sum "); });
    QVERIFY2(problems.isEmpty(),
             qPrintable(problems.join('\n') + QStringLiteral("\n--- body ---\n") + QString::fromUtf8(body)));
}

QTEST_GUILESS_MAIN(TestVartaMetrics)
#include "tst_varta_metrics.moc"
