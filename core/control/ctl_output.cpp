#include "core/control/ctl_output.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonValue>

#include <array>
#include <utility>

namespace varta::ctl {
namespace {

using Fields = QList<std::pair<QString, QString>>;

QString renderFields(const Fields &fields) {
    qsizetype width = 0;
    for (const auto &field : fields)
        width = std::max(width, field.first.size() + 1);
    QString text;
    for (const auto &[label, value] : fields)
        text += (label + QLatin1Char(':')).leftJustified(width + 2) + value + QLatin1Char('\n');
    return text;
}

QString text(const QJsonValue &value) {
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined: return QStringLiteral("-");
    case QJsonValue::Bool: return value.toBool() ? QStringLiteral("yes") : QStringLiteral("no");
    case QJsonValue::Double: {
        const double number = value.toDouble();
        if (number == double(value.toInteger()))
            return QString::number(value.toInteger());
        return QString::number(number);
    }
    case QJsonValue::String: return value.toString().isEmpty() ? QStringLiteral("-") : value.toString();
    case QJsonValue::Array: {
        QStringList parts;
        for (const QJsonValue &element : value.toArray())
            parts.append(text(element));
        return parts.isEmpty() ? QStringLiteral("-") : parts.join(QLatin1Char(' '));
    }
    case QJsonValue::Object: return QStringLiteral("{...}");
    }
    return {};
}

// An engine time as an age at the reply's now_ms, or "-" when there is none.
QString ago(const QJsonObject &result, const QJsonValue &atMs) {
    if (!atMs.isDouble())
        return QStringLiteral("-");
    return formatDuration(result.value(QStringLiteral("now_ms")).toInteger() - atMs.toInteger())
           + QStringLiteral(" ago");
}

QString localTime(const QJsonValue &unixMs) {
    return unixMs.isDouble() ? formatLocalTime(unixMs.toInteger()) : QStringLiteral("-");
}

QString pausedText(const QJsonValue &paused, bool withAuthor) {
    if (!paused.isObject())
        return QStringLiteral("-");
    const QJsonObject pause = paused.toObject();
    const QJsonValue until = pause.value(QStringLiteral("until_unix_ms"));
    QString text = until.isDouble() ? QStringLiteral("until ") + formatLocalTime(until.toInteger())
                                    : QStringLiteral("until resumed");
    if (withAuthor)
        text = QStringLiteral("by %1 since %2, %3")
                   .arg(pause.value(QStringLiteral("by")).toString(),
                        localTime(pause.value(QStringLiteral("since_unix_ms"))), text);
    const QString reason = pause.value(QStringLiteral("reason")).toString();
    if (!reason.isEmpty())
        text += QStringLiteral(" (") + reason + QLatin1Char(')');
    return text;
}

TextTable childrenTable(const QJsonObject &result, const QJsonArray &children) {
    TextTable table({QStringLiteral("ID"), QStringLiteral("AGENT"), QStringLiteral("PID"), QStringLiteral("STATE"),
                     QStringLiteral("EXIT"), QStringLiteral("STARTED"), QStringLiteral("DURATION"),
                     QStringLiteral("BYTES")});
    table.setRightAligned(0);
    table.setRightAligned(2);
    const qint64 now = result.value(QStringLiteral("now_ms")).toInteger();
    for (const QJsonValue &value : children) {
        const QJsonObject child = value.toObject();
        const QString state = child.value(QStringLiteral("state")).toString();
        QString exit = QStringLiteral("-");
        if (state == QLatin1String("exited"))
            exit = text(child.value(QStringLiteral("exit_code")));
        else if (child.value(QStringLiteral("signal")).toInteger() > 0)
            exit = QStringLiteral("signal ") + text(child.value(QStringLiteral("signal")));
        const QJsonValue started = child.value(QStringLiteral("started_ms"));
        const QJsonValue ended = child.value(QStringLiteral("ended_ms"));
        const QString duration =
            started.isDouble() ? formatDuration((ended.isDouble() ? ended.toInteger() : now) - started.toInteger())
                               : QStringLiteral("-");
        QString bytes = text(child.value(QStringLiteral("bytes_kept")));
        if (child.value(QStringLiteral("truncated")).toBool())
            bytes += QStringLiteral(" (truncated)");
        table.addRow({text(child.value(QStringLiteral("id"))), text(child.value(QStringLiteral("agent"))),
                      text(child.value(QStringLiteral("pid"))), state, exit, ago(result, started), duration, bytes});
    }
    return table;
}

constexpr std::array kStates{"up", "degraded", "critical", "stalled", "recovering", "gave_up", "paused"};

}  // namespace

QString formatDuration(qint64 ms) {
    ms = std::max<qint64>(ms, 0);
    if (ms < 60'000)
        return QString::number(double(ms) / 1000.0, 'f', 1) + QStringLiteral(" s");
    const qint64 seconds = ms / 1000;
    if (seconds < 3600)
        return QStringLiteral("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    if (seconds < 86400)
        return QStringLiteral("%1 h %2 min").arg(seconds / 3600).arg(seconds % 3600 / 60);
    return QStringLiteral("%1 d %2 h").arg(seconds / 86400).arg(seconds % 86400 / 3600);
}

QString formatLocalTime(qint64 unixMs) {
    return QDateTime::fromMSecsSinceEpoch(unixMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString renderStatus(const QJsonObject &result) {
    const QJsonObject agents = result.value(QStringLiteral("agents")).toObject();
    const QJsonObject byState = agents.value(QStringLiteral("by_state")).toObject();
    QStringList states;
    for (const char *state : kStates) {
        const qint64 count = byState.value(QLatin1String(state)).toInteger();
        if (count > 0)
            states.append(QStringLiteral("%1 %2").arg(QLatin1String(state)).arg(count));
    }
    QString agentsText = text(agents.value(QStringLiteral("total")));
    if (!states.isEmpty())
        agentsText += QStringLiteral(" (") + states.join(QStringLiteral(", ")) + QLatin1Char(')');
    QStringList listeners;
    for (const QJsonValue &listener : result.value(QStringLiteral("listeners")).toArray())
        listeners.append(listener.toString());
    const QJsonObject options = result.value(QStringLiteral("options")).toObject();
    const QJsonValue threshold = options.value(QStringLiteral("threshold_ms"));
    const bool recovery = options.value(QStringLiteral("recovery_configured")).toBool();
    return renderFields({
        {QStringLiteral("version"), text(result.value(QStringLiteral("version")))},
        {QStringLiteral("pid"), text(result.value(QStringLiteral("pid")))},
        {QStringLiteral("uptime"), formatDuration(result.value(QStringLiteral("uptime_ms")).toInteger())},
        {QStringLiteral("listeners"), listeners.isEmpty() ? QStringLiteral("-") : listeners.join(QStringLiteral(", "))},
        {QStringLiteral("agents"), agentsText},
        {QStringLiteral("children running"), text(result.value(QStringLiteral("children_running")))},
        {QStringLiteral("threshold"), threshold.isDouble() ? formatDuration(threshold.toInteger()) : text(threshold)},
        {QStringLiteral("tracker capacity"), text(options.value(QStringLiteral("tracker_capacity")))},
        {QStringLiteral("recovery"),
         recovery ? text(options.value(QStringLiteral("recovery_command"))) : QStringLiteral("not configured")},
        {QStringLiteral("audit file"), text(options.value(QStringLiteral("audit_file")))},
        {QStringLiteral("state file"), text(options.value(QStringLiteral("state_file")))},
        {QStringLiteral("event file"), text(options.value(QStringLiteral("event_file")))},
    });
}

namespace {

QString dashIfEmpty(const QString &value) { return value.isEmpty() ? QStringLiteral("-") : value; }

// A local agent's name as the kernel gave it: its unit, else its container, else comm.
QString processName(const QJsonObject &identity) {
    for (const char *field : {"unit", "container", "comm"})
        if (const QString value = identity.value(QLatin1String(field)).toString(); !value.isEmpty())
            return value;
    return QStringLiteral("-");
}

QString processUser(const QJsonObject &identity) {
    if (const QString user = identity.value(QStringLiteral("user")).toString(); !user.isEmpty())
        return user;
    const QJsonValue uid = identity.value(QStringLiteral("uid"));
    return uid.isDouble() ? QString::number(uid.toInteger()) : QStringLiteral("-");
}

}  // namespace

QString renderAgents(const QJsonObject &result) {
    const QJsonArray agents = result.value(QStringLiteral("agents")).toArray();
    if (agents.isEmpty())
        return QStringLiteral("no agents\n");
    TextTable table({QStringLiteral("KEY"), QStringLiteral("NAME"), QStringLiteral("USER"), QStringLiteral("STATE"),
                     QStringLiteral("LAST-BEAT"), QStringLiteral("SILENT"), QStringLiteral("BEATS"),
                     QStringLiteral("STALLS"), QStringLiteral("RECOVERIES"), QStringLiteral("PAUSED")});
    for (int column : {6, 7, 8})
        table.setRightAligned(column);
    for (const QJsonValue &value : agents) {
        const QJsonObject agent = value.toObject();
        const qint64 silent = agent.value(QStringLiteral("silent_ms")).toInteger();
        const QJsonObject identity = agent.value(QStringLiteral("identity")).toObject();
        table.addRow(
            {text(agent.value(QStringLiteral("key"))), processName(identity), processUser(identity),
             text(agent.value(QStringLiteral("state"))), ago(result, agent.value(QStringLiteral("last_beat_ms"))),
             silent > 0 ? formatDuration(silent) : QStringLiteral("-"), text(agent.value(QStringLiteral("beats"))),
             text(agent.value(QStringLiteral("stalls"))), text(agent.value(QStringLiteral("recoveries"))),
             pausedText(agent.value(QStringLiteral("paused")), false)});
    }
    QString out = table.render();
    if (result.value(QStringLiteral("truncated")).toBool())
        out += QStringLiteral("(%1 of %2 matching agents shown)\n")
                   .arg(agents.size())
                   .arg(result.value(QStringLiteral("matched")).toInteger());
    return out;
}

QString renderAgent(const QJsonObject &result) {
    const QJsonObject agent = result.value(QStringLiteral("agent")).toObject();
    const qint64 silent = agent.value(QStringLiteral("silent_ms")).toInteger();
    const auto field = [&agent](const char *label, const char *name) {
        return std::pair{QString::fromLatin1(label), text(agent.value(QLatin1String(name)))};
    };
    Fields fields{
        field("key", "key"),
        field("pid", "pid"),
        field("origin", "origin"),
        field("state", "state"),
        field("last status", "last_status"),
        {QStringLiteral("first seen"), ago(result, agent.value(QStringLiteral("first_seen_ms")))},
        {QStringLiteral("last beat"), ago(result, agent.value(QStringLiteral("last_beat_ms")))},
        {QStringLiteral("silent"), silent > 0 ? formatDuration(silent) : QStringLiteral("-")},
        field("beats", "beats"),
        field("stalls", "stalls"),
        field("recoveries", "recoveries"),
        field("nonce", "nonce"),
        field("payload", "payload"),
        field("terminating", "terminating"),
    };
    // What the kernel said about a local agent's process at its first beat.
    const QJsonObject identity = agent.value(QStringLiteral("identity")).toObject();
    if (!identity.isEmpty()) {
        const bool cut = identity.value(QStringLiteral("cmdline_truncated")).toBool();
        fields += Fields{
            {QStringLiteral("name"), processName(identity)},
            {QStringLiteral("unit"), dashIfEmpty(identity.value(QStringLiteral("unit")).toString())},
            {QStringLiteral("container"), dashIfEmpty(identity.value(QStringLiteral("container")).toString())},
            {QStringLiteral("command"), dashIfEmpty(identity.value(QStringLiteral("cmdline")).toString())
                                            + (cut ? QStringLiteral(" …") : QString())},
            {QStringLiteral("comm"), text(identity.value(QStringLiteral("comm")))},
            {QStringLiteral("user"), processUser(identity)},
            {QStringLiteral("cgroup"), dashIfEmpty(identity.value(QStringLiteral("cgroup")).toString())},
            {QStringLiteral("start time"),
             text(identity.value(QStringLiteral("start_time"))) + QStringLiteral(" (clock ticks after boot)")},
        };
    } else if (agent.value(QStringLiteral("origin")).toString() == QLatin1String("uds")) {
        fields.append({QStringLiteral("process"), QStringLiteral("unknown: /proc said nothing at its first beat")});
    }
    if (agent.contains(QStringLiteral("continues")))
        fields.append({QStringLiteral("continues"), text(agent.value(QStringLiteral("continues")))});
    if (agent.contains(QStringLiteral("replaced_by_pid")))
        fields.append({QStringLiteral("replaced by"),
                       QStringLiteral("pid ") + text(agent.value(QStringLiteral("replaced_by_pid")))});
    fields += Fields{
        field("gave up", "gave_up"),
        {QStringLiteral("paused"), agent.value(QStringLiteral("paused")).isObject()
                                       ? pausedText(agent.value(QStringLiteral("paused")), true)
                                       : QStringLiteral("no")},
    };
    QString out = renderFields(fields);
    const QJsonArray transitions = result.value(QStringLiteral("transitions")).toArray();
    if (transitions.isEmpty()) {
        out += QStringLiteral("\ntransitions: none\n");
    } else {
        TextTable table({QStringLiteral("AT"), QStringLiteral("FROM"), QStringLiteral("TO")});
        for (const QJsonValue &value : transitions) {
            const QJsonObject transition = value.toObject();
            table.addRow({ago(result, transition.value(QStringLiteral("at_ms"))),
                          text(transition.value(QStringLiteral("from"))),
                          text(transition.value(QStringLiteral("to")))});
        }
        out += QStringLiteral("\ntransitions:\n") + table.render();
    }
    const QJsonArray children = result.value(QStringLiteral("children")).toArray();
    if (children.isEmpty())
        out += QStringLiteral("\nchildren: none\n");
    else
        out += QStringLiteral("\nchildren:\n") + childrenTable(result, children).render();
    return out;
}

QString renderChildren(const QJsonObject &result) {
    const QJsonArray children = result.value(QStringLiteral("children")).toArray();
    if (children.isEmpty())
        return QStringLiteral("no children\n");
    return childrenTable(result, children).render();
}

QString renderOutput(const QJsonObject &result) {
    QString out;
    bool lineStart = true;
    QString lineStream;
    for (const QJsonValue &value : result.value(QStringLiteral("chunks")).toArray()) {
        const QJsonObject chunk = value.toObject();
        const QString stream = chunk.value(QStringLiteral("stream")).toString();
        const QString chunkText = chunk.value(QStringLiteral("text")).toString();
        // A line is tagged by the stream that began it; a chunk of the other stream that
        // arrives mid-line starts a line of its own, so no stderr text goes untagged.
        if (!lineStart && stream != lineStream && !chunkText.isEmpty()) {
            out += QLatin1Char('\n');
            lineStart = true;
        }
        for (const QChar c : chunkText) {
            if (lineStart) {
                lineStream = stream;
                if (stream == QLatin1String("stderr"))
                    out += QStringLiteral("[stderr] ");
                lineStart = false;
            }
            out += c;
            lineStart = c == QLatin1Char('\n');
        }
    }
    if (!lineStart)
        out += QLatin1Char('\n');
    const QJsonObject child = result.value(QStringLiteral("child")).toObject();
    if (out.isEmpty())
        out = QStringLiteral("(no output)\n");
    if (result.value(QStringLiteral("truncated")).toBool() || child.value(QStringLiteral("truncated")).toBool())
        out += QStringLiteral("(output truncated: the observer kept the first %1 bytes)\n")
                   .arg(child.value(QStringLiteral("bytes_kept")).toInteger());
    return out;
}

TextTable eventsTable(const QJsonObject &result) {
    TextTable table({QStringLiteral("TIME"), QStringLiteral("SEVERITY"), QStringLiteral("KIND"),
                     QStringLiteral("AGENT"), QStringLiteral("TEXT")});
    // Wide enough for every kind and severity and most keys, so that followed events
    // line up with the table above them.
    table.setMinimumWidth(0, 19);
    table.setMinimumWidth(1, 8);
    table.setMinimumWidth(2, 16);
    table.setMinimumWidth(3, 14);
    for (const QJsonValue &event : result.value(QStringLiteral("events")).toArray())
        table.addRow(eventCells(event.toObject()));
    return table;
}

QStringList eventCells(const QJsonObject &event) {
    return {localTime(event.value(QStringLiteral("ts_unix_ms"))), text(event.value(QStringLiteral("severity"))),
            text(event.value(QStringLiteral("kind"))), text(event.value(QStringLiteral("agent"))),
            event.value(QStringLiteral("text")).toString()};
}

ResultLines renderResults(const QString &command, const QJsonObject &result) {
    ResultLines lines;
    for (const QJsonValue &value : result.value(QStringLiteral("results")).toArray()) {
        const QJsonObject entry = value.toObject();
        const QString name = entry.contains(QStringLiteral("child"))
                                 ? QStringLiteral("child ") + text(entry.value(QStringLiteral("child")))
                                 : text(entry.value(QStringLiteral("key")));
        if (!entry.value(QStringLiteral("ok")).toBool()) {
            lines.failed.append(name + QStringLiteral(": refused: ") + text(entry.value(QStringLiteral("error"))));
            continue;
        }
        QString done;
        if (command == QLatin1String("recover")) {
            done = QStringLiteral("recovery started");
            if (entry.value(QStringLiteral("child_id")).isDouble())
                done += QStringLiteral(" (child %1)").arg(entry.value(QStringLiteral("child_id")).toInteger());
        } else if (command == QLatin1String("kill")) {
            done = QStringLiteral("killed");
        } else if (command == QLatin1String("pause")) {
            const QJsonValue until = entry.contains(QStringLiteral("until_unix_ms"))
                                         ? entry.value(QStringLiteral("until_unix_ms"))
                                         : result.value(QStringLiteral("until_unix_ms"));
            done = until.isDouble() ? QStringLiteral("paused until ") + formatLocalTime(until.toInteger())
                                    : QStringLiteral("paused");
        } else if (command == QLatin1String("resume")) {
            done = QStringLiteral("resumed");
        } else if (command == QLatin1String("rearm")) {
            done = QStringLiteral("re-armed");
        } else if (command == QLatin1String("forget")) {
            done = QStringLiteral("forgotten");
        } else {
            done = QStringLiteral("done");
        }
        lines.done.append(name + QStringLiteral(": ") + done);
    }
    return lines;
}

}  // namespace varta::ctl
