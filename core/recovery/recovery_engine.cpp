#include "core/recovery/recovery_engine.h"

#include "core/base/engine_clock.h"
#include "core/base/loop_stats.h"
#include "core/recovery/operator_state_file.h"

#include <QDateTime>

#include <algorithm>
#include <csignal>

namespace varta {

namespace {

// A burst of operator changes (pausing 500 agents) is one write of the state file; the
// automatic attempts of a recovery storm are written at most every kAttemptsSaveDelayMs,
// so a fleet restarting does not rewrite the file with every child.
constexpr int kStateSaveDelayMs = 200;
constexpr int kAttemptsSaveDelayMs = 2000;
// Pause ends are wall-clock times; the timer is re-armed at least this often, so a clock
// step cannot push an expiry far past its time.
constexpr std::int64_t kPauseExpiryRecheckMs = 60'000;

std::int64_t unixNowMs() { return QDateTime::currentMSecsSinceEpoch(); }

// After SIGKILL a child is normally reaped within milliseconds; one that is not (stuck
// in uninterruptible sleep) must not hold the observer's exit hostage.
constexpr std::int64_t kReapCeilingMs = 2000;

// A spawn blocks this thread for the fork and exec (milliseconds on a loaded machine): a
// burst of stalls starts at most one child per event-loop turn, so beats keep flowing.
// A refusal costs microseconds; up to kDecisionsPerTurn are decided in one turn.
constexpr std::size_t kSpawnsPerTurn = 1;
constexpr std::size_t kDecisionsPerTurn = 32;

std::optional<RecoveryOutcome> outcomeOf(RefusalReason reason) {
    switch (reason) {
    case RefusalReason::UnauthenticatedTransport: return RecoveryOutcome::RefusedUnauthenticatedTransport;
    case RefusalReason::CrossNamespaceAgent: return RecoveryOutcome::RefusedCrossNamespace;
    case RefusalReason::Debounced: return RecoveryOutcome::Debounced;
    case RefusalReason::OutstandingCapacity: return RecoveryOutcome::RefusedOutstandingCapacity;
    case RefusalReason::SpawnFailed: return RecoveryOutcome::SpawnFailed;
    case RefusalReason::SkippedAgentResumed: return RecoveryOutcome::SkippedAgentResumed;
    case RefusalReason::GaveUp: return RecoveryOutcome::RefusedGaveUp;
    case RefusalReason::Paused: return RecoveryOutcome::RefusedPaused;
    case RefusalReason::OutstandingInFlight: return RecoveryOutcome::Debounced;  // as upstream counts it
    case RefusalReason::SkippedPidRecycled: return RecoveryOutcome::SkippedPidRecycled;
    case RefusalReason::MissingPlaceholder: return RecoveryOutcome::RefusedMissingPlaceholder;
    }
    return std::nullopt;
}

// Event-log texts are translated where the console installed a translator (headless
// output stays English).
QString describe(const AgentKey &agent) {
    return RecoveryEngine::tr("pid %1 (%2)").arg(agent.pid).arg(agent.originLabel());
}

// A line of a child's output inside a log line: quoted, control characters escaped, so
// one output line can never pass for another log line.
QString quotedLine(const QString &line) {
    QString out = QStringLiteral("\"");
    for (const QChar c : line) {
        if (c == u'"' || c == u'\\')
            out += QLatin1Char('\\') + c;
        else if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            out += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out + QLatin1Char('"');
}

ChildState endStateOf(const RunResult &result) {
    switch (result.stopReason) {
    case StopReason::Timeout: return ChildState::TimedOut;
    case StopReason::Operator:
    case StopReason::Shutdown: return ChildState::Killed;
    case StopReason::None: break;
    }
    return result.exited ? ChildState::Exited : ChildState::Killed;
}

}  // namespace

RecoveryEngine::RecoveryEngine(const RecoveryOptions &options, RecoveryTrust trust, std::int64_t shutdownGraceMs,
                               QObject *parent)
    : QObject(parent),
      m_options(options),
      m_shutdownGraceMs(shutdownGraceMs),
      m_environment(RecoveryRunner::environmentFor(options)),
      m_policy(RecoveryPolicy::limitsFrom(options), trust) {
    m_reapCeiling.setSingleShot(true);
    connect(&m_reapCeiling, &QTimer::timeout, this, &RecoveryEngine::abandonUnreaped);
    m_stateSave.setSingleShot(true);
    connect(&m_stateSave, &QTimer::timeout, this, &RecoveryEngine::saveState);
    m_pauseExpiry.setSingleShot(true);
    connect(&m_pauseExpiry, &QTimer::timeout, this, &RecoveryEngine::endExpiredPauses);
}

// Runners are our QObject children: one still running is SIGKILLed by its destructor.
// shutdown() first is the clean way.
RecoveryEngine::~RecoveryEngine() = default;

bool RecoveryEngine::start(QString *error) {
    // Write failures surface on the writer thread; the event log lives on this one.
    const auto onAuditError = [this](const QString &text) {
        QMetaObject::invokeMethod(
            this,
            [this, text] {
                if (admits(EventKind::AuditError))
                    emitEvent(EventKind::AuditError, EventSeverity::Error, EventCategory::Audit, text, std::nullopt);
            },
            Qt::QueuedConnection);
    };
    if (configured() && !m_options.auditFile.isEmpty()
        && !m_audit.open(m_options.auditFile, AuditLog::Settings::from(m_options), onAuditError, error))
        return false;
    loadState();
    m_phase = Phase::Running;
    return true;
}

// A state file that cannot be read is a warning and a clean start, never a refusal to
// run: the observer's job is to watch, and a lost pause is less harm than no observer.
void RecoveryEngine::loadState() {
    if (m_options.stateFile.isEmpty())
        return;
    const OperatorStateFile::Loaded loaded = OperatorStateFile::load(m_options.stateFile);
    if (!loaded.warning.isEmpty())
        m_stateWarnings << loaded.warning;
    m_policy.restore(loaded.state, engineNowMs(), unixNowMs());
    m_policy.takeChanged();
    armPauseExpiry();
}

void RecoveryEngine::stateMayHaveChanged(StateChange change) {
    if (!m_policy.takeChanged() || m_options.stateFile.isEmpty())
        return;
    const int delayMs = change == StateChange::Operator ? kStateSaveDelayMs : kAttemptsSaveDelayMs;
    if (!m_stateSave.isActive() || m_stateSave.remainingTime() > delayMs)
        m_stateSave.start(delayMs);
}

void RecoveryEngine::saveState() {
    m_stateSave.stop();
    if (m_options.stateFile.isEmpty())
        return;
    QString error;
    if (!OperatorStateFile::save(m_options.stateFile, m_policy.exportState(engineNowMs(), unixNowMs()), &error)
        && admits(EventKind::IoError))
        emitEvent(EventKind::IoError, EventSeverity::Error, EventCategory::Io, error, std::nullopt);
}

void RecoveryEngine::armPauseExpiry() {
    const std::optional<std::int64_t> next = m_policy.nextPauseExpiryUnixMs();
    if (!next) {
        m_pauseExpiry.stop();
        return;
    }
    const std::int64_t waitMs = std::clamp<std::int64_t>(*next - unixNowMs(), 0, kPauseExpiryRecheckMs);
    m_pauseExpiry.start(std::chrono::milliseconds(waitMs));
}

void RecoveryEngine::endExpiredPauses() {
    for (const AgentKey &agent : m_policy.expiredPauses(unixNowMs())) {
        const PauseInfo *info = m_policy.pauseInfo(agent);
        const QString by = info ? info->by : QString();
        changingMark(agent, [&] { m_policy.resume(agent); });
        if (admits(EventKind::PauseExpired)) {
            EventDetails details;
            details.by = by;
            emitEvent(EventKind::PauseExpired, EventSeverity::Info, EventCategory::Recovery,
                      tr("the pause of %1 (by %2) ended at its expiry; recovery applies again")
                          .arg(describe(agent), by.isEmpty() ? tr("unknown") : by),
                      agent, details);
        }
    }
    stateMayHaveChanged();
    armPauseExpiry();
}

QStringList RecoveryEngine::startupWarnings() const {
    if (!m_audit.isOpen())
        return m_stateWarnings;
    QStringList warnings = m_stateWarnings;
    warnings << auditWarnings();
    return warnings;
}

QStringList RecoveryEngine::auditWarnings() const {
    switch (m_audit.openedAs()) {
    case AuditLog::BootReason::LegacyV1:
        return {
            QStringLiteral("%1: a v1 audit log: v2 records follow a new header after the old ones, seq restarts at 1")
                .arg(m_options.auditFile)};
    case AuditLog::BootReason::SchemaDrift:
        return {QStringLiteral("%1: not a v2 audit log or its last line is no record (schema_drift): seq and chain "
                               "continue from the last record that verifies, or restart at 1")
                    .arg(m_options.auditFile)};
    case AuditLog::BootReason::CorruptTail:
        return {
            QStringLiteral("%1: the audit log's last record was cut short (and removed), or does not verify against "
                           "the one before (and stays): seq and chain continue from the last record that "
                           "verifies (corrupt_tail)")
                .arg(m_options.auditFile)};
    case AuditLog::BootReason::Fresh:
    case AuditLog::BootReason::Resume:
    case AuditLog::BootReason::Rotation:
    case AuditLog::BootReason::Reopen: break;
    }
    return {};
}

void RecoveryEngine::onAgentResumed(const AgentKey &agent) {
    const auto count = m_pendingPerAgent.find(agent);
    if (count == m_pendingPerAgent.end())
        return;
    for (int i = 0; i < count.value(); ++i)
        refuse(agent, RefusalReason::SkippedAgentResumed);
    m_pendingPerAgent.erase(count);
    std::erase_if(m_pending, [&](const PendingStall &stall) { return stall.agent == agent; });
}

void RecoveryEngine::onStall(const AgentKey &agent, bool crossNamespace) {
    if (!configured() || m_phase == Phase::ShuttingDown || m_phase == Phase::Down)
        return;
    m_pending.push_back({agent, crossNamespace});
    ++m_pendingPerAgent[agent];
    scheduleDrain();
}

void RecoveryEngine::scheduleDrain() {
    if (!m_drainScheduled && !m_pending.empty()) {
        m_drainScheduled = true;
        QMetaObject::invokeMethod(
            this, [this] { drainStalls(kDecisionsPerTurn, kSpawnsPerTurn); }, Qt::QueuedConnection);
    }
}

void RecoveryEngine::drainStalls(std::size_t decisionLimit, std::size_t spawnLimit) {
    m_drainScheduled = false;
    std::size_t spawns = 0;
    for (std::size_t n = 0; n < decisionLimit && spawns < spawnLimit && !m_pending.empty(); ++n) {
        const PendingStall stall = m_pending.front();
        m_pending.pop_front();
        if (const auto count = m_pendingPerAgent.find(stall.agent);
            count != m_pendingPerAgent.end() && --count.value() == 0)
            m_pendingPerAgent.erase(count);
        if (!decide(stall.agent, stall.crossNamespace, RecoveryTrigger::Stall))
            ++spawns;
    }
    scheduleDrain();
}

bool RecoveryEngine::recoverNow(const AgentKey &agent, QString *whyNot, bool crossNamespace) {
    QString reason;
    if (!configured())
        reason = tr("no recovery command configured");
    else if (m_phase == Phase::ShuttingDown || m_phase == Phase::Down)
        reason = tr("shutting down");
    else if (const auto refusal = decide(agent, crossNamespace, RecoveryTrigger::Manual))
        reason = QString::fromLatin1(refusalReasonLabel(*refusal));
    if (whyNot)
        *whyNot = reason;
    return reason.isEmpty();
}

std::optional<QStringList> RecoveryEngine::commandFor(const AgentKey &agent, QString *missing) const {
    return recoveryArgv(m_options.execTemplate, agent, m_facts ? m_facts(agent) : AgentFacts{}, missing);
}

std::optional<RefusalReason> RecoveryEngine::decide(const AgentKey &agent, bool crossNamespace,
                                                    RecoveryTrigger trigger) {
    // A command that can not be filled in for this agent is refused before the policy
    // decides, so it burns no debounce and no attempt.
    QString missing;
    std::optional<QStringList> argv = commandFor(agent, &missing);
    if (!argv) {
        refuse(agent, RefusalReason::MissingPlaceholder, missing);
        return RefusalReason::MissingPlaceholder;
    }
    RecoveryVerdict verdict;
    changingMark(agent, [&] { verdict = m_policy.decide(agent, crossNamespace, trigger, engineNowMs()); });
    stateMayHaveChanged(verdict.enteredGaveUp ? StateChange::Operator : StateChange::Automatic);
    if (verdict.spawn()) {
        spawn(agent, trigger, std::move(*argv));
        return std::nullopt;
    }
    refuse(agent, *verdict.refusal);
    if (verdict.enteredGaveUp && admits(EventKind::GaveUp))
        emitEvent(EventKind::GaveUp, EventSeverity::Error, EventCategory::Recovery,
                  tr("gave up on %1: %2 recoveries within %3 ms did not help; re-arm it to recover again")
                      .arg(describe(agent))
                      .arg(m_options.maxAttempts)
                      .arg(m_options.attemptWindowMs),
                  agent);
    return verdict.refusal;
}

void RecoveryEngine::refuse(const AgentKey &agent, RefusalReason reason, const QString &detail) {
    ++m_counters.refused[std::size_t(reason)];
    if (const auto outcome = outcomeOf(reason))
        ++m_counters.outcomes[std::size_t(*outcome)];
    if (m_audit.isOpen())
        m_audit.submit(AuditWriter::Refused{agent.pid, reason});
    if (!admits(EventKind::Refused))
        return;
    EventDetails details;
    details.reason = QLatin1String(refusalReasonLabel(reason));
    QString why = refusalReasonText(reason);
    if (!detail.isEmpty())
        why += QStringLiteral(": ") + detail;
    emitEvent(EventKind::Refused, EventSeverity::Warning, EventCategory::Refused,
              tr("recovery of %1 refused: %2 (%3)").arg(describe(agent), details.reason, why), agent, details);
}

void RecoveryEngine::spawn(const AgentKey &agent, RecoveryTrigger trigger, QStringList argv) {
    const std::uint64_t id = m_nextChildId++;
    RunSpec spec;
    spec.argv = std::move(argv);
    spec.environment = m_environment;
    spec.captureBytes = m_options.captureBytes;
    spec.timeoutMs = m_options.timeoutMs;
    spec.killGraceMs = m_options.killGraceMs;

    Child child;
    child.runner = new RecoveryRunner(spec, this);
    child.trigger = trigger;
    child.info.id = id;
    child.info.agent = agent;
    child.info.argv = spec.argv;
    child.info.manual = trigger == RecoveryTrigger::Manual;
    child.info.startedMs = engineNowMs();
    RecoveryRunner *runner = child.runner;
    m_children.emplace(id, std::move(child));
    m_counters.childrenRunning = m_children.size();
    Q_EMIT recoveryStarted(agent);

    connect(runner, &RecoveryRunner::started, this, [this, id](qint64 pid) { onChildStarted(id, pid); });
    connect(runner, &RecoveryRunner::output, this,
            [this, id](OutputStream stream, const QByteArray &data) { onChildOutput(id, stream, data); });
    connect(runner, &RecoveryRunner::finished, this, [this, id](const RunResult &r) { onChildFinished(id, r); });
    connect(runner, &RecoveryRunner::failedToStart, this, [this, id](const QString &e) { onChildFailed(id, e); });
    runner->start();
}

void RecoveryEngine::onChildStarted(std::uint64_t id, qint64 pid) {
    const auto it = m_children.find(id);
    if (it == m_children.end())
        return;
    Child &child = it->second;
    child.info.pid = pid;
    m_policy.childStarted(child.info.agent, child.trigger, engineNowMs());
    stateMayHaveChanged(StateChange::Automatic);
    ++m_counters.outcomes[std::size_t(RecoveryOutcome::Spawned)];
    if (child.info.manual)
        ++m_counters.outcomes[std::size_t(RecoveryOutcome::Manual)];
    auditSpawn(child);
    childUpdated(child.info);
    if (admits(EventKind::RecoveryStarted)) {
        EventDetails details;
        details.childId = id;
        details.childPid = pid;
        details.argv = child.info.argv;
        emitEvent(EventKind::RecoveryStarted, EventSeverity::Info, EventCategory::Recovery,
                  (child.info.manual ? tr("manual recovery of %1: started child %2 (pid %3): %4")
                                     : tr("automatic recovery of %1: started child %2 (pid %3): %4"))
                      .arg(describe(child.info.agent))
                      .arg(id)
                      .arg(pid)
                      .arg(child.info.argv.join(QLatin1Char(' '))),
                  child.info.agent, details);
    }
    // Shutdown may have begun while it was still being exec'd.
    if (m_phase == Phase::ShuttingDown)
        child.runner->terminate(StopReason::Shutdown, m_shutdownGraceMs);
}

void RecoveryEngine::onChildOutput(std::uint64_t id, OutputStream stream, const QByteArray &data) {
    const auto it = m_children.find(id);
    if (it == m_children.end())
        return;
    it->second.info.bytesKept += data.size();
    const OutputChunk chunk{id, stream, data};
    m_history.append(chunk);
    Q_EMIT childOutput(chunk);
    if (QList<std::uint64_t> forgotten = m_history.takeForgotten(); !forgotten.isEmpty())
        Q_EMIT childrenForgotten(forgotten);
}

void RecoveryEngine::onChildFinished(std::uint64_t id, const RunResult &result) {
    const LoopStats::Scope stage(LoopStage::RecoveryReap);
    const auto it = m_children.find(id);
    if (it == m_children.end())
        return;
    Child &child = it->second;
    const bool stoppedByUs = result.stopReason != StopReason::None;
    const RecoveryOutcome outcome = stoppedByUs                             ? RecoveryOutcome::Killed
                                    : result.exited && result.exitCode == 0 ? RecoveryOutcome::ReapedZero
                                                                            : RecoveryOutcome::ReapedNonzero;
    ++m_counters.outcomes[std::size_t(outcome)];
    m_counters.durationNsSum += static_cast<std::uint64_t>(std::max<std::int64_t>(result.durationNs, 0));
    ++m_counters.durationCount;
    auditComplete(child, result, stoppedByUs ? AuditLog::Completion::Killed : AuditLog::Completion::Reaped);

    child.info.state = endStateOf(result);
    child.info.endedMs = engineNowMs();
    child.info.exitCode = result.exited ? result.exitCode : -1;
    child.info.signal = result.signal;
    child.info.truncated = result.truncated;
    childUpdated(child.info);
    if (admits(EventKind::RecoveryEnded))
        emitEnded(child.info, result, outcome == RecoveryOutcome::ReapedZero);
    releaseChild(it);
}

void RecoveryEngine::onChildFailed(std::uint64_t id, const QString &error) {
    const auto it = m_children.find(id);
    if (it == m_children.end())
        return;
    Child &child = it->second;
    child.info.state = ChildState::FailedToStart;
    child.info.endedMs = engineNowMs();
    child.info.error = error;
    childUpdated(child.info);
    refuse(child.info.agent, RefusalReason::SpawnFailed);
    if (admits(EventKind::RecoveryEnded)) {
        EventDetails details;
        details.childId = id;
        details.reason = error;
        emitEvent(EventKind::RecoveryEnded, EventSeverity::Error, EventCategory::Recovery,
                  tr("recovery child %1 for %2 could not start: %3").arg(id).arg(describe(child.info.agent), error),
                  child.info.agent, details);
    }
    releaseChild(it);
}

void RecoveryEngine::releaseChild(std::map<std::uint64_t, Child>::iterator it) {
    const AgentKey agent = it->second.info.agent;
    // Never delete a running QProcess: it would block; a finished one goes next turn.
    RecoveryRunner *runner = it->second.runner;
    runner->disconnect(this);
    if (runner->isActive())
        runner->setParent(nullptr);  // abandoned (see abandonUnreaped): leaked on purpose
    else
        runner->deleteLater();
    m_children.erase(it);
    m_counters.childrenRunning = m_children.size();
    changingMark(agent, [&] { m_policy.childEnded(agent); });
    if (m_phase == Phase::ShuttingDown && m_children.empty())
        finishShutdown();
}

QList<ChildInfo> RecoveryEngine::children() const {
    QList<ChildInfo> list;
    list.reserve(qsizetype(m_children.size()));
    for (const auto &[id, child] : m_children)
        list.append(child.info);
    return list;
}

bool RecoveryEngine::killChild(std::uint64_t childId, QString *whyNot) {
    const auto it = m_children.find(childId);
    if (it == m_children.end() || !it->second.runner->isActive()) {
        if (whyNot)
            *whyNot = m_history.find(childId) ? QStringLiteral("not_running") : QStringLiteral("not_found");
        return false;
    }
    it->second.runner->terminate(StopReason::Operator, m_options.killGraceMs);
    return true;
}

void RecoveryEngine::pause(const AgentKey &agent, PauseInfo info) {
    if (info.sinceUnixMs == 0)
        info.sinceUnixMs = unixNowMs();
    changingMark(agent, [&] { m_policy.pause(agent, info); });
    stateMayHaveChanged();
    armPauseExpiry();
    if (!admits(EventKind::Paused))
        return;
    EventDetails details;
    details.by = info.by;
    details.reason = info.reason;
    details.untilUnixMs = info.untilUnixMs;
    QString text = tr("%1 paused by %2").arg(describe(agent), info.by.isEmpty() ? tr("the operator") : info.by);
    if (!info.reason.isEmpty())
        text += tr(": %1").arg(info.reason);
    if (info.untilUnixMs)
        text += tr(" (until %1)").arg(QDateTime::fromMSecsSinceEpoch(*info.untilUnixMs).toString(Qt::ISODate));
    emitEvent(EventKind::Paused, EventSeverity::Info, EventCategory::Recovery, text, agent, details);
}

bool RecoveryEngine::resume(const AgentKey &agent, const QString &by, QString *whyNot) {
    if (!m_policy.isPaused(agent)) {
        if (whyNot)
            *whyNot = QStringLiteral("not_paused");
        return false;
    }
    changingMark(agent, [&] { m_policy.resume(agent); });
    stateMayHaveChanged();
    armPauseExpiry();
    if (admits(EventKind::Resumed)) {
        EventDetails details;
        details.by = by;
        emitEvent(
            EventKind::Resumed, EventSeverity::Info, EventCategory::Recovery,
            tr("%1 resumed by %2; recovery applies again").arg(describe(agent), by.isEmpty() ? tr("the operator") : by),
            agent, details);
    }
    return true;
}

void RecoveryEngine::rearm(const AgentKey &agent, const QString &by) {
    const bool gaveUp = m_policy.hasGivenUp(agent);
    changingMark(agent, [&] { m_policy.rearm(agent); });
    stateMayHaveChanged();
    if (!admits(EventKind::Rearmed))
        return;
    EventDetails details;
    details.by = by;
    emitEvent(EventKind::Rearmed, EventSeverity::Info, EventCategory::Recovery,
              (gaveUp ? tr("%1 re-armed by %2: it had given up; its past attempts are forgotten")
                      : tr("%1 re-armed by %2: its past attempts are forgotten"))
                  .arg(describe(agent), by.isEmpty() ? tr("the operator") : by),
              agent, details);
}

bool RecoveryEngine::forget(const AgentKey &agent, QString *whyNot) {
    if (m_policy.inFlight(agent)) {
        if (whyNot)
            *whyNot = QStringLiteral("child_running");
        return false;
    }
    onAgentResumed(agent);  // a stall still waiting for its decision: skipped
    changingMark(agent, [&] { m_policy.forget(agent); });
    stateMayHaveChanged();
    armPauseExpiry();
    return true;
}

void RecoveryEngine::carryOver(const AgentKey &from, const AgentKey &to) {
    if (!m_policy.knows(from))
        return;
    changingMark(from, [&] { changingMark(to, [&] { m_policy.carryOver(from, to); }); });
    stateMayHaveChanged();
    armPauseExpiry();
}

void RecoveryEngine::auditOperator(const AuditLog::Operator &row) {
    if (m_audit.isOpen())
        m_audit.submit(row);
}

RecoveryMark RecoveryEngine::mark(const AgentKey &agent) const {
    if (m_policy.isPaused(agent))
        return RecoveryMark::Paused;
    if (m_policy.hasGivenUp(agent))
        return RecoveryMark::GaveUp;
    if (m_policy.inFlight(agent))
        return RecoveryMark::Recovering;
    return RecoveryMark::None;
}

template <typename Change>
void RecoveryEngine::changingMark(const AgentKey &agent, Change change) {
    const RecoveryMark before = mark(agent);
    change();
    if (mark(agent) != before)
        Q_EMIT agentMarkChanged(agent);
}

void RecoveryEngine::shutdown() {
    if (m_phase == Phase::ShuttingDown || m_phase == Phase::Down)
        return;
    // Stalls already handed over still get their decision (and their audit row).
    drainStalls(m_pending.size(), m_pending.size());
    m_phase = Phase::ShuttingDown;
    for (auto &[id, child] : m_children)
        child.runner->terminate(StopReason::Shutdown, m_shutdownGraceMs);
    if (m_children.empty())
        finishShutdown();
    else
        m_reapCeiling.start(std::chrono::milliseconds(m_shutdownGraceMs + kReapCeilingMs));
}

// Children SIGKILLed long ago and still not reaped: audit them as reap_failed and let
// the observer exit rather than block on them.
void RecoveryEngine::abandonUnreaped() {
    while (!m_children.empty()) {
        const auto it = m_children.begin();
        RunResult result;
        result.pid = it->second.info.pid;
        result.stopReason = StopReason::Shutdown;
        result.signal = SIGKILL;
        result.durationNs = (engineNowMs() - it->second.info.startedMs) * 1'000'000;
        result.stdoutBytes = it->second.info.bytesKept;
        if (it->second.info.pid > 0)
            auditComplete(it->second, result, AuditLog::Completion::ReapFailed);
        else
            refuse(it->second.info.agent, RefusalReason::SpawnFailed);
        it->second.info.state = ChildState::Killed;
        it->second.info.endedMs = engineNowMs();
        childUpdated(it->second.info);
        releaseChild(it);  // finishes the shutdown with the last one
    }
}

void RecoveryEngine::finishShutdown() {
    m_phase = Phase::Down;
    m_reapCeiling.stop();
    m_pauseExpiry.stop();
    if (m_stateSave.isActive())
        saveState();
    m_audit.close();  // waits for the queued rows: shutdownComplete means all are on disk
    QMetaObject::invokeMethod(this, &RecoveryEngine::shutdownComplete, Qt::QueuedConnection);
}

void RecoveryEngine::auditSpawn(const Child &child) {
    if (!m_audit.isOpen())
        return;
    AuditLog::Spawn row;
    row.agentPid = child.info.agent.pid;
    row.childPid = child.info.pid;
    row.program = child.info.argv.value(0);
    row.source = child.info.manual                ? QStringLiteral("manual")
                 : m_options.execSource.isEmpty() ? QStringLiteral("inline")
                                                  : m_options.execSource;
    row.templateLen = child.info.argv.join(QLatin1Char(' ')).toUtf8().size();
    m_audit.submit(row);
}

void RecoveryEngine::auditComplete(const Child &child, const RunResult &result, AuditLog::Completion completion) {
    if (!m_audit.isOpen())
        return;
    AuditLog::Complete row;
    row.agentPid = child.info.agent.pid;
    row.childPid = result.pid;
    row.completion = completion;
    if (result.exited)
        row.exitCode = result.exitCode;
    else
        row.signal = result.signal;
    row.durationNs = result.durationNs;
    // As upstream, the sizes are audited only with --recovery-capture-stdio; the output
    // itself is captured and shown either way.
    if (m_options.captureStdio) {
        row.stdoutLen = result.stdoutBytes;
        row.stderrLen = result.stderrBytes;
        row.truncated = result.truncated;
    }
    m_audit.submit(row);
}

void RecoveryEngine::childUpdated(const ChildInfo &info) {
    m_history.update(info);
    Q_EMIT childChanged(info);
    if (QList<std::uint64_t> forgotten = m_history.takeForgotten(); !forgotten.isEmpty())
        Q_EMIT childrenForgotten(forgotten);
}

// "recovery child 3 for pid 4242 (uds) exited with code 0 after 0.21 s, 312 bytes kept;
// output: "stopping", "starting", "ready"": the operator reads what it said in the line.
void RecoveryEngine::emitEnded(const ChildInfo &info, const RunResult &result, bool success) {
    EventDetails details;
    details.childId = info.id;
    details.childPid = info.pid;
    if (result.exited)
        details.exitCode = result.exitCode;
    else
        details.signal = result.signal;
    details.durationMs = result.durationNs / 1'000'000;
    details.bytesKept = info.bytesKept;
    details.truncated = info.truncated;
    details.outputTail = m_history.tail(info.id);
    QString how =
        result.exited ? tr("exited with code %1").arg(result.exitCode) : tr("died by signal %1").arg(result.signal);
    if (result.stopReason == StopReason::Timeout)
        how = tr("%1 after its timeout").arg(how);
    else if (result.stopReason == StopReason::Operator)
        how = tr("%1 (killed by the operator)").arg(how);
    else if (result.stopReason == StopReason::Shutdown)
        how = tr("%1 (stopped by shutdown)").arg(how);
    QString text = tr("recovery child %1 for %2 %3 after %4 s, %5 bytes kept%6")
                       .arg(info.id)
                       .arg(describe(info.agent), how)
                       .arg(double(result.durationNs) / 1e9, 0, 'f', 2)
                       .arg(info.bytesKept)
                       .arg(info.truncated ? tr(" (truncated)") : QString());
    if (!details.outputTail.isEmpty()) {
        QStringList quoted;
        for (const QString &line : details.outputTail)
            quoted << quotedLine(line);
        text += tr("; output: %1").arg(quoted.join(QStringLiteral(", ")));
    }
    emitEvent(EventKind::RecoveryEnded, success ? EventSeverity::Info : EventSeverity::Warning, EventCategory::Recovery,
              text, info.agent, details);
}

void RecoveryEngine::emitEvent(EventKind kind, EventSeverity severity, EventCategory category, const QString &text,
                               const std::optional<AgentKey> &agent, EventDetails details) {
    EventLogEntry entry = EventLogEntry::of(kind, severity, category, text, agent, std::move(details));
    entry.atMs = engineNowMs();  // the engine's stream stamps it again; a bare RecoveryEngine's listeners read this
    Q_EMIT eventLogged(entry);
}

}  // namespace varta
