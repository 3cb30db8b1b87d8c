#pragma once
// varta-watch's diagnostics on stderr, one line each: "varta-watch: warning: …" text by
// default, or with --log-format json upstream's JSON lines
// {"ts_ns":…,"level":"info|warn|error","msg":…[,"pid":…,"child_pid":…,"error":…]}.
// Safe from any thread: each line is one write.
//
// Once startLogWriter() ran, lines are handed to a writer thread through a queue of at
// most kLogQueueLines: a stderr nobody reads (a full pipe) stalls that thread alone, and
// lines that find the queue full are lost and counted (logLinesLost), never waited for,
// as are lines a closed stderr refuses (EPIPE: SIGPIPE is ignored, so that is no death).
// When stderr is the journal (JOURNAL_STREAM names it), each line starts with its syslog
// priority, `<3>` error, `<4>` warning, `<5>` notice, `<6>` info, so journald files it.
//
// Errors that can repeat on a hot path (a file that cannot be written, a failing scrape)
// go through logLimited(): at most one line per kind a second, as upstream; the lines
// held back are counted (varta_log_suppressed_total{kind}) and the next line that gets
// through says how many.

#include <QJsonObject>
#include <QString>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace varta {

enum class LogLevel : std::uint8_t { Info, Notice, Warning, Error };

inline constexpr std::size_t kLogQueueLines = 1024;

// Upstream's rate-limited kinds, in its label order.
enum class LogKind : std::uint8_t { FileExportIo, AuditIo, PromServe, HeartbeatIo, AuditRingWarn, AuditRingCritical };
inline constexpr std::size_t kLogKindCount = 6;
inline constexpr std::int64_t kLogCooldownNs = 1'000'000'000;

const char *logKindLabel(LogKind kind) noexcept;  // "file_export_io", ...

struct LogFields {
    std::optional<std::int64_t> pid;
    std::optional<std::int64_t> childPid;
    QString error;
    QJsonObject extra;  // more members for JSON lines (an event's kind and details)
};

// Chosen once at start-up (--log-format).
void setJsonLog(bool json);

void logLine(LogLevel level, const QString &message, const LogFields &fields = {});
void logLimited(LogKind kind, LogLevel level, const QString &message, const LogFields &fields = {});

// The queue and its writer thread; from then on no line is written on the caller's thread.
void startLogWriter();
// Waits up to timeoutMs for the queued lines to be written (at exit). False: some were
// not (a stderr nobody reads); they are counted as lost.
bool flushLog(int timeoutMs);
std::uint64_t logLinesLost();

// JOURNAL_STREAM ("DEV:INODE") names the file stderr is: systemd connected it to journald.
bool stderrIsJournal();
void setJournalPriorities(bool on);

// Lines held back so far, by kind.
std::array<std::uint64_t, kLogKindCount> logSuppressedCounts();

// The text of one line as written (without the newline), for tests.
QByteArray formatLogLine(LogLevel level, const QString &message, const LogFields &fields, bool json,
                         std::int64_t unixNs, bool journal = false);

}  // namespace varta
