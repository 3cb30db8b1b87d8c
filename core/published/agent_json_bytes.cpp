#include "core/published/agent_json_bytes.h"

#include "core/published/published_json.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

namespace varta::json {

namespace {

void appendNumber(QByteArray &out, std::int64_t value) {
    char digits[24];
    const std::to_chars_result r = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, r.ptr - digits);
}

bool plainAscii(QStringView text) {
    return std::all_of(text.begin(), text.end(), [](QChar c) {
        const char16_t u = c.unicode();
        return u >= 0x20 && u < 0x7f && u != u'"' && u != u'\\';
    });
}

// A JSON string. Keys, origins and state names are plain ASCII and go straight in;
// anything else is left to Qt's writer, so escapes stay exactly Qt's.
void appendString(QByteArray &out, QStringView text) {
    if (plainAscii(text)) {
        const qsizetype at = out.size();
        out.resize(at + text.size() + 2);
        char *to = out.data() + at;
        *to++ = '"';
        for (const QChar c : text)
            *to++ = static_cast<char>(c.unicode());
        *to = '"';
        return;
    }
    const QByteArray array = QJsonDocument(QJsonArray{text.toString()}).toJson(QJsonDocument::Compact);  // ["..."]
    out.append(array.constData() + 1, array.size() - 2);
}

// What the keys of one origin share: the key text up to its pid, and the origin label,
// as JSON strings' contents. Empty when they would need escapes (no address a key holds
// does, but the slow path stays right for any text).
struct OriginTexts {
    Transport transport = Transport::Uds;
    std::array<std::uint8_t, 16> address{};
    bool filled = false;
    QByteArray keyPrefix;
    QByteArray origin;
};

const OriginTexts &originTextsOf(const AgentKey &key) {
    // One per thread: the engine thread writes rows, and a console's thread may too.
    thread_local OriginTexts last;
    if (last.filled && last.transport == key.transport && last.address == key.address)
        return last;
    last.transport = key.transport;
    last.address = key.address;
    last.filled = true;
    const QString text = key.text();
    const QString origin = key.originLabel();
    const bool plain = plainAscii(text) && plainAscii(origin);
    last.keyPrefix = plain ? QStringView(text).left(text.lastIndexOf(QLatin1Char('/')) + 1).toLatin1() : QByteArray();
    last.origin = plain ? origin.toLatin1() : QByteArray();
    return last;
}

void appendName(QByteArray &out, std::string_view name) {
    out.append('"');
    out.append(name.data(), static_cast<qsizetype>(name.size()));
    out.append('"');
}

// `,"name":` (the first member has no comma: the caller writes it).
void member(QByteArray &out, const char *name) {
    out.append(",\"");
    out.append(name);
    out.append("\":");
}

}  // namespace

// Members in QJsonObject's order (sorted by name), as QJsonDocument writes them.
void appendAgentJson(QByteArray &out, const AgentSnapshot &a, EngineMs nowMs) {
    const bool silent = a.silent || a.state == AgentState::Stalled || a.state == AgentState::Exited
                        || a.state == AgentState::Replaced || a.lastStatus == vlp::Status::Stall;
    out.append("{\"beats\":");
    appendNumber(out, static_cast<std::int64_t>(a.beats));
    if (a.continues) {
        member(out, "continues");
        appendString(out, a.continues->text());
    }
    if (a.downSinceMs) {
        member(out, "down_since_ms");
        appendNumber(out, *a.downSinceMs);
    }
    member(out, "first_seen_ms");
    appendNumber(out, a.firstSeenMs);
    if (a.identity) {
        member(out, "identity");
        out.append(QJsonDocument(identityJson(*a.identity)).toJson(QJsonDocument::Compact));
    }
    const OriginTexts &texts = originTextsOf(a.key);
    member(out, "key");
    if (texts.keyPrefix.isEmpty()) {
        appendString(out, a.key.text());
    } else {
        out.append('"');
        out.append(texts.keyPrefix);
        appendNumber(out, a.key.pid);
        out.append('"');
    }
    member(out, "last_beat_ms");
    appendNumber(out, a.lastBeatMs);
    member(out, "last_status");
    appendName(out, vlp::statusName(a.lastStatus));
    member(out, "nonce");
    appendNumber(out, static_cast<std::int64_t>(a.nonce));
    member(out, "origin");
    if (texts.origin.isEmpty())
        appendString(out, a.key.originLabel());
    else
        appendName(out, std::string_view(texts.origin.constData(), std::size_t(texts.origin.size())));
    member(out, "payload");
    appendNumber(out, a.payload);
    member(out, "pid");
    appendNumber(out, a.key.pid);
    member(out, "recoveries");
    appendNumber(out, static_cast<std::int64_t>(a.recoveries));
    if (a.replacedByPid) {
        member(out, "replaced_by_pid");
        appendNumber(out, *a.replacedByPid);
    }
    member(out, "silent_ms");
    appendNumber(out, silent ? std::max<EngineMs>(nowMs - a.lastBeatMs, 0) : 0);
    member(out, "stalls");
    appendNumber(out, static_cast<std::int64_t>(a.stalls));
    member(out, "state");
    appendName(out, agentStateName(a.state));
    member(out, "terminating");
    out.append(a.terminating ? "true" : "false");
    out.append('}');
}

QByteArray keyText(const AgentKey &key) {
    const OriginTexts &texts = originTextsOf(key);
    if (texts.keyPrefix.isEmpty()) {
        QByteArray quoted;
        appendString(quoted, key.text());
        return quoted.sliced(1, quoted.size() - 2);
    }
    QByteArray text = texts.keyPrefix;
    appendNumber(text, key.pid);
    return text;
}

}  // namespace varta::json
