#include "core/engine/engine.h"

#include "core/base/engine_clock.h"
#include "core/ingest/secure_receiver.h"
#include "core/ingest/udp_listener.h"
#include "core/ingest/uds_listener.h"
#include "core/metrics/metrics_service.h"
#include "core/recovery/recovery_engine.h"

#include <limits>

namespace varta {

Engine::Engine(Options options, QObject *parent)
    : QObject(parent),
      m_options(std::move(options)),
      m_tracker(m_options.tracker, m_trackerCounters),
      m_stallTimer(new QTimer(this)),
      m_publishTimer(new QTimer(this)) {
    const bool secure = m_options.secure.enabled();
    const bool udpOptIn = m_options.udp && m_options.udp->recoveryAllowed;
    m_recovery = new RecoveryEngine(m_options.recovery, RecoveryTrust{udpOptIn && !secure, udpOptIn && secure},
                                    m_options.shutdownGraceMs, this);
    connectRecovery();
    // Precise: a coarse timer may fire 5 % late, 100 ms on a 2 s threshold.
    m_stallTimer->setTimerType(Qt::PreciseTimer);
    m_stallTimer->setSingleShot(true);
    connect(m_stallTimer, &QTimer::timeout, this, &Engine::surfaceStalls);
    m_publishTimer->setInterval(kPublishIntervalMs);
    connect(m_publishTimer, &QTimer::timeout, this, &Engine::publish);
}

Engine::~Engine() = default;

bool Engine::start(QString *error) {
    if (!m_options.exportFile.path.isEmpty()) {
        m_eventFile = std::make_unique<EventFile>(m_options.exportFile.path, m_options.exportFile.maxBytes,
                                                  m_options.exportFile.syncEvery);
        if (!m_eventFile->open(error))
            return false;
    }
    m_pipeline =
        std::make_unique<IngestPipeline>(m_tracker, m_ingest, m_eventFile.get(), m_options.tracker.allowCrossNamespace,
                                         static_cast<IngestEvents &>(*this));
    if (m_options.secure.enabled()) {
        m_secureReceiver = std::make_unique<SecureReceiver>(m_options.secure, m_ingest, m_secureCounters);
        m_pipeline->setSecureReceiver(m_secureReceiver.get());
    }
    if (m_options.uds) {
        m_uds = std::make_unique<UdsListener>(m_options.uds->path, m_options.uds->mode, *m_pipeline);
        if (!m_uds->open(error))
            return false;
    }
    if (m_options.udp) {
        const Transport transport = m_options.secure.enabled() ? Transport::SecureUdp : Transport::Udp;
        m_udp = std::make_unique<UdpListener>(m_options.udp->bindAddress, m_options.udp->port, transport, *m_pipeline);
        if (!m_udp->open(error))
            return false;
    }
    warnAboutSmallQueues();
    if (!m_recovery->start(error) || !startMetrics(error))
        return false;
    m_tracker.setTransitionObserver([this](Slot slot, AgentState from, AgentState to, std::int64_t nowNs) {
        if (m_publishing)
            m_transitions.append(StateTransition{m_tracker.record(slot).key, nowNs / 1'000'000, from, to});
    });
    return true;
}

// Kernel limits that leave the listeners less room than they were built for: one line
// each, at start-up, naming the setting that lifts them.
void Engine::warnAboutSmallQueues() {
    if (m_uds && !m_uds->gathersReads())
        m_startupWarnings << QStringLiteral("%1 queues at most %2 datagrams (net.unix.max_dgram_qlen), too few "
                                            "to gather reads: every beat wakes varta-watch; with many local "
                                            "agents set it to 512 before starting")
                                 .arg(m_options.uds->path)
                                 .arg(m_uds->queueLimit());
    if (m_udp && m_udp->receiveBufferBytes() < BatchReader::kReceiveBufferBytes)
        m_startupWarnings << QStringLiteral("the UDP receive buffer is %1 KiB, not the %2 MiB asked for "
                                            "(net.core.rmem_max): a burst of more than ~%3 beats is dropped "
                                            "by the kernel")
                                 .arg(m_udp->receiveBufferBytes() / 1024)
                                 .arg(BatchReader::kReceiveBufferBytes / (1024 * 1024))
                                 .arg(m_udp->receiveBufferBytes() / BatchReader::kQueuedDatagramBytes);
}

bool Engine::startMetrics(QString *error) {
    if (!m_options.prom.enabled())
        return true;
    m_metrics = std::make_unique<MetricsService>(m_options.prom);
    if (!m_metrics->start(error))
        return false;
    if (const QString warning = m_metrics->startupWarning(); !warning.isEmpty())
        m_startupWarnings << warning;
    publishMetricsSnapshot();  // every family is there from the first scrape
    m_metricsSnapshotTimer = new QTimer(this);
    connect(m_metricsSnapshotTimer, &QTimer::timeout, this, &Engine::publishMetricsSnapshot);
    m_metricsSnapshotTimer->start(kMetricsSnapshotIntervalMs);
    return true;
}

// A copy of plain values: the endpoint renders it on its own thread.
void Engine::publishMetricsSnapshot() {
    auto snapshot = std::make_shared<MetricsSnapshot>();
    snapshot->ingest = m_ingest;
    snapshot->tracker = m_trackerCounters;
    snapshot->secure = m_secureCounters;
    snapshot->recovery = m_recovery->counters();
    snapshot->stallLag = m_stallLag;
    snapshot->pidsTracked = m_tracker.table().size();
    snapshot->trackerCapacity = m_tracker.table().capacity();
    snapshot->agents.reserve(m_tracker.table().size());
    m_tracker.table().forEach([&](const AgentRecord &r) {
        // varta_status says what the agent last reported, or 3 while it is silent.
        snapshot->agents.push_back(
            MetricsAgentRow{r.key, r.beats, r.stalls, r.silent ? vlp::Status::Stall : r.lastStatus});
    });
    m_metrics->publish(std::move(snapshot));
}

QStringList Engine::listenerDescriptions() const {
    QStringList out;
    if (m_metrics)
        out << QStringLiteral("metrics ") + m_metrics->url();
    if (m_udp)
        out << m_udp->description();
    if (m_uds)
        out << m_uds->description();
    return out;
}

std::uint16_t Engine::udpPort() const { return m_udp ? m_udp->boundPort() : 0; }

void Engine::setPublishing(bool on) {
    m_publishing = on;
    m_tracker.setTrackDirty(on);
    if (on) {
        m_tracker.markAllDirty();  // the first batch carries every agent already known
        m_children = m_recovery->children();
        m_publishTimer->start();
    } else {
        m_publishTimer->stop();
    }
}

void Engine::onIngestBatchEnd() { armStallTimer(); }

void Engine::onIngestIoError(std::string_view what) {
    addEvent(EventSeverity::Error, EventCategory::Io,
             QString::fromUtf8(what.data(), static_cast<qsizetype>(what.size())));
}

void Engine::onAgentResumed(Slot slot) { m_recovery->onAgentResumed(m_tracker.record(slot).key); }

void Engine::connectRecovery() {
    connect(m_recovery, &RecoveryEngine::agentMarkChanged, this, &Engine::onMarkChanged);
    connect(m_recovery, &RecoveryEngine::recoveryStarted, this, [this](const AgentKey &key) {
        if (const Slot slot = m_tracker.find(key); slot != kNoSlot)
            m_tracker.countRecovery(slot);
    });
    connect(m_recovery, &RecoveryEngine::childChanged, this, [this](const ChildInfo &child) {
        if (m_publishing)
            m_children.append(child);
    });
    connect(m_recovery, &RecoveryEngine::childOutput, this, [this](const OutputChunk &chunk) {
        if (m_publishing)
            m_output.append(chunk);
    });
    connect(m_recovery, &RecoveryEngine::event, this,
            [this](const EventLogEntry &entry) { addEvent(entry.severity, entry.category, entry.text, entry.agent); });
    connect(m_recovery, &RecoveryEngine::shutdownComplete, this, &Engine::finishShutdown);
}

// The recovery side owns the facts behind an agent's mark; the tracker shows its verdict.
void Engine::onMarkChanged(const AgentKey &key) {
    if (const Slot slot = m_tracker.find(key); slot != kNoSlot)
        m_tracker.setMark(slot, m_recovery->mark(key), engineNowNs());
}

void Engine::recoverNow(const QList<AgentKey> &agents) {
    for (const AgentKey &key : agents) {
        const Slot slot = m_tracker.find(key);
        QString whyNot;
        if (slot == kNoSlot) {
            whyNot = QStringLiteral("not tracked");
        } else if (m_recovery->recoverNow(key, &whyNot, m_tracker.record(slot).crossNamespace)) {
            continue;  // the child and its spawn are reported by the recovery engine
        }
        addEvent(EventSeverity::Warning, EventCategory::Refused,
                 tr("Recover now for agent %1 (%2) refused: %3").arg(key.pid).arg(key.originLabel(), whyNot), key);
    }
}

void Engine::killChild(std::uint64_t childId) { m_recovery->killChild(childId); }

void Engine::pause(const QList<AgentKey> &agents) {
    for (const AgentKey &key : agents)
        m_recovery->pause(key);
}

void Engine::resume(const QList<AgentKey> &agents) {
    for (const AgentKey &key : agents)
        m_recovery->resume(key);
}

void Engine::rearm(const QList<AgentKey> &agents) {
    for (const AgentKey &key : agents)
        m_recovery->rearm(key);
}

void Engine::onAgentEvicted(const AgentKey &key) {
    if (!m_publishing)
        return;
    m_removed.append(key);
    addEvent(EventSeverity::Warning, EventCategory::Eviction,
             tr("agent %1 (%2) evicted to make room").arg(key.pid).arg(key.originLabel()), key);
}

void Engine::armStallTimer() {
    const std::int64_t deadline = m_tracker.nextDeadlineNs();
    if (deadline == std::numeric_limits<std::int64_t>::max() || m_stopping)
        return;
    // Beats only ever move the head's deadline later, so a timer already armed for an
    // earlier (or equal) deadline stays right: it wakes, surfaces nothing, and re-arms.
    if (m_stallTimer->isActive() && m_armedDeadlineNs <= deadline)
        return;
    const std::int64_t waitNs = deadline - engineNowNs();
    const int waitMs = waitNs <= 0 ? 0 : static_cast<int>((waitNs + 999'999) / 1'000'000);
    m_armedDeadlineNs = deadline;
    m_stallTimer->start(waitMs);
}

void Engine::surfaceStalls() {
    // The listeners coalesce reads: a beat that arrived before its deadline may still be
    // queued. Read it first, so that it counts and is never surfaced as silence.
    if (m_udp)
        m_udp->drainPending();
    if (m_uds)
        m_uds->drainPending();
    m_stallTimer->stop();  // a drain's batch end may have armed it; armed again below
    const std::int64_t now = engineNowNs();
    m_tracker.surfaceDue(now, [&](Slot slot, std::int64_t deadlineNs) {
        // Each stall's own time: when thousands fall due together, the last one is
        // surfaced measurably later than the first, and its lag must say so.
        const std::int64_t surfacedNs = engineNowNs();
        m_stallLag.observe(double(surfacedNs - deadlineNs) / 1e9);
        const AgentRecord &record = m_tracker.record(slot);
        if (m_eventFile)
            m_eventFile->stall(surfacedNs, record.key.pid, record.lastNonce);
        m_recovery->onStall(record.key, record.crossNamespace);
    });
    if (m_eventFile)
        m_eventFile->flush();
    armStallTimer();
}

AgentSnapshot Engine::snapshotOf(const AgentRecord &r) const {
    AgentSnapshot s;
    s.key = r.key;
    s.state = r.state;
    s.lastStatus = r.lastStatus;
    s.firstSeenMs = r.firstSeenNs / 1'000'000;
    s.lastBeatMs = r.lastBeatNs / 1'000'000;
    s.beats = r.beats;
    s.stalls = r.stalls;
    s.recoveries = r.recoveries;
    s.nonce = r.lastNonce;
    s.payload = r.payload;
    s.terminating = r.terminating;
    return s;
}

void Engine::addEvent(EventSeverity severity, EventCategory category, const QString &text,
                      std::optional<AgentKey> agent) {
    if (!m_publishing)
        return;
    if (m_events.size() >= kMaxEventsPerBatch) {
        ++m_eventsDropped;
        return;
    }
    m_events.append(EventLogEntry{engineNowMs(), severity, category, text, agent});
}

void Engine::publish() {
    EngineBatch batch;
    // Sized once: when 100,000 agents appear together, growing by doubling would hold
    // twice their snapshots at the peak.
    batch.agents.reserve(qsizetype(m_tracker.dirtyCount()));
    m_tracker.drainDirty([&](Slot, const AgentRecord &record) { batch.agents.append(snapshotOf(record)); });
    batch.removed = std::exchange(m_removed, {});
    batch.transitions = std::exchange(m_transitions, {});
    batch.events = std::exchange(m_events, {});
    batch.children = std::exchange(m_children, {});
    batch.output = std::exchange(m_output, {});
    EngineStats &stats = batch.stats;
    stats.nowMs = engineNowMs();
    stats.beatsAccepted = m_trackerCounters.beatsAccepted;
    for (std::uint64_t n : m_ingest.decodeErrors)
        stats.decodeErrors += n;
    stats.agentsTracked = m_tracker.table().size();
    for (int i = 0; i < kAgentStateCount; ++i)
        stats.agentsByState[i] = m_tracker.agentsInState(static_cast<AgentState>(i));
    stats.datagramsDropped = m_ingest.datagrams - m_trackerCounters.beatsAccepted;
    stats.listeners = listenerDescriptions();
    stats.recoveryConfigured = m_options.recovery.configured();
    Q_EMIT batchReady(batch);
}

void Engine::shutdown() {
    if (m_stopping)
        return;
    m_stopping = true;
    m_stallTimer->stop();
    m_publishTimer->stop();
    if (m_udp)
        m_udp->close();
    if (m_uds)
        m_uds->close();
    // Children are terminated and audited before the observer reports itself stopped.
    m_recovery->shutdown();
}

void Engine::finishShutdown() {
    if (m_metricsSnapshotTimer)
        m_metricsSnapshotTimer->stop();
    m_metrics.reset();
    if (m_eventFile)
        m_eventFile->flush();
    Q_EMIT stopped();
}

}  // namespace varta

namespace varta {

QString Engine::summaryLine() const {
    QString line = QStringLiteral("datagrams=%1 beats=%2 truncated=%3 replays=%4 auth_failures=%5 "
                                  "namespace_conflicts=%6 rate_limited_per_pid=%7 rate_limited_global=%8 "
                                  "stalls=%9")
                       .arg(m_ingest.datagrams)
                       .arg(m_trackerCounters.beatsAccepted)
                       .arg(m_ingest.truncated)
                       .arg(m_trackerCounters.replays)
                       .arg(m_ingest.authFailures)
                       .arg(m_ingest.namespaceConflicts)
                       .arg(m_trackerCounters.rateLimitedPerPid)
                       .arg(m_trackerCounters.rateLimitedGlobal)
                       .arg(m_trackerCounters.stallsSurfaced);
    line += QStringLiteral(" agents=%1 evicted=%2 capacity_exceeded=%3 io_errors=%4 nonce_wraps=%5")
                .arg(m_tracker.table().size())
                .arg(m_trackerCounters.evicted)
                .arg(m_trackerCounters.capacityExceeded)
                .arg(m_ingest.ioErrors)
                .arg(m_trackerCounters.nonceWraps);
    line += QStringLiteral(" decrypt_failures=%1 secure_replays=%2 sender_state_full=%3")
                .arg(m_secureCounters.decryptFailures)
                .arg(m_secureCounters.replayRefused)
                .arg(m_secureCounters.senderStateFull);
    for (std::size_t i = 0; i < vlp::kDecodeErrorCount; ++i) {
        const std::string_view label = vlp::decodeErrorLabel(static_cast<vlp::DecodeError>(i));
        line += QStringLiteral(" %1=%2")
                    .arg(QLatin1String(label.data(), static_cast<qsizetype>(label.size())))
                    .arg(m_ingest.decodeErrors[i]);
    }
    return line;
}

}  // namespace varta
