#include "core/engine/engine_control.h"

#include "core/base/engine_clock.h"
#include "core/engine/batch_publisher.h"
#include "core/engine/engine.h"
#include "core/published/agent_json_bytes.h"
#include "core/published/published_json.h"
#include "core/recovery/recovery_engine.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

#include <unistd.h>

namespace varta {

namespace {

QJsonObject resultJson(const ActionResult &r, const QString &targetKey) {
    QJsonObject o{{targetKey, r.target}, {"ok", r.ok}};
    if (!r.ok)
        o.insert(QStringLiteral("error"), r.error);
    if (r.childId)
        o.insert(QStringLiteral("child_id"), static_cast<qint64>(*r.childId));
    if (r.ok && targetKey == QLatin1String("key") && r.untilUnixMs)
        o.insert(QStringLiteral("until_unix_ms"), static_cast<qint64>(*r.untilUnixMs));
    return o;
}

std::optional<AgentState> stateNamed(const QString &name) {
    for (int i = 0; i < kAgentStateCount; ++i)
        if (name == QLatin1String(agentStateName(static_cast<AgentState>(i))))
            return static_cast<AgentState>(i);
    return std::nullopt;
}

ControlReply badRequest(const QString &text) { return ControlReply::failure(QStringLiteral("bad_request"), text); }

}  // namespace

ControlReply EngineControl::handle(const ControlRequest &request, const ControlPeer &peer) {
    const QString &cmd = request.cmd;
    if (cmd == QLatin1String("status"))
        return status();
    if (cmd == QLatin1String("agents"))
        return agents(request.args);
    if (cmd == QLatin1String("agent"))
        return agent(request.args);
    if (cmd == QLatin1String("children"))
        return children();
    if (cmd == QLatin1String("output"))
        return output(request.args);
    if (cmd == QLatin1String("events"))
        return events(request.args);
    if (cmd == QLatin1String("subscribe"))
        return subscribe();
    if (cmd == QLatin1String("recover") || cmd == QLatin1String("kill") || cmd == QLatin1String("pause")
        || cmd == QLatin1String("resume") || cmd == QLatin1String("rearm") || cmd == QLatin1String("forget")) {
        if (!peer.mayAct) {
            ControlReply reply = ControlReply::failure(
                QStringLiteral("permission_denied"),
                QStringLiteral("token %1 may only view: %2 needs a control token").arg(peer.token, cmd));
            reply.refusal = ControlRefusal::ViewOnly;
            return reply;
        }
        return act(cmd, request.args, peer);
    }
    return ControlReply::failure(
        QStringLiteral("unknown_command"),
        QStringLiteral("unknown command \"%1\" (docs/control.md section 5)").arg(cmd.left(64)));
}

ControlReply EngineControl::status() const {
    const EngineStats stats = m_engine.currentStats();
    const Options &o = m_engine.options();
    QJsonObject byState;
    for (int i = 0; i < kAgentStateCount; ++i)
        byState.insert(QLatin1String(agentStateName(static_cast<AgentState>(i))),
                       static_cast<qint64>(stats.agentsByState[i]));
    QJsonArray listeners;
    for (const QString &l : stats.listeners)
        listeners.append(l);
    const QJsonObject options{
        {"threshold_ms", static_cast<qint64>(o.tracker.thresholdMs)},
        {"tracker_capacity", static_cast<qint64>(o.tracker.capacity)},
        {"recovery_configured", o.recovery.configured()},
        {"recovery_command", o.recovery.execTemplate.join(QLatin1Char(' '))},
        {"audit_file", o.recovery.auditFile},
        {"state_file", o.recovery.stateFile},
        {"event_file", o.exportFile.path},
    };
    return ControlReply::success(QJsonObject{
        {"version", QStringLiteral(VARTA_VERSION)},
        {"pid", static_cast<qint64>(::getpid())},
        {"uptime_ms", static_cast<qint64>(engineNowMs())},
        {"now_ms", static_cast<qint64>(stats.nowMs)},
        {"listeners", listeners},
        {"agents", QJsonObject{{"total", static_cast<qint64>(stats.agentsTracked)}, {"by_state", byState}}},
        {"children_running", static_cast<qint64>(m_engine.recovery().children().size())},
        {"options", options},
    });
}

QJsonObject EngineControl::agentObject(const AgentKey &key) const {
    const AgentTracker &tracker = m_engine.tracker();
    const Slot slot = tracker.find(key);
    QJsonObject o;
    if (slot != kNoSlot)
        o = json::agentJson(m_engine.snapshotOf(tracker.record(slot)), engineNowMs());
    const RecoveryEngine &recovery = m_engine.recovery();
    o.insert(QStringLiteral("gave_up"), recovery.hasGivenUp(key));
    if (const PauseInfo *pause = recovery.pauseInfo(key))
        o.insert(QStringLiteral("paused"),
                 QJsonObject{{"by", pause->by},
                             {"reason", pause->reason},
                             {"since_unix_ms", static_cast<qint64>(pause->sinceUnixMs)},
                             {"until_unix_ms", pause->untilUnixMs ? QJsonValue(static_cast<qint64>(*pause->untilUnixMs))
                                                                  : QJsonValue(QJsonValue::Null)}});
    else
        o.insert(QStringLiteral("paused"), QJsonValue(QJsonValue::Null));
    return o;
}

ControlReply EngineControl::agents(const QJsonObject &args) const {
    std::optional<AgentState> state;
    if (args.contains(QLatin1String("state"))) {
        state = stateNamed(args.value(QLatin1String("state")).toString());
        if (!state)
            return badRequest(QStringLiteral(
                "state: one of up, degraded, critical, stalled, recovering, gave_up, paused, exited, replaced"));
    }
    std::optional<qint64> pid;
    if (args.contains(QLatin1String("pid"))) {
        pid = args.value(QLatin1String("pid")).toInteger(-1);
        if (*pid <= 0)
            return badRequest(QStringLiteral("pid: a positive number"));
    }
    const QString origin = args.value(QLatin1String("origin")).toString();
    QList<AgentKey> keys;
    qsizetype matched = 0;
    m_engine.tracker().table().forEach([&](const AgentRecord &r) {
        if ((state && r.state != *state) || (pid && r.key.pid != *pid)
            || (!origin.isEmpty() && r.key.originLabel() != origin))
            return;
        ++matched;
        if (keys.size() < kMaxAgentsPerReply)
            keys.append(r.key);
    });
    QList<std::pair<QString, AgentKey>> sorted;
    sorted.reserve(keys.size());
    for (const AgentKey &k : keys)
        sorted.append({k.text(), k});
    std::sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    QJsonArray list;
    for (const auto &[text, key] : sorted)
        list.append(agentObject(key));
    return ControlReply::success(QJsonObject{{"now_ms", static_cast<qint64>(engineNowMs())},
                                             {"matched", static_cast<qint64>(matched)},
                                             {"truncated", matched > list.size()},
                                             {"agents", list}});
}

std::optional<AgentKey> EngineControl::resolve(const QString &text, QString *error) const {
    if (const std::optional<AgentKey> key = AgentKey::parse(text))
        return key;
    bool isPid = false;
    const qulonglong pid = text.toULongLong(&isPid);
    if (!isPid || pid == 0 || pid > 0xffffffffull) {
        *error = QStringLiteral("\"%1\" is no agent key (ORIGIN/PID such as uds/4242, or a pid)").arg(text.left(64));
        return std::nullopt;
    }
    QStringList found;
    std::optional<AgentKey> only;
    m_engine.tracker().table().forEach([&](const AgentRecord &r) {
        if (r.key.pid == pid) {
            found << r.key.text();
            only = r.key;
        }
    });
    if (found.size() == 1)
        return only;
    *error = found.isEmpty()
                 ? QStringLiteral("no agent with pid %1").arg(pid)
                 : QStringLiteral("pid %1 names %2 agents: %3").arg(pid).arg(found.size()).arg(found.join(", "));
    return std::nullopt;
}

ControlReply EngineControl::agent(const QJsonObject &args) const {
    QString error;
    const std::optional<AgentKey> key = resolve(args.value(QLatin1String("key")).toString(), &error);
    if (!key)
        return ControlReply::failure(QStringLiteral("not_found"), error);
    if (m_engine.tracker().find(*key) == kNoSlot)
        return ControlReply::failure(QStringLiteral("not_found"), QStringLiteral("no agent %1").arg(key->text()));
    QJsonArray transitions;
    for (const StateTransition &t : m_engine.transitionsOf(*key, kTransitionsPerAgent))
        transitions.append(QJsonObject{{"at_ms", static_cast<qint64>(t.atMs)},
                                       {"from", QLatin1String(agentStateName(t.from))},
                                       {"to", QLatin1String(agentStateName(t.to))},
                                       {"silent", t.silent}});
    QJsonArray children;
    for (const ChildInfo &c : m_engine.recovery().history().listFor(*key))
        children.append(json::childJson(c));
    return ControlReply::success(QJsonObject{{"now_ms", static_cast<qint64>(engineNowMs())},
                                             {"agent", agentObject(*key)},
                                             {"transitions", transitions},
                                             {"children", children}});
}

ControlReply EngineControl::children() const {
    QJsonArray list;
    for (const ChildInfo &c : m_engine.recovery().history().list())
        list.append(json::childJson(c));
    return ControlReply::success(QJsonObject{{"now_ms", static_cast<qint64>(engineNowMs())}, {"children", list}});
}

ControlReply EngineControl::output(const QJsonObject &args) const {
    const qint64 id = args.value(QLatin1String("child")).toInteger(-1);
    if (id <= 0)
        return badRequest(QStringLiteral("child: a child id (ctl children lists them)"));
    const ChildHistory::Entry *entry = m_engine.recovery().history().find(static_cast<std::uint64_t>(id));
    if (!entry)
        return ControlReply::failure(QStringLiteral("not_found"),
                                     QStringLiteral("no child %1 (only the last %2 ended children are kept)")
                                         .arg(id)
                                         .arg(ChildHistory::kEndedChildren));
    QJsonArray chunks;
    for (const OutputChunk &chunk : entry->output) {
        QJsonObject o = json::outputJson(chunk);
        o.remove(QStringLiteral("child"));
        chunks.append(o);
    }
    return ControlReply::success(
        QJsonObject{{"child", json::childJson(entry->info)}, {"chunks", chunks}, {"truncated", entry->info.truncated}});
}

ControlReply EngineControl::events(const QJsonObject &args) const {
    qint64 limit = kDefaultEvents;
    if (args.contains(QLatin1String("limit"))) {
        limit = args.value(QLatin1String("limit")).toInteger(-1);
        if (limit < 0 || limit > kMaxEvents)
            return badRequest(QStringLiteral("limit: 0 to %1").arg(kMaxEvents));
    }
    QJsonArray list;
    for (const EventLogEntry &e : m_engine.events().recent(static_cast<std::size_t>(limit)))
        list.append(json::eventJson(e));
    ControlReply reply =
        ControlReply::success(QJsonObject{{"now_ms", static_cast<qint64>(engineNowMs())}, {"events", list}});
    if (args.value(QLatin1String("follow")).toBool())
        reply.stream = ControlStream::Events;
    return reply;
}

ControlReply EngineControl::act(const QString &cmd, const QJsonObject &args, const ControlPeer &peer) {
    // A console's token has no uid: its name and address are the author.
    const OperatorActor by =
        peer.token.isEmpty() ? OperatorActor{peer.uid, peer.user} : OperatorActor{std::nullopt, peer.label()};
    if (cmd == QLatin1String("kill")) {
        const qint64 id = args.value(QLatin1String("child")).toInteger(-1);
        if (id <= 0)
            return badRequest(QStringLiteral("child: a child id"));
        const ActionResult r = m_engine.killChildAs(static_cast<std::uint64_t>(id), by);
        QJsonObject o{{"child", id}, {"ok", r.ok}};
        if (!r.ok)
            o.insert(QStringLiteral("error"), r.error);
        return ControlReply::success(QJsonObject{{"results", QJsonArray{o}}});
    }
    const QJsonValue keysValue = args.value(QLatin1String("keys"));
    if (!keysValue.isArray() || keysValue.toArray().isEmpty())
        return badRequest(QStringLiteral("keys: a list of agent keys"));
    const QJsonArray keyTexts = keysValue.toArray();
    if (keyTexts.size() > kMaxKeysPerRequest)
        return badRequest(QStringLiteral("keys: at most %1 in one request").arg(kMaxKeysPerRequest));
    std::optional<std::int64_t> forMs;
    if (cmd == QLatin1String("pause") && args.contains(QLatin1String("for_ms"))) {
        forMs = args.value(QLatin1String("for_ms")).toInteger(-1);
        if (*forMs < 1000 || *forMs > Engine::kMaxPauseMs)
            return badRequest(QStringLiteral("for_ms: 1 s to 30 days"));
    }
    QJsonArray results;
    QList<AgentKey> keys;
    for (const QJsonValue &v : keyTexts) {
        QString error;
        if (const std::optional<AgentKey> key = resolve(v.toString(), &error))
            keys.append(*key);
        else
            results.append(QJsonObject{{"key", v.toString().left(64)}, {"ok", false}, {"error", error}});
    }
    QList<ActionResult> done;
    if (cmd == QLatin1String("recover"))
        done = m_engine.recoverAgents(keys, by);
    else if (cmd == QLatin1String("pause"))
        done = m_engine.pauseAgents(keys, by, args.value(QLatin1String("reason")).toString().left(512), forMs);
    else if (cmd == QLatin1String("resume"))
        done = m_engine.resumeAgents(keys, by);
    else if (cmd == QLatin1String("forget"))
        done = m_engine.forgetAgents(keys, by);
    else
        done = m_engine.rearmAgents(keys, by);
    for (const ActionResult &r : done)
        results.append(resultJson(r, QStringLiteral("key")));
    return ControlReply::success(QJsonObject{{"results", results}});
}

qsizetype EngineControl::snapshotBytesEstimate() const {
    return static_cast<qsizetype>(m_engine.tracker().table().size()) * kTypicalRowBytes;
}

// The reply is written as bytes (appendAgentJson): a snapshot of 100,000 agents built as
// QJsonObjects would hold the engine thread, and with it ingest, for seconds. Its rows
// also tell the stream's encoder what this subscriber now holds.
ControlReply EngineControl::subscribe() {
    const EngineMs now = engineNowMs();
    m_stream.beginSnapshot(m_engine.batchSubscribers() == 0, now);
    QByteArray out;
    out.reserve(static_cast<qsizetype>(m_engine.tracker().table().size()) * kTypicalRowBytes + 4096);
    out.append("{\"now_ms\":");
    out.append(QByteArray::number(static_cast<qint64>(now)));
    out.append(",\"snapshot\":{\"agents\":[");
    bool first = true;
    // As in batches: a replaced agent's row belongs to its unit's new pid.
    m_engine.tracker().table().forEach([&](const AgentRecord &r) {
        if (r.replaced)
            return;
        const AgentSnapshot agent = m_engine.snapshotOf(r);
        if (!first)
            out.append(',');
        first = false;
        json::appendAgentJson(out, agent, now);
        m_stream.snapshotRow(agent);
    });
    QJsonArray children;
    for (const ChildInfo &c : m_engine.recovery().children())
        children.append(json::childJson(c));
    out.append("],\"children\":");
    out.append(QJsonDocument(children).toJson(QJsonDocument::Compact));
    out.append(",\"stats\":");
    out.append(QJsonDocument(json::statsJson(m_engine.currentStats())).toJson(QJsonDocument::Compact));
    out.append("}}");
    ControlReply reply = ControlReply::successBytes(std::move(out));
    reply.stream = ControlStream::Batches;
    return reply;
}

}  // namespace varta
