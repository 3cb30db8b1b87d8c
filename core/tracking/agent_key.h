#pragma once
// Who an agent is: the transport it arrived on, the UDP peer address, and its pid.
// Two hosts may send the same pid over UDP, so the pid alone never identifies an agent.
// The source port is deliberately absent: it changes whenever a client reconnects.

#include <QHostAddress>
#include <QString>

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>

namespace varta {

enum class Transport : std::uint8_t { Uds = 0, Udp = 1, SecureUdp = 2 };

struct AgentKey {
    std::array<std::uint8_t, 16> address{};  // IPv6, or IPv4-mapped IPv6; zeros for Uds
    std::uint32_t pid = 0;
    Transport transport = Transport::Uds;

    static AgentKey local(std::uint32_t pid) noexcept { return AgentKey{{}, pid, Transport::Uds}; }
    static AgentKey fromPeer(Transport transport, const QHostAddress &peer, std::uint32_t pid);
    // The hot path's constructor: straight from recvmmsg's address, no QHostAddress.
    static AgentKey fromSockaddr(Transport transport, const sockaddr_storage &peer, std::uint32_t pid) noexcept;

    QHostAddress peerAddress() const;        // null for Uds
    QString addressText() const;             // "local" for Uds, else the IP ({addr} in recovery argv)
    QString originLabel() const;             // "uds", "udp:ADDR" or "secure-udp:ADDR" (metrics label)
    bool isUdp() const noexcept { return transport != Transport::Uds; }

    friend bool operator==(const AgentKey &, const AgentKey &) = default;
};

// A fast, well-mixed hash (the tracker's open-addressing table needs good low bits).
std::size_t hashAgentKey(const AgentKey &key) noexcept;

} // namespace varta

template <>
struct std::hash<varta::AgentKey> {
    std::size_t operator()(const varta::AgentKey &key) const noexcept { return varta::hashAgentKey(key); }
};

inline std::size_t qHash(const varta::AgentKey &key, std::size_t seed = 0) noexcept {
    return varta::hashAgentKey(key) ^ seed;
}
