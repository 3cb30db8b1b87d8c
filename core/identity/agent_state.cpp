#include "core/identity/agent_state.h"

namespace varta {

const char *agentStateName(AgentState state) noexcept {
    switch (state) {
    case AgentState::Up: return "up";
    case AgentState::Degraded: return "degraded";
    case AgentState::Critical: return "critical";
    case AgentState::Stalled: return "stalled";
    case AgentState::Recovering: return "recovering";
    case AgentState::GaveUp: return "gave_up";
    case AgentState::Paused: return "paused";
    case AgentState::Exited: return "exited";
    case AgentState::Replaced: return "replaced";
    }
    return "unknown";
}

}  // namespace varta
