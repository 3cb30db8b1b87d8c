#pragma once
// Writes AuditLog records on a thread of its own, in the order they were submitted.
// Each record is still one write() and one fsync (docs/compat.md section 3); only the engine
// thread no longer waits for them: a burst of stalls costs milliseconds of disk per row,
// and the engine thread is also the beat path.
//
// The queue is not bounded: dropping a record would break the audit contract, and its
// length is bounded in practice by stalls, which are bounded by tracked agents.

#include "core/recovery/audit_log.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <variant>

namespace varta {

class AuditWriter {
public:
    struct Refused {
        std::uint32_t agentPid = 0;
        RefusalReason reason = RefusalReason::SpawnFailed;
    };
    using Record = std::variant<AuditLog::Spawn, AuditLog::Complete, Refused>;
    // Called on the writer thread with AuditLog::lastError() when a record failed.
    using ErrorHandler = std::function<void(const QString &error)>;

    AuditWriter() = default;
    ~AuditWriter();
    AuditWriter(const AuditWriter &) = delete;
    AuditWriter &operator=(const AuditWriter &) = delete;

    // Opens the log and writes its boot record here and now, then starts the thread.
    bool open(const QString &path, ErrorHandler onError, QString *error);
    bool isOpen() const { return m_thread.joinable(); }
    void submit(Record record);
    // Writes everything submitted so far, then stops the thread and closes the log.
    void close();

private:
    void run();
    bool write(const Record &record);

    AuditLog m_log;  // used by the writer thread only, once it runs
    ErrorHandler m_onError;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Record> m_queue;
    bool m_stopping = false;
};

}  // namespace varta
