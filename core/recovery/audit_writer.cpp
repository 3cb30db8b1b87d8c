#include "core/recovery/audit_writer.h"

#include "core/base/log.h"

#include <algorithm>
#include <optional>

namespace varta {

AuditWriter::~AuditWriter() { close(); }

bool AuditWriter::open(const QString &path, const AuditLog::Settings &settings, ErrorHandler onError, QString *error) {
    close();
    if (!m_log.open(path, settings, error))
        return false;
    m_openedAs = m_log.bootReason();
    publishCounters();
    m_onError = std::move(onError);
    m_stopping = false;
    m_thread = std::thread([this] { run(); });
    return true;
}

void AuditWriter::submit(Record record) {
    {
        const std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(record));
    }
    m_wake.notify_one();
}

void AuditWriter::reopen() {
    {
        const std::lock_guard lock(m_mutex);
        m_reopenRequested = true;
    }
    m_wake.notify_one();
}

void AuditWriter::followPath(bool now) {
    const std::uint64_t reopensBefore = m_log.counters().reopens;
    if (m_log.followPath(now)) {
        if (m_log.counters().reopens != reopensBefore)
            logLine(LogLevel::Info, QStringLiteral("reopened %1 (the audit log goes on there: boot row reopen, seq %2)")
                                        .arg(m_log.path())
                                        .arg(m_log.lastSeq()));
        return;
    }
    logLimited(LogKind::AuditIo, LogLevel::Error, m_log.lastError());
    if (m_onError)
        m_onError(m_log.lastError());
}

void AuditWriter::close() {
    if (!m_thread.joinable())
        return;
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
    flushHeld();
    while (!m_held.empty())
        dropOldestHeld();
    reportDrops();
    m_log.close();  // syncs what the cadence left unsynced
    publishCounters();
}

AuditCounters AuditWriter::counters() const {
    const std::lock_guard lock(m_countersMutex);
    return m_counters;
}

void AuditWriter::publishCounters() {
    const std::lock_guard lock(m_countersMutex);
    m_counters = m_log.counters();
}

void AuditWriter::run() {
    const auto hasWork = [this] { return m_stopping || m_reopenRequested || !m_queue.empty(); };
    for (;;) {
        std::unique_lock lock(m_mutex);
        std::optional<AuditLog::Clock::time_point> due = m_log.syncDueAt();
        if (!m_held.empty()) {
            const auto retryAt = AuditLog::Clock::now() + kRetryIntervalMs;
            due = due ? std::min(*due, retryAt) : retryAt;
        }
        if (due)
            m_wake.wait_until(lock, *due, hasWork);
        else
            m_wake.wait(lock, hasWork);
        const bool reopenNow = std::exchange(m_reopenRequested, false);
        if (reopenNow || !m_queue.empty()) {
            lock.unlock();
            followPath(reopenNow);
            lock.lock();
        }
        if (m_queue.empty()) {
            if (m_stopping)
                return;  // close() makes the last try for held records
            lock.unlock();
            flushHeld();
            if (!m_log.syncIfDue() && m_onError)
                m_onError(m_log.lastError());
            publishCounters();
            continue;
        }
        m_held.push_back(std::move(m_queue.front()));
        m_queue.pop_front();
        lock.unlock();
        flushHeld();
        while (m_held.size() > kMaxHeldRecords)
            dropOldestHeld();
        publishCounters();
    }
}

bool AuditWriter::flushHeld() {
    while (!m_held.empty()) {
        const std::uint64_t seqBefore = m_log.lastSeq();
        const bool ok = write(m_held.front());
        // A record that moved seq is in the file; only its sync or rotation failed.
        const bool written = m_log.lastSeq() != seqBefore;
        if (!ok) {
            logLimited(LogKind::AuditIo, LogLevel::Error,
                       written ? m_log.lastError()
                               : QStringLiteral("%1 (%2 audit record(s) held, retried every %3 ms)")
                                     .arg(m_log.lastError())
                                     .arg(m_held.size())
                                     .arg(kRetryIntervalMs.count()));
            if (m_onError)
                m_onError(m_log.lastError());
        }
        if (!written)
            return false;
        m_held.pop_front();
    }
    reportDrops();  // room again: the records given up on while the disk was full
    return true;
}

void AuditWriter::dropOldestHeld() {
    m_held.pop_front();
    m_log.burnSeq();
    if (!m_unreportedDrops.first)
        m_unreportedDrops.first = m_log.lastSeq();
    m_unreportedDrops.last = m_log.lastSeq();
    logLimited(LogKind::AuditIo, LogLevel::Error,
               QStringLiteral("audit record dropped, seq %1 left out of the file (%2 dropped so far)")
                   .arg(m_log.lastSeq())
                   .arg(m_log.counters().dropped));
}

// The per-record lines above share audit_io's rate limit with the "held" lines, which
// come first, so in a burst they are all held back; this one is not limited (once per
// spell of a full disk that dropped records), so every drop is said.
void AuditWriter::reportDrops() {
    if (!m_unreportedDrops.first)
        return;
    const std::uint64_t first = *m_unreportedDrops.first;
    logLine(LogLevel::Error, QStringLiteral("%1: %2 audit record(s) dropped, their seqs left out of the file, the "
                                            "first %3, the last %4 (%5 dropped so far)")
                                 .arg(m_log.path())
                                 .arg(m_unreportedDrops.last - first + 1)
                                 .arg(first)
                                 .arg(m_unreportedDrops.last)
                                 .arg(m_log.counters().dropped));
    m_unreportedDrops = {};
}

bool AuditWriter::write(const Record &record) {
    if (const auto *spawn = std::get_if<AuditLog::Spawn>(&record))
        return m_log.appendSpawn(*spawn);
    if (const auto *complete = std::get_if<AuditLog::Complete>(&record))
        return m_log.appendComplete(*complete);
    if (const auto *row = std::get_if<AuditLog::Operator>(&record))
        return m_log.appendOperator(*row);
    const auto &refused = std::get<Refused>(record);
    return m_log.appendRefused(refused.agentPid, refused.reason);
}

}  // namespace varta
