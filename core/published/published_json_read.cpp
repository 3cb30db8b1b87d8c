#include "core/published/published_json_read.h"

#include "core/published/published_json.h"

#include <QJsonArray>
#include <QJsonValue>

#include <cmath>
#include <limits>

namespace varta::json {

namespace {

template <typename Enum, int Count, typename NameOf>
std::optional<Enum> named(QStringView name, NameOf nameOf) {
    for (int i = 0; i < Count; ++i)
        if (name == QLatin1String(nameOf(static_cast<Enum>(i))))
            return static_cast<Enum>(i);
    return std::nullopt;
}

// Reads one object's fields; the first problem is kept (with the object's name and the
// field's) and every later read returns a default, so a reader checks ok() once at the end.
class Fields {
public:
    Fields(const QJsonObject &object, const char *what, QString *error)
        : m_object(object), m_what(what), m_error(error) {}

    bool ok() const { return m_ok; }

    std::int64_t integer(const char *name, std::int64_t min, std::int64_t max,
                         std::optional<std::int64_t> fallback = {}) {
        const QJsonValue v = m_object.value(QLatin1String(name));
        if (v.isUndefined() && fallback)
            return *fallback;
        if (!v.isDouble())
            return fail(name, "not a number"), 0;
        const double d = v.toDouble();
        if (!std::isfinite(d) || d != std::floor(d))
            return fail(name, "not an integer"), 0;
        if (d < static_cast<double>(min) || d > static_cast<double>(max))
            return fail(name, "out of range"), 0;
        return std::clamp<std::int64_t>(v.toInteger(), min, max);
    }
    std::optional<std::int64_t> optionalInteger(const char *name, std::int64_t min, std::int64_t max) {
        const QJsonValue v = m_object.value(QLatin1String(name));
        if (v.isUndefined() || v.isNull())
            return std::nullopt;
        return integer(name, min, max);
    }
    bool boolean(const char *name, bool fallback = false) {
        const QJsonValue v = m_object.value(QLatin1String(name));
        if (v.isUndefined())
            return fallback;
        if (!v.isBool())
            return fail(name, "not true or false"), false;
        return v.toBool();
    }
    QString text(const char *name, bool required = false) {
        const QJsonValue v = m_object.value(QLatin1String(name));
        if (v.isUndefined() && !required)
            return {};
        if (!v.isString())
            return fail(name, "not a string"), QString();
        return v.toString();
    }
    QStringList texts(const char *name) {
        const QJsonValue v = m_object.value(QLatin1String(name));
        if (v.isUndefined())
            return {};
        if (!v.isArray())
            return fail(name, "not a list"), QStringList();
        QStringList list;
        for (const QJsonValue &item : v.toArray()) {
            if (!item.isString())
                return fail(name, "holds something that is not a string"), QStringList();
            list.append(item.toString());
        }
        return list;
    }
    AgentKey key(const char *name) {
        const std::optional<AgentKey> key = optionalKey(name);
        if (!key && m_ok)
            fail(name, "missing");
        return key.value_or(AgentKey{});
    }
    std::optional<AgentKey> optionalKey(const char *name) {
        const QJsonValue v = m_object.value(QLatin1String(name));
        if (v.isUndefined() || v.isNull())
            return std::nullopt;
        std::optional<AgentKey> key = v.isString() ? AgentKey::parse(v.toString()) : std::nullopt;
        if (!key)
            fail(name, "not an agent key");
        return key;
    }
    template <typename Enum>
    Enum choice(const char *name, std::optional<Enum> (*parse)(QStringView), std::optional<Enum> fallback = {}) {
        const QJsonValue v = m_object.value(QLatin1String(name));
        if (v.isUndefined() && fallback)
            return *fallback;
        const std::optional<Enum> value = v.isString() ? parse(v.toString()) : std::nullopt;
        if (!value)
            return fail(name, "not a known name"), Enum{};
        return *value;
    }
    QJsonObject object(const char *name) {
        const QJsonValue v = m_object.value(QLatin1String(name));
        if (v.isUndefined())
            return {};
        if (!v.isObject())
            return fail(name, "not an object"), QJsonObject();
        return v.toObject();
    }
    QJsonArray array(const char *name) {
        const QJsonValue v = m_object.value(QLatin1String(name));
        if (v.isUndefined())
            return {};
        if (!v.isArray())
            return fail(name, "not a list"), QJsonArray();
        return v.toArray();
    }
    // A nested reader's problem, already worded, under this object's name.
    void failWith(const QString &nested) {
        if (!m_ok)
            return;
        m_ok = false;
        if (m_error != nullptr)
            *m_error = QLatin1String(m_what) + QLatin1Char('.') + nested;
    }

private:
    void fail(const char *name, const char *problem) {
        if (!m_ok)
            return;
        m_ok = false;
        if (m_error != nullptr)
            *m_error =
                QStringLiteral("%1.%2: %3").arg(QLatin1String(m_what), QLatin1String(name), QLatin1String(problem));
    }

    const QJsonObject &m_object;
    const char *m_what;
    QString *m_error;
    bool m_ok = true;
};

constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinI64 = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();
constexpr std::int64_t kMinInt = std::numeric_limits<int>::min();

template <typename T>
void readList(Fields &fields, const char *name, QList<T> &out,
              std::optional<T> (*read)(const QJsonObject &, QString *)) {
    const QJsonArray array = fields.array(name);
    out.reserve(array.size());
    for (const QJsonValue &item : array) {
        QString nested;
        std::optional<T> value = item.isObject() ? read(item.toObject(), &nested) : std::nullopt;
        if (!value) {
            fields.failWith(item.isObject()
                                ? nested
                                : QStringLiteral("%1: holds something that is not an object").arg(QLatin1String(name)));
            return;
        }
        out.append(std::move(*value));
    }
}

std::optional<ProcessIdentity> identityFromJson(const QJsonObject &object, QString *error) {
    Fields f(object, "identity", error);
    ProcessIdentity p;
    p.startTime = static_cast<std::uint64_t>(f.integer("start_time", 0, kMaxI64, 0));
    p.comm = f.text("comm");
    p.cmdline = f.text("cmdline");
    p.cmdlineTruncated = f.boolean("cmdline_truncated");
    if (const auto uid = f.optionalInteger("uid", 0, kMaxU32))
        p.uid = static_cast<std::uint32_t>(*uid);
    p.user = f.text("user");
    p.cgroup = f.text("cgroup");
    p.unit = f.text("unit");
    p.container = f.text("container");
    return f.ok() ? std::optional(std::move(p)) : std::nullopt;
}

std::optional<StateTransition> transitionFromJson(const QJsonObject &object, QString *error) {
    Fields f(object, "transition", error);
    StateTransition t;
    t.key = f.key("agent");
    t.atMs = f.integer("at_ms", kMinI64, kMaxI64);
    t.from = f.choice("from", agentStateNamed);
    t.to = f.choice("to", agentStateNamed);
    t.silent = f.boolean("silent");
    return f.ok() ? std::optional(t) : std::nullopt;
}

}  // namespace

std::optional<AgentState> agentStateNamed(QStringView name) {
    return named<AgentState, kAgentStateCount>(name, agentStateName);
}

std::optional<vlp::Status> statusNamed(QStringView name) {
    return named<vlp::Status, 4>(name, [](vlp::Status s) {
        // statusName's views are literals, so their data ends in NUL.
        return vlp::statusName(s).data();
    });
}

std::optional<EventKind> eventKindNamed(QStringView name) {
    return named<EventKind, kEventKindCount>(name, eventKindName);
}

std::optional<EventSeverity> severityNamed(QStringView name) { return named<EventSeverity, 3>(name, severityName); }

std::optional<EventCategory> categoryNamed(QStringView name) {
    return named<EventCategory, kEventCategoryCount>(name, categoryName);
}

std::optional<ChildState> childStateNamed(QStringView name) { return named<ChildState, 5>(name, childStateName); }

std::optional<AgentSnapshot> agentFromJson(const QJsonObject &object, QString *error) {
    Fields f(object, "agent", error);
    AgentSnapshot a;
    a.key = f.key("key");
    a.state = f.choice("state", agentStateNamed);
    a.lastStatus = f.choice("last_status", statusNamed, std::optional(vlp::Status::Ok));
    a.firstSeenMs = f.integer("first_seen_ms", kMinI64, kMaxI64, 0);
    a.lastBeatMs = f.integer("last_beat_ms", kMinI64, kMaxI64, 0);
    a.downSinceMs = f.optionalInteger("down_since_ms", kMinI64, kMaxI64);
    a.beats = static_cast<std::uint64_t>(f.integer("beats", 0, kMaxI64, 0));
    a.stalls = static_cast<std::uint64_t>(f.integer("stalls", 0, kMaxI64, 0));
    a.recoveries = static_cast<std::uint64_t>(f.integer("recoveries", 0, kMaxI64, 0));
    a.nonce = static_cast<std::uint64_t>(f.integer("nonce", 0, kMaxI64, 0));
    a.payload = static_cast<std::uint32_t>(f.integer("payload", 0, kMaxU32, 0));
    a.terminating = f.boolean("terminating");
    a.silent = f.integer("silent_ms", 0, kMaxI64, 0) > 0;
    const QJsonObject identity = f.object("identity");
    if (!identity.isEmpty()) {
        QString nested;
        if (std::optional<ProcessIdentity> p = identityFromJson(identity, &nested))
            a.identity = std::make_shared<const ProcessIdentity>(std::move(*p));
        else
            f.failWith(nested);
    }
    a.continues = f.optionalKey("continues");
    if (const auto pid = f.optionalInteger("replaced_by_pid", 0, kMaxU32))
        a.replacedByPid = static_cast<std::uint32_t>(*pid);
    return f.ok() ? std::optional(std::move(a)) : std::nullopt;
}

std::optional<ChildInfo> childFromJson(const QJsonObject &object, QString *error) {
    Fields f(object, "child", error);
    ChildInfo c;
    c.id = static_cast<std::uint64_t>(f.integer("id", 0, kMaxI64));
    c.agent = f.key("agent");
    c.pid = f.integer("pid", 0, kMaxI64, 0);
    c.argv = f.texts("argv");
    c.manual = f.boolean("manual");
    c.startedMs = f.integer("started_ms", kMinI64, kMaxI64, 0);
    c.endedMs = f.optionalInteger("ended_ms", kMinI64, kMaxI64).value_or(-1);
    c.state = f.choice("state", childStateNamed);
    c.exitCode = static_cast<int>(f.integer("exit_code", kMinInt, kMaxInt, -1));
    c.signal = static_cast<int>(f.integer("signal", 0, kMaxInt, 0));
    c.bytesKept = f.integer("bytes_kept", 0, kMaxI64, 0);
    c.truncated = f.boolean("truncated");
    c.error = f.text("error");
    return f.ok() ? std::optional(std::move(c)) : std::nullopt;
}

std::optional<EventLogEntry> eventFromJson(const QJsonObject &object, QString *error) {
    Fields f(object, "event", error);
    EventLogEntry e;
    e.seq = static_cast<std::uint64_t>(f.integer("seq", 0, kMaxI64, 0));
    e.atMs = f.integer("at_ms", kMinI64, kMaxI64, 0);
    e.unixMs = f.integer("ts_unix_ms", kMinI64, kMaxI64, 0);
    e.kind = f.choice("kind", eventKindNamed, std::optional(EventKind::Notice));
    e.severity = f.choice("severity", severityNamed, std::optional(EventSeverity::Info));
    e.category = f.choice("category", categoryNamed, std::optional(EventCategory::Recovery));
    e.text = f.text("text", true);
    e.agent = f.optionalKey("agent");
    EventDetails &d = e.details;
    if (const auto v = f.optionalInteger("child_id", 0, kMaxI64))
        d.childId = static_cast<std::uint64_t>(*v);
    d.childPid = f.optionalInteger("child_pid", 0, kMaxI64);
    d.silentMs = f.optionalInteger("silent_ms", kMinI64, kMaxI64);
    if (const auto v = f.optionalInteger("exit_code", kMinInt, kMaxInt))
        d.exitCode = static_cast<int>(*v);
    if (const auto v = f.optionalInteger("signal", 0, kMaxInt))
        d.signal = static_cast<int>(*v);
    d.durationMs = f.optionalInteger("duration_ms", kMinI64, kMaxI64);
    d.bytesKept = f.optionalInteger("bytes_kept", 0, kMaxI64);
    if (object.contains(QLatin1String("truncated")))
        d.truncated = f.boolean("truncated");
    d.argv = f.texts("argv");
    d.outputTail = f.texts("output_tail");
    d.reason = f.text("reason");
    d.by = f.text("by");
    d.untilUnixMs = f.optionalInteger("until_unix_ms", kMinI64, kMaxI64);
    if (const auto v = f.optionalInteger("count", 0, kMaxI64))
        d.count = static_cast<std::uint64_t>(*v);
    d.action = f.text("action");
    d.suppressedKind = f.text("of_kind");
    d.unit = f.text("unit");
    if (const auto v = f.optionalInteger("previous_pid", 0, kMaxU32))
        d.previousPid = static_cast<std::uint32_t>(*v);
    return f.ok() ? std::optional(std::move(e)) : std::nullopt;
}

std::optional<EngineStats> statsFromJson(const QJsonObject &object, QString *error) {
    Fields f(object, "stats", error);
    EngineStats s;
    s.nowMs = f.integer("now_ms", kMinI64, kMaxI64);
    s.beatsAccepted = static_cast<std::uint64_t>(f.integer("beats_accepted", 0, kMaxI64, 0));
    s.decodeErrors = static_cast<std::uint64_t>(f.integer("decode_errors", 0, kMaxI64, 0));
    s.datagramsDropped = static_cast<std::uint64_t>(f.integer("datagrams_dropped", 0, kMaxI64, 0));
    s.agentsTracked = static_cast<std::uint32_t>(f.integer("agents_tracked", 0, kMaxU32, 0));
    const QJsonObject byState = f.object("by_state");
    Fields counts(byState, "stats.by_state", error);
    for (int i = 0; i < kAgentStateCount && f.ok(); ++i)
        s.agentsByState[i] =
            static_cast<std::uint32_t>(counts.integer(agentStateName(static_cast<AgentState>(i)), 0, kMaxU32, 0));
    s.listeners = f.texts("listeners");
    s.recoveryConfigured = f.boolean("recovery_configured");
    s.recoveryTemplate = f.texts("recovery_exec");
    return f.ok() && counts.ok() ? std::optional(std::move(s)) : std::nullopt;
}

std::optional<OutputChunk> outputFromJson(const QJsonObject &object, QString *error) {
    Fields f(object, "output", error);
    OutputChunk c;
    c.childId = static_cast<std::uint64_t>(f.integer("child", 0, kMaxI64));
    const QString stream = f.text("stream", true);
    if (f.ok() && stream != QLatin1String("stdout") && stream != QLatin1String("stderr")) {
        f.failWith(QStringLiteral("stream: neither stdout nor stderr"));
        return std::nullopt;
    }
    c.stream = stream == QLatin1String("stderr") ? OutputStream::Stderr : OutputStream::Stdout;
    c.data = f.text("text").toUtf8();
    return f.ok() ? std::optional(std::move(c)) : std::nullopt;
}

std::optional<EngineBatch> batchFromJson(const QJsonObject &object, QString *error) {
    Fields f(object, "batch", error);
    EngineBatch b;
    readList(f, "agents", b.agents, agentFromJson);
    for (const QJsonValue &item : f.array("removed")) {
        const std::optional<AgentKey> key = item.isString() ? AgentKey::parse(item.toString()) : std::nullopt;
        if (!key) {
            f.failWith(QStringLiteral("removed: holds something that is not an agent key"));
            break;
        }
        b.removed.append(*key);
    }
    readList(f, "transitions", b.transitions, transitionFromJson);
    readList(f, "events", b.events, eventFromJson);
    readList(f, "children", b.children, childFromJson);
    readList(f, "output", b.output, outputFromJson);
    for (const QJsonValue &item : f.array("forgotten_children")) {
        if (!item.isDouble() || item.toDouble() < 0 || item.toDouble() != std::floor(item.toDouble())) {
            f.failWith(QStringLiteral("forgotten_children: holds something that is not a child id"));
            break;
        }
        b.forgottenChildren.append(static_cast<std::uint64_t>(item.toInteger()));
    }
    const QJsonObject stats = f.object("stats");
    if (f.ok()) {
        QString nested;
        if (std::optional<EngineStats> s = statsFromJson(stats, &nested))
            b.stats = std::move(*s);
        else
            f.failWith(nested);
    }
    return f.ok() ? std::optional(std::move(b)) : std::nullopt;
}

}  // namespace varta::json
