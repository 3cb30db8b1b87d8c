#include "core/base/unix_socket_path.h"

#include <QByteArray>

#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace varta {

namespace {

QString systemError(int error) { return QString::fromLocal8Bit(std::strerror(error)); }

}  // namespace

bool unixSocketAddress(const QString &path, sockaddr_un &address, QString *error) {
    const QByteArray native = path.toLocal8Bit();
    address = sockaddr_un{};
    address.sun_family = AF_UNIX;
    if (native.isEmpty()) {
        *error = QStringLiteral("the socket path is empty");
        return false;
    }
    if (static_cast<std::size_t>(native.size()) >= sizeof address.sun_path) {
        *error = path
                 + QStringLiteral(": longer than %1 bytes, the most a Unix socket path may hold")
                       .arg(sizeof address.sun_path - 1);
        return false;
    }
    std::memcpy(address.sun_path, native.constData(), static_cast<std::size_t>(native.size()));
    return true;
}

bool clearStaleUnixSocket(const QString &path, int type, const QString &inUseMessage, QString *error) {
    const QByteArray native = path.toLocal8Bit();
    struct stat st {};
    if (::lstat(native.constData(), &st) != 0) {
        if (errno == ENOENT)
            return true;
        *error = path + QStringLiteral(": ") + systemError(errno);
        return false;
    }
    if (!S_ISSOCK(st.st_mode)) {
        *error = path + QStringLiteral(": exists and is not a socket; refusing to replace it");
        return false;
    }
    sockaddr_un address{};
    if (!unixSocketAddress(path, address, error))
        return false;
    // Non-blocking, so that a live observer whose backlog is full (EAGAIN) cannot hang us.
    const int probe = ::socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (probe < 0) {
        *error = path + QStringLiteral(": cannot create a socket: ") + systemError(errno);
        return false;
    }
    const int rc = ::connect(probe, reinterpret_cast<sockaddr *>(&address), sizeof address);
    const int connectErrno = errno;
    ::close(probe);
    if (rc == 0 || connectErrno == EAGAIN || connectErrno == EINPROGRESS) {
        *error = inUseMessage;
        return false;
    }
    if (connectErrno != ECONNREFUSED) {
        *error = path + QStringLiteral(": cannot tell whether the socket is in use: ") + systemError(connectErrno);
        return false;
    }
    if (::unlink(native.constData()) != 0 && errno != ENOENT) {  // stale: nobody listens
        *error = path + QStringLiteral(": cannot remove the stale socket: ") + systemError(errno);
        return false;
    }
    return true;
}

int bindUnixSocketWithMode(int fd, const sockaddr_un &address, mode_t mode) {
    const mode_t previousMask = ::umask(~mode & 0777);
    const int bound = ::bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address);
    const int bindErrno = errno;
    ::umask(previousMask);
    errno = bindErrno;
    return bound;
}

}  // namespace varta
