#include "core/engine/hardware_watchdog.h"

#include <QFile>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <linux/watchdog.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace varta {

namespace {

QString problem(const QString &path, const QString &what) { return path + QStringLiteral(": ") + what; }

QString systemError(const QString &path, const char *what) {
    return problem(path,
                   QString::fromLatin1(what) + QStringLiteral(": ") + QString::fromLocal8Bit(std::strerror(errno)));
}

}  // namespace

HardwareWatchdog::~HardwareWatchdog() {
    // Not disarmed: an exit that did not go through disarm() is no clean exit, and the
    // machine should reset if nothing restarts us within the timeout.
    if (m_fd >= 0)
        ::close(m_fd);
}

bool HardwareWatchdog::open(const QString &path, QString *error) {
    const QByteArray native = QFile::encodeName(path);
    struct stat st {};
    if (::stat(native.constData(), &st) != 0) {
        *error = systemError(path, "cannot open the watchdog device");
        return false;
    }
    if (!S_ISCHR(st.st_mode)) {
        *error = problem(path, QStringLiteral("not a character device, so no watchdog"));
        return false;
    }
    m_fd = ::open(native.constData(), O_WRONLY | O_CLOEXEC);
    if (m_fd < 0) {
        *error = systemError(path, "cannot open the watchdog device");
        return false;
    }
    int timeout = 0;
    if (::ioctl(m_fd, WDIOC_GETTIMEOUT, &timeout) != 0) {
        *error = systemError(path, "not a watchdog (WDIOC_GETTIMEOUT)");
        disarm();
        return false;
    }
    if (timeout < kMinTimeoutSecs) {
        timeout = kMinTimeoutSecs;
        if (::ioctl(m_fd, WDIOC_SETTIMEOUT, &timeout) != 0 || ::ioctl(m_fd, WDIOC_GETTIMEOUT, &timeout) != 0
            || timeout < kMinTimeoutSecs) {
            *error = problem(path, QStringLiteral("its timeout cannot be raised to %1 s").arg(kMinTimeoutSecs));
            disarm();
            return false;
        }
    }
    m_timeoutSecs = timeout;
    return true;
}

void HardwareWatchdog::kick() {
    if (m_fd < 0)
        return;
    const char nul = '\0';
    [[maybe_unused]] const ssize_t ignored = ::write(m_fd, &nul, 1);  // a failed kick shows as a reset
}

void HardwareWatchdog::disarm() {
    if (m_fd < 0)
        return;
    const char magic = 'V';
    [[maybe_unused]] const ssize_t ignored = ::write(m_fd, &magic, 1);
    ::close(m_fd);
    m_fd = -1;
}

}  // namespace varta
