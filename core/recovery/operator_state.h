#pragma once
// What the operator decided about agents and what must survive a restart with it: pauses
// (who, why, since and until when), gave-up marks, and the automatic attempts that count
// towards the restart-loop limit. RecoveryPolicy exports and restores it,
// OperatorStateFile keeps it in --state-file. Plain values; times are Unix milliseconds
// here, because engine milliseconds mean nothing to the next run.

#include "core/identity/agent_key.h"

#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace varta {

struct PauseInfo {
    QString by;      // "alice (uid 1000)", "console"; empty when not known
    QString reason;  // the operator's words; may be empty
    std::int64_t sinceUnixMs = 0;
    std::optional<std::int64_t> untilUnixMs;  // none: until resumed

    friend bool operator==(const PauseInfo &, const PauseInfo &) = default;
};

struct OperatorAgentState {
    AgentKey key;
    std::optional<PauseInfo> pause;
    bool gaveUp = false;
    std::vector<std::int64_t> attemptsUnixMs;  // automatic starts, oldest first

    friend bool operator==(const OperatorAgentState &, const OperatorAgentState &) = default;
};

struct OperatorState {
    std::vector<OperatorAgentState> agents;

    friend bool operator==(const OperatorState &, const OperatorState &) = default;
};

}  // namespace varta
