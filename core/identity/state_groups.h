#pragma once
// Which agent states belong together, for everything that decides by them: the tracker's
// "down since", the console's flaps and "paused · silent", a post-mortem's replay.

#include "core/identity/agent_state.h"

namespace varta {

// Down: not beating as it should, until it beats again. Paused is maintenance, not down.
constexpr bool isDown(AgentState state) noexcept {
    switch (state) {
    case AgentState::Stalled:
    case AgentState::Recovering:
    case AgentState::GaveUp:
    case AgentState::Exited:
    case AgentState::Replaced: return true;
    case AgentState::Up:
    case AgentState::Degraded:
    case AgentState::Critical:
    case AgentState::Paused: return false;
    }
    return false;
}

// Paused, gave up and recovering overlay the agent's liveness: they do not say whether
// it still beats (AgentSnapshot::silent does).
constexpr bool isOverlay(AgentState state) noexcept {
    return state == AgentState::Paused || state == AgentState::GaveUp || state == AgentState::Recovering;
}

}  // namespace varta
