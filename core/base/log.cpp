#include "core/base/log.h"

#include "core/base/engine_clock.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

namespace varta {

namespace {

std::atomic<bool> g_json{false};
std::atomic<bool> g_journal{false};

// The writer thread is detached on purpose: at exit it may be stuck in write() on a pipe
// nobody reads, and joining it would hang the observer's exit.
struct Writer {
    std::mutex mutex;
    std::condition_variable wake;
    std::condition_variable drained;
    std::deque<QByteArray> queue;
    bool started = false;
    bool writing = false;
    std::atomic<std::uint64_t> lost{0};
};

Writer &writer() {
    static Writer *w = new Writer;  // never destroyed: the detached thread may outlive main
    return *w;
}

// False when stderr refused the line (closed: EPIPE, EBADF); it is lost, and counted.
bool writeNow(const QByteArray &line) {
    const char *data = line.constData();
    auto left = static_cast<size_t>(line.size());
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, data, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        left -= static_cast<size_t>(n);
    }
    return true;
}

void runWriter() {
    Writer &w = writer();
    std::unique_lock lock(w.mutex);
    for (;;) {
        w.wake.wait(lock, [&] { return !w.queue.empty(); });
        QByteArray line = std::move(w.queue.front());
        w.queue.pop_front();
        w.writing = true;
        lock.unlock();
        if (!writeNow(line))
            w.lost.fetch_add(1, std::memory_order_relaxed);
        lock.lock();
        w.writing = false;
        if (w.queue.empty())
            w.drained.notify_all();
    }
}

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
    case LogLevel::Notice: return json ? "notice" : "";
    case LogLevel::Warning: return json ? "warn" : "warning: ";
    case LogLevel::Error: return json ? "error" : "";
    }
    return "";
}

const char *priorityPrefix(LogLevel level) {
    switch (level) {
    case LogLevel::Info: return "<6>";
    case LogLevel::Notice: return "<5>";
    case LogLevel::Warning: return "<4>";
    case LogLevel::Error: return "<3>";
    }
    return "<6>";
}

void writeLine(QByteArray line) {
    line += '\n';
    Writer &w = writer();
    {
        const std::lock_guard lock(w.mutex);
        if (w.started) {
            if (w.queue.size() >= kLogQueueLines) {
                w.lost.fetch_add(1, std::memory_order_relaxed);
                return;
            }
            w.queue.push_back(std::move(line));
            w.wake.notify_one();
            return;
        }
    }
    // One write per line, so lines from several threads never interleave.
    if (!writeNow(line))
        w.lost.fetch_add(1, std::memory_order_relaxed);
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

void startLogWriter() {
    Writer &w = writer();
    const std::lock_guard lock(w.mutex);
    if (w.started)
        return;
    w.started = true;
    std::thread(runWriter).detach();
}

bool flushLog(int timeoutMs) {
    Writer &w = writer();
    std::unique_lock lock(w.mutex);
    if (!w.started)
        return true;
    const bool done =
        w.drained.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return w.queue.empty() && !w.writing; });
    if (!done)
        w.lost.fetch_add(w.queue.size(), std::memory_order_relaxed);
    return done;
}

std::uint64_t logLinesLost() { return writer().lost.load(std::memory_order_relaxed); }

bool stderrIsJournal() {
    const char *value = std::getenv("JOURNAL_STREAM");
    if (!value)
        return false;
    unsigned long long dev = 0, inode = 0;
    if (std::sscanf(value, "%llu:%llu", &dev, &inode) != 2)
        return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0)
        return false;
    return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == inode;
}

void setJournalPriorities(bool on) { g_journal.store(on); }

QByteArray formatLogLine(LogLevel level, const QString &message, const LogFields &fields, bool json,
                         std::int64_t unixNs, bool journal) {
    const QByteArray prefix = journal ? QByteArray(priorityPrefix(level)) : QByteArray();
    if (!json) {
        QString line = QStringLiteral("varta-watch: ") + QLatin1String(levelText(level, false)) + message;
        if (!fields.error.isEmpty())
            line += QStringLiteral(": ") + fields.error;
        return prefix + line.toUtf8();
    }
    QJsonObject object = fields.extra;
    object.insert(QStringLiteral("ts_ns"), static_cast<qint64>(unixNs));
    object.insert(QStringLiteral("level"), QLatin1String(levelText(level, true)));
    object.insert(QStringLiteral("msg"), message);
    if (fields.pid)
        object.insert(QStringLiteral("pid"), static_cast<qint64>(*fields.pid));
    if (fields.childPid)
        object.insert(QStringLiteral("child_pid"), static_cast<qint64>(*fields.childPid));
    if (!fields.error.isEmpty())
        object.insert(QStringLiteral("error"), fields.error);
    return prefix + QJsonDocument(object).toJson(QJsonDocument::Compact);
}

void logLine(LogLevel level, const QString &message, const LogFields &fields) {
    writeLine(formatLogLine(level, message, fields, g_json.load(), unixNowNs(), g_journal.load()));
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
