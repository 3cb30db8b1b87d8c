#pragma once
// What the console showed at any moment of an incident, rebuilt from its files
// (IncidentLog): each agent's state machine run over the facts once, then batchAt(t)
// answers with one batch that holds everything as it stood at t, for a console in
// read-only mode to show from scratch. Agents are named by pid alone: the event file
// says no more.

#include "core/published/engine_batch.h"

#include <QCoreApplication>
#include <QHash>
#include <QList>

#include <array>
#include <cstdint>
#include <vector>

namespace varta::ui {

class IncidentLog;

class IncidentReplay {
    Q_DECLARE_TR_FUNCTIONS(varta::ui::IncidentReplay)

public:
    // Events past this many are counted, not kept (decode errors are folded per second
    // before they count).
    static constexpr qsizetype kMaxEvents = 200'000;

    explicit IncidentReplay(const IncidentLog &log);

    EngineMs startMs() const { return m_startMs; }
    EngineMs endMs() const { return m_endMs; }
    qsizetype agentCount() const { return static_cast<qsizetype>(m_agents.size()); }
    const QList<EventLogEntry> &events() const { return m_events; }
    const QList<ChildInfo> &children() const { return m_children; }
    qsizetype eventsNotKept() const { return m_eventsNotKept; }

    // Everything as it stood at `atMs`: every agent seen by then and not evicted, all
    // their transitions, the newest `maxEvents` events, the children started by then.
    EngineBatch batchAt(EngineMs atMs, qsizetype maxEvents) const;

    // How many agents were in each state, at every moment that changed it, oldest first:
    // the fleet band of a post-mortem. Evicted agents are counted until the end.
    std::vector<std::pair<EngineMs, std::array<std::uint32_t, kAgentStateCount>>> fleetCounts() const;

    // The nearest event strictly before or after `atMs`, for stepping; `atMs` when none.
    EngineMs previousEventMs(EngineMs atMs) const;
    EngineMs nextEventMs(EngineMs atMs) const;

private:
    struct BeatPoint {
        EngineMs atMs = 0;
        std::uint64_t beatsSoFar = 0;  // this one included
        std::uint64_t nonce = 0;
        std::uint32_t payload = 0;
        vlp::Status status = vlp::Status::Ok;
    };
    struct Agent {
        AgentKey key;
        EngineMs firstSeenMs = 0;
        AgentState initial = AgentState::Up;
        std::vector<BeatPoint> beats;
        QList<StateTransition> transitions;
        std::vector<EngineMs> stalls;
        std::vector<EngineMs> recoveries;
        std::vector<EngineMs> evictions;
    };
    struct Live;  // the state machine's per-agent state while the facts are run

    void run(const IncidentLog &log);
    void addEvent(EventLogEntry entry, EngineMs atMs);
    Agent &agentFor(std::uint32_t pid, EngineMs atMs, std::vector<Live> &live);
    AgentSnapshot snapshotAt(const Agent &agent, EngineMs atMs) const;

    std::vector<Agent> m_agents;
    QHash<std::uint32_t, std::size_t> m_byPid;
    QList<EventLogEntry> m_events;
    QList<ChildInfo> m_children;
    std::vector<EngineMs> m_decodeTimes;  // one per malformed datagram
    QStringList m_sources;
    bool m_audited = false;
    std::int64_t m_wallOffsetMs = 0;
    EngineMs m_startMs = 0;
    EngineMs m_endMs = 0;
    qsizetype m_eventsNotKept = 0;
};

}  // namespace varta::ui
