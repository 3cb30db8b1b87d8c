#pragma once
// The one place that says how an agent's state changes (DESIGN.md section 3).
//
// An agent's condition is a few independent facts — what its last accepted beat
// reported, whether it has gone silent, and the recovery side's marks — and the state an
// operator sees is derived from them by priority:
//
//     Paused > GaveUp > Recovering > Stalled > Critical | Degraded | Up
//
// So a beat during maintenance keeps the agent Paused (it is still tracked), a beat while
// its recovery child runs keeps it Recovering until the child ends, and only the operator
// leaves GaveUp (Rearm). A stall is surfaced on the Silence event, which the tracker
// raises exactly once per silence; the next accepted beat re-arms it.

#include "core/tracking/agent_state.h"
#include "core/vlp/frame.h"

namespace varta {

enum class AgentEvent : std::uint8_t {
    BeatOk,
    BeatDegraded,
    BeatCritical,
    Silence,
    RecoveryStarted,
    RecoveryEnded,
    GaveUp,
    Rearm,
    Pause,
    Resume,
};
inline constexpr int kAgentEventCount = 10;

struct AgentCondition {
    vlp::Status status = vlp::Status::Ok;
    bool silent = false;
    bool recovering = false;
    bool gaveUp = false;
    bool paused = false;
    friend bool operator==(const AgentCondition &, const AgentCondition &) = default;
};

AgentEvent beatEvent(vlp::Status status) noexcept;
AgentCondition applyEvent(AgentCondition condition, AgentEvent event) noexcept;
AgentState displayedState(const AgentCondition &condition) noexcept;

}  // namespace varta
