#pragma once
// Shared by the recovery process tests: where the helper programs are, and the checks
// that a process is really gone.

#include "tests/support/proc_status.h"
#include "tests/support/sanitizers.h"

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QString>

#include <cerrno>
#include <csignal>

#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

namespace varta::test {

inline QString helper(const char *name) {
    return QStringLiteral(VARTA_BINARY_DIR "/child_programs/varta_child_") + QLatin1String(name);
}

// No process, not even a zombie, has this pid.
inline bool processGone(qint64 pid) { return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; }

// For a test process that made itself a child subreaper (PR_SET_CHILD_SUBREAPER): an
// orphaned grandchild becomes our child, so reaping it here shows how it died and
// leaves no zombie. Returns the signal once it has been reaped, 0 before (or if it
// exited instead).
inline int reapedBySignal(qint64 pid) {
    int status = 0;
    const pid_t got = ::waitpid(static_cast<pid_t>(pid), &status, WNOHANG);
    return got == pid && WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

// Grandchildren a failed test left behind (still alive, or dead and unreaped).
inline void killAndReap(const QList<qint64> &pids) {
    for (const qint64 pid : pids) {
        if (::waitpid(static_cast<pid_t>(pid), nullptr, WNOHANG) == 0) {
            ::kill(static_cast<pid_t>(pid), SIGKILL);
            ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
        }
    }
}

// "grandchild <pid>" as varta_child_grandchild prints it.
inline qint64 grandchildPidIn(const QByteArray &output) {
    return output.startsWith("grandchild ") ? output.mid(11).trimmed().toLongLong() : 0;
}

// While alive, writes past `bytes` in any file fail with EFBIG instead of raising
// SIGXFSZ: a disk that fills up in the middle of a record.
class FileSizeLimit {
public:
    explicit FileSizeLimit(qint64 bytes) {
        ::getrlimit(RLIMIT_FSIZE, &m_saved);
        m_previousHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = m_saved;
        limit.rlim_cur = rlim_t(bytes);
        ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &m_saved);
        std::signal(SIGXFSZ, m_previousHandler);
    }
    FileSizeLimit(const FileSizeLimit &) = delete;
    FileSizeLimit &operator=(const FileSizeLimit &) = delete;

private:
    rlimit m_saved{};
    void (*m_previousHandler)(int) = nullptr;
};

}  // namespace varta::test
