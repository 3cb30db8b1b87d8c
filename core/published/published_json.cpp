#include "core/published/published_json.h"

#include <QJsonArray>
#include <QJsonValue>

namespace varta {

const char *eventKindName(EventKind kind) noexcept {
    switch (kind) {
    case EventKind::Stall: return "stall";
    case EventKind::Back: return "back";
    case EventKind::RecoveryStarted: return "recovery_started";
    case EventKind::RecoveryEnded: return "recovery_ended";
    case EventKind::Refused: return "refused";
    case EventKind::GaveUp: return "gave_up";
    case EventKind::Rearmed: return "rearmed";
    case EventKind::Paused: return "paused";
    case EventKind::Resumed: return "resumed";
    case EventKind::PauseExpired: return "pause_expired";
    case EventKind::Evicted: return "evicted";
    case EventKind::Replaced: return "replaced";
    case EventKind::Exited: return "exited";
    case EventKind::Restarted: return "restarted";
    case EventKind::Recycled: return "recycled";
    case EventKind::Forgotten: return "forgotten";
    case EventKind::DecodeErrors: return "decode_errors";
    case EventKind::IoError: return "io_error";
    case EventKind::AuditError: return "audit_error";
    case EventKind::Operator: return "operator";
    case EventKind::Suppressed: return "suppressed";
    case EventKind::Notice: return "notice";
    }
    return "unknown";
}

}  // namespace varta

namespace varta::json {

namespace {

QJsonValue optionalNumber(const std::optional<std::int64_t> &value) {
    return value ? QJsonValue(static_cast<qint64>(*value)) : QJsonValue(QJsonValue::Null);
}

QJsonArray stringArray(const QStringList &list) {
    QJsonArray array;
    for (const QString &s : list)
        array.append(s);
    return array;
}

}  // namespace

const char *severityName(EventSeverity severity) noexcept {
    switch (severity) {
    case EventSeverity::Info: return "info";
    case EventSeverity::Warning: return "warning";
    case EventSeverity::Error: return "error";
    }
    return "info";
}

const char *childStateName(ChildState state) noexcept {
    switch (state) {
    case ChildState::Running: return "running";
    case ChildState::Exited: return "exited";
    case ChildState::Killed: return "killed";
    case ChildState::TimedOut: return "timed_out";
    case ChildState::FailedToStart: return "failed_to_start";
    }
    return "unknown";
}

const char *categoryName(EventCategory category) noexcept {
    switch (category) {
    case EventCategory::Recovery: return "recovery";
    case EventCategory::Refused: return "refused";
    case EventCategory::Eviction: return "eviction";
    case EventCategory::Audit: return "audit";
    case EventCategory::Io: return "io";
    }
    return "recovery";
}

QJsonObject identityJson(const ProcessIdentity &p) {
    QJsonObject o{
        {"start_time", static_cast<qint64>(p.startTime)},
        {"comm", p.comm},
        {"cmdline", p.cmdline},
        {"cmdline_truncated", p.cmdlineTruncated},
        {"uid", p.uid ? QJsonValue(static_cast<qint64>(*p.uid)) : QJsonValue(QJsonValue::Null)},
        {"user", p.user},
        {"cgroup", p.cgroup},
        {"unit", p.unit},
        {"container", p.container},
    };
    return o;
}

QJsonObject agentJson(const AgentSnapshot &a, EngineMs nowMs) {
    const std::string_view status = vlp::statusName(a.lastStatus);
    const bool silent = a.silent || a.state == AgentState::Stalled || a.state == AgentState::Exited
                        || a.state == AgentState::Replaced || a.lastStatus == vlp::Status::Stall;
    QJsonObject o{
        {"key", a.key.text()},
        {"pid", static_cast<qint64>(a.key.pid)},
        {"origin", a.key.originLabel()},
        {"state", QLatin1String(agentStateName(a.state))},
        {"last_status", QString::fromLatin1(status.data(), static_cast<qsizetype>(status.size()))},
        {"first_seen_ms", static_cast<qint64>(a.firstSeenMs)},
        {"last_beat_ms", static_cast<qint64>(a.lastBeatMs)},
        {"silent_ms", silent ? static_cast<qint64>(std::max<EngineMs>(nowMs - a.lastBeatMs, 0)) : qint64{0}},
        {"beats", static_cast<qint64>(a.beats)},
        {"stalls", static_cast<qint64>(a.stalls)},
        {"recoveries", static_cast<qint64>(a.recoveries)},
        {"nonce", static_cast<qint64>(a.nonce)},
        {"payload", static_cast<qint64>(a.payload)},
        {"terminating", a.terminating},
    };
    if (a.downSinceMs)
        o.insert(QStringLiteral("down_since_ms"), static_cast<qint64>(*a.downSinceMs));
    if (a.identity)
        o.insert(QStringLiteral("identity"), identityJson(*a.identity));
    if (a.continues)
        o.insert(QStringLiteral("continues"), a.continues->text());
    if (a.replacedByPid)
        o.insert(QStringLiteral("replaced_by_pid"), static_cast<qint64>(*a.replacedByPid));
    return o;
}

QJsonObject childJson(const ChildInfo &c) {
    return QJsonObject{
        {"id", static_cast<qint64>(c.id)},
        {"agent", c.agent.text()},
        {"pid", c.pid},
        {"argv", stringArray(c.argv)},
        {"manual", c.manual},
        {"started_ms", static_cast<qint64>(c.startedMs)},
        {"ended_ms", c.endedMs < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(static_cast<qint64>(c.endedMs))},
        {"state", QLatin1String(childStateName(c.state))},
        {"exit_code", c.exitCode},
        {"signal", c.signal},
        {"bytes_kept", static_cast<qint64>(c.bytesKept)},
        {"truncated", c.truncated},
        {"error", c.error},
    };
}

void addEventDetails(QJsonObject &o, const EventDetails &d) {
    if (d.childId)
        o.insert(QStringLiteral("child_id"), static_cast<qint64>(*d.childId));
    if (d.childPid)
        o.insert(QStringLiteral("child_pid"), *d.childPid);
    if (d.silentMs)
        o.insert(QStringLiteral("silent_ms"), static_cast<qint64>(*d.silentMs));
    if (d.exitCode)
        o.insert(QStringLiteral("exit_code"), *d.exitCode);
    if (d.signal)
        o.insert(QStringLiteral("signal"), *d.signal);
    if (d.durationMs)
        o.insert(QStringLiteral("duration_ms"), static_cast<qint64>(*d.durationMs));
    if (d.bytesKept)
        o.insert(QStringLiteral("bytes_kept"), static_cast<qint64>(*d.bytesKept));
    if (d.truncated)
        o.insert(QStringLiteral("truncated"), *d.truncated);
    if (!d.argv.isEmpty())
        o.insert(QStringLiteral("argv"), stringArray(d.argv));
    if (d.durationMs && d.childId)  // a recovery that ended: its tail, even when empty
        o.insert(QStringLiteral("output_tail"), stringArray(d.outputTail));
    if (!d.reason.isEmpty())
        o.insert(QStringLiteral("reason"), d.reason);
    if (!d.unit.isEmpty())
        o.insert(QStringLiteral("unit"), d.unit);
    if (d.previousPid)
        o.insert(QStringLiteral("previous_pid"), static_cast<qint64>(*d.previousPid));
    if (!d.by.isEmpty())
        o.insert(QStringLiteral("by"), d.by);
    if (d.untilUnixMs || !d.by.isEmpty())
        o.insert(QStringLiteral("until_unix_ms"), optionalNumber(d.untilUnixMs));
    if (d.count)
        o.insert(QStringLiteral("count"), static_cast<qint64>(*d.count));
    if (!d.action.isEmpty())
        o.insert(QStringLiteral("action"), d.action);
    if (!d.suppressedKind.isEmpty())
        o.insert(QStringLiteral("of_kind"), d.suppressedKind);
}

QJsonObject eventJson(const EventLogEntry &e) {
    QJsonObject o{
        {"seq", static_cast<qint64>(e.seq)},
        {"at_ms", static_cast<qint64>(e.atMs)},
        {"ts_unix_ms", static_cast<qint64>(e.unixMs)},
        {"kind", QLatin1String(eventKindName(e.kind))},
        {"severity", QLatin1String(severityName(e.severity))},
        {"category", QLatin1String(categoryName(e.category))},
        {"text", e.text},
        {"agent", e.agent ? QJsonValue(e.agent->text()) : QJsonValue(QJsonValue::Null)},
    };
    addEventDetails(o, e.details);
    return o;
}

QJsonObject statsJson(const EngineStats &s) {
    QJsonObject byState;
    for (int i = 0; i < kAgentStateCount; ++i)
        byState.insert(QLatin1String(agentStateName(static_cast<AgentState>(i))),
                       static_cast<qint64>(s.agentsByState[i]));
    return QJsonObject{
        {"now_ms", static_cast<qint64>(s.nowMs)},
        {"beats_accepted", static_cast<qint64>(s.beatsAccepted)},
        {"decode_errors", static_cast<qint64>(s.decodeErrors)},
        {"datagrams_dropped", static_cast<qint64>(s.datagramsDropped)},
        {"agents_tracked", static_cast<qint64>(s.agentsTracked)},
        {"by_state", byState},
        {"listeners", stringArray(s.listeners)},
        {"recovery_configured", s.recoveryConfigured},
        {"recovery_exec", stringArray(s.recoveryTemplate)},
    };
}

QJsonObject outputJson(const OutputChunk &chunk) {
    return QJsonObject{
        {"child", static_cast<qint64>(chunk.childId)},
        {"stream", chunk.stream == OutputStream::Stdout ? QStringLiteral("stdout") : QStringLiteral("stderr")},
        {"text", QString::fromUtf8(chunk.data)},
    };
}

QJsonObject batchJson(const EngineBatch &b) {
    const EngineMs now = b.stats.nowMs;
    QJsonArray agents, removed, transitions, events, children, output, forgotten;
    for (const AgentSnapshot &a : b.agents)
        agents.append(agentJson(a, now));
    for (const AgentKey &k : b.removed)
        removed.append(k.text());
    for (const StateTransition &t : b.transitions)
        transitions.append(QJsonObject{{"agent", t.key.text()},
                                       {"at_ms", static_cast<qint64>(t.atMs)},
                                       {"from", QLatin1String(agentStateName(t.from))},
                                       {"to", QLatin1String(agentStateName(t.to))},
                                       {"silent", t.silent}});
    for (const EventLogEntry &e : b.events)
        events.append(eventJson(e));
    for (const ChildInfo &c : b.children)
        children.append(childJson(c));
    for (const OutputChunk &c : b.output)
        output.append(outputJson(c));
    for (const std::uint64_t id : b.forgottenChildren)
        forgotten.append(static_cast<qint64>(id));
    return QJsonObject{
        {"agents", agents},     {"removed", removed}, {"transitions", transitions},      {"events", events},
        {"children", children}, {"output", output},   {"forgotten_children", forgotten}, {"stats", statsJson(b.stats)}};
}

}  // namespace varta::json
