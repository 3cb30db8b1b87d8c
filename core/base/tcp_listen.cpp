#include "core/base/tcp_listen.h"

#include "core/base/socket_address.h"

#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace varta {

namespace {

QString systemError(int error) { return QString::fromLocal8Bit(std::strerror(error)); }

int fail(int fd, const QString &what, QString *error) {
    const int saved = errno;
    if (error)
        *error = what + QStringLiteral(": ") + systemError(saved);
    if (fd >= 0)
        ::close(fd);
    return -1;
}

}  // namespace

int listenTcp(const QHostAddress &address, quint16 port, int backlog, quint16 *boundPort, QString *error) {
    const bool ipv4 = address.protocol() == QAbstractSocket::IPv4Protocol;
    const int fd = ::socket(ipv4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail(fd, QStringLiteral("cannot create a socket"), error);
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (!ipv4) {
        const int v6only = address.protocol() == QAbstractSocket::AnyIPProtocol ? 0 : 1;
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    sockaddr_storage storage{};
    const socklen_t length = socketAddress(address, port, !ipv4, storage);
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&storage), length) != 0)
        return fail(fd, QStringLiteral("cannot bind"), error);
    if (::listen(fd, backlog) != 0)
        return fail(fd, QStringLiteral("cannot listen"), error);
    sockaddr_storage bound{};
    socklen_t boundLength = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &boundLength) != 0)
        return fail(fd, QStringLiteral("cannot read the bound address"), error);
    // sin_port and sin6_port sit at the same offset.
    if (boundPort)
        *boundPort = ntohs(reinterpret_cast<const sockaddr_in &>(bound).sin_port);
    return fd;
}

}  // namespace varta
