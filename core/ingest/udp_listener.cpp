#include "core/ingest/udp_listener.h"

#include "core/base/socket_address.h"

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
    const socklen_t bindLength = socketAddress(m_address, m_port, v6, bindAddress);
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
