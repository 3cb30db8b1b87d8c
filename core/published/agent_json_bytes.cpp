#include "core/published/agent_json_bytes.h"

#include "core/published/published_json.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
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
        out.append('"');
        for (const QChar c : text)
            out.append(static_cast<char>(c.unicode()));
        out.append('"');
        return;
    }
    const QByteArray array = QJsonDocument(QJsonArray{text.toString()}).toJson(QJsonDocument::Compact);  // ["..."]
    out.append(array.constData() + 1, array.size() - 2);
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
    member(out, "key");
    appendString(out, a.key.text());
    member(out, "last_beat_ms");
    appendNumber(out, a.lastBeatMs);
    member(out, "last_status");
    appendName(out, vlp::statusName(a.lastStatus));
    member(out, "nonce");
    appendNumber(out, static_cast<std::int64_t>(a.nonce));
    member(out, "origin");
    appendString(out, a.key.originLabel());
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

}  // namespace varta::json
