#pragma once
// Writes AuditLog records on a thread of its own, in the order they were submitted, so
// the engine thread (also the beat path) never waits for the disk: a burst of stalls
// costs milliseconds of fdatasync per row. The thread also makes the time-based sync
// (--audit-sync-interval-ms) when records wait unsynced and nothing else arrives.
//
// The queue is not bounded: dropping a record would break the audit contract, and its
// length is bounded in practice by stalls, which are bounded by tracked agents.
//
// A record that cannot be written (a full disk) is held, in order, and tried again before
// the next record and every kRetryIntervalMs. Past kMaxHeldRecords the oldest is dropped:
// its seq is burned so the gap shows in the file, it is counted (dropped) and said on
// stderr (rate-limited per record, and one line once the disk has room again or at
// close). Close tries once more and drops what still cannot be written.

#include "core/recovery/audit_counters.h"
#include "core/recovery/audit_log.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

namespace varta {

class AuditWriter {
public:
    struct Refused {
        std::uint32_t agentPid = 0;
        RefusalReason reason = RefusalReason::SpawnFailed;
    };
    using Record = std::variant<AuditLog::Spawn, AuditLog::Complete, Refused, AuditLog::Operator>;
    // Called on the writer thread with AuditLog::lastError() when a record failed.
    using ErrorHandler = std::function<void(const QString &error)>;

    static constexpr std::size_t kMaxHeldRecords = 1024;
    static constexpr std::chrono::milliseconds kRetryIntervalMs{500};

    AuditWriter() = default;
    ~AuditWriter();
    AuditWriter(const AuditWriter &) = delete;
    AuditWriter &operator=(const AuditWriter &) = delete;

    // Opens the log and writes its boot record here and now, then starts the thread.
    bool open(const QString &path, const AuditLog::Settings &settings, ErrorHandler onError, QString *error);
    bool open(const QString &path, ErrorHandler onError, QString *error) {
        return open(path, AuditLog::Settings{}, std::move(onError), error);
    }
    bool isOpen() const { return m_thread.joinable(); }
    // What the existing file was, as the boot record of open() says.
    AuditLog::BootReason openedAs() const { return m_openedAs; }
    void submit(Record record);
    // Asks the writer thread to follow the log's path now (SIGHUP, logrotate's postrotate)
    // rather than at its next once-a-second look before a record.
    void reopen();
    // Writes everything submitted so far, then stops the thread and closes the log.
    void close();

    // A copy of the log's counters as of its last record or sync; from any thread.
    AuditCounters counters() const;

private:
    void run();
    bool write(const Record &record);
    // Writes the held records in order until one fails; false when some are left.
    bool flushHeld();
    void dropOldestHeld();
    void reportDrops();
    void publishCounters();
    void followPath(bool now);

    AuditLog m_log;  // used by the writer thread only, once it runs
    AuditLog::BootReason m_openedAs = AuditLog::BootReason::Fresh;
    ErrorHandler m_onError;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Record> m_queue;
    std::deque<Record> m_held;  // writer thread only: failed, waiting to be tried again
    struct DroppedSeqs {
        std::optional<std::uint64_t> first;
        std::uint64_t last = 0;
    } m_unreportedDrops;  // writer thread only: burned since the last reportDrops()
    bool m_stopping = false;
    bool m_reopenRequested = false;
    mutable std::mutex m_countersMutex;  // apart from m_mutex: a reader never holds up submit()
    AuditCounters m_counters;
};

}  // namespace varta
