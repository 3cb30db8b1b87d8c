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
    case AgentEvent::Exit:
        c.silent = true;
        c.exited = true;
        break;
    case AgentEvent::Replacement:
        c.silent = true;
        c.replaced = true;
        break;
    }
    return c;
}

AgentState displayedState(const AgentCondition &c) noexcept {
    if (c.replaced)
        return AgentState::Replaced;
    switch (c.mark) {
    case RecoveryMark::Paused: return AgentState::Paused;
    case RecoveryMark::GaveUp: return AgentState::GaveUp;
    case RecoveryMark::Recovering: return AgentState::Recovering;
    case RecoveryMark::None: break;
    }
    if (c.exited)
        return AgentState::Exited;
    if (c.silent)
        return AgentState::Stalled;
    switch (c.status) {
    case vlp::Status::Degraded: return AgentState::Degraded;
    case vlp::Status::Critical: return AgentState::Critical;
    default: return AgentState::Up;
    }
}

}  // namespace varta
