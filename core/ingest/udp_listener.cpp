#include "core/ingest/udp_listener.h"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace varta {

UdpListener::UdpListener(QHostAddress address, std::uint16_t port, Transport transport, DatagramSink &sink,
                         QObject *parent)
    : QObject(parent), m_address(address), m_port(port), m_transport(transport), m_reader(transport, sink) {}

UdpListener::~UdpListener() { close(); }

bool UdpListener::open(QString *error) {
    const bool v6 = m_address.protocol() == QAbstractSocket::IPv6Protocol;
    sockaddr_storage bindAddress{};
    socklen_t bindLength = 0;
    if (v6) {
        auto &sa = reinterpret_cast<sockaddr_in6 &>(bindAddress);
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(m_port);
        const Q_IPV6ADDR raw = m_address.toIPv6Address();
        std::memcpy(sa.sin6_addr.s6_addr, raw.c, 16);
        bindLength = sizeof sa;
    } else {
        auto &sa = reinterpret_cast<sockaddr_in &>(bindAddress);
        sa.sin_family = AF_INET;
        sa.sin_port = htons(m_port);
        sa.sin_addr.s_addr = htonl(m_address.toIPv4Address());
        bindLength = sizeof sa;
    }
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&bindAddress), bindLength) != 0) {
        *error = QStringLiteral("cannot bind UDP %1:%2: %3")
                     .arg(m_address.toString())
                     .arg(m_port)
                     .arg(QString::fromLocal8Bit(std::strerror(errno)));
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    sockaddr_storage bound{};
    socklen_t boundLength = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &boundLength);
    m_boundPort =
        ntohs(v6 ? reinterpret_cast<sockaddr_in6 &>(bound).sin6_port : reinterpret_cast<sockaddr_in &>(bound).sin_port);
    // A UDP socket queues as much as its receive buffer holds.
    m_reader.start(fd, 0);
    return true;
}

void UdpListener::close() { m_reader.stop(); }

QString UdpListener::description() const {
    return QStringLiteral("%1 %2:%3")
        .arg(m_transport == Transport::SecureUdp ? QStringLiteral("secure-udp") : QStringLiteral("udp"),
             m_address.toString())
        .arg(m_boundPort);
}

}  // namespace varta
