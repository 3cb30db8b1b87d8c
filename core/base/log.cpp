#include "core/base/log.h"

#include "core/base/engine_clock.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>
#include <mutex>

#include <unistd.h>

namespace varta {

namespace {

std::atomic<bool> g_json{false};

struct Limiter {
    std::mutex mutex;
    std::array<std::int64_t, kLogKindCount> lastNs{};
    std::array<bool, kLogKindCount> written{};
    std::array<std::uint64_t, kLogKindCount> pending{};             // held back since the last line
    std::array<std::atomic<std::uint64_t>, kLogKindCount> total{};  // held back ever
};

Limiter &limiter() {
    static Limiter l;
    return l;
}

const char *levelText(LogLevel level, bool json) {
    switch (level) {
    case LogLevel::Info: return json ? "info" : "";
    case LogLevel::Warning: return json ? "warn" : "warning: ";
    case LogLevel::Error: return json ? "error" : "";
    }
    return "";
}

void writeLine(QByteArray line) {
    line += '\n';
    // One write per line, so lines from several threads never interleave.
    [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, line.constData(), static_cast<size_t>(line.size()));
}

std::int64_t unixNowNs() { return QDateTime::currentMSecsSinceEpoch() * 1'000'000; }

}  // namespace

const char *logKindLabel(LogKind kind) noexcept {
    switch (kind) {
    case LogKind::FileExportIo: return "file_export_io";
    case LogKind::AuditIo: return "audit_io";
    case LogKind::PromServe: return "prom_serve";
    case LogKind::HeartbeatIo: return "heartbeat_io";
    case LogKind::AuditRingWarn: return "audit_ring_warn";
    case LogKind::AuditRingCritical: return "audit_ring_critical";
    }
    return "unknown";
}

void setJsonLog(bool json) { g_json.store(json); }

QByteArray formatLogLine(LogLevel level, const QString &message, const LogFields &fields, bool json,
                         std::int64_t unixNs) {
    if (!json) {
        QString line = QStringLiteral("varta-watch: ") + QLatin1String(levelText(level, false)) + message;
        if (!fields.error.isEmpty())
            line += QStringLiteral(": ") + fields.error;
        return line.toUtf8();
    }
    QJsonObject object{
        {"ts_ns", static_cast<qint64>(unixNs)}, {"level", QLatin1String(levelText(level, true))}, {"msg", message}};
    if (fields.pid)
        object.insert(QStringLiteral("pid"), static_cast<qint64>(*fields.pid));
    if (fields.childPid)
        object.insert(QStringLiteral("child_pid"), static_cast<qint64>(*fields.childPid));
    if (!fields.error.isEmpty())
        object.insert(QStringLiteral("error"), fields.error);
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

void logLine(LogLevel level, const QString &message, const LogFields &fields) {
    writeLine(formatLogLine(level, message, fields, g_json.load(), unixNowNs()));
}

void logLimited(LogKind kind, LogLevel level, const QString &message, const LogFields &fields) {
    Limiter &l = limiter();
    const auto index = static_cast<std::size_t>(kind);
    std::uint64_t heldBack = 0;
    {
        const std::lock_guard lock(l.mutex);
        const std::int64_t now = monotonicNs();
        if (l.written[index] && now - l.lastNs[index] < kLogCooldownNs) {
            ++l.pending[index];
            l.total[index].fetch_add(1, std::memory_order_relaxed);
            return;
        }
        l.written[index] = true;
        l.lastNs[index] = now;
        heldBack = std::exchange(l.pending[index], 0);
    }
    logLine(level, heldBack ? message + QStringLiteral(" (suppressed %1)").arg(heldBack) : message, fields);
}

std::array<std::uint64_t, kLogKindCount> logSuppressedCounts() {
    std::array<std::uint64_t, kLogKindCount> counts{};
    for (std::size_t i = 0; i < kLogKindCount; ++i)
        counts[i] = limiter().total[i].load(std::memory_order_relaxed);
    return counts;
}

}  // namespace varta
