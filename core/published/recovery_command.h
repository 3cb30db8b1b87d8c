#pragma once
// The recovery command an agent gets: the --recovery-exec template with its placeholders
// filled from the agent's key and what the kernel said about its process. The engine runs
// it; the console shows the same argv in its confirmation before the operator says yes.

#include "core/identity/agent_key.h"
#include "core/identity/process_identity.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>

namespace varta {

// What the kernel said about a local agent, for the placeholders beyond {pid} and {addr}.
// Empty for UDP agents: a peer's claims never fill a command.
struct AgentFacts {
    QString unit;                      // {unit}
    QString comm;                      // {comm}
    std::optional<std::uint32_t> uid;  // {uid}
};

// The facts of a local agent's process; empty without one.
AgentFacts agentFactsOf(const ProcessIdentity *identity);

// The template with {pid}, {addr}, {unit}, {comm} and {uid} replaced in every argument.
// None when it names a fact the agent does not have (*missing says which, "{unit}"): a
// half-filled command is never run.
std::optional<QStringList> recoveryArgv(const QStringList &execTemplate, const AgentKey &agent,
                                        const AgentFacts &facts = {}, QString *missing = nullptr);

}  // namespace varta
