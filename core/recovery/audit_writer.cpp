#include "core/recovery/audit_writer.h"

namespace varta {

AuditWriter::~AuditWriter() { close(); }

bool AuditWriter::open(const QString &path, ErrorHandler onError, QString *error) {
    close();
    if (!log_.open(path, error))
        return false;
    onError_ = std::move(onError);
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
    return true;
}

void AuditWriter::submit(Record record) {
    {
        const std::lock_guard lock(mutex_);
        queue_.push_back(std::move(record));
    }
    wake_.notify_one();
}

void AuditWriter::close() {
    if (!thread_.joinable())
        return;
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    log_.close();
}

void AuditWriter::run() {
    for (;;) {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty())
            return;  // stopping, and everything is written
        const Record record = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        if (!write(record) && onError_)
            onError_(log_.lastError());
    }
}

bool AuditWriter::write(const Record &record) {
    if (const auto *spawn = std::get_if<AuditLog::Spawn>(&record))
        return log_.appendSpawn(*spawn);
    if (const auto *complete = std::get_if<AuditLog::Complete>(&record))
        return log_.appendComplete(*complete);
    const auto &refused = std::get<Refused>(record);
    return log_.appendRefused(refused.agentPid, refused.reason);
}

}  // namespace varta
