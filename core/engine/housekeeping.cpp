#include "core/engine/housekeeping.h"

#include "core/base/engine_clock.h"
#include "core/base/log.h"
#include "core/base/loop_stats.h"
#include "core/config/options.h"

#include <QFile>

namespace varta {

Housekeeping::Housekeeping(const Options &options, const LoopStats &loop, PidMaxFn pidMaxChanged, QObject *parent)
    : QObject(parent),
      m_loop(loop),
      m_pidMaxChanged(std::move(pidMaxChanged)),
      m_hwWatchdogPath(options.hwWatchdog),
      m_timer(this) {  // parented, so it moves to the engine thread with us
    if (!options.heartbeatFile.isEmpty())
        m_heartbeat = std::make_unique<HeartbeatFile>(options.heartbeatFile);
    m_timer.setInterval(kTickMs);
    connect(&m_timer, &QTimer::timeout, this, &Housekeeping::tick);
}

Housekeeping::~Housekeeping() = default;

bool Housekeeping::start(QString *error) {
    if (!m_hwWatchdogPath.isEmpty() && !m_hwWatchdog.open(m_hwWatchdogPath, error))
        return false;
    m_lastTickNs = engineNowNs();
    refreshPidMax();
    tick();  // the heartbeat file exists once the observer is up
    m_timer.start();
    return true;
}

void Housekeeping::stop() {
    m_timer.stop();
    m_hwWatchdog.disarm();
}

std::optional<std::uint32_t> Housekeeping::readPidMax() {
    QFile file(QStringLiteral("/proc/sys/kernel/pid_max"));
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    bool ok = false;
    const std::uint32_t value = file.readAll().trimmed().toUInt(&ok);
    if (!ok || value == 0)
        return std::nullopt;
    return value;
}

void Housekeeping::refreshPidMax() {
    m_lastPidMaxNs = engineNowNs();
    if (const auto pidMax = readPidMax(); pidMax && m_pidMaxChanged)
        m_pidMaxChanged(*pidMax);
}

void Housekeeping::tick() {
    const LoopStats::Scope stage(LoopStage::Housekeeping);
    const std::int64_t now = engineNowNs();
    if (now < m_lastTickNs)
        ++m_counters.clockRegressions;
    else if (now - m_lastTickNs > kClockJumpNs)
        ++m_counters.clockJumpsForward;
    m_lastTickNs = std::max(now, m_lastTickNs);

    m_hwWatchdog.kick();
    if (now - m_lastPidMaxNs >= std::int64_t{kPidMaxRefreshMs} * 1'000'000)
        refreshPidMax();
    if (m_heartbeat) {
        QString error;
        if (!m_heartbeat->write(m_loop.counters().iterations, now, &error)) {
            ++m_counters.heartbeatWriteErrors;
            logLimited(LogKind::HeartbeatIo, LogLevel::Error, QStringLiteral("--heartbeat-file: ") + error);
        }
    }
}

}  // namespace varta
