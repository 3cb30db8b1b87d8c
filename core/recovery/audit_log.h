#pragma once
// The recovery audit log, schema v2 (docs/compat.md section 3): a header line, then one
// tab-separated record per line, each chained to the previous one by SHA-256 so an
// edit or a deletion in the middle is detectable:
//
//   seq  wallclock_ms  observer_ns  kind  <kind's fields...>  chain
//   chain = hex(SHA-256("VARTA-AUDIT-v2" 0x00 kind 0x00 prev_chain 0x00 body))
//
// where body is the line without its last tab, chain and newline, and prev_chain the 32
// raw bytes of the previous record's chain (zeros before the first record).
//
// Opening appends a `boot` record. After a restart, seq and the chain continue from the
// file's last record, found by reading only the end of the file. A last line that is
// not a complete, well-formed record (a write cut short by a crash, an edit) makes the
// boot reason `corrupt_tail`: seq and the chain then continue from the last well-formed
// record in the part read (from nothing if there is none), and the boot record starts
// on a fresh line. A file whose first line is not the v2 header is refused, not
// appended to.
//
// Each record is written whole with one write() and fsync'd before append returns; a
// failed write is cut back off the file so no torn line is left behind. An advisory
// lock keeps a second observer from interleaving its records.

#include "core/recovery/recovery_counters.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <cstdint>
#include <optional>

namespace varta {

class AuditLog {
public:
    enum class BootReason : std::uint8_t { Fresh, Resume, CorruptTail };
    enum class Completion : std::uint8_t { Reaped, Killed, ReapFailed };

    struct Spawn {
        std::uint32_t agentPid = 0;
        qint64 childPid = 0;
        QString exec;         // the argv that ran, joined with spaces
        QString program;      // argv[0]
        QString source;       // "inline", the exec file's path, or "manual"
        int templateLen = 0;  // arguments in the template, program included
    };

    struct Complete {
        std::uint32_t agentPid = 0;
        qint64 childPid = 0;
        Completion completion = Completion::Reaped;
        std::optional<int> exitCode;  // a normal exit
        std::optional<int> signal;    // death by a signal
        std::int64_t durationNs = 0;
        std::int64_t stdoutLen = 0;  // bytes kept
        std::int64_t stderrLen = 0;
        bool truncated = false;
    };

    static constexpr const char *kHeader = "# varta-watch recovery audit v2";

    AuditLog() = default;
    ~AuditLog();
    AuditLog(const AuditLog &) = delete;
    AuditLog &operator=(const AuditLog &) = delete;

    // Opens or creates (mode 0600) the log and appends the boot record.
    bool open(const QString &path, QString *error);
    void close();
    bool isOpen() const { return m_fd >= 0; }

    bool appendSpawn(const Spawn &record);
    bool appendComplete(const Complete &record);
    bool appendRefused(std::uint32_t agentPid, RefusalReason reason);

    BootReason bootReason() const { return m_bootReason; }
    std::uint64_t lastSeq() const { return m_seq; }
    QString lastError() const { return m_lastError; }

    static const char *bootReasonLabel(BootReason reason) noexcept;
    static const char *completionLabel(Completion completion) noexcept;

private:
    struct TailRecord {
        std::uint64_t seq = 0;
        QByteArray chain;  // 32 raw bytes
    };
    struct Tail {
        std::optional<TailRecord> last;  // last well-formed record found
        bool corrupt = false;
        bool endsMidLine = false;
    };

    bool openFile(const QString &path, QString *error);
    bool readTail(Tail *tail, QString *error);
    bool writeHeaderOrCheckIt(QString *error);
    bool append(const QByteArray &kind, const QList<QByteArray> &fields);
    bool writeWhole(const QByteArray &bytes);

    int m_fd = -1;
    std::int64_t m_size = 0;
    std::uint64_t m_seq = 0;
    QByteArray m_chain = QByteArray(32, '\0');
    BootReason m_bootReason = BootReason::Fresh;
    QString m_path;
    QString m_lastError;
};

}  // namespace varta
