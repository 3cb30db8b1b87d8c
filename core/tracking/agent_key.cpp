#include "core/tracking/agent_key.h"

#include <netinet/in.h>

namespace varta {

AgentKey AgentKey::fromPeer(Transport transport, const QHostAddress &peer, std::uint32_t pid) {
    AgentKey key;
    key.transport = transport;
    key.pid = pid;
    if (transport == Transport::Uds)
        return key;
    bool isV4 = false;
    const quint32 v4 = peer.toIPv4Address(&isV4);
    if (isV4) {
        // ::ffff:a.b.c.d, so an IPv4 peer is the same agent on a dual-stack socket.
        key.address[10] = 0xff;
        key.address[11] = 0xff;
        key.address[12] = static_cast<std::uint8_t>(v4 >> 24);
        key.address[13] = static_cast<std::uint8_t>(v4 >> 16);
        key.address[14] = static_cast<std::uint8_t>(v4 >> 8);
        key.address[15] = static_cast<std::uint8_t>(v4);
    } else {
        const Q_IPV6ADDR v6 = peer.toIPv6Address();
        std::memcpy(key.address.data(), v6.c, 16);
    }
    return key;
}

AgentKey AgentKey::fromSockaddr(Transport transport, const sockaddr_storage &peer,
                                std::uint32_t pid) noexcept {
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

QHostAddress AgentKey::peerAddress() const {
    if (transport == Transport::Uds)
        return {};
    Q_IPV6ADDR v6;
    std::memcpy(v6.c, address.data(), 16);
    const QHostAddress peer(v6);
    bool isV4 = false;
    const quint32 v4 = peer.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : peer;
}

QString AgentKey::addressText() const {
    return transport == Transport::Uds ? QStringLiteral("local") : peerAddress().toString();
}

QString AgentKey::originLabel() const {
    switch (transport) {
    case Transport::Uds: return QStringLiteral("uds");
    case Transport::Udp: return QStringLiteral("udp:") + addressText();
    case Transport::SecureUdp: return QStringLiteral("secure-udp:") + addressText();
    }
    return QStringLiteral("unknown");
}

std::size_t hashAgentKey(const AgentKey &key) noexcept {
    // 64-bit mix of (pid, transport, address) — splitmix64 finaliser over folded words.
    std::uint64_t a, b;
    std::memcpy(&a, key.address.data(), 8);
    std::memcpy(&b, key.address.data() + 8, 8);
    std::uint64_t h = (static_cast<std::uint64_t>(key.pid) << 8) ^ static_cast<std::uint64_t>(key.transport);
    h ^= a * 0x9E3779B97F4A7C15ull;
    h ^= b * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 31;
    return static_cast<std::size_t>(h);
}

} // namespace varta
