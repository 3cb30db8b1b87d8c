#include "core/base/secret_file.h"

#include <cctype>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace varta {
namespace {

SecretFileResult failure(const QString &path, const QString &problem) {
    return {std::nullopt, path + QStringLiteral(": ") + problem};
}

QString errnoText(int error) { return QString::fromLocal8Bit(std::strerror(error)); }

}  // namespace

SecretFileResult readSecretFile(const QString &path) {
    const QByteArray native = path.toLocal8Bit();
    const int fd = ::open(native.constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        const int error = errno;
        if (error == ELOOP)
            return failure(path, QStringLiteral("is a symbolic link (secret files must not be links)"));
        return failure(path, QStringLiteral("cannot open: ") + errnoText(error));
    }
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};

    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return failure(path, QStringLiteral("cannot stat: ") + errnoText(errno));
    if (!S_ISREG(st.st_mode))
        return failure(path, QStringLiteral("is not a regular file"));
    if ((st.st_mode & 077) != 0)
        return failure(
            path, QStringLiteral("insecure permissions %1 (must be 0600 or stricter)").arg(st.st_mode & 0777, 0, 8));
    if (st.st_uid != ::geteuid())
        return failure(path,
                       QStringLiteral("owned by uid %1, not by this process's uid %2").arg(st.st_uid).arg(::geteuid()));
    if (st.st_size > kSecretFileMaxBytes)
        return failure(path,
                       QStringLiteral("too large (%1 bytes, at most %2)").arg(st.st_size).arg(kSecretFileMaxBytes));

    QByteArray contents(static_cast<qsizetype>(st.st_size), Qt::Uninitialized);
    qsizetype done = 0;
    while (done < contents.size()) {
        const ssize_t n = ::read(fd, contents.data() + done, static_cast<size_t>(contents.size() - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return failure(path, QStringLiteral("cannot read: ") + errnoText(errno));
        if (n == 0)
            break;
        done += n;
    }
    contents.truncate(done);
    return {contents, {}};
}

std::optional<QByteArray> parseHexKey(QByteArrayView text) {
    const QByteArray trimmed = text.trimmed().toByteArray();
    if (trimmed.size() != 64)
        return std::nullopt;
    for (char c : trimmed) {
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            return std::nullopt;
    }
    return QByteArray::fromHex(trimmed);
}

}  // namespace varta
