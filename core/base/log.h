#pragma once
// varta-watch's diagnostics on stderr, one line each: "varta-watch: warning: …" text by
// default, or with --log-format json upstream's JSON lines
// {"ts_ns":…,"level":"info|warn|error","msg":…[,"pid":…,"child_pid":…,"error":…]}.
// Safe from any thread: each line is one write.
//
// Errors that can repeat on a hot path (a file that cannot be written, a failing scrape)
// go through logLimited(): at most one line per kind a second, as upstream; the lines
// held back are counted (varta_log_suppressed_total{kind}) and the next line that gets
// through says how many.

#include <QString>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace varta {

enum class LogLevel : std::uint8_t { Info, Warning, Error };

// Upstream's rate-limited kinds, in its label order.
enum class LogKind : std::uint8_t { FileExportIo, AuditIo, PromServe, HeartbeatIo, AuditRingWarn, AuditRingCritical };
inline constexpr std::size_t kLogKindCount = 6;
inline constexpr std::int64_t kLogCooldownNs = 1'000'000'000;

const char *logKindLabel(LogKind kind) noexcept;  // "file_export_io", ...

struct LogFields {
    std::optional<std::int64_t> pid;
    std::optional<std::int64_t> childPid;
    QString error;
};

// Chosen once at start-up (--log-format).
void setJsonLog(bool json);

void logLine(LogLevel level, const QString &message, const LogFields &fields = {});
void logLimited(LogKind kind, LogLevel level, const QString &message, const LogFields &fields = {});

// Lines held back so far, by kind.
std::array<std::uint64_t, kLogKindCount> logSuppressedCounts();

// The text of one line as written (without the newline), for tests.
QByteArray formatLogLine(LogLevel level, const QString &message, const LogFields &fields, bool json,
                         std::int64_t unixNs);

}  // namespace varta
