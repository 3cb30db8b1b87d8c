#include "core/ingest/uds_listener.h"

#include "core/base/unix_socket_path.h"

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
    return clearStaleUnixSocket(m_path, SOCK_DGRAM,
                                QStringLiteral("another varta-watch is already running at ") + m_path, error);
}

bool UdsListener::open(QString *error) {
    sockaddr_un address{};
    if (!unixSocketAddress(m_path, address, error) || !clearStaleSocket(error))
        return false;
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int on = 1;
    if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0
        || bindUnixSocketWithMode(fd, address, m_mode) != 0) {
        *error = m_path + QStringLiteral(": cannot bind the Unix socket: ") + systemError();
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    // Only to know our own file at close; lstat, so a symlink put there is not followed.
    const QByteArray native = m_path.toLocal8Bit();
    struct stat st {};
    if (::lstat(native.constData(), &st) != 0) {
        *error = m_path + QStringLiteral(": cannot examine the new socket: ") + systemError();
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
