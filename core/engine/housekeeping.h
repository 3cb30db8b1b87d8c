#pragma once
// The engine thread's 100 ms tick: what upstream does once per loop iteration in its
// housekeeping stage. It watches the engine clock for jumps, rewrites --heartbeat-file,
// kicks --hw-watchdog and re-reads /proc/sys/kernel/pid_max once a minute. On the engine
// thread, so a wedged engine stops the heartbeat and the kicks: that is their point.

#include "core/engine/hardware_watchdog.h"
#include "core/engine/heartbeat_file.h"

#include <QObject>
#include <QTimer>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace varta {

class LoopStats;
struct Options;

struct HousekeepingCounters {
    std::uint64_t clockRegressions = 0;   // varta_observer_clock_regression_total
    std::uint64_t clockJumpsForward = 0;  // varta_observer_clock_jump_forward_total
    std::uint64_t heartbeatWriteErrors = 0;
};

class Housekeeping : public QObject {
    Q_OBJECT
public:
    static constexpr int kTickMs = 100;
    static constexpr int kPidMaxRefreshMs = 60'000;
    // A tick this much later than the one before is a jump of the clock (or of a suspend
    // under --clock-source boottime, or an engine that did not turn), as upstream counts it.
    static constexpr std::int64_t kClockJumpNs = 5'000'000'000;

    using PidMaxFn = std::function<void(std::uint32_t)>;

    Housekeeping(const Options &options, const LoopStats &loop, PidMaxFn pidMaxChanged, QObject *parent = nullptr);
    ~Housekeeping() override;

    // Opens the hardware watchdog; false with the reason when it cannot be used.
    bool start(QString *error);
    // A clean stop: the hardware watchdog is disarmed.
    void stop();
    const HousekeepingCounters &counters() const { return m_counters; }

    // /proc/sys/kernel/pid_max, or nothing when it cannot be read.
    static std::optional<std::uint32_t> readPidMax();

private:
    void tick();
    void refreshPidMax();

    const LoopStats &m_loop;
    PidMaxFn m_pidMaxChanged;
    std::unique_ptr<HeartbeatFile> m_heartbeat;
    QString m_hwWatchdogPath;
    HardwareWatchdog m_hwWatchdog;
    QTimer m_timer;
    std::int64_t m_lastTickNs = 0;
    std::int64_t m_lastPidMaxNs = 0;
    HousekeepingCounters m_counters;
};

}  // namespace varta
