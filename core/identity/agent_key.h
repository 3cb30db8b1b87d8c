#pragma once
// Who an agent is: the transport it arrived on, the UDP peer address, and its pid.
// Two hosts may send the same pid over UDP, so the pid alone never identifies an agent.
// The source port is deliberately absent: it changes whenever a client reconnects.

#include "core/identity/keyed_hash.h"

#include <QHostAddress>
#include <QString>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>

#include <netinet/in.h>
#include <sys/socket.h>

namespace varta {

enum class Transport : std::uint8_t { Uds = 0, Udp = 1, SecureUdp = 2 };

struct AgentKey {
    std::array<std::uint8_t, 16> address{};  // IPv6, or IPv4-mapped IPv6; zeros for Uds
    std::uint32_t pid = 0;
    Transport transport = Transport::Uds;
    // Which observer the agent belongs to, in a console attached to several (their order
    // on its command line, from 1); 0 in the engine and for the console's own engine. Not
    // part of text(): each observer names its agents without it.
    std::uint16_t observer = 0;

    static AgentKey local(std::uint32_t pid) noexcept { return AgentKey{{}, pid, Transport::Uds, 0}; }
    static AgentKey fromPeer(Transport transport, const QHostAddress &peer, std::uint32_t pid);
    // The hot path's constructor: straight from recvmmsg's address, no QHostAddress.
    // Inline: it runs for every UDP datagram.
    static AgentKey fromSockaddr(Transport transport, const sockaddr_storage &peer, std::uint32_t pid) noexcept {
        AgentKey key;
        key.transport = transport;
        key.pid = pid;
        if (peer.ss_family == AF_INET) {
            const auto &v4 = reinterpret_cast<const sockaddr_in &>(peer);
            key.address[10] = 0xff;
            key.address[11] = 0xff;
            std::memcpy(key.address.data() + 12, &v4.sin_addr.s_addr, 4);  // already network order
        } else if (peer.ss_family == AF_INET6) {
            const auto &v6 = reinterpret_cast<const sockaddr_in6 &>(peer);
            std::memcpy(key.address.data(), v6.sin6_addr.s6_addr, 16);
        }
        return key;
    }

    QHostAddress peerAddress() const;  // null for Uds
    QString addressText() const;       // "local" for Uds, else the IP ({addr} in recovery argv)
    QString originLabel() const;       // "uds", "udp:ADDR" or "secure-udp:ADDR" (metrics label)
    // "uds/4242", "udp:10.0.0.7/4242", "secure-udp:[2001:db8::7]/4242": how operators name
    // an agent (docs/control.md section 3, the state file). parse() reads exactly that.
    QString text() const;
    static std::optional<AgentKey> parse(const QString &text);
    bool isUdp() const noexcept { return transport != Transport::Uds; }
    // A UDP peer on this host (127.0.0.0/8, ::1, or ::ffff:127.x.x.x): its pid names a
    // process here, one the Unix socket may also hear from (origin pinning, AgentTracker).
    bool isLoopbackPeer() const noexcept {
        if (transport == Transport::Uds)
            return false;
        static constexpr std::array<std::uint8_t, 10> kZeros{};
        if (std::memcmp(address.data(), kZeros.data(), kZeros.size()) != 0)
            return false;
        if (address[10] == 0xff && address[11] == 0xff)
            return address[12] == 127;  // ::ffff:127.0.0.0/104, an IPv4 loopback peer
        static constexpr std::array<std::uint8_t, 6> kV6LoopbackTail{0, 0, 0, 0, 0, 1};
        return std::memcmp(address.data() + 10, kV6LoopbackTail.data(), kV6LoopbackTail.size()) == 0;  // ::1
    }

    // Word by word: the defaulted comparison calls memcmp for the address, a library
    // call on every probe of the tracker's index (measured: a third of the beat path).
    friend bool operator==(const AgentKey &a, const AgentKey &b) noexcept {
        std::uint64_t a0, a1, b0, b1;
        std::memcpy(&a0, a.address.data(), 8);
        std::memcpy(&a1, a.address.data() + 8, 8);
        std::memcpy(&b0, b.address.data(), 8);
        std::memcpy(&b1, b.address.data() + 8, 8);
        return a.pid == b.pid && a.transport == b.transport && a.observer == b.observer && ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
};

// The tracker's index key: seeded per process (keyed_hash.h), so that pids or addresses a
// peer chose to collide under some fixed function spread like any others; well mixed in the
// low bits, which the open-addressing table uses. Inline: it runs once or twice per beat.
inline std::size_t hashAgentKey(const AgentKey &key, const HashSeed &seed = g_processHashSeed) noexcept {
    std::uint64_t a, b;
    std::memcpy(&a, key.address.data(), 8);
    std::memcpy(&b, key.address.data() + 8, 8);
    const std::uint64_t c = (static_cast<std::uint64_t>(key.observer) << 40)
                            | (static_cast<std::uint64_t>(key.pid) << 8) | static_cast<std::uint64_t>(key.transport);
    return static_cast<std::size_t>(seededHash(a, b, c, seed));
}

}  // namespace varta

template <>
struct std::hash<varta::AgentKey> {
    std::size_t operator()(const varta::AgentKey &key) const noexcept { return varta::hashAgentKey(key); }
};

inline std::size_t qHash(const varta::AgentKey &key, std::size_t seed = 0) noexcept {
    return varta::hashAgentKey(key) ^ seed;
}
