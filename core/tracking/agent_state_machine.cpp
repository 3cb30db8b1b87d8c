#include "core/tracking/agent_state_machine.h"

namespace varta {

AgentEvent beatEvent(vlp::Status status) noexcept {
    switch (status) {
    case vlp::Status::Degraded: return AgentEvent::BeatDegraded;
    case vlp::Status::Critical: return AgentEvent::BeatCritical;
    default: return AgentEvent::BeatOk;
    }
}

AgentCondition applyEvent(AgentCondition c, AgentEvent event) noexcept {
    switch (event) {
    case AgentEvent::BeatOk:
        c.status = vlp::Status::Ok;
        c.silent = false;
        break;
    case AgentEvent::BeatDegraded:
        c.status = vlp::Status::Degraded;
        c.silent = false;
        break;
    case AgentEvent::BeatCritical:
        c.status = vlp::Status::Critical;
        c.silent = false;
        break;
    case AgentEvent::Silence: c.silent = true; break;
    case AgentEvent::RecoveryStarted: c.recovering = true; break;
    case AgentEvent::RecoveryEnded: c.recovering = false; break;
    case AgentEvent::GaveUp: c.gaveUp = true; break;
    case AgentEvent::Rearm: c.gaveUp = false; break;
    case AgentEvent::Pause: c.paused = true; break;
    case AgentEvent::Resume: c.paused = false; break;
    }
    return c;
}

AgentState displayedState(const AgentCondition &c) noexcept {
    if (c.paused)
        return AgentState::Paused;
    if (c.gaveUp)
        return AgentState::GaveUp;
    if (c.recovering)
        return AgentState::Recovering;
    if (c.silent)
        return AgentState::Stalled;
    switch (c.status) {
    case vlp::Status::Degraded: return AgentState::Degraded;
    case vlp::Status::Critical: return AgentState::Critical;
    default: return AgentState::Up;
    }
}

}  // namespace varta
