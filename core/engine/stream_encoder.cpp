#include "core/engine/stream_encoder.h"

#include "core/published/published_json.h"

#include <QJsonDocument>

#include <charconv>

namespace varta {

namespace {

void appendNumber(QByteArray &out, std::int64_t value) {
    char digits[24];
    const std::to_chars_result r = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, r.ptr - digits);
}

// The longest entry this writer makes: a bracketed IPv6 key and four 19-digit numbers.
constexpr qsizetype kTypicalBeatBytes = 64;

}  // namespace

StreamEncoder::Sent StreamEncoder::Sent::of(const AgentSnapshot &a) {
    Sent s;
    s.keyText = a.key.text().toLatin1();  // a key's text is ASCII: no escapes inside its quotes
    s.downSinceMs = a.downSinceMs;
    s.identity = a.identity;
    s.continues = a.continues;
    s.replacedByPid = a.replacedByPid;
    s.firstSeenMs = a.firstSeenMs;
    s.stalls = a.stalls;
    s.recoveries = a.recoveries;
    s.state = a.state;
    s.lastStatus = a.lastStatus;
    s.terminating = a.terminating;
    s.silent = a.silent;
    return s;
}

bool StreamEncoder::Sent::onlyBeatsDiffer(const AgentSnapshot &a) const {
    return a.state == state && a.lastStatus == lastStatus && a.firstSeenMs == firstSeenMs
           && a.downSinceMs == downSinceMs && a.stalls == stalls && a.recoveries == recoveries
           && a.terminating == terminating && a.silent == silent && a.identity == identity && a.continues == continues
           && a.replacedByPid == replacedByPid;
}

QByteArray StreamEncoder::encode(const EngineBatch &batch) {
    EngineBatch full = batch;  // the other lists are shared, not copied
    full.agents.clear();
    QByteArray beats;
    beats.reserve(batch.agents.size() * kTypicalBeatBytes);
    qsizetype beatCount = 0;
    for (const AgentSnapshot &a : batch.agents) {
        auto it = m_sent.find(a.key);
        if (it != m_sent.end() && it->onlyBeatsDiffer(a)) {
            beats.append(beatCount++ == 0 ? "[\"" : ",[\"");
            beats.append(it->keyText);
            beats.append("\",");
            appendNumber(beats, a.lastBeatMs);
            beats.append(',');
            appendNumber(beats, static_cast<std::int64_t>(a.beats));
            beats.append(',');
            appendNumber(beats, static_cast<std::int64_t>(a.nonce));
            beats.append(',');
            appendNumber(beats, a.payload);
            beats.append(']');
            continue;
        }
        if (it != m_sent.end())
            *it = Sent::of(a);
        else
            m_sent.insert(a.key, Sent::of(a));
        full.agents.append(a);
    }
    for (const AgentKey &key : batch.removed)
        m_sent.remove(key);
    m_lastFull = full.agents.size();
    m_lastBeats = beatCount;

    QByteArray object = QJsonDocument(json::batchJson(full)).toJson(QJsonDocument::Compact);  // {...}
    QByteArray out;
    out.reserve(object.size() + beats.size() + 32);
    out.append("\"batch\":");
    out.append(object.constData(), object.size() - 1);  // without its closing brace
    if (beatCount > 0) {
        out.append(",\"beats\":[");
        out.append(beats);
        out.append(']');
    }
    out.append('}');
    return out;
}

}  // namespace varta
