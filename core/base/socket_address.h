#pragma once
// A QHostAddress and port as the sockaddr that bind() and sendto() take, for the
// listeners that make their sockets by hand (UDP beats, /metrics).

#include <QHostAddress>

#include <sys/socket.h>

namespace varta {

// Fills `storage` with address:port as sockaddr_in6 (`v6`; an IPv4 address is not mapped,
// so pass v6 only for IPv6 addresses and "any") or sockaddr_in, and returns its length.
// A link-local IPv6 address keeps its scope (interface name or number).
socklen_t socketAddress(const QHostAddress &address, quint16 port, bool v6, sockaddr_storage &storage);

}  // namespace varta
