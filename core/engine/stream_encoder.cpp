#include "core/engine/stream_encoder.h"

#include "core/published/agent_json_bytes.h"
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

StreamEncoder::Sent StreamEncoder::Sent::of(const AgentSnapshot &a, EngineMs nowMs) {
    Sent s;
    s.keyText = json::keyText(a.key);
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
    s.takeBeat(a);
    s.sentAtMs = nowMs;
    return s;
}

bool StreamEncoder::Sent::onlyBeatsDiffer(const AgentSnapshot &a) const {
    return a.state == state && a.lastStatus == lastStatus && a.firstSeenMs == firstSeenMs
           && a.downSinceMs == downSinceMs && a.stalls == stalls && a.recoveries == recoveries
           && a.terminating == terminating && a.silent == silent && a.identity == identity && a.continues == continues
           && a.replacedByPid == replacedByPid;
}

void StreamEncoder::Sent::takeBeat(const AgentSnapshot &a) {
    lastBeatMs = a.lastBeatMs;
    beats = a.beats;
    nonce = a.nonce;
    payload = a.payload;
}

void StreamEncoder::reset() {
    m_sent = {};
    m_due = {};
    m_owedCount = 0;
}

void StreamEncoder::beginSnapshot(bool alone, EngineMs nowMs) {
    m_snapshotAlone = alone;
    m_snapshotMs = nowMs;
    if (alone)
        reset();
}

void StreamEncoder::snapshotRow(const AgentSnapshot &agent) {
    if (m_snapshotAlone) {
        m_sent.insert(agent.key, Sent::of(agent, m_snapshotMs));
        return;
    }
    // The others may hold an older row, or none (an agent not yet published): a beat
    // must not be sent relative to either.
    const auto it = m_sent.find(agent.key);
    if (it != m_sent.end() && !it->onlyBeatsDiffer(agent)) {
        m_owedCount -= it->owed ? 1 : 0;
        m_sent.erase(it);
    }
}

void StreamEncoder::appendBeat(QByteArray &beats, const Sent &sent) {
    beats.append(m_lastBeats++ == 0 ? "[\"" : ",[\"");
    beats.append(sent.keyText);
    beats.append("\",");
    appendNumber(beats, sent.lastBeatMs);
    beats.append(',');
    appendNumber(beats, static_cast<std::int64_t>(sent.beats));
    beats.append(',');
    appendNumber(beats, static_cast<std::int64_t>(sent.nonce));
    beats.append(',');
    appendNumber(beats, sent.payload);
    beats.append(']');
}

void StreamEncoder::sendOwedBeats(QByteArray &beats, EngineMs nowMs) {
    while (!m_due.empty() && m_due.top().first <= nowMs) {
        const AgentKey key = m_due.top().second;
        m_due.pop();
        const auto it = m_sent.find(key);
        if (it == m_sent.end() || !it->owed)
            continue;  // gone, or a full row carried the beat
        it->owed = false;
        --m_owedCount;
        it->sentAtMs = nowMs;
        appendBeat(beats, *it);
    }
}

QByteArray StreamEncoder::encode(const EngineBatch &batch) {
    const EngineMs now = batch.stats.nowMs;
    EngineBatch rest = batch;  // the other lists are shared, not copied
    rest.agents.clear();
    QByteArray rows;
    QByteArray beats;
    beats.reserve(batch.agents.size() * kTypicalBeatBytes);
    m_lastFull = 0;
    m_lastBeats = 0;
    for (const AgentSnapshot &a : batch.agents) {
        auto it = m_sent.find(a.key);
        if (it != m_sent.end() && it->onlyBeatsDiffer(a)) {
            it->takeBeat(a);
            if (now - it->sentAtMs >= kBeatFoldMs) {
                m_owedCount -= it->owed ? 1 : 0;
                it->owed = false;
                it->sentAtMs = now;
                appendBeat(beats, *it);
            } else if (!it->owed) {
                it->owed = true;
                ++m_owedCount;
                m_due.emplace(it->sentAtMs + kBeatFoldMs, a.key);
            }
            continue;
        }
        if (it != m_sent.end()) {
            m_owedCount -= it->owed ? 1 : 0;
            *it = Sent::of(a, now);
        } else {
            m_sent.insert(a.key, Sent::of(a, now));
        }
        if (m_lastFull++ > 0)
            rows.append(',');
        json::appendAgentJson(rows, a, now);
    }
    for (const AgentKey &key : batch.removed) {
        const auto it = m_sent.find(key);
        if (it != m_sent.end()) {
            m_owedCount -= it->owed ? 1 : 0;
            m_sent.erase(it);
        }
    }
    sendOwedBeats(beats, now);

    // batchJson's members are sorted, so its empty `agents` comes first: the rows go there.
    const QByteArray object = QJsonDocument(json::batchJson(rest)).toJson(QJsonDocument::Compact);
    constexpr QByteArrayView kNoAgents = R"({"agents":[])";
    Q_ASSERT(object.startsWith(kNoAgents));
    QByteArray out;
    out.reserve(object.size() + rows.size() + beats.size() + 32);
    out.append("\"batch\":{\"agents\":[");
    out.append(rows);
    out.append(']');
    out.append(object.constData() + kNoAgents.size(), object.size() - kNoAgents.size() - 1);  // nor its closing brace
    if (m_lastBeats > 0) {
        out.append(",\"beats\":[");
        out.append(beats);
        out.append(']');
    }
    out.append('}');
    return out;
}

}  // namespace varta
