#include "core/engine/engine.h"

#include "core/base/engine_clock.h"
#include "core/base/log.h"
#include "core/control/console_tls.h"
#include "core/control/console_tokens.h"
#include "core/control/control_server.h"
#include "core/engine/engine_control.h"
#include "core/engine/local_agents.h"
#include "core/ingest/secure_receiver.h"
#include "core/ingest/udp_listener.h"
#include "core/ingest/uds_listener.h"
#include "core/metrics/metrics_service.h"
#include "core/published/published_json.h"
#include "core/recovery/recovery_engine.h"

#include <QDateTime>
#include <QUrl>

#include <limits>

namespace varta {

Engine::Engine(Options options, QObject *parent)
    : QObject(parent),
      m_options(std::move(options)),
      m_tracker(m_options.tracker, m_trackerCounters),
      m_stalls(new StallScheduler(m_tracker, static_cast<StallSink &>(*this), this)),
      m_publisher(new BatchPublisher(
          m_tracker, [this] { return stats(); }, this)),
      m_events(new EventStream(this)),
      m_decodeSummaryTimer(new QTimer(this)),
      m_loopStats(m_options.iterationBudgetMs * 1'000'000),
      m_housekeeping(new Housekeeping(
          m_options, m_loopStats,
          [this](std::uint32_t pidMax) {
              if (m_pipeline)
                  m_pipeline->setPidMax(pidMax);
          },
          this)),
      m_local(new LocalAgents(m_options.tracker, this)) {
    const bool secure = m_options.secure.enabled();
    const bool udpOptIn = m_options.udp && m_options.udp->recoveryAllowed;
    m_recovery = new RecoveryEngine(
        m_options.recovery,
        RecoveryTrust{udpOptIn && !secure, udpOptIn && secure, m_options.tracker.allowCrossNamespace},
        m_options.shutdownGraceMs, this);
    connectRecovery();
    connect(m_publisher, &BatchPublisher::batchReady, this, &Engine::batchReady);
    connect(m_events, &EventStream::eventPosted, m_publisher, &BatchPublisher::addEvent);
    connect(m_decodeSummaryTimer, &QTimer::timeout, this, &Engine::summariseDecodeErrors);
    connect(m_local, &LocalAgents::exited, this, &Engine::onAgentExited);
    connect(m_local, &LocalAgents::forgetDue, this, &Engine::onForgetDue);
    m_publisher->setSnapshotSource([this](const AgentRecord &r) { return snapshotOf(r); });
}

// The control server goes first: its handler reads everything else.
Engine::~Engine() { m_control.reset(); }

bool Engine::start(QString *error) {
    LoopStats::install(&m_loopStats);  // this runs on the engine thread
    if (!m_options.exportFile.path.isEmpty()) {
        m_eventFile = std::make_unique<EventFile>(m_options.exportFile.path, m_options.exportFile.maxBytes,
                                                  m_options.exportFile.syncEvery);
        // A full disk fails every batch: one line a second, the rest counted as suppressed.
        m_eventFile->setProblemSink(
            [](const QString &line) { logLimited(LogKind::FileExportIo, LogLevel::Warning, line); });
        if (!m_eventFile->open(error))
            return false;
        if (const std::uint64_t cut = m_eventFile->tornBytesCut(); cut > 0)
            m_startupWarnings << QStringLiteral("%1: the last line was cut short (%2 bytes after the last newline); "
                                                "cut off")
                                     .arg(m_eventFile->path())
                                     .arg(cut);
    }
    m_pipeline =
        std::make_unique<IngestPipeline>(m_tracker, m_ingest, m_eventFile.get(), m_options.tracker.allowCrossNamespace,
                                         static_cast<IngestEvents &>(*this));
    m_pipeline->setStrictNamespaceCheck(m_options.tracker.strictNamespaceCheck);
    if (m_options.secure.enabled()) {
        // One replay entry per tracked agent at most: the sender table follows --tracker-capacity.
        m_secureReceiver =
            std::make_unique<SecureReceiver>(m_options.secure, m_ingest, m_secureCounters, m_options.tracker.capacity);
        m_pipeline->setSecureReceiver(m_secureReceiver.get());
    }
    if (m_options.uds) {
        m_uds = std::make_unique<UdsListener>(m_options.uds->path, m_options.uds->mode,
                                              static_cast<int>(m_options.uds->receiveBufferBytes), *m_pipeline);
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
    m_decodeSummaryTimer->start(kDecodeSummaryIntervalMs);
    if (!m_housekeeping->start(error) || !m_recovery->start(error) || !startMetrics(error))
        return false;
    m_startupWarnings << m_recovery->startupWarnings();
    m_tracker.setEvictionGuard([this](const AgentKey &key) { return m_recovery->childRunning(key); });
    if (m_uds) {
        m_local->start();
        m_tracker.setNewProcessCheck(
            [this](const AgentRecord &r) { return m_local->isNewProcess(r.key, r.generation); });
    }
    m_recovery->setFactsSource([this](const AgentKey &key) { return factsOf(key); });
    m_tracker.setTransitionObserver([this](Slot slot, AgentState from, AgentState to, std::int64_t nowNs) {
        const AgentRecord &record = m_tracker.record(slot);
        m_publisher->addTransition(record.key, nowNs, from, to, record.silent);
        if (m_recentTransitions.size() == kTransitionHistory)
            m_recentTransitions.pop_front();
        m_recentTransitions.push_back(StateTransition{record.key, nowNs / 1'000'000, from, to, record.silent});
    });
    return startControl(error);
}

// One server for both transports: the Unix socket and the consoles' TCP listener share
// the handler, the streams and the broadcasts below.
bool Engine::startControl(QString *error) {
    if (m_options.controlSocket.isEmpty() && !m_options.consoleListen)
        return true;
    m_controlHandler = std::make_unique<EngineControl>(*this);
    m_control = std::make_unique<ControlServer>(*m_controlHandler);
    if (!m_options.controlSocket.isEmpty() && !m_control->listen(m_options.controlSocket, error))
        return false;
    if (const std::optional<ConsoleListenOptions> &console = m_options.consoleListen) {
        QString problem;
        std::optional<ConsoleTls> tls;
        if (console->tls()) {
            tls = ConsoleTls::load(console->certFile, console->keyFile, &problem);
            if (!tls) {
                *error = problem;
                return false;
            }
        }
        std::optional<ConsoleTokens> tokens = ConsoleTokens::load(console->tokenFile, &problem);
        if (!tokens) {
            *error = QStringLiteral("--console-token-file: ") + problem;
            return false;
        }
        if (!m_control->listenConsole(console->address, console->port, std::move(tls), std::move(*tokens), &problem)) {
            *error = QStringLiteral("--console-listen: %1:%2: %3")
                         .arg(console->address.toString())
                         .arg(console->port)
                         .arg(problem);
            return false;
        }
    }
    connect(m_events, &EventStream::eventPosted, m_control.get(), [this](const EventLogEntry &entry) {
        if (m_control->subscribers(ControlStream::Events) > 0)
            m_control->broadcast(ControlStream::Events, QJsonObject{{"event", json::eventJson(entry)}});
    });
    connect(m_publisher, &BatchPublisher::batchReady, m_control.get(), [this](const EngineBatch &batch) {
        if (m_control->subscribers(ControlStream::Batches) > 0)
            m_control->broadcastMembers(ControlStream::Batches, m_controlHandler->streamBatch(batch));
    });
    connect(m_control.get(), &ControlServer::subscribersChanged, this, [this](ControlStream kind, int) {
        if (kind == ControlStream::Batches)
            updatePublishing();
    });
    return true;
}

QString Engine::controlSocketPath() const { return m_control ? m_control->path() : QString(); }

int Engine::batchSubscribers() const { return m_control ? m_control->subscribers(ControlStream::Batches) : 0; }

QList<StateTransition> Engine::transitionsOf(const AgentKey &key, qsizetype limit) const {
    QList<StateTransition> out;
    for (auto it = m_recentTransitions.rbegin(); it != m_recentTransitions.rend() && out.size() < limit; ++it)
        if (it->key == key)
            out.prepend(*it);
    return out;
}

EngineStats Engine::currentStats() const {
    EngineStats s = stats();
    s.nowMs = engineNowMs();
    return s;
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
    m_metricsShareTimer = new QTimer(this);
    m_metricsShareTimer->setSingleShot(true);
    connect(m_metricsShareTimer, &QTimer::timeout, this, &Engine::copyMetricsRows);
    publishMetricsSnapshot();  // every family is there from the first scrape
    m_metricsSnapshotTimer = new QTimer(this);
    connect(m_metricsSnapshotTimer, &QTimer::timeout, this, &Engine::publishMetricsSnapshot);
    m_metricsSnapshotTimer->start(kMetricsSnapshotIntervalMs);
    return true;
}

// A copy of plain values: the endpoint renders it on its own thread. The agents' rows
// come first, a share a turn; the counters are taken with the last share, so they are
// never older than the rows.
void Engine::publishMetricsSnapshot() {
    if (m_metricsPending)
        return;  // the last one is still being copied
    m_metricsPending = std::make_shared<MetricsSnapshot>();
    m_metricsPending->agents = m_metrics->takeSpareRows();
    // Room for a full table: agents that arrive during the copy must not make it move
    // tens of megabytes. Pages untouched cost nothing, as with the table's own slab.
    m_metricsPending->agents.reserve(m_tracker.table().capacity());
    m_metricsNextSlot = 0;
    m_metricsErasuresAtStart = m_tracker.table().erasures();
    copyMetricsRows();
}

void Engine::copyMetricsRows() {
    if (!m_metricsPending)
        return;
    const LoopStats::Scope stage(LoopStage::ServePending);
    const AgentTable &table = m_tracker.table();
    const std::size_t from = m_metricsNextSlot;
    m_metricsNextSlot = from + kMetricsSlotsPerShare;
    std::vector<MetricsAgentRow> &rows = m_metricsPending->agents;
    std::vector<std::shared_ptr<const ProcessIdentity>> &identities = m_metricsPending->identities;
    table.forEachIn(from, m_metricsNextSlot, [&](const AgentRecord &r) {
        // A replaced agent's series leave with its row: its unit's new pid carries on.
        if (r.replaced)
            return;
        // varta_status says what the agent last reported, or 3 while it is silent.
        MetricsAgentRow row{r.key,    r.beats,
                            r.stalls, r.silent ? vlp::Status::Stall : r.lastStatus,
                            r.exited, MetricsAgentRow::kNoIdentity};
        if (!r.key.isUdp())
            if (const LocalAgents::Entry *entry = m_local->find(r.key); entry && entry->identity) {
                row.identity = static_cast<std::uint32_t>(identities.size());
                identities.push_back(entry->identity);
            }
        rows.push_back(row);
    });
    if (m_metricsNextSlot < table.slotSpan()) {
        m_metricsShareTimer->start(kMetricsShareSpacingMs);
        return;
    }
    finishMetricsSnapshot();
}

void Engine::finishMetricsSnapshot() {
    std::shared_ptr<MetricsSnapshot> snapshot = std::move(m_metricsPending);  // leaves it empty
    snapshot->agentsMayRepeat = m_tracker.table().erasures() != m_metricsErasuresAtStart;
    snapshot->ingest = m_ingest;
    snapshot->tracker = m_trackerCounters;
    snapshot->secure = m_secureCounters;
    if (m_secureReceiver) {
        snapshot->secure.aeadAttempts = m_secureReceiver->keyRing().aeadAttempts();
        snapshot->secure.keyDerivations = m_secureReceiver->keyRing().derivations();
    }
    snapshot->loop = m_loopStats.counters();
    ObserverCounters &observer = snapshot->observer;
    observer.clockRegressions = m_housekeeping->counters().clockRegressions;
    observer.clockJumpsForward = m_housekeeping->counters().clockJumpsForward;
    observer.udsReceiveBufferBytes = m_uds ? static_cast<std::uint64_t>(std::max(m_uds->receiveBufferBytes(), 0)) : 0;
    observer.pidMax = m_pipeline->pidMax();
    observer.evictionScanWindow = m_options.tracker.evictionScanWindow;
    if (const ExitWatcher *watcher = m_local->watcher()) {
        observer.exitWatchProcesses = watcher->watched();
        observer.exitWatchCapacity = watcher->capacity();
    }
    observer.exitWatchUnwatched = m_local->counters().unwatched;
    observer.identityFailures = m_local->counters().identityFailures;
    observer.signalHandlerLibc = m_options.signalHandlerMode == SignalHandlerMode::Libc;
    observer.logSuppressed = logSuppressedCounts();
    observer.eventsSuppressed = m_events->suppressedCounts();
    observer.eventsPosted = m_events->posted();
    observer.logLinesLost = logLinesLost();
    if (m_eventFile) {
        observer.exportLinesDropped = m_eventFile->linesDropped();
        observer.exportWriteErrors = m_eventFile->writeErrors();
        observer.exportReopens = m_eventFile->reopens();
    }
    if (m_control)
        observer.control = m_control->counters();
    snapshot->recovery = m_recovery->counters();
    snapshot->audit = m_recovery->auditCounters();
    snapshot->auditFsync = auditFsyncHistogram(snapshot->audit);
    snapshot->stallLag = m_stalls->lag();
    snapshot->pidsTracked = m_tracker.table().size();
    snapshot->trackerCapacity = m_tracker.table().capacity();
    snapshot->takenNs = engineNowNs();
    snapshot->takenUnixSeconds = static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1e3;
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
    if (m_control && m_control->isListening())
        out << QStringLiteral("control ") + m_control->path();
    if (m_control && m_control->isConsoleListening())
        out << m_control->consoleDescription();
    return out;
}

std::uint16_t Engine::udpPort() const { return m_udp ? m_udp->boundPort() : 0; }

QString Engine::metricsAddress() const { return m_metrics ? QUrl(m_metrics->url()).authority() : QString(); }

void Engine::setPublishing(bool on, bool paced) {
    m_consolePublishing = on;
    m_publisher->setPaced(on && paced);
    if (on && m_publisher->publishing())
        m_publisher->setPublishing(false);  // a console arriving late still gets every agent first
    updatePublishing();
}

void Engine::batchTaken() { m_publisher->batchTaken(); }

// Batches are built while a console or a control-socket subscriber listens.
void Engine::updatePublishing() {
    const bool wanted = m_consolePublishing || (m_control && m_control->subscribers(ControlStream::Batches) > 0);
    // A window here shows every beat; consoles elsewhere see one a second per agent.
    m_publisher->setFoldingBeats(!m_consolePublishing);
    if (wanted != m_publisher->publishing())
        m_publisher->setPublishing(wanted, wanted ? m_recovery->children() : QList<ChildInfo>{});
}

void Engine::onIngestBatchEnd() {
    m_stalls->arm();
    yieldListenersAtNextDeadline();
}

// A listener reading a flood stops for the event loop when the next stall falls due.
void Engine::yieldListenersAtNextDeadline() {
    const std::int64_t next = m_tracker.nextDeadlineNs();
    if (m_udp)
        m_udp->yieldAt(next);
    if (m_uds)
        m_uds->yieldAt(next);
}

void Engine::postEvent(EventKind kind, EventSeverity severity, EventCategory category, const QString &text,
                       std::optional<AgentKey> agent, EventDetails details) {
    m_events->post(EventLogEntry::of(kind, severity, category, text, agent, std::move(details)));
}

void Engine::onIngestIoError(std::string_view what) {
    if (m_events->admit(EventKind::IoError))
        postEvent(EventKind::IoError, EventSeverity::Error, EventCategory::Io,
                  QString::fromUtf8(what.data(), static_cast<qsizetype>(what.size())), std::nullopt);
}

// Malformed datagrams are counted by kind on the beat path; the operator reads one line a
// second at most, naming the kinds that grew.
void Engine::summariseDecodeErrors() {
    std::uint64_t total = 0;
    QStringList kinds;
    for (std::size_t i = 0; i < vlp::kDecodeErrorCount; ++i) {
        const std::uint64_t grew = m_ingest.decodeErrors[i] - m_decodeErrorsSummarised[i];
        m_decodeErrorsSummarised[i] = m_ingest.decodeErrors[i];
        if (grew == 0)
            continue;
        total += grew;
        const std::string_view label = vlp::decodeErrorLabel(static_cast<vlp::DecodeError>(i));
        kinds
            << QStringLiteral("%1=%2").arg(QLatin1String(label.data(), static_cast<qsizetype>(label.size()))).arg(grew);
    }
    if (total == 0 || !m_events->admit(EventKind::DecodeErrors))
        return;
    EventDetails details;
    details.count = total;
    postEvent(EventKind::DecodeErrors, EventSeverity::Warning, EventCategory::Io,
              tr("%1 malformed datagrams in the last %2 s: %3")
                  .arg(total)
                  .arg(kDecodeSummaryIntervalMs / 1000)
                  .arg(kinds.join(QLatin1Char(' '))),
              std::nullopt, details);
}

void Engine::onForeignNamespaceBeat(std::uint32_t pid) {
    if (!m_fatalError.isEmpty())
        return;
    m_fatalError =
        QStringLiteral("FATAL --strict-namespace-check: pid %1 beat from another pid namespace; stopping").arg(pid);
    shutdown();
}

void Engine::onAgentResumed(Slot slot, std::int64_t silentForNs) {
    const AgentKey &key = m_tracker.record(slot).key;
    m_recovery->onAgentResumed(key);
    if (!m_events->admit(EventKind::Back))
        return;
    EventDetails details;
    details.silentMs = silentForNs / 1'000'000;
    postEvent(EventKind::Back, EventSeverity::Info, EventCategory::Recovery,
              tr("pid %1 (%2) is back after %3 s silent")
                  .arg(key.pid)
                  .arg(key.originLabel())
                  .arg(double(silentForNs) / 1e9, 0, 'f', 3),
              key, details);
}

void Engine::connectRecovery() {
    connect(m_recovery, &RecoveryEngine::agentMarkChanged, this, &Engine::onMarkChanged);
    connect(m_recovery, &RecoveryEngine::recoveryStarted, this, [this](const AgentKey &key) {
        if (const Slot slot = m_tracker.find(key); slot != kNoSlot)
            m_tracker.countRecovery(slot);
    });
    connect(m_recovery, &RecoveryEngine::childChanged, m_publisher, &BatchPublisher::addChild);
    connect(m_recovery, &RecoveryEngine::childOutput, m_publisher, &BatchPublisher::addOutput);
    connect(m_recovery, &RecoveryEngine::childrenForgotten, m_publisher, &BatchPublisher::addForgottenChildren);
    // The recovery side asks the budget before it builds an event, so what it emits is
    // already admitted.
    m_recovery->setEventGate([this](EventKind kind) { return m_events->admit(kind); });
    connect(m_recovery, &RecoveryEngine::eventLogged, m_events, &EventStream::post);
    connect(m_recovery, &RecoveryEngine::shutdownComplete, this, &Engine::finishShutdown);
}

// The recovery side owns the facts behind an agent's mark; the tracker shows its verdict.
void Engine::onMarkChanged(const AgentKey &key) {
    if (const Slot slot = m_tracker.find(key); slot != kNoSlot)
        m_tracker.setMark(slot, m_recovery->mark(key), engineNowNs());
}

void Engine::recoverNow(const QList<AgentKey> &agents) { recoverAgents(agents, OperatorActor::console()); }

void Engine::killChild(std::uint64_t childId) { killChildAs(childId, OperatorActor::console()); }

void Engine::pause(const QList<AgentKey> &agents) {
    pauseAgents(agents, OperatorActor::console(), QString(), std::nullopt);
}

void Engine::resume(const QList<AgentKey> &agents) { resumeAgents(agents, OperatorActor::console()); }

void Engine::rearm(const QList<AgentKey> &agents) { rearmAgents(agents, OperatorActor::console()); }

QList<ActionResult> Engine::recoverAgents(const QList<AgentKey> &agents, const OperatorActor &by) {
    QList<ActionResult> results;
    for (const AgentKey &key : agents) {
        ActionResult result{key.text()};
        const Slot slot = m_tracker.find(key);
        QString whyNot;
        if (slot == kNoSlot)
            whyNot = QStringLiteral("not_found");
        else if (m_recovery->recoverNow(key, &whyNot, m_tracker.record(slot).crossNamespace))
            result.childId = m_recovery->lastChildId();  // its start and end are the recovery side's events
        result.ok = whyNot.isEmpty();
        result.error = whyNot;
        recordAction(by, QStringLiteral("recover"), key, result,
                     result.childId ? QStringLiteral("child=%1").arg(*result.childId) : QString());
        results.append(result);
    }
    return results;
}

ActionResult Engine::killChildAs(std::uint64_t childId, const OperatorActor &by) {
    ActionResult result{QStringLiteral("child:%1").arg(childId)};
    QString whyNot;
    result.ok = m_recovery->killChild(childId, &whyNot);
    result.error = whyNot;
    const ChildHistory::Entry *child = m_recovery->history().find(childId);
    recordAction(by, QStringLiteral("kill"), child ? std::optional<AgentKey>(child->info.agent) : std::nullopt, result);
    return result;
}

QList<ActionResult> Engine::pauseAgents(const QList<AgentKey> &agents, const OperatorActor &by, const QString &reason,
                                        std::optional<std::int64_t> forMs) {
    QList<ActionResult> results;
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    QStringList detail;
    if (!reason.isEmpty())
        detail << QStringLiteral("reason=") + reason;
    if (forMs)
        detail << QStringLiteral("for_ms=%1").arg(*forMs);
    for (const AgentKey &key : agents) {
        ActionResult result{key.text()};
        if (m_tracker.find(key) == kNoSlot) {
            result.ok = false;
            result.error = QStringLiteral("not_found");
        } else {
            PauseInfo info{by.label(), reason, now, std::nullopt};
            if (forMs)
                info.untilUnixMs = now + *forMs;
            result.untilUnixMs = info.untilUnixMs;
            m_recovery->pause(key, info);
        }
        recordAction(by, QStringLiteral("pause"), key, result, detail.join(QStringLiteral("; ")));
        results.append(result);
    }
    return results;
}

QList<ActionResult> Engine::resumeAgents(const QList<AgentKey> &agents, const OperatorActor &by) {
    QList<ActionResult> results;
    for (const AgentKey &key : agents) {
        ActionResult result{key.text()};
        QString whyNot;
        result.ok = m_recovery->resume(key, by.label(), &whyNot);
        result.error = whyNot;
        recordAction(by, QStringLiteral("resume"), key, result);
        results.append(result);
    }
    return results;
}

QList<ActionResult> Engine::rearmAgents(const QList<AgentKey> &agents, const OperatorActor &by) {
    QList<ActionResult> results;
    for (const AgentKey &key : agents) {
        ActionResult result{key.text()};
        // An agent given up in an earlier run may not have beaten in this one yet.
        if (m_tracker.find(key) == kNoSlot && !m_recovery->hasGivenUp(key)) {
            result.ok = false;
            result.error = QStringLiteral("not_found");
        } else {
            m_recovery->rearm(key, by.label());
        }
        recordAction(by, QStringLiteral("rearm"), key, result);
        results.append(result);
    }
    return results;
}

QList<ActionResult> Engine::forgetAgents(const QList<AgentKey> &agents, const OperatorActor &by) {
    QList<ActionResult> results;
    for (const AgentKey &key : agents) {
        ActionResult result{key.text()};
        QString whyNot;
        // An agent paused in an earlier run may be known to recovery alone.
        if (m_tracker.find(key) == kNoSlot && !m_recovery->knows(key)) {
            whyNot = QStringLiteral("not_found");
        } else if (m_recovery->forget(key, &whyNot)) {
            m_local->remove(key);
            if (m_tracker.forget(key))
                m_publisher->addRemoved(key);
        }
        result.ok = whyNot.isEmpty();
        result.error = whyNot;
        recordAction(by, QStringLiteral("forget"), key, result);
        results.append(result);
    }
    return results;
}

// One audit row and one event per action and key: who, what, on which, and how it ended.
void Engine::recordAction(const OperatorActor &by, const QString &action, const std::optional<AgentKey> &agent,
                          const ActionResult &result, const QString &detail) {
    AuditLog::Operator row;
    row.uid = by.uid;
    row.user = by.name;
    row.action = action;
    if (agent)
        row.agentPid = agent->pid;
    row.target = result.target;
    row.outcome = result.ok ? QStringLiteral("ok") : result.error;
    row.detail = detail;
    m_recovery->auditOperator(row);
    if (!m_events->admit(EventKind::Operator))
        return;
    EventDetails details;
    details.by = by.label();
    details.action = action;
    details.reason = row.outcome;
    details.childId = result.childId;
    details.untilUnixMs = result.untilUnixMs;
    QString text = tr("%1: %2 %3: %4").arg(by.label(), action, result.target, row.outcome);
    if (!detail.isEmpty())
        text += QStringLiteral(" (%1)").arg(detail);
    postEvent(EventKind::Operator, result.ok ? EventSeverity::Info : EventSeverity::Warning, EventCategory::Recovery,
              text, agent, details);
}

// An agent paused or given up in an earlier run (--state-file) shows it from its first beat.
void Engine::onAgentAdded(Slot slot) {
    const AgentRecord &record = m_tracker.record(slot);
    // The kernel vouches for a Unix-socket agent's pid in our namespace: ask it who the
    // process is, once, and watch for its end.
    if (!record.key.isUdp() && !record.crossNamespace) {
        const LocalAgents::Entry &entry = m_local->add(record.key);
        if (entry.identity)
            m_tracker.setGeneration(slot, entry.identity->startTime);
        continueUnit(slot);
    }
    if (!m_recovery->remembersAgents())
        return;
    if (const RecoveryMark mark = m_recovery->mark(m_tracker.record(slot).key); mark != RecoveryMark::None)
        m_tracker.setMark(slot, mark, engineNowNs());
}

// A new pid of a unit whose agent stalled or exited is that service restarted: it takes
// the old agent's row, and the old one leaves the stalled set as `replaced`.
void Engine::continueUnit(Slot slot) {
    const AgentKey key = m_tracker.record(slot).key;
    const std::optional<AgentKey> previous = m_local->takeOver(key, [this](const AgentKey &other) {
        const Slot s = m_tracker.find(other);
        return s != kNoSlot && m_tracker.record(s).silent && !m_tracker.record(s).replaced;
    });
    if (!previous)
        return;
    const Slot old = m_tracker.find(*previous);
    const std::int64_t now = engineNowNs();
    m_tracker.markReplaced(old, now);
    m_recovery->onAgentResumed(*previous);  // a stall of it still queued is moot
    m_recovery->carryOver(*previous, key);  // pause, gave-up and attempts go on with the unit
    m_publisher->addRemoved(*previous);
    m_local->scheduleForget(*previous, m_tracker.record(old).generation, now);
    if (!m_events->admit(EventKind::Restarted))
        return;
    EventDetails details;
    details.unit = nameOf(key);
    details.previousPid = previous->pid;
    postEvent(EventKind::Restarted, EventSeverity::Info, EventCategory::Recovery,
              tr("%1 restarted: pid %2 → pid %3").arg(details.unit).arg(previous->pid).arg(key.pid), key, details);
}

void Engine::onAgentRecycled(const AgentKey &key) {
    m_local->remove(key);
    m_publisher->addRemoved(key);
    if (m_events->admit(EventKind::Recycled))
        postEvent(
            EventKind::Recycled, EventSeverity::Info, EventCategory::Eviction,
            tr("pid %1 (%2) belongs to a new process: tracked as a new agent").arg(key.pid).arg(key.originLabel()),
            key);
}

// The kernel says the process is gone: the agent is surfaced now, as a stall would be at
// its deadline (the event file's stall line, recovery), and forgotten later.
void Engine::onAgentExited(const AgentKey &key, std::int64_t seenNs) {
    const Slot slot = m_tracker.find(key);
    if (slot == kNoSlot || m_stopping)
        return;
    const AgentRecord &record = m_tracker.record(slot);
    if (record.exited || record.replaced)
        return;
    const std::int64_t silentNs = seenNs - record.lastBeatNs;
    if (m_tracker.surfaceExit(slot, seenNs)) {
        if (m_eventFile) {
            m_eventFile->stall(seenNs, key.pid, record.lastNonce);
            m_eventFile->flush();
        }
        m_recovery->onStall(key, record.crossNamespace);
    }
    m_local->scheduleForget(key, record.generation, seenNs);
    if (!m_events->admit(EventKind::Exited))
        return;
    EventDetails details;
    details.silentMs = silentNs / 1'000'000;
    details.unit = nameOf(key);
    postEvent(EventKind::Exited, EventSeverity::Warning, EventCategory::Recovery,
              tr("pid %1 (%2) exited, %3 s after its last beat")
                  .arg(key.pid)
                  .arg(details.unit)
                  .arg(double(silentNs) / 1e9, 0, 'f', 3),
              key, details);
}

// --forget-after-ms after an exit or a replacement: the agent leaves as an eviction does
// (upstream's eviction line, its series gone), unless it is another agent by now.
void Engine::onForgetDue(const AgentKey &key, std::uint64_t generation) {
    const Slot slot = m_tracker.find(key);
    if (slot == kNoSlot || m_stopping)
        return;
    const AgentRecord &record = m_tracker.record(slot);
    if ((!record.exited && !record.replaced) || record.generation != generation)
        return;
    const std::int64_t now = engineNowNs();
    if (m_recovery->childRunning(key)) {
        m_local->scheduleForget(key, generation, now);  // its recovery is still running: later
        return;
    }
    const bool wasReplaced = record.replaced;
    const QString name = nameOf(key);
    if (m_eventFile) {
        m_eventFile->eviction(now, key.pid);
        m_eventFile->flush();
    }
    m_recovery->forget(key);
    m_tracker.forget(key);
    m_local->remove(key);
    ++m_trackerCounters.forgotten;
    if (!wasReplaced)
        m_publisher->addRemoved(key);
    if (m_events->admit(EventKind::Forgotten))
        postEvent(EventKind::Forgotten, EventSeverity::Info, EventCategory::Eviction,
                  tr("pid %1 (%2) forgotten: %3 %4 s ago")
                      .arg(key.pid)
                      .arg(name, wasReplaced ? tr("replaced") : tr("exited"))
                      .arg(double(m_options.tracker.forgetAfterMsOrDefault()) / 1000.0, 0, 'f', 1),
                  key);
}

AgentSnapshot Engine::snapshotOf(const AgentRecord &record) const {
    AgentSnapshot s = BatchPublisher::snapshotOf(record);
    if (record.key.isUdp())
        return s;
    if (const LocalAgents::Entry *entry = m_local->find(record.key)) {
        s.identity = entry->identity;
        s.continues = entry->continues;
        s.replacedByPid = entry->replacedByPid;
    }
    return s;
}

AgentFacts Engine::factsOf(const AgentKey &key) const {
    const LocalAgents::Entry *entry = key.isUdp() ? nullptr : m_local->find(key);
    return agentFactsOf(entry ? entry->identity.get() : nullptr);
}

// "api.service", else the origin label: how a line names an agent beside its pid.
QString Engine::nameOf(const AgentKey &key) const {
    if (const LocalAgents::Entry *entry = key.isUdp() ? nullptr : m_local->find(key); entry && entry->identity)
        if (const QString name = entry->identity->name(); !name.isEmpty())
            return name;
    return key.originLabel();
}

void Engine::onAgentEvicted(const AgentKey &key) {
    m_local->remove(key);
    m_publisher->addRemoved(key);
    if (m_events->admit(EventKind::Evicted))
        postEvent(EventKind::Evicted, EventSeverity::Warning, EventCategory::Eviction,
                  tr("agent %1 (%2) evicted to make room").arg(key.pid).arg(key.originLabel()), key);
}

void Engine::onAgentReplaced(const AgentKey &weaker, const AgentKey &stronger) {
    // The process beats on, over the stronger origin: a stall of the removed agent still
    // waiting for its recovery decision is moot (skipped_agent_resumed), not a reason to
    // restart it.
    m_recovery->onAgentResumed(weaker);
    m_publisher->addRemoved(weaker);
    if (m_events->admit(EventKind::Replaced))
        postEvent(EventKind::Replaced, EventSeverity::Info, EventCategory::Eviction,
                  tr("agent %1 (%2) replaced by %3: the same local pid over a stronger transport")
                      .arg(weaker.pid)
                      .arg(weaker.originLabel(), stronger.originLabel()),
                  stronger);
}

std::int64_t Engine::drainQueuedBeats(std::int64_t untilNs) {
    std::int64_t readThroughNs = std::numeric_limits<std::int64_t>::max();  // no listener: nothing to read
    if (m_udp)
        readThroughNs = std::min(readThroughNs, m_udp->drainArrivedBefore(untilNs).readThroughNs);
    if (m_uds)
        readThroughNs = std::min(readThroughNs, m_uds->drainArrivedBefore(untilNs).readThroughNs);
    return readThroughNs;
}

void Engine::onStall(const AgentRecord &agent, std::int64_t surfacedNs) {
    // A local agent's pid may belong to another process by now (retired, never recovered,
    // as upstream), or to none (it exited unseen: past the watcher's cap, or detection off).
    if (!agent.key.isUdp() && !agent.crossNamespace) {
        switch (m_local->fateOf(agent.key.pid, agent.generation)) {
        case LocalAgents::Fate::Recycled: m_recycledAtStall.push_back(agent.key); return;
        case LocalAgents::Fate::Gone:
            if (m_local->detectsExits()) {
                m_tracker.surfaceExit(m_tracker.find(agent.key), surfacedNs);
                m_local->scheduleForget(agent.key, agent.generation, surfacedNs);
            }
            break;
        case LocalAgents::Fate::Alive:
        case LocalAgents::Fate::Unknown: break;
        }
    }
    if (m_eventFile)
        m_eventFile->stall(surfacedNs, agent.key.pid, agent.lastNonce);
    m_recovery->onStall(agent.key, agent.crossNamespace);
    if (!m_events->admit(EventKind::Stall))
        return;
    EventDetails details;
    details.silentMs = (surfacedNs - agent.lastBeatNs) / 1'000'000;
    postEvent(EventKind::Stall, EventSeverity::Warning, EventCategory::Recovery,
              tr("pid %1 (%2) stalled: silent for %3 s")
                  .arg(agent.key.pid)
                  .arg(agent.key.originLabel())
                  .arg(double(surfacedNs - agent.lastBeatNs) / 1e9, 0, 'f', 3),
              agent.key, details);
}

void Engine::afterStalls() {
    retireRecycled();
    yieldListenersAtNextDeadline();
    if (m_eventFile)
        m_eventFile->flush();
}

void Engine::retireRecycled() {
    for (const AgentKey &key : std::exchange(m_recycledAtStall, {})) {
        m_recovery->refuseRecycled(key);
        ++m_trackerCounters.recycledAtStall;
        ++m_trackerCounters.pidRecycles;
        m_tracker.forget(key);
        m_local->remove(key);
        m_publisher->addRemoved(key);
        if (m_events->admit(EventKind::Recycled))
            postEvent(EventKind::Recycled, EventSeverity::Info, EventCategory::Eviction,
                      tr("pid %1 (%2) fell silent and its pid now belongs to another process: retired, not recovered")
                          .arg(key.pid)
                          .arg(key.originLabel()),
                      key);
    }
}

EngineStats Engine::stats() const {
    EngineStats stats;
    stats.beatsAccepted = m_trackerCounters.beatsAccepted;
    for (std::uint64_t n : m_ingest.decodeErrors)
        stats.decodeErrors += n;
    stats.agentsTracked = m_tracker.table().size();
    for (int i = 0; i < kAgentStateCount; ++i)
        stats.agentsByState[i] = m_tracker.agentsInState(static_cast<AgentState>(i));
    stats.datagramsDropped = m_ingest.datagrams - m_trackerCounters.beatsAccepted;
    stats.listeners = listenerDescriptions();
    stats.recoveryConfigured = m_options.recovery.configured();
    stats.recoveryTemplate = m_options.recovery.execTemplate;
    return stats;
}

void Engine::shutdown() {
    if (m_stopping)
        return;
    m_stopping = true;
    m_stalls->stop();
    m_publisher->stop();
    m_decodeSummaryTimer->stop();
    if (m_udp)
        m_udp->close();
    if (m_uds)
        m_uds->close();
    // Children are terminated and audited before the observer reports itself stopped.
    m_recovery->shutdown();
}

void Engine::reopenFiles() {
    if (m_stopping)
        return;
    // Lines still waiting (a refusing disk) go to the new file.
    if (m_eventFile) {
        if (m_eventFile->reopen())
            logLine(LogLevel::Info, QStringLiteral("reopened ") + m_eventFile->path());
    }
    m_recovery->reopenAudit();
    reloadConsoleTokens();
}

// A token file that no longer reads keeps the tokens read before: a typo must not lock
// every console out, nor let a revoked one in silently (the warning says so).
void Engine::reloadConsoleTokens() {
    if (!m_control || !m_options.consoleListen)
        return;
    QString problem;
    std::optional<ConsoleTokens> tokens = ConsoleTokens::load(m_options.consoleListen->tokenFile, &problem);
    if (!tokens) {
        logLine(LogLevel::Warning,
                QStringLiteral("--console-token-file: %1; the tokens read before stay in force").arg(problem));
        return;
    }
    m_control->setConsoleTokens(std::move(*tokens));
    logLine(LogLevel::Info, QStringLiteral("reloaded ") + m_options.consoleListen->tokenFile);
}

void Engine::finishShutdown() {
    m_housekeeping->stop();
    if (m_metricsSnapshotTimer)
        m_metricsSnapshotTimer->stop();
    m_metrics.reset();
    m_events->flushSummaries();
    if (m_control)
        m_control->close();
    if (m_eventFile) {
        m_eventFile->flush();
        // The disk still refuses them and no flush comes after this one: they are lost,
        // and the summary line says how many.
        if (const qsizetype unwritten = m_eventFile->pendingLines(); unwritten > 0) {
            logLine(LogLevel::Error, QStringLiteral("%1: %2 event lines could not be written before exit")
                                         .arg(m_eventFile->path())
                                         .arg(unwritten));
            m_eventFile->abandonUnwritten();
        }
    }
    LoopStats::install(nullptr);
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
    line += QStringLiteral(" agents=%1 evicted=%2 capacity_exceeded=%3 io_errors=%4 nonce_wraps=%5 ctrl_truncated=%6 "
                           "pid_above_max=%7 origin_conflicts=%8 origin_takeovers=%9")
                .arg(m_tracker.table().size())
                .arg(m_trackerCounters.evicted)
                .arg(m_trackerCounters.capacityExceeded)
                .arg(m_ingest.ioErrors)
                .arg(m_trackerCounters.nonceWraps)
                .arg(m_ingest.ctrlTruncated)
                .arg(m_ingest.pidAboveMax)
                .arg(m_trackerCounters.originConflicts)
                .arg(m_trackerCounters.originTakeovers);
    line += QStringLiteral(" decrypt_failures=%1 secure_replays=%2 sender_state_full=%3 key_derivations=%4")
                .arg(m_secureCounters.decryptFailures)
                .arg(m_secureCounters.replayRefused)
                .arg(m_secureCounters.senderStateFull)
                .arg(m_secureReceiver ? m_secureReceiver->keyRing().derivations() : 0);
    line += QStringLiteral(" event_lines_lost=%1 event_write_errors=%2")
                .arg(m_eventFile ? m_eventFile->linesDropped() : 0)
                .arg(m_eventFile ? m_eventFile->writeErrors() : 0);
    for (std::size_t i = 0; i < vlp::kDecodeErrorCount; ++i) {
        const std::string_view label = vlp::decodeErrorLabel(static_cast<vlp::DecodeError>(i));
        line += QStringLiteral(" %1=%2")
                    .arg(QLatin1String(label.data(), static_cast<qsizetype>(label.size())))
                    .arg(m_ingest.decodeErrors[i]);
    }
    line += QStringLiteral(" audit_dropped=%1").arg(m_recovery ? m_recovery->auditCounters().dropped : 0);
    return line;
}

}  // namespace varta
