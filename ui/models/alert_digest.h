#pragma once
// What the desktop notification says, and when: agents that stalled, exited or gave up,
// grouped so that a fleet going down is one notification ("400 agents stalled"), not 400.
// The first alert after a quiet spell is due at once; what follows within kHoldMs of a
// notification is gathered and due when the hold ends. An agent is counted once per kind
// however often it flapped meanwhile, so what it holds is bounded by the agents tracked.

#include "core/identity/agent_key.h"

#include <QList>
#include <QSet>

#include <array>
#include <cstdint>
#include <optional>
#include <utility>

namespace varta::ui {

enum class AlertKind : std::uint8_t { Stalled, Exited, GaveUp };
inline constexpr int kAlertKindCount = 3;

class AlertDigest {
public:
    static constexpr std::int64_t kHoldMs = 10'000;
    static constexpr qsizetype kNamedAgents = 3;

    struct Group {
        int count = 0;          // distinct agents
        QList<AgentKey> first;  // the first kNamedAgents of them, in order of arrival
    };
    using Digest = std::array<Group, kAlertKindCount>;

    void add(AlertKind kind, const AgentKey &agent);
    // The gathered alerts when a notification is due at `nowMs` (monotonic), and empties
    // itself; nothing when none is gathered or the hold since the last one lasts.
    std::optional<Digest> take(std::int64_t nowMs);
    bool empty() const noexcept { return m_total == 0; }

private:
    Digest m_pending{};
    std::array<QSet<AgentKey>, kAlertKindCount> m_seen;
    int m_total = 0;
    std::optional<std::int64_t> m_lastMs;
};

}  // namespace varta::ui
