#pragma once
// A Unix socket's path, for the two listeners that bind one (the beat socket and the
// control socket): its address, and the stale file a crashed observer left behind. A
// path that something still answers on, or that is no socket, is never removed.

#include <QString>

#include <sys/types.h>
#include <sys/un.h>

namespace varta {

// The address of `path`; false and *error naming the path when it does not fit.
bool unixSocketAddress(const QString &path, sockaddr_un &address, QString *error);

// Makes room to bind `path`: nothing there is fine; a socket nobody listens on (connect
// refused) is removed. A live one (of socket type `type`) fails with `inUseMessage`;
// anything else fails naming the path and the problem.
bool clearStaleUnixSocket(const QString &path, int type, const QString &inUseMessage, QString *error);

// bind() with the socket file born with `mode` (permission bits, at most 0777): the umask
// is set around the call, so there is no moment at which the file has a wider mode, and
// no chmod by name afterwards that a path swapped for a symlink could redirect onto
// another file. The umask is the process's: call this before other threads create files.
// Returns bind()'s result; errno is bind()'s.
int bindUnixSocketWithMode(int fd, const sockaddr_un &address, mode_t mode);

}  // namespace varta
