#pragma once
// --hw-watchdog: a Linux watchdog device (/dev/watchdog*). Opening it arms it; the engine
// thread kicks it from its housekeeping tick, so a wedged engine lets the machine reset;
// a clean exit writes the magic 'V' first, which disarms it. As upstream, its timeout is
// raised to at least 30 s so a slow shutdown is no reset.

#include <QString>

namespace varta {

class HardwareWatchdog {
public:
    static constexpr int kMinTimeoutSecs = 30;

    HardwareWatchdog() = default;
    ~HardwareWatchdog();
    HardwareWatchdog(const HardwareWatchdog &) = delete;
    HardwareWatchdog &operator=(const HardwareWatchdog &) = delete;

    // False with "PATH: problem" when it is not a character device, not a watchdog, or
    // its timeout cannot be made 30 s or more; a device opened is disarmed again first.
    bool open(const QString &path, QString *error);
    bool isOpen() const { return m_fd >= 0; }
    void kick();
    // The magic close: the device stops counting. Only on a clean exit.
    void disarm();
    int timeoutSecs() const { return m_timeoutSecs; }

private:
    int m_fd = -1;
    int m_timeoutSecs = 0;
};

}  // namespace varta
