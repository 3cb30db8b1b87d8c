#include "core/engine/batch_publisher.h"

#include "core/base/engine_clock.h"
#include "core/base/loop_stats.h"

#include <utility>

namespace varta {

BatchPublisher::BatchPublisher(AgentTracker &tracker, StatsFn stats, QObject *parent)
    : QObject(parent), m_tracker(tracker), m_stats(std::move(stats)), m_timer(this) {
    m_timer.setInterval(kPublishIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &BatchPublisher::publish);
}

void BatchPublisher::setPublishing(bool on, const QList<ChildInfo> &childrenNow) {
    m_publishing = on;
    m_tracker.setTrackDirty(on);
    if (on) {
        m_tracker.markAllDirty();
        m_children = childrenNow;
        m_timer.start();
    } else {
        m_timer.stop();
    }
}

void BatchPublisher::stop() { m_timer.stop(); }

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

void BatchPublisher::addTransition(const AgentKey &key, std::int64_t atNs, AgentState from, AgentState to) {
    if (m_publishing)
        m_transitions.append(StateTransition{key, atNs / 1'000'000, from, to});
}

void BatchPublisher::addChild(const ChildInfo &child) {
    if (m_publishing)
        m_children.append(child);
}

void BatchPublisher::addOutput(const OutputChunk &chunk) {
    if (m_publishing)
        m_output.append(chunk);
}

AgentSnapshot BatchPublisher::snapshotOf(const AgentRecord &r) {
    AgentSnapshot s;
    s.key = r.key;
    s.state = r.state;
    s.lastStatus = r.lastStatus;
    s.firstSeenMs = r.firstSeenNs / 1'000'000;
    s.lastBeatMs = r.lastBeatNs / 1'000'000;
    s.beats = r.beats;
    s.stalls = r.stalls;
    s.recoveries = r.recoveries;
    s.nonce = r.lastNonce;
    s.payload = r.payload;
    s.terminating = r.terminating;
    return s;
}

void BatchPublisher::publish() {
    const LoopStats::Scope stage(LoopStage::Maintenance);
    EngineBatch batch;
    // Sized once: when 100,000 agents appear together, growing by doubling would hold
    // twice their snapshots at the peak.
    batch.agents.reserve(qsizetype(m_tracker.dirtyCount()));
    m_tracker.drainDirty([&](Slot, const AgentRecord &record) {
        // A replaced agent's row was handed to its unit's new pid (published as removed).
        if (!record.replaced)
            batch.agents.append(m_snapshot ? m_snapshot(record) : snapshotOf(record));
    });
    batch.removed = std::exchange(m_removed, {});
    batch.transitions = std::exchange(m_transitions, {});
    batch.events = std::exchange(m_events, {});
    batch.children = std::exchange(m_children, {});
    batch.output = std::exchange(m_output, {});
    batch.stats = m_stats();
    batch.stats.nowMs = engineNowMs();
    Q_EMIT batchReady(batch);
}

}  // namespace varta
