#pragma once
// The recovery engine the engine talks to, on the engine thread: it takes stalls and
// operator commands, asks RecoveryPolicy, runs children through RecoveryRunner, writes
// the AuditLog, keeps the recovery counters, and publishes children, their output and
// events as values.
//
// Accounting (docs/compat.md section 3): every stall that reaches recovery ends in exactly
// one `spawn` or `refused` row, every `spawn` in exactly one `complete` row, shutdown
// included. A spawn row is written once the child is really running (it carries the
// child's pid); a child that cannot be executed ends as `refused spawn_failed` instead.
// Operator decisions (Recover now) are audited the same way, with source `manual`.
//
// Stalls are decided on a later event-loop turn (a burst a slice per turn, in arrival
// order), so a beat that arrives meanwhile (onAgentResumed) turns a queued stall into
// `skipped_agent_resumed`. Stalls that
// arrive after shutdown() began never reach recovery: the engine has stopped by then.

#include "core/config/options.h"
#include "core/identity/agent_key.h"
#include "core/identity/agent_state.h"
#include "core/published/engine_batch.h"
#include "core/recovery/audit_log.h"
#include "core/recovery/audit_writer.h"
#include "core/recovery/child_history.h"
#include "core/recovery/operator_state.h"
#include "core/recovery/recovery_counters.h"
#include "core/recovery/recovery_policy.h"
#include "core/recovery/recovery_runner.h"
#include "core/tracking/agent_state_machine.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>

namespace varta {

class RecoveryEngine : public QObject {
    Q_OBJECT

public:
    RecoveryEngine(const RecoveryOptions &options, RecoveryTrust trust, std::int64_t shutdownGraceMs,
                   QObject *parent = nullptr);
    ~RecoveryEngine() override;

    // Asked before an event is built (the engine's per-kind budget, EventStream::admit):
    // false, and the event is not built at all. Unset: every event is emitted.
    void setEventGate(std::function<bool(EventKind)> admit) { m_admit = std::move(admit); }
    // The kernel's facts about an agent ({unit}, {comm}, {uid}), asked when its command is
    // built. Unset: none (a command naming one is refused, missing_placeholder).
    void setFactsSource(std::function<AgentFacts(const AgentKey &)> facts) { m_facts = std::move(facts); }
    // A stall that is not one: the pid now belongs to another process. Audited and counted
    // as skipped_pid_recycled, never recovered.
    void refuseRecycled(const AgentKey &agent) { refuse(agent, RefusalReason::SkippedPidRecycled); }

    // Opens the audit log (if configured) and writes its boot record.
    bool start(QString *error);
    // One line each for what start() found wrong with an existing audit file.
    QStringList startupWarnings() const;
    QStringList auditWarnings() const;

    void onStall(const AgentKey &agent, bool crossNamespace);
    void onAgentResumed(const AgentKey &agent);
    // The operator's Recover now: bypasses the debounce and the trust gate, still one
    // child per agent and the capacity. True: a child is being started (it may still
    // fail to, see childChanged); false: *whyNot gets the refusal reason's label.
    bool recoverNow(const AgentKey &agent, QString *whyNot, bool crossNamespace = false);
    // Operator commands. Each reports its own event (paused, resumed, re-armed); `by`
    // names who asked. False: nothing was done, *whyNot says why (a label).
    bool killChild(std::uint64_t childId, QString *whyNot = nullptr);
    void pause(const AgentKey &agent, PauseInfo info = {});
    bool resume(const AgentKey &agent, const QString &by = QString(), QString *whyNot = nullptr);
    void rearm(const AgentKey &agent, const QString &by = QString());
    // The agent is gone: its queued stalls are moot and its pause, gave-up and attempts
    // are dropped. Not while a child runs for it (false, *whyNot = "child_running").
    bool forget(const AgentKey &agent, QString *whyNot = nullptr);
    // A restarted unit's new pid takes over the old agent's pause, gave-up mark and
    // attempts (RecoveryPolicy::carryOver); both marks are announced if they change.
    void carryOver(const AgentKey &from, const AgentKey &to);
    const PauseInfo *pauseInfo(const AgentKey &agent) const { return m_policy.pauseInfo(agent); }
    bool hasGivenUp(const AgentKey &agent) const { return m_policy.hasGivenUp(agent); }
    // Whether any agent has a mark to restore when it first appears (state file).
    bool remembersAgents() const { return m_policy.trackedAgents() != 0; }
    bool knows(const AgentKey &agent) const { return m_policy.knows(agent); }
    // An operator action's audit row (written only when the audit log is open).
    void auditOperator(const AuditLog::Operator &row);

    // What the recovery side's facts about the agent mean for the operator: Paused,
    // GaveUp or Recovering (that precedence), None when recovery has no say.
    RecoveryMark mark(const AgentKey &agent) const;
    bool childRunning(const AgentKey &agent) const { return m_policy.inFlight(agent); }
    const RecoveryCounters &counters() const { return m_counters; }
    AuditCounters auditCounters() const { return m_audit.counters(); }
    // SIGHUP: the audit log follows its path if it was moved (AuditLog::followPath).
    void reopenAudit() {
        if (m_audit.isOpen())
            m_audit.reopen();
    }
    bool configured() const { return m_options.configured(); }
    QList<ChildInfo> children() const;  // the children alive now, for a late subscriber
    // Running children and the recently ended ones, with their output.
    const ChildHistory &history() const { return m_history; }
    // The id of the child the last successful recoverNow() started.
    std::uint64_t lastChildId() const { return m_nextChildId - 1; }
    std::size_t pendingStalls() const { return m_pending.size(); }

    // SIGTERM to every child's group, SIGKILL to those still alive after
    // shutdownGraceMs, a `complete` row for each, then shutdownComplete (always from the
    // event loop, after this returns).
    void shutdown();

Q_SIGNALS:
    void childChanged(const varta::ChildInfo &child);
    void childOutput(const varta::OutputChunk &chunk);
    // Ended children the history forgot (ChildHistory::takeForgotten), their output gone.
    void childrenForgotten(const QList<std::uint64_t> &ids);
    void agentMarkChanged(const varta::AgentKey &agent);  // mark(agent) is different now
    void recoveryStarted(const varta::AgentKey &agent);   // one per child, as it is spawned
    void eventLogged(const varta::EventLogEntry &entry);
    void shutdownComplete();

private:
    enum class Phase : std::uint8_t { Idle, Running, ShuttingDown, Down };
    struct PendingStall {
        AgentKey agent;
        bool crossNamespace = false;
    };
    struct Child {
        RecoveryRunner *runner = nullptr;
        ChildInfo info;
        RecoveryTrigger trigger = RecoveryTrigger::Stall;
    };

    void scheduleDrain();
    void drainStalls(std::size_t decisionLimit, std::size_t spawnLimit);
    std::optional<RefusalReason> decide(const AgentKey &agent, bool crossNamespace, RecoveryTrigger trigger);
    void refuse(const AgentKey &agent, RefusalReason reason, const QString &detail = QString());
    void spawn(const AgentKey &agent, RecoveryTrigger trigger, QStringList argv);
    std::optional<QStringList> commandFor(const AgentKey &agent, QString *missing) const;
    void onChildStarted(std::uint64_t id, qint64 pid);
    void onChildOutput(std::uint64_t id, OutputStream stream, const QByteArray &data);
    void onChildFinished(std::uint64_t id, const RunResult &result);
    void onChildFailed(std::uint64_t id, const QString &error);
    void releaseChild(std::map<std::uint64_t, Child>::iterator it);
    void abandonUnreaped();
    void finishShutdown();

    void auditSpawn(const Child &child);
    void auditComplete(const Child &child, const RunResult &result, AuditLog::Completion completion);
    bool admits(EventKind kind) const { return !m_admit || m_admit(kind); }
    void emitEvent(EventKind kind, EventSeverity severity, EventCategory category, const QString &text,
                   const std::optional<AgentKey> &agent, EventDetails details = {});
    void childUpdated(const ChildInfo &info);
    void loadState();
    enum class StateChange : std::uint8_t { Operator, Automatic };
    void stateMayHaveChanged(StateChange change = StateChange::Operator);
    void saveState();
    void armPauseExpiry();
    void endExpiredPauses();
    void emitEnded(const ChildInfo &info, const RunResult &result, bool success);
    template <typename Change>
    void changingMark(const AgentKey &agent, Change change);

    RecoveryOptions m_options;
    std::int64_t m_shutdownGraceMs;
    QProcessEnvironment m_environment;
    RecoveryPolicy m_policy;
    AuditWriter m_audit;
    RecoveryCounters m_counters;
    Phase m_phase = Phase::Idle;

    std::deque<PendingStall> m_pending;
    QHash<AgentKey, int> m_pendingPerAgent;  // so a beat for an agent with nothing queued costs one lookup
    bool m_drainScheduled = false;

    std::map<std::uint64_t, Child> m_children;
    ChildHistory m_history;
    std::function<bool(EventKind)> m_admit;
    std::function<AgentFacts(const AgentKey &)> m_facts;
    QStringList m_stateWarnings;
    QTimer m_stateSave{this};    // coalesces a burst of changes into one write
    QTimer m_pauseExpiry{this};  // the next pause with an end
    std::uint64_t m_nextChildId = 1;
    QTimer m_reapCeiling{this};
};

}  // namespace varta
