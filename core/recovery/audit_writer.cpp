#include "core/recovery/audit_writer.h"

namespace varta {

AuditWriter::~AuditWriter() { close(); }

bool AuditWriter::open(const QString &path, ErrorHandler onError, QString *error) {
    close();
    if (!m_log.open(path, error))
        return false;
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
    m_log.close();
}

void AuditWriter::run() {
    for (;;) {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
        if (m_queue.empty())
            return;  // stopping, and everything is written
        const Record record = std::move(m_queue.front());
        m_queue.pop_front();
        lock.unlock();
        if (!write(record) && m_onError)
            m_onError(m_log.lastError());
    }
}

bool AuditWriter::write(const Record &record) {
    if (const auto *spawn = std::get_if<AuditLog::Spawn>(&record))
        return m_log.appendSpawn(*spawn);
    if (const auto *complete = std::get_if<AuditLog::Complete>(&record))
        return m_log.appendComplete(*complete);
    const auto &refused = std::get<Refused>(record);
    return m_log.appendRefused(refused.agentPid, refused.reason);
}

}  // namespace varta
