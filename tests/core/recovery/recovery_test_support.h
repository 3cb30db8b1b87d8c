#pragma once
// Shared by the recovery process tests: where the helper programs are, and the checks
// that a process is really gone.

#include <QByteArray>
#include <QFile>
#include <QString>

#include <cerrno>
#include <csignal>
#include <sys/types.h>
#include <sys/wait.h>

namespace varta::test {

inline QString helper(const char *name) {
    return QStringLiteral(VARTA_BINARY_DIR "/helpers/varta_helper_") + QLatin1String(name);
}

// No process, not even a zombie, has this pid.
inline bool processGone(qint64 pid) {
    return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// Resident set size of this process in KiB, from /proc/self/status.
inline qint64 residentKiB() {
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

} // namespace varta::test
