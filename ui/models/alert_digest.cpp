#include "ui/models/alert_digest.h"

namespace varta::ui {

void AlertDigest::add(AlertKind kind, const AgentKey &agent) {
    const auto index = static_cast<std::size_t>(kind);
    if (m_seen[index].contains(agent))
        return;
    m_seen[index].insert(agent);
    Group &group = m_pending[index];
    ++group.count;
    if (group.first.size() < kNamedAgents)
        group.first.append(agent);
    ++m_total;
}

std::optional<AlertDigest::Digest> AlertDigest::take(std::int64_t nowMs) {
    if (m_total == 0 || (m_lastMs && nowMs - *m_lastMs < kHoldMs))
        return std::nullopt;
    m_lastMs = nowMs;
    m_total = 0;
    for (QSet<AgentKey> &seen : m_seen)
        seen.clear();
    return std::exchange(m_pending, Digest{});
}

}  // namespace varta::ui
