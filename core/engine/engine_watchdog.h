#pragma once
// Watches the engine thread from a thread of its own. The engine thread stores the time
// of each event-loop turn (EngineThread ticks it every kTurnTickMs); from that:
//   - WATCHDOG=1 goes to systemd every ping interval, but only while the last turn is
//     more recent than one interval: a wedged engine stops the pings, and systemd's
//     WatchdogSec= restarts the service;
//   - past the wedge limit (--self-watchdog-secs) without a turn, the process aborts
//     with one line on stderr, so a wedged engine never goes on looking alive.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

namespace varta {

class EngineWatchdog {
public:
    struct Settings {
        std::int64_t pingIntervalNs = 0;  // 0: no WATCHDOG=1
        std::int64_t wedgeLimitNs = 0;    // 0: never abort
    };
    // systemd's WATCHDOG_USEC (nullopt: none asked for) and --self-watchdog-secs: pings
    // every half interval; the self-watchdog as given, or kSystemdSelfWatchdogSecs under
    // systemd's watchdog when the flag is not given.
    static Settings settingsFor(std::optional<std::int64_t> systemdIntervalNs,
                                std::optional<std::int64_t> selfWatchdogSecs);

    EngineWatchdog(Settings settings, const std::atomic<std::int64_t> &lastTurnNs);
    ~EngineWatchdog();  // stops the thread
    EngineWatchdog(const EngineWatchdog &) = delete;
    EngineWatchdog &operator=(const EngineWatchdog &) = delete;

    bool enabled() const noexcept { return m_settings.pingIntervalNs > 0 || m_settings.wedgeLimitNs > 0; }
    void start();  // does nothing when !enabled()
    void stop();

    // How often the engine thread should store its turn time: often enough that a turn
    // is always fresher than a ping interval.
    static int turnTickMs(const Settings &settings);

private:
    void run();

    const Settings m_settings;
    const std::atomic<std::int64_t> &m_lastTurnNs;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
};

}  // namespace varta
