#include "core/engine/engine_watchdog.h"

#include "core/base/engine_clock.h"
#include "core/config/flag_table.h"
#include "core/engine/systemd_notifier.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace varta {
namespace {

constexpr std::int64_t kMaxTickNs = 250'000'000;  // the engine's turn tick, at most
constexpr std::int64_t kMinTickNs = 10'000'000;

std::int64_t tickNs(const EngineWatchdog::Settings &s) {
    std::int64_t tick = kMaxTickNs;
    if (s.pingIntervalNs > 0)
        tick = std::min(tick, s.pingIntervalNs / 4);
    if (s.wedgeLimitNs > 0)
        tick = std::min(tick, s.wedgeLimitNs / 4);
    return std::max(tick, kMinTickNs);
}

}  // namespace

EngineWatchdog::EngineWatchdog(Settings settings, const std::atomic<std::int64_t> &lastTurnNs)
    : m_settings(settings), m_lastTurnNs(lastTurnNs) {}

EngineWatchdog::~EngineWatchdog() { stop(); }

EngineWatchdog::Settings EngineWatchdog::settingsFor(std::optional<std::int64_t> systemdIntervalNs,
                                                     std::optional<std::int64_t> selfWatchdogSecs) {
    Settings settings;
    if (systemdIntervalNs && *systemdIntervalNs > 0)
        settings.pingIntervalNs = *systemdIntervalNs / 2;
    const std::int64_t secs =
        selfWatchdogSecs.value_or(settings.pingIntervalNs > 0 ? config::kSystemdSelfWatchdogSecs : 0);
    settings.wedgeLimitNs = secs * 1'000'000'000;
    return settings;
}

int EngineWatchdog::turnTickMs(const Settings &settings) { return static_cast<int>(tickNs(settings) / 1'000'000); }

void EngineWatchdog::start() {
    if (!enabled() || m_thread.joinable())
        return;
    m_thread = std::thread([this] { run(); });
}

void EngineWatchdog::stop() {
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void EngineWatchdog::run() {
    const std::chrono::nanoseconds tick(tickNs(m_settings));
    std::int64_t nextPingNs = monotonicNs();
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        const std::int64_t now = monotonicNs();
        const std::int64_t silentNs = now - m_lastTurnNs.load(std::memory_order_relaxed);
        if (m_settings.wedgeLimitNs > 0 && silentNs > m_settings.wedgeLimitNs) {
            std::fprintf(stderr, "varta-watch: engine thread wedged for >%llds; aborting\n",
                         static_cast<long long>(m_settings.wedgeLimitNs / 1'000'000'000));
            std::fflush(stderr);
            std::abort();
        }
        if (m_settings.pingIntervalNs > 0 && now >= nextPingNs) {
            if (silentNs < m_settings.pingIntervalNs)
                SystemdNotifier::watchdog();
            nextPingNs = now + m_settings.pingIntervalNs;
        }
        m_wake.wait_for(lock, tick, [this] { return m_stopping; });
    }
}

}  // namespace varta
