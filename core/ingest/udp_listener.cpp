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
    : QObject(parent), address_(std::move(address)), port_(port), transport_(transport), reader_(transport, sink) {}

UdpListener::~UdpListener() { close(); }

bool UdpListener::open(QString *error) {
    const bool v6 = address_.protocol() == QAbstractSocket::IPv6Protocol;
    sockaddr_storage bindAddress{};
    socklen_t bindLength = 0;
    if (v6) {
        auto &sa = reinterpret_cast<sockaddr_in6 &>(bindAddress);
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(port_);
        const Q_IPV6ADDR raw = address_.toIPv6Address();
        std::memcpy(sa.sin6_addr.s6_addr, raw.c, 16);
        bindLength = sizeof sa;
    } else {
        auto &sa = reinterpret_cast<sockaddr_in &>(bindAddress);
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port_);
        sa.sin_addr.s_addr = htonl(address_.toIPv4Address());
        bindLength = sizeof sa;
    }
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&bindAddress), bindLength) != 0) {
        *error = QStringLiteral("cannot bind UDP %1:%2: %3")
                     .arg(address_.toString())
                     .arg(port_)
                     .arg(QString::fromLocal8Bit(std::strerror(errno)));
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    sockaddr_storage bound{};
    socklen_t boundLength = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &boundLength);
    boundPort_ =
        ntohs(v6 ? reinterpret_cast<sockaddr_in6 &>(bound).sin6_port : reinterpret_cast<sockaddr_in &>(bound).sin_port);
    // A UDP socket queues as much as its receive buffer holds.
    reader_.start(fd, 0);
    return true;
}

void UdpListener::close() { reader_.stop(); }

QString UdpListener::description() const {
    return QStringLiteral("%1 %2:%3")
        .arg(transport_ == Transport::SecureUdp ? QStringLiteral("secure-udp") : QStringLiteral("udp"),
             address_.toString())
        .arg(boundPort_);
}

}  // namespace varta
