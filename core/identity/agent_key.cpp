#include "core/identity/agent_key.h"

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

QString AgentKey::text() const {
    const QString pidText = QString::number(pid);
    if (transport == Transport::Uds)
        return QStringLiteral("uds/") + pidText;
    const QHostAddress peer = peerAddress();
    const QString address = peer.protocol() == QAbstractSocket::IPv6Protocol
                                ? QLatin1Char('[') + peer.toString() + QLatin1Char(']')
                                : peer.toString();
    return (transport == Transport::Udp ? QStringLiteral("udp:") : QStringLiteral("secure-udp:")) + address
           + QLatin1Char('/') + pidText;
}

std::optional<AgentKey> AgentKey::parse(const QString &text) {
    const qsizetype slash = text.lastIndexOf(QLatin1Char('/'));
    if (slash <= 0)
        return std::nullopt;
    bool ok = false;
    const qulonglong pid = QStringView(text).mid(slash + 1).toULongLong(&ok);
    if (!ok || pid == 0 || pid > 0xffffffffull)
        return std::nullopt;
    const QStringView origin = QStringView(text).left(slash);
    if (origin == u"uds")
        return local(static_cast<std::uint32_t>(pid));
    Transport transport;
    QStringView address;
    if (origin.startsWith(u"udp:")) {
        transport = Transport::Udp;
        address = origin.mid(4);
    } else if (origin.startsWith(u"secure-udp:")) {
        transport = Transport::SecureUdp;
        address = origin.mid(11);
    } else {
        return std::nullopt;
    }
    if (address.startsWith(u'[') && address.endsWith(u']'))
        address = address.mid(1, address.size() - 2);
    const QHostAddress peer(address.toString());
    if (peer.isNull())
        return std::nullopt;
    return fromPeer(transport, peer, static_cast<std::uint32_t>(pid));
}

}  // namespace varta
