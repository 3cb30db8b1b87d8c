#pragma once
// The one place that says how an agent's state changes (docs/architecture.md section 3).
//
// An agent's condition is what its last accepted beat reported, whether it has gone
// silent, and the recovery side's mark; the state an operator sees is derived from them
// by priority:
//
//     Replaced > Paused > GaveUp > Recovering > Exited > Stalled > Critical | Degraded | Up
//
// So a beat during maintenance keeps the agent Paused (it is still tracked), a beat while
// its recovery child runs keeps it Recovering until the child ends, and only the operator
// leaves GaveUp (Rearm). A stall is surfaced on the Silence event, which the tracker
// raises exactly once per silence; the next accepted beat re-arms it.
//
// A local agent's process can end, which the kernel tells at once (Exit: silent and
// exited; it is recovered like a stall), and its unit can come back under another pid,
// which takes the agent's place (Replacement: a tombstone until it is forgotten). No beat
// undoes either: a beat from an exited agent's pid is another process, a new agent.

#include "core/identity/agent_state.h"
#include "core/vlp/frame.h"

namespace varta {

// What the recovery side says about an agent, which outranks its beats in what the
// operator sees. The facts behind it (a child running, the restart-loop limit hit, the
// operator's pause) are the recovery side's alone (RecoveryPolicy); the tracker keeps
// only this verdict, handed to it whenever it changes. When several facts hold, the
// verdict is the highest: Paused > GaveUp > Recovering.
enum class RecoveryMark : std::uint8_t { None, Recovering, GaveUp, Paused };

enum class AgentEvent : std::uint8_t {
    BeatOk,
    BeatDegraded,
    BeatCritical,
    Silence,
    Exit,
    Replacement,
};
inline constexpr int kAgentEventCount = 6;

struct AgentCondition {
    vlp::Status status = vlp::Status::Ok;
    bool silent = false;
    RecoveryMark mark = RecoveryMark::None;
    bool exited = false;
    bool replaced = false;
    friend bool operator==(const AgentCondition &, const AgentCondition &) = default;
};

AgentEvent beatEvent(vlp::Status status) noexcept;
AgentCondition applyEvent(AgentCondition condition, AgentEvent event) noexcept;
AgentState displayedState(const AgentCondition &condition) noexcept;

}  // namespace varta
