#pragma once
// The files of an incident, read for a post-mortem: event files (--export-file, with their
// rotated generations) and recovery audit logs, merged into one time-ordered list of facts
// on one time axis. IncidentReplay turns the facts into what the console showed.
//
// Time. Each file counts observer_ns from its observer's start, so a restart starts the
// count again: in an event file a line more than kRunGapNs older than the one before it
// starts a new run; in an audit log, a boot row does. Audit rows carry wall time too,
// which places runs on the clock: event runs are matched to audit runs from the newest
// back. Runs nothing places are laid end to end before the next, and without any audit
// log the newest event file's modification time stands for its last line.

#include "core/published/engine_batch.h"
#include "ui/incident/audit_line.h"

#include <QCoreApplication>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace varta::ui {

struct IncidentFact {
    enum class Kind : std::uint8_t {
        Beat,
        Stall,
        Eviction,
        Mismatch,
        Decode,
        Io,
        Ctrunc,  // event file
        Audit,   // see IncidentLog::audit()
    };
    EngineMs atMs = 0;  // on the incident's axis: wall ms minus IncidentLog::wallOffsetMs()
    Kind kind = Kind::Beat;
    vlp::Status status = vlp::Status::Ok;
    std::uint32_t pid = 0;
    std::uint32_t merged = 0;  // beat: more beats of the same status folded into this one
    std::uint64_t nonce = 0;
    std::uint32_t payload = 0;
    std::int32_t ref = -1;  // decode, io, ctrunc, mismatch: into texts(); audit: into audit()
};

struct IncidentFileReport {
    QString path;
    bool audit = false;
    qsizetype lines = 0;
    qsizetype malformed = 0;     // no line of its format: skipped
    qsizetype unknownKinds = 0;  // audit rows of a kind this version does not know
};

class IncidentLog {
    Q_DECLARE_TR_FUNCTIONS(varta::ui::IncidentLog)

public:
    // Past this many facts the rest of the files is not loaded (and counted): the
    // post-mortem ends where loading stopped rather than show a silence that was not one.
    static constexpr qsizetype kMaxFacts = 4'000'000;
    // Beats of one agent closer together than this, with the same status, are one fact
    // that counts them all: a fast sender costs no more than 4 facts a second.
    static constexpr std::int64_t kBeatMergeNs = 250'000'000;
    // observer_ns may step back by one read batch (docs/compat.md section 2); more than
    // this is another run of the observer.
    static constexpr std::int64_t kRunGapNs = 1'000'000'000;
    // Between runs placed end to end.
    static constexpr EngineMs kRunSpacingMs = 1'000;

    // Each path is an event file or an audit log (told by its first line). An event file
    // or audit log named without a generation suffix brings its generations PATH.5 ...
    // PATH.1 along, oldest first. False, with `error` naming the file: nothing was loaded.
    bool load(const QStringList &paths, QString *error);

    const std::vector<IncidentFact> &facts() const { return m_facts; }
    const QList<AuditLine> &audit() const { return m_audit; }
    const QStringList &texts() const { return m_texts; }
    const QList<IncidentFileReport> &files() const { return m_files; }

    EngineMs startMs() const { return m_facts.empty() ? 0 : m_facts.front().atMs; }
    EngineMs endMs() const { return m_facts.empty() ? 0 : m_facts.back().atMs; }
    std::int64_t wallOffsetMs() const { return m_wallOffsetMs; }
    // False: no audit log placed the times; they are estimated from the file's age.
    bool wallFromAudit() const { return m_wallFromAudit; }
    int runs() const { return m_runs; }
    qsizetype linesNotLoaded() const { return m_linesNotLoaded; }
    qsizetype beatsRead() const { return m_beatsRead; }

private:
    struct RawFact {
        IncidentFact fact;
        std::int64_t observerNs = 0;
        int run = 0;  // per source kind: the event files' runs, the audit logs' runs
        bool audit = false;
    };
    struct Source {
        QString path;
        bool audit = false;
    };

    bool addSources(const QString &path, QList<Source> *sources, QString *error) const;
    bool readFile(const Source &source, QString *error);
    void readEventLine(QByteArrayView line, IncidentFileReport &report);
    void readAuditLine(QByteArrayView line, IncidentFileReport &report);
    bool full();
    void place();

    std::vector<RawFact> m_raw;
    std::vector<IncidentFact> m_facts;
    QList<AuditLine> m_audit;
    QStringList m_texts;
    QList<IncidentFileReport> m_files;
    QHash<std::uint64_t, std::size_t> m_lastBeat;  // (run, pid) -> its newest beat in m_raw
    std::int64_t m_lastEventNs = -1;
    int m_eventRun = 0;
    int m_auditRun = -1;
    std::int64_t m_newestEventFileMtimeMs = 0;
    std::int64_t m_wallOffsetMs = 0;
    bool m_wallFromAudit = false;
    int m_runs = 0;
    qsizetype m_linesNotLoaded = 0;
    qsizetype m_beatsRead = 0;
};

}  // namespace varta::ui
