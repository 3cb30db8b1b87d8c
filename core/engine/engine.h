#pragma once
// The composition root of the engine: listeners → ingest → tracker → stall deadlines
// (StallScheduler) → recovery → published batches (BatchPublisher). Lives on the engine
// thread; everything it receives from other threads arrives as queued calls, everything
// it sends is a value.

#include "core/base/loop_stats.h"
#include "core/config/options.h"
#include "core/engine/batch_publisher.h"
#include "core/engine/event_stream.h"
#include "core/engine/housekeeping.h"
#include "core/engine/stall_scheduler.h"
#include "core/export/event_file.h"
#include "core/ingest/ingest_counters.h"
#include "core/ingest/ingest_pipeline.h"
#include "core/published/engine_batch.h"
#include "core/recovery/operator_action.h"
#include "core/tracking/agent_tracker.h"
#include "core/tracking/tracker_counters.h"

#include <QObject>
#include <QTimer>

#include <deque>
#include <memory>
#include <vector>

namespace varta {

class ControlServer;
class LocalAgents;
struct AgentFacts;
class EngineControl;
class RecoveryEngine;
class SecureReceiver;
class MetricsService;
struct MetricsSnapshot;
class UdpListener;
class UdsListener;

class Engine : public QObject, private IngestEvents, private StallSink {
    Q_OBJECT
public:
    static constexpr int kMetricsSnapshotIntervalMs = 1000;  // /metrics is at most this stale
    // /metrics' agent rows are copied this many table slots at a time (about 1 ms at a
    // million agents), a share every kMetricsShareSpacingMs: a stall falling due meanwhile
    // waits for one share, not the whole table, and under a flood the reads in between
    // catch up on what gathered during it. A million agents take 32 shares, 160 ms.
    static constexpr std::size_t kMetricsSlotsPerShare = 32768;
    static constexpr int kMetricsShareSpacingMs = 5;
    static constexpr int kDecodeSummaryIntervalMs = 1000;  // malformed datagrams: one line at most this often

    explicit Engine(Options options, QObject *parent = nullptr);
    ~Engine() override;

    // Opens files and listeners. Must run on the thread the engine lives on.
    bool start(QString *error);

    // "udp 127.0.0.1:9000", "uds /run/varta.sock": what is listening, for logs and the UI.
    QStringList listenerDescriptions() const;
    // Start-up warnings the engine found (e.g. metrics reachable from other hosts).
    QStringList startupWarnings() const { return m_startupWarnings; }
    std::uint16_t udpPort() const;
    // Where /metrics listens, "IP:PORT" ("[::1]:9464" for IPv6); empty without --prom-addr.
    QString metricsAddress() const;

    // One line of totals, printed when the process stops (and parsed by tests).
    QString summaryLine() const;
    // Why the engine stopped by itself (--strict-namespace-check); empty for a normal stop.
    QString fatalError() const { return m_fatalError; }

    const IngestCounters &ingestCounters() const { return m_ingest; }
    const TrackerCounters &trackerCounters() const { return m_trackerCounters; }
    const AgentTracker &tracker() const { return m_tracker; }
    const EventStream &events() const { return *m_events; }
    const LocalAgents &localAgents() const { return *m_local; }
    // An agent's row as the console and `ctl` see it: the tracker's record with what the
    // kernel said about its process.
    AgentSnapshot snapshotOf(const AgentRecord &record) const;

    // The operator's commands, from the control socket or the console: one result per
    // key, each audited (an `operator` row) and posted as an `operator` event.
    static constexpr std::int64_t kMaxPauseMs = 30LL * 24 * 3600 * 1000;
    QList<ActionResult> recoverAgents(const QList<AgentKey> &agents, const OperatorActor &by);
    ActionResult killChildAs(std::uint64_t childId, const OperatorActor &by);
    QList<ActionResult> pauseAgents(const QList<AgentKey> &agents, const OperatorActor &by, const QString &reason,
                                    std::optional<std::int64_t> forMs);
    QList<ActionResult> resumeAgents(const QList<AgentKey> &agents, const OperatorActor &by);
    QList<ActionResult> rearmAgents(const QList<AgentKey> &agents, const OperatorActor &by);
    // Removes agents the operator knows are gone (a decommissioned service): their rows,
    // /metrics series and alerts go, and what recovery kept about them.
    QList<ActionResult> forgetAgents(const QList<AgentKey> &agents, const OperatorActor &by);

    const RecoveryEngine &recovery() const { return *m_recovery; }
    // The totals of the moment, as a batch carries them.
    EngineStats currentStats() const;
    // An agent's last `limit` state changes, oldest first, from the last kTransitionHistory
    // changes of all agents.
    static constexpr std::size_t kTransitionHistory = 65536;
    QList<StateTransition> transitionsOf(const AgentKey &key, qsizetype limit) const;
    // Where the control socket listens; empty without --control-socket.
    QString controlSocketPath() const;
    // Connections subscribed to the batch stream (control socket and console port).
    int batchSubscribers() const;
    const Options &options() const { return m_options; }

public Q_SLOTS:
    // Batches are built only while someone listens (the GUI); headless runs skip the work.
    // Paced: the console calls batchTaken() after each batch, and the next waits for it
    // (BatchPublisher: one batch in flight, what gathers meanwhile bounded).
    void setPublishing(bool on, bool paced = false);
    void batchTaken();
    // Operator commands (queued calls from the UI thread). Each outcome is reported in
    // the event log; refusals say why.
    void recoverNow(const QList<varta::AgentKey> &agents);
    void killChild(std::uint64_t childId);
    void pause(const QList<varta::AgentKey> &agents);
    void resume(const QList<varta::AgentKey> &agents);
    void rearm(const QList<varta::AgentKey> &agents);
    // Stops listeners, writes what is queued, then emits stopped().
    void shutdown();
    // SIGHUP: the files the observer appends to are opened anew at their paths, so that
    // logrotate can move them away (its postrotate sends the signal).
    void reopenFiles();

Q_SIGNALS:
    void batchReady(const varta::EngineBatch &batch);
    void stopped();

private:
    void onAgentResumed(Slot slot, std::int64_t silentForNs) override;
    void onAgentAdded(Slot slot) override;
    void onAgentRecycled(const AgentKey &key) override;
    void continueUnit(Slot slot);
    void onAgentExited(const AgentKey &key, std::int64_t seenNs);
    void onForgetDue(const AgentKey &key, std::uint64_t generation);
    void retireRecycled();
    AgentFacts factsOf(const AgentKey &key) const;
    QString nameOf(const AgentKey &key) const;
    void onAgentEvicted(const AgentKey &key) override;
    void onAgentReplaced(const AgentKey &weaker, const AgentKey &stronger) override;
    void onIngestBatchEnd() override;
    void onIngestIoError(std::string_view what) override;
    void onForeignNamespaceBeat(std::uint32_t pid) override;
    std::int64_t drainQueuedBeats(std::int64_t untilNs) override;
    void yieldListenersAtNextDeadline();
    void onStall(const AgentRecord &agent, std::int64_t surfacedNs) override;
    void afterStalls() override;

    bool startMetrics(QString *error);
    void warnAboutSmallQueues();
    void publishMetricsSnapshot();  // begins a snapshot: its rows are copied a share a turn
    void copyMetricsRows();         // the next share; the last one publishes the snapshot
    void finishMetricsSnapshot();
    void connectRecovery();
    void onMarkChanged(const AgentKey &key);
    void summariseDecodeErrors();
    void recordAction(const OperatorActor &by, const QString &action, const std::optional<AgentKey> &agent,
                      const ActionResult &result, const QString &detail = QString());
    void postEvent(EventKind kind, EventSeverity severity, EventCategory category, const QString &text,
                   std::optional<AgentKey> agent, EventDetails details = {});
    void finishShutdown();
    EngineStats stats() const;
    bool startControl(QString *error);
    void reloadConsoleTokens();
    void updatePublishing();

    Options m_options;
    IngestCounters m_ingest;
    TrackerCounters m_trackerCounters;
    AgentTracker m_tracker;
    std::unique_ptr<EventFile> m_eventFile;
    std::unique_ptr<IngestPipeline> m_pipeline;
    std::unique_ptr<UdpListener> m_udp;
    std::unique_ptr<UdsListener> m_uds;
    SecureCounters m_secureCounters;
    std::unique_ptr<SecureReceiver> m_secureReceiver;
    RecoveryEngine *m_recovery;  // child: lives and dies on the engine thread
    std::unique_ptr<MetricsService> m_metrics;
    QTimer *m_metricsSnapshotTimer = nullptr;
    QTimer *m_metricsShareTimer = nullptr;
    std::shared_ptr<MetricsSnapshot> m_metricsPending;  // rows being copied
    std::size_t m_metricsNextSlot = 0;
    std::uint64_t m_metricsErasuresAtStart = 0;
    QStringList m_startupWarnings;
    // Children, so they move to the engine thread with the engine.
    StallScheduler *m_stalls;
    BatchPublisher *m_publisher;
    EventStream *m_events;
    QTimer *m_decodeSummaryTimer;
    std::array<std::uint64_t, vlp::kDecodeErrorCount> m_decodeErrorsSummarised{};
    LoopStats m_loopStats;
    Housekeeping *m_housekeeping;  // child, like the two above
    QString m_fatalError;
    std::deque<StateTransition> m_recentTransitions;
    LocalAgents *m_local;  // child, like the timers
    // Stalls found at their deadline to be another process's pid: retired after the
    // surfacing pass (removing an agent inside it would disturb the pass).
    std::vector<AgentKey> m_recycledAtStall;
    std::unique_ptr<EngineControl> m_controlHandler;
    std::unique_ptr<ControlServer> m_control;
    bool m_consolePublishing = false;
    bool m_stopping = false;
};

}  // namespace varta
