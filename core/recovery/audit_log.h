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
// Opening appends a `boot` record whose reason says what the existing file was
// (audit_probe.h): fresh, resume, legacy_v1, corrupt_tail (the torn bytes are cut off
// first) or schema_drift. Only `resume` carries the previous chain in the boot row. The
// previous run's spawn rows without a complete row then get one, `lost`.
//
// Each record is written whole with one write(); fdatasync follows every
// Settings::syncEvery records, and also once Settings::syncIntervalMs has passed with
// records unsynced (syncIfDue). A failed write is cut back off the file so no torn line
// is left behind. Past Settings::maxBytes the file rotates to PATH.1 ... PATH.5 and the
// new one starts with the header and a `rotation` boot row carrying the chain on. An
// advisory lock keeps a second observer from interleaving its records.
//
// An `operator` row (ours) records an operator's recover, kill, pause, resume or rearm
// on the control socket or the console, with who, on what, and the outcome.

#include "core/config/options.h"
#include "core/recovery/audit_counters.h"
#include "core/recovery/audit_probe.h"
#include "core/recovery/audit_schema.h"
#include "core/recovery/recovery_counters.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <chrono>
#include <cstdint>
#include <optional>

#include <sys/types.h>

namespace varta {

class AuditLog {
public:
    using BootReason = audit::BootReason;
    using Clock = std::chrono::steady_clock;
    // Lost: a child of a previous run that died without its complete row (SIGKILL, a
    // crash); written at the next open, right after its boot row.
    enum class Completion : std::uint8_t { Reaped, Killed, ReapFailed, Lost };

    struct Settings {
        std::optional<std::int64_t> maxBytes;  // rotate once the file reaches this; none = never
        std::int64_t syncEvery = 1;            // fdatasync every N records
        std::int64_t syncIntervalMs = 0;       // and when this long passed with records unsynced; 0 = off
        std::int64_t fsyncBudgetMs = 50;       // an fdatasync slower than this is counted
        std::int64_t rotationBudgetMs = 50;    // a rotation slower than this is counted

        static Settings from(const RecoveryOptions &options);
    };

    struct Spawn {
        std::uint32_t agentPid = 0;
        qint64 childPid = 0;
        QString program;         // argv[0]
        QString source;          // "inline", the exec file's path, or "manual"
        qint64 templateLen = 0;  // bytes of the substituted argv joined by single spaces
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

    // Empty text fields are written as `-`, so a row always has all its columns.
    struct Operator {
        std::optional<uid_t> uid;               // none: the in-process console
        QString user;                           // the peer's user name, or "console"
        QString action;                         // recover, kill, pause, resume, rearm
        std::optional<std::uint32_t> agentPid;  // none when the target is no agent (kill)
        QString target;                         // AgentKey::text(), or "child:N"
        QString outcome;                        // ok, or the refusal reason / error label
        QString detail;                         // free text, e.g. "reason=disk swap; for_ms=900000"
    };

    // A detail longer than this is cut (at a character boundary) and ends in "...": the
    // probe reads a last line of at most 1 MiB as a record, and an operator's reason text
    // has no business growing a row anywhere near that.
    static constexpr qsizetype kMaxOperatorDetailBytes = 4096;

    static constexpr int kGenerations = 5;  // PATH.1 (newest) ... PATH.5

    AuditLog() = default;
    ~AuditLog();
    AuditLog(const AuditLog &) = delete;
    AuditLog &operator=(const AuditLog &) = delete;

    // Opens or creates (mode 0600) the log and appends the boot record.
    bool open(const QString &path, const Settings &settings, QString *error);
    bool open(const QString &path, QString *error) { return open(path, Settings{}, error); }
    // Syncs what is unsynced, then closes.
    void close();
    bool isOpen() const { return m_fd >= 0; }

    bool appendSpawn(const Spawn &record);
    bool appendComplete(const Complete &record);
    bool appendRefused(std::uint32_t agentPid, RefusalReason reason);
    bool appendOperator(const Operator &row);
    // A record given up on: its seq is used up, so the gap shows in the file, and counted.
    void burnSeq() {
        ++m_seq;
        ++m_counters.dropped;
    }

    // Follows PATH when the file we write is no longer the one it names (renamed by
    // logrotate, deleted, replaced) or was truncated under us (copytruncate): PATH is
    // opened, created if missing, and the log goes on there after a header (when empty)
    // and a `boot` row `reopen` whose prev_chain continues the chain. Checked at most once
    // per kPathCheckInterval unless `now` (SIGHUP). False, with lastError(), when PATH
    // cannot be opened: records keep going to the file we have, and it is tried again.
    bool followPath(bool now);
    static constexpr std::chrono::seconds kPathCheckInterval{1};

    // When syncIfDue() next has work: records are unsynced and an interval is set.
    std::optional<Clock::time_point> syncDueAt() const;
    bool syncIfDue();

    BootReason bootReason() const { return m_bootReason; }    // of the last open()
    qsizetype lostChildren() const { return m_lost.size(); }  // completed as `lost` by the last open()
    std::uint64_t lastSeq() const { return m_seq; }
    const QString &path() const { return m_path; }
    std::int64_t unsyncedRecords() const { return m_unsynced; }
    const AuditCounters &counters() const { return m_counters; }
    QString lastError() const { return m_lastError; }

    static const char *completionLabel(Completion completion) noexcept;

private:
    bool openFile(const QString &path, int *fd, qint64 *size, QString *error) const;
    bool prepareExisting(QString *error);
    bool appendBoot(BootReason reason);
    bool completeLost();
    bool append(const QByteArray &kind, const QList<QByteArray> &fields, std::int64_t observerNs);
    bool writeRecord(const QByteArray &kind, const QList<QByteArray> &fields, std::int64_t observerNs);
    bool writeWhole(const QByteArray &bytes);
    bool sync();
    bool rotateIfFull();
    bool rotate();
    bool shiftGenerations(const QByteArray &next);
    QString generationPath(int generation) const;

    int m_fd = -1;
    qint64 m_size = 0;
    std::uint64_t m_seq = 0;
    QByteArray m_chain = audit::zeroChain();
    BootReason m_bootReason = BootReason::Fresh;
    Settings m_settings;
    std::int64_t m_unsynced = 0;
    Clock::time_point m_lastSync;
    Clock::time_point m_nextPathCheck;
    AuditCounters m_counters;
    QString m_path;
    QString m_lastError;
    QList<audit::Probe::LostChild> m_lost;
};

}  // namespace varta
