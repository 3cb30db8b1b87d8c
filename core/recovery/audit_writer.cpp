#include "core/recovery/audit_writer.h"

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

void AuditWriter::close() {
    if (!m_thread.joinable())
        return;
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
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
    const auto hasWork = [this] { return m_stopping || !m_queue.empty(); };
    for (;;) {
        std::unique_lock lock(m_mutex);
        if (const auto due = m_log.syncDueAt())
            m_wake.wait_until(lock, *due, hasWork);
        else
            m_wake.wait(lock, hasWork);
        if (m_queue.empty()) {
            if (m_stopping)
                return;  // and everything is written
            lock.unlock();
            if (!m_log.syncIfDue() && m_onError)
                m_onError(m_log.lastError());
            publishCounters();
            continue;
        }
        const Record record = std::move(m_queue.front());
        m_queue.pop_front();
        lock.unlock();
        if (!write(record) && m_onError)
            m_onError(m_log.lastError());
        publishCounters();
    }
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
