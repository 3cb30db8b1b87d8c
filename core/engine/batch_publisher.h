#pragma once
// Gathers what changed on the engine thread and publishes it as one EngineBatch at most
// every kPublishIntervalMs, only while someone listens (a console). Headless runs gather
// nothing. Each kind of change is bounded per batch or coalesced per agent.
//
// Paced (a console that says when it has taken each batch): one batch in flight at a
// time. A queued signal has no bound of its own, so a console that applies batches more
// slowly than they are built would otherwise hold every batch, and every output chunk in
// it, in its event queue. While a batch is in flight the next one gathers here, and its
// output is bounded: past kMaxPendingOutputBytes the oldest child's output is dropped
// whole (as the console's store would drop it), counted in outputBytesDropped().
//
// Folding beats, for consoles elsewhere only (they see an agent's beats at most once per
// StreamEncoder::kBeatFoldMs anyway): the tracker owes an agent's beat instead of making
// it dirty while it went out less than that long ago (AgentTracker::setBeatFolding).
// Under a flood most beats are such, and a batch then holds about one agent in twenty
// instead of every agent that beat: the snapshots, the stream's look-ups and the
// records visited are all that much fewer.

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
    // Output that may gather while the console applies the batch in flight: past it, the
    // oldest child's waiting output is dropped whole (the engine's ChildHistory keeps it
    // for `ctl output`). A console that keeps up never meets it; one that lags holds its
    // store's 64 MiB plus this, not another store's worth.
    static constexpr qsizetype kMaxPendingOutputBytes = 8 * 1024 * 1024;

    using StatsFn = std::function<EngineStats()>;  // the totals of the moment, nowMs aside
    BatchPublisher(AgentTracker &tracker, StatsFn stats, QObject *parent = nullptr);

    bool publishing() const noexcept { return m_publishing; }
    // On: the first batch carries every agent already known and `childrenNow`.
    void setPublishing(bool on, const QList<ChildInfo> &childrenNow = {});
    void stop();
    // Paced: after each batch the next waits for batchTaken(). Off: one every interval.
    void setPaced(bool on);
    // Takes effect at the next setPublishing(true), which publishes every agent anew.
    void setFoldingBeats(bool on) { m_folding = on; }
    void batchTaken();

    // Each is dropped unless publishing.
    void addEvent(const EventLogEntry &entry);
    void addRemoved(const AgentKey &key);
    void addTransition(const AgentKey &key, std::int64_t atNs, AgentState from, AgentState to, bool silent);
    void addChild(const ChildInfo &child);
    void addOutput(const OutputChunk &chunk);
    // Their waiting output goes too: the history has let it go, so must the console.
    void addForgottenChildren(const QList<std::uint64_t> &ids);

    std::uint64_t eventsDropped() const noexcept { return m_eventsDropped; }
    std::uint64_t outputBytesDropped() const noexcept { return m_outputBytesDropped; }
    static AgentSnapshot snapshotOf(const AgentRecord &record);
    // What the engine adds to a record's snapshot (the process identity of a local agent).
    using SnapshotFn = std::function<AgentSnapshot(const AgentRecord &)>;
    void setSnapshotSource(SnapshotFn fn) { m_snapshot = std::move(fn); }

Q_SIGNALS:
    void batchReady(const varta::EngineBatch &batch);

private:
    void publish();
    void dropOldestOutput();
    // Takes the waiting chunks `of` picks out of the batch being gathered; their bytes.
    qsizetype removeWaitingOutput(const std::function<bool(std::uint64_t childId)> &of);

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
    QList<std::uint64_t> m_forgottenChildren;
    qsizetype m_outputBytes = 0;    // in m_output
    QList<std::uint64_t> m_cutOff;  // running children whose output was dropped: the rest goes too
    bool m_paced = false;
    bool m_inFlight = false;
    bool m_folding = false;
    std::uint64_t m_eventsDropped = 0;
    std::uint64_t m_outputBytesDropped = 0;
};

}  // namespace varta
