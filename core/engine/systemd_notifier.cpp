#include "core/engine/systemd_notifier.h"

#include <systemd/sd-daemon.h>

namespace varta {

std::optional<std::int64_t> SystemdNotifier::watchdogIntervalNs() {
    std::uint64_t usec = 0;
    if (::sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
        return std::nullopt;
    return static_cast<std::int64_t>(usec) * 1000;
}

// sd_notify's result is not checked: a service manager that cannot be told is no
// reason to stop watching agents (and without $NOTIFY_SOCKET there is none to tell).
void SystemdNotifier::ready() { ::sd_notify(0, "READY=1"); }

void SystemdNotifier::watchdog() { ::sd_notify(0, "WATCHDOG=1"); }

void SystemdNotifier::stopping() { ::sd_notify(0, "STOPPING=1"); }

}  // namespace varta
