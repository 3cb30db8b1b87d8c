#pragma once
// A process's memory as the kernel reports it, for tests that bound it.

#include <QByteArray>
#include <QFile>
#include <QString>

namespace varta::test {

// A "Key:   N kB" line of /proc/PID/status ("self" for this process), in KiB, or -1.
inline qint64 statusKiB(const QString &pid, const QByteArray &key) {
    QFile file(QStringLiteral("/proc/%1/status").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : file.readAll().split('\n'))
        if (line.startsWith(key + ':'))
            return line.mid(key.size() + 1).simplified().split(' ').value(0).toLongLong();
    return -1;
}

inline qint64 statusKiB(qint64 pid, const QByteArray &key) { return statusKiB(QString::number(pid), key); }
inline qint64 vmRssKiB(qint64 pid) { return statusKiB(pid, "VmRSS"); }
inline qint64 residentKiB() { return statusKiB(QStringLiteral("self"), "VmRSS"); }

}  // namespace varta::test
