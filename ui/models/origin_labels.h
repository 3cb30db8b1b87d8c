#pragma once
// Origin labels ("udp:10.0.0.7", "uds") shared between the agents that have the same
// origin. A fleet of 100,000 agents usually comes from a handful of hosts: one shared
// QString per host instead of one per agent keeps the table's rows small.

#include "core/identity/agent_key.h"

#include <QHash>
#include <QString>

#include <array>
#include <cstdint>

namespace varta::ui {

class OriginLabels {
public:
    // Distinct origins remembered. Past it the cache starts again; labels already handed
    // out stay valid (they are implicitly shared copies).
    static constexpr qsizetype kMaxOrigins = 4096;

    QString label(const AgentKey &key);
    qsizetype size() const { return m_labels.size(); }
    // How many times the cache was full and started again.
    std::uint64_t restarts() const { return m_restarts; }

private:
    struct Origin {
        std::array<std::uint8_t, 16> address{};
        Transport transport = Transport::Uds;
        friend bool operator==(const Origin &, const Origin &) = default;
    };
    friend size_t qHash(const Origin &origin, size_t seed) noexcept {
        return qHashBits(origin.address.data(), origin.address.size(), seed ^ static_cast<size_t>(origin.transport));
    }

    QHash<Origin, QString> m_labels;
    std::uint64_t m_restarts = 0;
};

}  // namespace varta::ui
