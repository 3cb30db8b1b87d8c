#pragma once
// Per-agent history of state transitions, for the stall timeline. Bounded twice: each
// agent keeps its newest kMaxPerAgent transitions, and the whole store at most kMaxTotal;
// past that, the histories of the agents that changed least recently are dropped whole.

#include "core/published/engine_batch.h"

#include <QHash>
#include <QList>

#include <cstdint>
#include <map>
#include <optional>

namespace varta::ui {

// A stretch of time an agent spent in one state; `toMs` is exclusive.
struct TimelineSegment {
    EngineMs fromMs = 0;
    EngineMs toMs = 0;
    AgentState state = AgentState::Up;
    // Under paused, gave up or recovering: whether it was silent past its threshold meanwhile.
    bool silent = false;
    friend bool operator==(const TimelineSegment &, const TimelineSegment &) = default;
};

class TimelineStore {
public:
    static constexpr qsizetype kMaxPerAgent = 512;
    static constexpr qsizetype kMaxTotal = 256 * 1024;

    // Transitions of one agent are expected in time order; a late one is put in place.
    void append(const QList<StateTransition> &transitions);
    void remove(const QList<AgentKey> &agents);
    // A restarted unit's new pid carries on the old one's lane: `from`'s history moves to
    // `to` (merged in time order if `to` has one already), and the lane starts at
    // `fromFirstSeenMs`, when the old pid was first seen, rather than at the new pid's.
    void continueAs(const AgentKey &from, const AgentKey &to, std::optional<EngineMs> fromFirstSeenMs = {});
    void clear();

    // Oldest first; empty for an agent without recorded transitions.
    const QList<StateTransition> &history(const AgentKey &agent) const;
    // The agent's life from `firstSeenMs` (or the first pid's, for a continued lane) to
    // `nowMs` as consecutive segments. Before the first recorded transition the agent was
    // in that transition's `from` state; after the last one it is in `current`, which the
    // table knows best. A change of silence under an overlay starts a segment of its own;
    // `currentSilent` (the table's) is the tail's when no transition into `current` says.
    QList<TimelineSegment> segments(const AgentKey &agent, EngineMs firstSeenMs, AgentState current, EngineMs nowMs,
                                    bool currentSilent) const;
    qsizetype agentCount() const { return m_histories.size(); }
    qsizetype totalCount() const { return m_total; }
    // Transitions dropped to honour either bound.
    std::uint64_t droppedCount() const { return m_dropped; }

private:
    struct History {
        QList<StateTransition> items;
        std::uint64_t lastTouch = 0;
        std::optional<EngineMs> sinceMs;  // a continued lane: when its first pid was seen
    };

    void appendOne(const StateTransition &transition);
    void touch(History &history, const AgentKey &agent);
    void dropLeastRecent();

    QHash<AgentKey, History> m_histories;
    std::map<std::uint64_t, AgentKey> m_byLastTouch;
    std::uint64_t m_touchClock = 0;
    qsizetype m_total = 0;
    std::uint64_t m_dropped = 0;
};

}  // namespace varta::ui
