#pragma once
// A tiny tmpfs of our own, to fill up and free again: what a full disk does to a file is
// tested on a disk we can fill in a moment. Mounting needs root (CAP_SYS_ADMIN); a test
// that cannot mount one skips.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>
#include <QTemporaryDir>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

namespace varta::test {

class SmallTmpfs {
public:
    // `options` as mount -o takes them: "size=64k", "nr_inodes=8".
    explicit SmallTmpfs(const char *options) {
        const QByteArray where = QFile::encodeName(m_dir.path());
        m_mounted = m_dir.isValid() && ::mount("tmpfs", where.constData(), "tmpfs", 0, options) == 0;
    }
    ~SmallTmpfs() {
        if (m_mounted)
            ::umount2(QFile::encodeName(m_dir.path()).constData(), MNT_DETACH);
    }
    SmallTmpfs(const SmallTmpfs &) = delete;
    SmallTmpfs &operator=(const SmallTmpfs &) = delete;

    bool mounted() const { return m_mounted; }
    QString filePath(const QString &name) const { return m_dir.filePath(name); }

    // Writes `name` until the disk refuses another byte.
    void fill(const QString &name = QStringLiteral("filler")) const {
        const int fd = ::open(QFile::encodeName(filePath(name)).constData(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        const QByteArray block(4096, 'x');
        while (::write(fd, block.constData(), static_cast<size_t>(block.size())) > 0) {}
        while (::write(fd, block.constData(), 1) > 0) {}
        ::close(fd);
    }
    // Creates empty files until the disk has no inode left.
    void useUpInodes() const {
        for (int i = 0;; ++i) {
            const int fd = ::open(QFile::encodeName(filePath(QStringLiteral("inode-%1").arg(i))).constData(),
                                  O_WRONLY | O_CREAT, 0600);
            if (fd < 0)
                return;
            ::close(fd);
        }
    }
    void freeInodes() const {
        QDir dir(m_dir.path());
        for (const QString &name : dir.entryList({QStringLiteral("inode-*")}, QDir::Files))
            dir.remove(name);
    }
    void remove(const QString &name = QStringLiteral("filler")) const { QFile::remove(filePath(name)); }

private:
    QTemporaryDir m_dir;
    bool m_mounted = false;
};

}  // namespace varta::test
