#pragma once
// The service manager's side of varta-watch: READY=1, WATCHDOG=1 and STOPPING=1 on
// $NOTIFY_SOCKET (a path or an @abstract name), through libsystemd's sd_notify. Without
// $NOTIFY_SOCKET every call does nothing, so the same binary runs under systemd or not.

#include <cstdint>
#include <optional>

namespace varta {

class SystemdNotifier {
public:
    // The watchdog interval systemd asks for ($WATCHDOG_USEC, when $WATCHDOG_PID is
    // unset or ours), in nanoseconds; nullopt when no watchdog is asked for.
    static std::optional<std::int64_t> watchdogIntervalNs();

    static void ready();     // listeners, files and metrics are up
    static void watchdog();  // the engine is turning
    static void stopping();  // shutdown has begun
};

}  // namespace varta
