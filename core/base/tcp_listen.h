#pragma once
// A listening TCP socket, made by hand rather than by QTcpServer, so that AcceptLoop
// decides what a failed accept() means (accept_loop.h says why).

#include <QHostAddress>
#include <QString>

namespace varta {

// A non-blocking, close-on-exec socket listening on address:port (port 0: a free one),
// with SO_REUSEADDR as QTcpServer sets it. QHostAddress::Any listens on IPv6 and IPv4;
// any other IPv6 address on IPv6 alone. On success returns the descriptor and sets
// *boundPort; on failure returns -1 with *error saying why (not naming the address:
// the caller knows how it was spelled).
int listenTcp(const QHostAddress &address, quint16 port, int backlog, quint16 *boundPort, QString *error);

}  // namespace varta
