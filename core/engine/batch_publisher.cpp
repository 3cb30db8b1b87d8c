#include "core/engine/batch_publisher.h"

#include "core/base/engine_clock.h"
#include "core/base/loop_stats.h"
#include "core/engine/stream_encoder.h"

#include <algorithm>
#include <utility>

namespace varta {

static_assert(StreamEncoder::kBeatFoldMs + BatchPublisher::kPublishIntervalMs == StreamEncoder::kBeatEveryMs,
              "a beat folded goes out in the first batch after the fold: within kBeatEveryMs");

BatchPublisher::BatchPublisher(AgentTracker &tracker, StatsFn stats, QObject *parent)
    : QObject(parent), m_tracker(tracker), m_stats(std::move(stats)), m_timer(this) {
    m_timer.setInterval(kPublishIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &BatchPublisher::publish);
}

void BatchPublisher::setPublishing(bool on, const QList<ChildInfo> &childrenNow) {
    m_publishing = on;
    m_inFlight = false;
    m_tracker.setTrackDirty(on);
    m_tracker.setBeatFolding(on && m_folding ? StreamEncoder::kBeatFoldMs * 1'000'000 : 0);
    if (on) {
        m_tracker.markAllDirty();
        m_children = childrenNow;
        m_timer.start();
    } else {
        m_timer.stop();
    }
}

void BatchPublisher::stop() { m_timer.stop(); }

void BatchPublisher::setPaced(bool on) {
    m_paced = on;
    m_inFlight = false;
}

void BatchPublisher::batchTaken() { m_inFlight = false; }

void BatchPublisher::addEvent(const EventLogEntry &entry) {
    if (!m_publishing)
        return;
    if (m_events.size() >= kMaxEventsPerBatch) {
        ++m_eventsDropped;
        return;
    }
    m_events.append(entry);
}

void BatchPublisher::addRemoved(const AgentKey &key) {
    if (m_publishing)
        m_removed.append(key);
}

void BatchPublisher::addTransition(const AgentKey &key, std::int64_t atNs, AgentState from, AgentState to,
                                   bool silent) {
    if (m_publishing)
        m_transitions.append(StateTransition{key, atNs / 1'000'000, from, to, silent});
}

void BatchPublisher::addChild(const ChildInfo &child) {
    if (!m_publishing)
        return;
    m_children.append(child);
    if (child.state != ChildState::Running)
        m_cutOff.removeOne(child.id);  // its output has all arrived
}

void BatchPublisher::addOutput(const OutputChunk &chunk) {
    if (!m_publishing)
        return;
    if (m_cutOff.contains(chunk.childId)) {
        m_outputBytesDropped += std::uint64_t(chunk.data.size());
        return;
    }
    m_output.append(chunk);
    m_outputBytes += chunk.data.size();
    while (m_outputBytes > kMaxPendingOutputBytes)
        dropOldestOutput();
}

void BatchPublisher::addForgottenChildren(const QList<std::uint64_t> &ids) {
    if (!m_publishing)
        return;
    m_forgottenChildren.append(ids);
    removeWaitingOutput([&](std::uint64_t childId) { return ids.contains(childId); });
}

qsizetype BatchPublisher::removeWaitingOutput(const std::function<bool(std::uint64_t)> &of) {
    qsizetype bytes = 0;
    const auto first = std::remove_if(m_output.begin(), m_output.end(), [&](const OutputChunk &c) {
        if (!of(c.childId))
            return false;
        bytes += c.data.size();
        return true;
    });
    m_output.erase(first, m_output.end());
    m_outputBytes -= bytes;
    return bytes;
}

// Child ids increase, so the first chunk waiting is the oldest child's.
void BatchPublisher::dropOldestOutput() {
    const std::uint64_t id = m_output.front().childId;
    m_outputBytesDropped += std::uint64_t(removeWaitingOutput([id](std::uint64_t childId) { return childId == id; }));
    if (!m_cutOff.contains(id))
        m_cutOff.append(id);
}

AgentSnapshot BatchPublisher::snapshotOf(const AgentRecord &r) {
    AgentSnapshot s;
    s.key = r.key;
    s.state = r.state;
    s.lastStatus = r.lastStatus;
    s.firstSeenMs = r.firstSeenNs / 1'000'000;
    s.lastBeatMs = r.lastBeatNs / 1'000'000;
    if (r.downSinceNs != 0)
        s.downSinceMs = r.downSinceNs / 1'000'000;
    s.beats = r.beats;
    s.stalls = r.stalls;
    s.recoveries = r.recoveries;
    s.nonce = r.lastNonce;
    s.payload = r.payload;
    s.terminating = r.terminating;
    s.silent = r.silent;
    return s;
}

void BatchPublisher::publish() {
    if (m_paced && m_inFlight)
        return;  // the console has not taken the last one: keep gathering
    const LoopStats::Scope stage(LoopStage::Maintenance);
    EngineBatch batch;
    // Sized once: when 100,000 agents appear together, growing by doubling would hold
    // twice their snapshots at the peak.
    batch.agents.reserve(qsizetype(m_tracker.dirtyCount()));
    const std::int64_t nowNs = engineNowNs();
    m_tracker.drainDirty(nowNs, [&](Slot, const AgentRecord &record) {
        // A replaced agent's row was handed to its unit's new pid (published as removed).
        if (!record.replaced)
            batch.agents.append(m_snapshot ? m_snapshot(record) : snapshotOf(record));
    });
    batch.removed = std::exchange(m_removed, {});
    batch.transitions = std::exchange(m_transitions, {});
    batch.events = std::exchange(m_events, {});
    batch.children = std::exchange(m_children, {});
    batch.output = std::exchange(m_output, {});
    batch.forgottenChildren = std::exchange(m_forgottenChildren, {});
    m_outputBytes = 0;
    batch.stats = m_stats();
    batch.stats.nowMs = nowNs / 1'000'000;
    m_inFlight = m_paced;
    Q_EMIT batchReady(batch);
}

}  // namespace varta
