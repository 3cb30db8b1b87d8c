#pragma once
// One tracked agent, as the engine keeps it. Kept small (the memory target is 512 bytes
// per agent all included) and free of heap members so the table never allocates per beat.

#include "core/identity/agent_key.h"
#include "core/identity/agent_state.h"
#include "core/tracking/agent_state_machine.h"
#include "core/vlp/frame.h"

#include <cstdint>

namespace varta {

using Slot = std::uint32_t;
inline constexpr Slot kNoSlot = 0xFFFFFFFFu;

struct AgentRecord {
    AgentKey key;
    std::uint64_t lastNonce = 0;
    std::uint64_t lastTimestamp = 0;  // sender's clock, for the panic frame rule
    std::int64_t lastBeatNs = 0;      // engine time of the last accepted beat
    std::int64_t firstSeenNs = 0;
    // Engine time it went down (stalled: its last beat; gave up, exited: the moment it
    // did), kept through recovering and gave up; 0 while up, degraded, critical or paused.
    std::int64_t downSinceNs = 0;
    std::uint64_t beats = 0;
    std::uint32_t stalls = 0;
    std::uint32_t recoveries = 0;
    std::uint32_t payload = 0;
    // A local agent's process start time (/proc/PID/stat field 22), pinned at first
    // contact; 0 when unknown (UDP agents, or /proc said nothing).
    std::uint64_t generation = 0;

    // Deadline order (see DeadlineList): the agents still beating are linked by last
    // accepted beat, oldest first; surfaced stalls move to a second list in the same order.
    Slot prev = kNoSlot;
    Slot next = kNoSlot;

    vlp::Status lastStatus = vlp::Status::Ok;
    AgentState state = AgentState::Up;
    std::uint8_t list = 0;                   // DeadlineList::ListId the record is on
    bool silent = false;                     // stall surfaced, no accepted beat since
    RecoveryMark mark = RecoveryMark::None;  // the recovery side's verdict (AgentTracker::setMark)
    bool terminating = false;                // sent its panic frame
    bool crossNamespace = false;             // a local agent in another pid namespace (allowed by flag)
    bool exited = false;                     // a local agent whose process the kernel saw end
    bool replaced = false;                   // its unit restarted under another pid, which took over
    bool dirty = false;
    bool owed = false;  // a beat folded, not yet dirty (queued by when it is due)
    bool live = false;  // slot in use
};

}  // namespace varta
