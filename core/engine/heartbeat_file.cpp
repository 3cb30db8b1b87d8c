#include "core/engine/heartbeat_file.h"

#include <QFile>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace varta {

HeartbeatFile::HeartbeatFile(QString path) : m_path(std::move(path)), m_nativePath(QFile::encodeName(m_path)) {}

bool HeartbeatFile::write(std::uint64_t loopCount, std::int64_t observerNs, QString *error) {
    const QByteArray temporary =
        m_nativePath + '.' + QByteArray::number(::getpid()) + '.' + QByteArray::number(m_sequence++) + ".tmp";
    const QByteArray line = QByteArray::number(loopCount) + ' ' + QByteArray::number(observerNs) + '\n';
    const int fd = ::open(temporary.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        *error = m_path + QStringLiteral(": cannot create ") + QFile::decodeName(temporary) + QStringLiteral(": ")
                 + QString::fromLocal8Bit(std::strerror(errno));
        return false;
    }
    const ssize_t written = ::write(fd, line.constData(), static_cast<std::size_t>(line.size()));
    const int writeErrno = errno;
    ::close(fd);
    if (written != line.size()) {
        ::unlink(temporary.constData());
        *error = m_path + QStringLiteral(": cannot write: ")
                 + QString::fromLocal8Bit(written < 0 ? std::strerror(writeErrno) : "short write");
        return false;
    }
    if (::rename(temporary.constData(), m_nativePath.constData()) != 0) {
        const int renameErrno = errno;
        ::unlink(temporary.constData());
        *error = m_path + QStringLiteral(": cannot rename into place: ")
                 + QString::fromLocal8Bit(std::strerror(renameErrno));
        return false;
    }
    return true;
}

}  // namespace varta
