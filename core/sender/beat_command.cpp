#include "core/sender/beat_command.h"

#include "core/base/engine_clock.h"
#include "core/base/monotonic_sleep.h"
#include "core/base/secret_file.h"
#include "core/sender/beat_client.h"
#include "core/sender/secure_sealer.h"

#include <algorithm>
#include <array>
#include <memory>
#include <utility>

#include <unistd.h>

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

vlp::KeyView keyView(const QByteArray &key) {
    return vlp::KeyView(reinterpret_cast<const std::uint8_t *>(key.constData()), vlp::kKeySize);
}

// Like upstream's secure clients: one session per sender with a random salt; a master-key
// sender seals for the pid its frames carry.
std::unique_ptr<SecureSealer> makeSealer(const BeatOptions &options, const QByteArray &key) {
    if (key.isEmpty())
        return nullptr;
    if (!options.masterKey)
        return std::make_unique<SecureSealer>(keyView(key));
    return std::make_unique<SecureSealer>(keyView(key), options.pid.value_or(static_cast<std::uint32_t>(::getpid())));
}

}  // namespace

BeatCommand::BeatCommand(BeatOptions options) : m_options(std::move(options)) {}

BeatReport BeatCommand::run(const std::atomic<bool> &stop) {
    QByteArray key;
    if (m_options.secure()) {
        QString error;
        const std::optional<QByteArray> loaded = loadKey(m_options, error);
        if (!loaded)
            return {1, {}, QStringLiteral("varta-beat: ") + error};
        key = *loaded;
    }
    return m_options.simulate ? runLoad(stop, key) : runSingle(stop, key);
}

std::optional<QByteArray> BeatCommand::loadKey(const BeatOptions &options, QString &error) {
    const QString flag = options.masterKey ? QStringLiteral("--master-key-file") : QStringLiteral("--key-file");
    const SecretFileResult file = readSecretFile(options.keyFile);
    if (!file.ok()) {
        error = flag + QStringLiteral(": ") + file.error;
        return std::nullopt;
    }
    std::optional<QByteArray> key = parseHexKey(*file.contents);
    if (!key)
        error = QStringLiteral("%1: %2: must hold exactly one key of 64 hex characters").arg(flag, options.keyFile);
    return key;
}

QString BeatCommand::summaryLine(std::uint64_t frames, std::uint64_t failed, std::uint32_t agents,
                                 std::uint32_t stalled, std::int64_t elapsedNs) {
    const double seconds = static_cast<double>(elapsedNs) / 1e9;
    const double rate = seconds > 0 ? static_cast<double>(frames) / seconds : 0.0;
    return QStringLiteral("varta-beat frames=%1 failed=%2 agents=%3 stalled=%4 seconds=%5 rate=%6")
        .arg(frames)
        .arg(failed)
        .arg(agents)
        .arg(stalled)
        .arg(seconds, 0, 'f', 3)
        .arg(rate, 0, 'f', 1);
}

BeatReport BeatCommand::runSingle(const std::atomic<bool> &stop, const QByteArray &key) {
    BeatClient client;
    const bool connected = m_options.overUdp() ? client.connectUdp(m_options.udpHost, m_options.udpPort)
                                               : client.connectUnix(m_options.socketPath);
    if (!connected)
        return {
            1,
            {},
            QStringLiteral("varta-beat: cannot reach %1: %2").arg(m_options.targetDescription(), client.errorString())};
    client.setPidOverride(m_options.pid);
    client.setNextNonce(m_options.nonceStart);

    const std::unique_ptr<SecureSealer> sealer = makeSealer(m_options, key);
    if (sealer && !sealer->isValid())
        return {1, {}, QStringLiteral("varta-beat: cannot start a secure session (OpenSSL failed)")};

    std::uint64_t sent = 0;
    std::uint64_t failed = 0;
    QString lastError;
    const auto send = [&](const vlp::Frame &frame) {
        std::array<std::uint8_t, SecureSealer::kMaxDatagramSize> datagram{};
        const std::size_t sealed = sealer ? sealer->seal(frame, datagram) : 0;
        const bool ok = sealer ? sealed != 0 && client.sendRaw(std::span<const std::uint8_t>(datagram.data(), sealed))
                               : client.sendFrame(frame);
        ok ? ++sent : ++failed;
        if (!ok)
            lastError =
                sealer && sealed == 0 ? QStringLiteral("cannot seal a frame (OpenSSL failed)") : client.errorString();
    };
    const std::int64_t start = monotonicNs();
    if (m_options.panic) {
        // The one frame of this run, so taking a nonce from the sequence costs nothing.
        vlp::Frame panic = client.nextFrame(vlp::Status::Critical, m_options.payload);
        panic.nonce = vlp::kNonceTerminal;
        send(panic);
    } else {
        const std::int64_t intervalNs = m_options.intervalMs * kNsPerMs;
        for (std::uint64_t k = 0; m_options.count == 0 || k < m_options.count; ++k) {
            // Deadlines from the start, not from the last send, so the interval does not drift.
            if (!waitUntil(start + static_cast<std::int64_t>(k) * intervalNs, stop))
                break;
            send(client.nextFrame(m_options.status, m_options.payload));
        }
    }
    BeatReport report;
    report.summary = summaryLine(sent, failed, 1, 0, monotonicNs() - start);
    if (failed > 0)
        report.error = QStringLiteral("varta-beat: %1 of %2 beats not sent to %3: %4")
                           .arg(failed)
                           .arg(sent + failed)
                           .arg(m_options.targetDescription(), lastError);
    return report;
}

BeatReport BeatCommand::runLoad(const std::atomic<bool> &stop, const QByteArray &key) {
    LoadGenerator::Config config = m_options.load;
    config.key = key;
    config.masterKey = m_options.masterKey;
    LoadGenerator generator(config);
    if (!generator.connectUdp(m_options.udpHost, m_options.udpPort))
        return {1,
                {},
                QStringLiteral("varta-beat: cannot reach %1: %2")
                    .arg(m_options.targetDescription(), generator.errorString())};
    generator.run(stop);
    BeatReport report;
    report.summary = summaryLine(generator.framesSent(), generator.sendFailures(), generator.agentCount(),
                                 generator.stalledAgentCount(), generator.elapsedNs());
    if (!generator.errorString().isEmpty()) {
        report.exitCode = 1;
        report.error = QStringLiteral("varta-beat: %1").arg(generator.errorString());
    }
    return report;
}

}  // namespace varta
