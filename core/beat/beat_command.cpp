#include "core/beat/beat_command.h"

#include "core/beat/beat_client.h"
#include "core/beat/monotonic_sleep.h"
#include "core/engine_clock.h"

#include <algorithm>
#include <utility>

namespace varta {
namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;
// Longest single sleep, so a stop flag set from another thread is seen promptly.
constexpr std::int64_t kMaxSleepNs = 50 * kNsPerMs;

// False when `stop` was raised before the deadline.
bool waitUntil(std::int64_t deadlineNs, const std::atomic<bool> &stop) {
    for (;;) {
        if (stop.load(std::memory_order_relaxed))
            return false;
        const std::int64_t now = monotonicNs();
        if (now >= deadlineNs)
            return true;
        sleepUntilNs(std::min(deadlineNs, now + kMaxSleepNs));
    }
}

} // namespace

BeatCommand::BeatCommand(BeatOptions options) : options_(std::move(options)) {}

BeatReport BeatCommand::run(const std::atomic<bool> &stop) {
    return options_.simulate ? runLoad(stop) : runSingle(stop);
}

QString BeatCommand::summaryLine(std::uint64_t frames, std::uint64_t failed, std::uint32_t agents,
                                 std::uint32_t stalled, std::int64_t elapsedNs) {
    const double seconds = static_cast<double>(elapsedNs) / 1e9;
    const double rate = seconds > 0 ? static_cast<double>(frames) / seconds : 0.0;
    return QStringLiteral("varta-beat frames=%1 failed=%2 agents=%3 stalled=%4 seconds=%5 rate=%6")
        .arg(frames).arg(failed).arg(agents).arg(stalled)
        .arg(seconds, 0, 'f', 3).arg(rate, 0, 'f', 1);
}

BeatReport BeatCommand::runSingle(const std::atomic<bool> &stop) {
    BeatClient client;
    const bool connected = options_.overUdp() ? client.connectUdp(options_.udpHost, options_.udpPort)
                                              : client.connectUnix(options_.socketPath);
    if (!connected)
        return {1, {}, QStringLiteral("varta-beat: cannot reach %1: %2")
                           .arg(options_.targetDescription(), client.errorString())};
    client.setPidOverride(options_.pid);
    client.setNextNonce(options_.nonceStart);

    std::uint64_t sent = 0;
    std::uint64_t failed = 0;
    QString lastError;
    const auto record = [&](bool ok) {
        ok ? ++sent : ++failed;
        if (!ok)
            lastError = client.errorString();
    };
    const std::int64_t start = monotonicNs();
    if (options_.panic) {
        record(client.sendPanic(options_.payload));
    } else {
        const std::int64_t intervalNs = options_.intervalMs * kNsPerMs;
        for (std::uint64_t k = 0; options_.count == 0 || k < options_.count; ++k) {
            // Deadlines from the start, not from the last send, so the interval does not drift.
            if (!waitUntil(start + static_cast<std::int64_t>(k) * intervalNs, stop))
                break;
            record(client.send(options_.status, options_.payload));
        }
    }
    BeatReport report;
    report.summary = summaryLine(sent, failed, 1, 0, monotonicNs() - start);
    if (failed > 0)
        report.error = QStringLiteral("varta-beat: %1 of %2 beats not sent to %3: %4")
                           .arg(failed).arg(sent + failed).arg(options_.targetDescription(), lastError);
    return report;
}

BeatReport BeatCommand::runLoad(const std::atomic<bool> &stop) {
    LoadGenerator generator(options_.load);
    if (!generator.connectUdp(options_.udpHost, options_.udpPort))
        return {1, {}, QStringLiteral("varta-beat: cannot reach %1: %2")
                           .arg(options_.targetDescription(), generator.errorString())};
    generator.run(stop);
    BeatReport report;
    report.summary = summaryLine(generator.framesSent(), generator.sendFailures(),
                                 generator.agentCount(), generator.stalledAgentCount(),
                                 generator.elapsedNs());
    if (!generator.errorString().isEmpty()) {
        report.exitCode = 1;
        report.error = QStringLiteral("varta-beat: %1").arg(generator.errorString());
    }
    return report;
}

} // namespace varta
