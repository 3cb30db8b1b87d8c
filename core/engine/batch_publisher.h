#pragma once
// Gathers what changed on the engine thread and publishes it as one EngineBatch at most
// every kPublishIntervalMs, only while someone listens (a console). Headless runs gather
// nothing. Each kind of change is bounded per batch or coalesced per agent.

#include "core/published/engine_batch.h"
#include "core/tracking/agent_tracker.h"

#include <QObject>
#include <QTimer>

#include <cstdint>
#include <functional>
#include <optional>

namespace varta {

class BatchPublisher : public QObject {
    Q_OBJECT
public:
    static constexpr int kPublishIntervalMs = 50;         // at most 20 batches a second
    static constexpr qsizetype kMaxEventsPerBatch = 200;  // the operator's log, not a firehose

    using StatsFn = std::function<EngineStats()>;  // the totals of the moment, nowMs aside
    BatchPublisher(AgentTracker &tracker, StatsFn stats, QObject *parent = nullptr);

    bool publishing() const noexcept { return m_publishing; }
    // On: the first batch carries every agent already known and `childrenNow`.
    void setPublishing(bool on, const QList<ChildInfo> &childrenNow = {});
    void stop();

    // Each is dropped unless publishing.
    void addEvent(const EventLogEntry &entry);
    void addRemoved(const AgentKey &key);
    void addTransition(const AgentKey &key, std::int64_t atNs, AgentState from, AgentState to);
    void addChild(const ChildInfo &child);
    void addOutput(const OutputChunk &chunk);

    std::uint64_t eventsDropped() const noexcept { return m_eventsDropped; }
    static AgentSnapshot snapshotOf(const AgentRecord &record);
    // What the engine adds to a record's snapshot (the process identity of a local agent).
    using SnapshotFn = std::function<AgentSnapshot(const AgentRecord &)>;
    void setSnapshotSource(SnapshotFn fn) { m_snapshot = std::move(fn); }

Q_SIGNALS:
    void batchReady(const varta::EngineBatch &batch);

private:
    void publish();

    AgentTracker &m_tracker;
    StatsFn m_stats;
    SnapshotFn m_snapshot;
    QTimer m_timer;
    bool m_publishing = false;
    QList<AgentKey> m_removed;
    QList<StateTransition> m_transitions;
    QList<EventLogEntry> m_events;
    QList<ChildInfo> m_children;
    QList<OutputChunk> m_output;
    std::uint64_t m_eventsDropped = 0;
};

}  // namespace varta
