#pragma once
// The states an operator sees for an agent (docs/architecture.md section 3). The transition rules
// live in one place: core/tracking/agent_state_machine.{h,cpp}.

#include <QString>

#include <cstdint>

namespace varta {

enum class AgentState : std::uint8_t {
    Up,          // last accepted beat said Ok
    Degraded,    // last accepted beat said Degraded
    Critical,    // last accepted beat said Critical (or the panic frame)
    Stalled,     // silent for at least the threshold; surfaced once per silence
    Recovering,  // a recovery child is running for it
    GaveUp,      // restart-loop limit hit; only the operator re-arms it
    Paused,      // maintenance: tracked, never recovered
    Exited,      // a local agent whose process is gone (seen by the kernel, not by silence)
    Replaced,    // a local agent whose unit came back under another pid, which took its row
};
inline constexpr int kAgentStateCount = 9;

// Stable lower-case names: "up", "degraded", "critical", "stalled", "recovering",
// "gave_up", "paused", "exited", "replaced" (event log, tests, machine-readable output).
const char *agentStateName(AgentState state) noexcept;

}  // namespace varta
