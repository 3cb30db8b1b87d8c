#include "core/observer.h"

#include "core/engine_clock.h"
#include "core/export/metrics_service.h"
#include "core/ingest/secure_receiver.h"
#include "core/ingest/udp_listener.h"
#include "core/ingest/uds_listener.h"
#include "core/recovery/recovery_engine.h"

#include <limits>

namespace varta {

Observer::Observer(Options options, QObject *parent)
    : QObject(parent),
      options_(std::move(options)),
      tracker_(options_.tracker, ingest_, trackerCounters_),
      stallTimer_(new QTimer(this)),
      publishTimer_(new QTimer(this)) {
    const bool secure = options_.secure.enabled();
    const bool udpOptIn = options_.udp && options_.udp->recoveryAllowed;
    recovery_ = new RecoveryEngine(options_.recovery, RecoveryTrust{udpOptIn && !secure, udpOptIn && secure},
                                   options_.shutdownGraceMs, this);
    connectRecovery();
    // Precise: a coarse timer may fire 5 % late, 100 ms on a 2 s threshold.
    stallTimer_->setTimerType(Qt::PreciseTimer);
    stallTimer_->setSingleShot(true);
    connect(stallTimer_, &QTimer::timeout, this, &Observer::surfaceStalls);
    publishTimer_->setInterval(kPublishIntervalMs);
    connect(publishTimer_, &QTimer::timeout, this, &Observer::publish);
}

Observer::~Observer() = default;

bool Observer::start(QString *error) {
    if (!options_.exportFile.path.isEmpty()) {
        eventFile_ = std::make_unique<EventFile>(options_.exportFile.path, options_.exportFile.maxBytes,
                                                 options_.exportFile.syncEvery);
        if (!eventFile_->open(error))
            return false;
    }
    pipeline_ = std::make_unique<IngestPipeline>(
        tracker_, ingest_, eventFile_.get(), options_.tracker.allowCrossNamespace, static_cast<IngestEvents &>(*this));
    if (options_.secure.enabled()) {
        secureReceiver_ = std::make_unique<SecureReceiver>(options_.secure, ingest_, secureCounters_);
        pipeline_->setSecureReceiver(secureReceiver_.get());
    }
    if (options_.uds) {
        uds_ = std::make_unique<UdsListener>(options_.uds->path, options_.uds->mode, *pipeline_);
        if (!uds_->open(error))
            return false;
    }
    if (options_.udp) {
        const Transport transport = options_.secure.enabled() ? Transport::SecureUdp : Transport::Udp;
        udp_ = std::make_unique<UdpListener>(options_.udp->bindAddress, options_.udp->port, transport, *pipeline_);
        if (!udp_->open(error))
            return false;
    }
    warnAboutSmallQueues();
    if (!recovery_->start(error) || !startMetrics(error))
        return false;
    tracker_.setTransitionObserver([this](Slot slot, AgentState from, AgentState to, std::int64_t nowNs) {
        if (publishing_)
            transitions_.append(StateTransition{tracker_.record(slot).key, nowNs / 1'000'000, from, to});
    });
    return true;
}

// Kernel limits that leave the listeners less room than they were built for: one line
// each, at start-up, naming the setting that lifts them.
void Observer::warnAboutSmallQueues() {
    if (uds_ && !uds_->gathersReads())
        startupWarnings_ << QStringLiteral("%1 queues at most %2 datagrams (net.unix.max_dgram_qlen), too few "
                                           "to gather reads: every beat wakes varta-watch; with many local "
                                           "agents set it to 512 before starting")
                                .arg(options_.uds->path)
                                .arg(uds_->queueLimit());
    if (udp_ && udp_->receiveBufferBytes() < BatchReader::kReceiveBufferBytes)
        startupWarnings_ << QStringLiteral("the UDP receive buffer is %1 KiB, not the %2 MiB asked for "
                                           "(net.core.rmem_max): a burst of more than ~%3 beats is dropped "
                                           "by the kernel")
                                .arg(udp_->receiveBufferBytes() / 1024)
                                .arg(BatchReader::kReceiveBufferBytes / (1024 * 1024))
                                .arg(udp_->receiveBufferBytes() / BatchReader::kQueuedDatagramBytes);
}

bool Observer::startMetrics(QString *error) {
    if (!options_.prom.enabled())
        return true;
    metrics_ = std::make_unique<MetricsService>(options_.prom);
    if (!metrics_->start(error))
        return false;
    if (const QString warning = metrics_->startupWarning(); !warning.isEmpty())
        startupWarnings_ << warning;
    publishMetricsSnapshot();  // every family is there from the first scrape
    metricsSnapshotTimer_ = new QTimer(this);
    connect(metricsSnapshotTimer_, &QTimer::timeout, this, &Observer::publishMetricsSnapshot);
    metricsSnapshotTimer_->start(kMetricsSnapshotIntervalMs);
    return true;
}

// A copy of plain values: the endpoint renders it on its own thread.
void Observer::publishMetricsSnapshot() {
    auto snapshot = std::make_shared<MetricsSnapshot>();
    snapshot->ingest = ingest_;
    snapshot->tracker = trackerCounters_;
    snapshot->secure = secureCounters_;
    snapshot->recovery = recovery_->counters();
    snapshot->stallLag = stallLag_;
    snapshot->pidsTracked = tracker_.table().size();
    snapshot->trackerCapacity = tracker_.table().capacity();
    snapshot->agents.reserve(tracker_.table().size());
    tracker_.table().forEach([&](const AgentRecord &r) {
        // varta_status says what the agent last reported, or 3 while it is silent.
        snapshot->agents.push_back(
            MetricsAgentRow{r.key, r.beats, r.stalls, r.silent ? vlp::Status::Stall : r.lastStatus});
    });
    metrics_->publish(std::move(snapshot));
}

QStringList Observer::listenerDescriptions() const {
    QStringList out;
    if (metrics_)
        out << QStringLiteral("metrics ") + metrics_->url();
    if (udp_)
        out << udp_->description();
    if (uds_)
        out << uds_->description();
    return out;
}

std::uint16_t Observer::udpPort() const { return udp_ ? udp_->boundPort() : 0; }

void Observer::setPublishing(bool on) {
    publishing_ = on;
    tracker_.setTrackDirty(on);
    if (on) {
        tracker_.markAllDirty();  // the first batch carries every agent already known
        children_ = recovery_->children();
        publishTimer_->start();
    } else {
        publishTimer_->stop();
    }
}

void Observer::onIngestBatchEnd() { armStallTimer(); }

void Observer::onIngestIoError(std::string_view what) {
    addEvent(EventSeverity::Error, EventCategory::Io,
             QString::fromUtf8(what.data(), static_cast<qsizetype>(what.size())));
}

void Observer::onAgentResumed(Slot slot) { recovery_->onAgentResumed(tracker_.record(slot).key); }

void Observer::connectRecovery() {
    connect(recovery_, &RecoveryEngine::agentOverlayChanged, this, &Observer::onOverlayChanged);
    connect(recovery_, &RecoveryEngine::childChanged, this, [this](const ChildInfo &child) {
        if (publishing_)
            children_.append(child);
    });
    connect(recovery_, &RecoveryEngine::childOutput, this, [this](const OutputChunk &chunk) {
        if (publishing_)
            output_.append(chunk);
    });
    connect(recovery_, &RecoveryEngine::event, this,
            [this](const EventLogEntry &entry) { addEvent(entry.severity, entry.category, entry.text, entry.agent); });
    connect(recovery_, &RecoveryEngine::shutdownComplete, this, &Observer::finishShutdown);
}

// The recovery side's marks (a child running, gave up, paused) become the agent's
// condition, so the state machine decides what the operator sees.
void Observer::onOverlayChanged(const AgentKey &key) {
    const Slot slot = tracker_.find(key);
    if (slot == kNoSlot)
        return;
    const std::optional<AgentState> overlay = recovery_->overlayState(key);
    const AgentRecord &record = tracker_.record(slot);
    const std::int64_t now = engineNowNs();
    const bool recovering = overlay == AgentState::Recovering;
    if (recovering != record.recovering) {
        tracker_.applyEvent(slot, recovering ? AgentEvent::RecoveryStarted : AgentEvent::RecoveryEnded, now);
        if (recovering)
            tracker_.countRecovery(slot);
    }
    const bool gaveUp = overlay == AgentState::GaveUp;
    if (gaveUp != record.gaveUp)
        tracker_.applyEvent(slot, gaveUp ? AgentEvent::GaveUp : AgentEvent::Rearm, now);
    const bool paused = overlay == AgentState::Paused;
    if (paused != record.paused)
        tracker_.applyEvent(slot, paused ? AgentEvent::Pause : AgentEvent::Resume, now);
}

void Observer::recoverNow(const QList<AgentKey> &agents) {
    for (const AgentKey &key : agents) {
        const Slot slot = tracker_.find(key);
        QString whyNot;
        if (slot == kNoSlot) {
            whyNot = QStringLiteral("not tracked");
        } else if (recovery_->recoverNow(key, &whyNot, tracker_.record(slot).crossNamespace)) {
            continue;  // the child and its spawn are reported by the recovery engine
        }
        addEvent(EventSeverity::Warning, EventCategory::Refused,
                 tr("Recover now for agent %1 (%2) refused: %3").arg(key.pid).arg(key.originLabel(), whyNot), key);
    }
}

void Observer::killChild(std::uint64_t childId) { recovery_->killChild(childId); }

void Observer::pause(const QList<AgentKey> &agents) {
    for (const AgentKey &key : agents)
        recovery_->pause(key);
}

void Observer::resume(const QList<AgentKey> &agents) {
    for (const AgentKey &key : agents)
        recovery_->resume(key);
}

void Observer::rearm(const QList<AgentKey> &agents) {
    for (const AgentKey &key : agents)
        recovery_->rearm(key);
}

void Observer::onAgentEvicted(const AgentKey &key) {
    if (!publishing_)
        return;
    removed_.append(key);
    addEvent(EventSeverity::Warning, EventCategory::Eviction,
             tr("agent %1 (%2) evicted to make room").arg(key.pid).arg(key.originLabel()), key);
}

void Observer::armStallTimer() {
    const std::int64_t deadline = tracker_.nextDeadlineNs();
    if (deadline == std::numeric_limits<std::int64_t>::max() || stopping_)
        return;
    // Beats only ever move the head's deadline later, so a timer already armed for an
    // earlier (or equal) deadline stays right: it wakes, surfaces nothing, and re-arms.
    if (stallTimer_->isActive() && armedDeadlineNs_ <= deadline)
        return;
    const std::int64_t waitNs = deadline - engineNowNs();
    const int waitMs = waitNs <= 0 ? 0 : static_cast<int>((waitNs + 999'999) / 1'000'000);
    armedDeadlineNs_ = deadline;
    stallTimer_->start(waitMs);
}

void Observer::surfaceStalls() {
    // The listeners coalesce reads: a beat that arrived before its deadline may still be
    // queued. Read it first, so that it counts and is never surfaced as silence.
    if (udp_)
        udp_->drainPending();
    if (uds_)
        uds_->drainPending();
    stallTimer_->stop();  // a drain's batch end may have armed it; armed again below
    const std::int64_t now = engineNowNs();
    tracker_.surfaceDue(now, [&](Slot slot, std::int64_t deadlineNs) {
        // Each stall's own time: when thousands fall due together, the last one is
        // surfaced measurably later than the first, and its lag must say so.
        const std::int64_t surfacedNs = engineNowNs();
        stallLag_.observe(double(surfacedNs - deadlineNs) / 1e9);
        const AgentRecord &record = tracker_.record(slot);
        if (eventFile_)
            eventFile_->stall(surfacedNs, record.key.pid, record.lastNonce);
        recovery_->onStall(record.key, record.crossNamespace);
    });
    if (eventFile_)
        eventFile_->flush();
    armStallTimer();
}

AgentSnapshot Observer::snapshotOf(const AgentRecord &r) const {
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

void Observer::addEvent(EventSeverity severity, EventCategory category, const QString &text,
                        std::optional<AgentKey> agent) {
    if (!publishing_)
        return;
    if (events_.size() >= kMaxEventsPerBatch) {
        ++eventsDropped_;
        return;
    }
    events_.append(EventLogEntry{engineNowMs(), severity, category, text, agent});
}

void Observer::publish() {
    EngineBatch batch;
    // Sized once: when 100,000 agents appear together, growing by doubling would hold
    // twice their snapshots at the peak.
    batch.agents.reserve(qsizetype(tracker_.dirtyCount()));
    tracker_.drainDirty([&](Slot, const AgentRecord &record) { batch.agents.append(snapshotOf(record)); });
    batch.removed = std::exchange(removed_, {});
    batch.transitions = std::exchange(transitions_, {});
    batch.events = std::exchange(events_, {});
    batch.children = std::exchange(children_, {});
    batch.output = std::exchange(output_, {});
    EngineStats &stats = batch.stats;
    stats.nowMs = engineNowMs();
    stats.beatsAccepted = ingest_.beatsAccepted;
    for (std::uint64_t n : ingest_.decodeErrors)
        stats.decodeErrors += n;
    stats.agentsTracked = tracker_.table().size();
    for (int i = 0; i < kAgentStateCount; ++i)
        stats.agentsByState[i] = tracker_.agentsInState(static_cast<AgentState>(i));
    stats.datagramsDropped = ingest_.datagrams - ingest_.beatsAccepted;
    stats.listeners = listenerDescriptions();
    stats.recoveryConfigured = options_.recovery.configured();
    Q_EMIT batchReady(batch);
}

void Observer::shutdown() {
    if (stopping_)
        return;
    stopping_ = true;
    stallTimer_->stop();
    publishTimer_->stop();
    if (udp_)
        udp_->close();
    if (uds_)
        uds_->close();
    // Children are terminated and audited before the observer reports itself stopped.
    recovery_->shutdown();
}

void Observer::finishShutdown() {
    if (metricsSnapshotTimer_)
        metricsSnapshotTimer_->stop();
    metrics_.reset();
    if (eventFile_)
        eventFile_->flush();
    Q_EMIT stopped();
}

}  // namespace varta

namespace varta {

QString Observer::summaryLine() const {
    QString line = QStringLiteral("datagrams=%1 beats=%2 truncated=%3 replays=%4 auth_failures=%5 "
                                  "namespace_conflicts=%6 rate_limited_per_pid=%7 rate_limited_global=%8 "
                                  "stalls=%9")
                       .arg(ingest_.datagrams)
                       .arg(ingest_.beatsAccepted)
                       .arg(ingest_.truncated)
                       .arg(ingest_.replays)
                       .arg(ingest_.authFailures)
                       .arg(ingest_.namespaceConflicts)
                       .arg(ingest_.rateLimitedPerPid)
                       .arg(ingest_.rateLimitedGlobal)
                       .arg(trackerCounters_.stallsSurfaced);
    line += QStringLiteral(" agents=%1 evicted=%2 capacity_exceeded=%3 io_errors=%4 nonce_wraps=%5")
                .arg(tracker_.table().size())
                .arg(trackerCounters_.evicted)
                .arg(trackerCounters_.capacityExceeded)
                .arg(ingest_.ioErrors)
                .arg(ingest_.nonceWraps);
    line += QStringLiteral(" decrypt_failures=%1 secure_replays=%2 sender_state_full=%3")
                .arg(secureCounters_.decryptFailures)
                .arg(secureCounters_.replayRefused)
                .arg(secureCounters_.senderStateFull);
    for (std::size_t i = 0; i < vlp::kDecodeErrorCount; ++i) {
        const std::string_view label = vlp::decodeErrorLabel(static_cast<vlp::DecodeError>(i));
        line += QStringLiteral(" %1=%2")
                    .arg(QLatin1String(label.data(), static_cast<qsizetype>(label.size())))
                    .arg(ingest_.decodeErrors[i]);
    }
    return line;
}

}  // namespace varta
