#include "core/ingest/uds_listener.h"

#include <QFile>

#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace varta {
namespace {

QString systemError() { return QString::fromLocal8Bit(std::strerror(errno)); }

bool fillAddress(const QString &path, sockaddr_un &address, QString *error) {
    const QByteArray native = path.toLocal8Bit();
    address = sockaddr_un{};
    address.sun_family = AF_UNIX;
    if (native.isEmpty() || static_cast<std::size_t>(native.size()) >= sizeof address.sun_path) {
        *error =
            path + QStringLiteral(": socket path is empty or longer than %1 bytes").arg(sizeof address.sun_path - 1);
        return false;
    }
    std::memcpy(address.sun_path, native.constData(), static_cast<std::size_t>(native.size()));
    return true;
}

// How many datagrams a Unix datagram socket queues before its senders must wait: the
// kernel's net.unix.max_dgram_qlen, read when the socket is made. Unknown: assume the
// kernel's default, 10, so that reads are never paused.
std::int64_t datagramQueueLimit() {
    QFile file(QStringLiteral("/proc/sys/net/unix/max_dgram_qlen"));
    bool ok = false;
    const std::int64_t limit = file.open(QIODevice::ReadOnly) ? file.readAll().trimmed().toLongLong(&ok) : 0;
    return ok && limit > 0 ? limit : 10;
}

}  // namespace

UdsListener::UdsListener(QString path, std::uint32_t mode, int receiveBufferBytes, DatagramSink &sink, QObject *parent)
    : QObject(parent),
      m_path(std::move(path)),
      m_mode(mode),
      m_receiveBufferBytes(receiveBufferBytes),
      m_reader(Transport::Uds, sink) {}

UdsListener::~UdsListener() { close(); }

bool UdsListener::clearStaleSocket(QString *error) {
    const QByteArray native = m_path.toLocal8Bit();
    struct stat st {};
    if (::lstat(native.constData(), &st) != 0) {
        if (errno == ENOENT)
            return true;
        *error = m_path + QStringLiteral(": ") + systemError();
        return false;
    }
    if (!S_ISSOCK(st.st_mode)) {
        *error = m_path + QStringLiteral(": exists and is not a socket; refusing to replace it");
        return false;
    }
    sockaddr_un address{};
    if (!fillAddress(m_path, address, error))
        return false;
    const int probe = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int rc = ::connect(probe, reinterpret_cast<sockaddr *>(&address), sizeof address);
    const int connectErrno = errno;
    ::close(probe);
    if (rc == 0) {
        *error = QStringLiteral("another varta-watch is already running at ") + m_path;
        return false;
    }
    if (connectErrno != ECONNREFUSED) {
        errno = connectErrno;
        *error = m_path + QStringLiteral(": cannot tell whether the socket is in use: ") + systemError();
        return false;
    }
    ::unlink(native.constData());  // stale: nobody listens
    return true;
}

bool UdsListener::open(QString *error) {
    sockaddr_un address{};
    if (!fillAddress(m_path, address, error) || !clearStaleSocket(error))
        return false;
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int on = 1;
    if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0
        || ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        *error = m_path + QStringLiteral(": cannot bind the Unix socket: ") + systemError();
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    const QByteArray native = m_path.toLocal8Bit();
    struct stat st {};
    if (::chmod(native.constData(), m_mode) != 0 || ::stat(native.constData(), &st) != 0) {
        *error = m_path + QStringLiteral(": cannot set the socket's mode: ") + systemError();
        ::close(fd);
        return false;
    }
    m_inode = st.st_ino;
    m_queueLimit = datagramQueueLimit();
    m_reader.start(fd, m_queueLimit, m_receiveBufferBytes);
    return true;
}

void UdsListener::close() {
    if (!m_reader.isReading())
        return;
    m_reader.stop();
    const QByteArray native = m_path.toLocal8Bit();
    struct stat st {};
    if (m_inode != 0 && ::lstat(native.constData(), &st) == 0 && st.st_ino == m_inode)
        ::unlink(native.constData());
    m_inode = 0;
}

}  // namespace varta
