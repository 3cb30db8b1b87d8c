#include "ui/incident/incident_log.h"

#include "ui/incident/event_file_line.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <algorithm>
#include <limits>
#include <map>

namespace varta::ui {

namespace {

// Longer lines are no line of ours (the longest event line is ~330 bytes, an audit row
// a few KiB with its detail): read in pieces, counted malformed.
constexpr qint64 kMaxLineBytes = 64 * 1024;

bool isAuditFile(QFile &file) {
    const QByteArray head = file.peek(kAuditHeaderPrefix.size());
    return QByteArrayView(head) == kAuditHeaderPrefix;
}

std::int64_t nsToMs(std::int64_t ns) { return ns / 1'000'000; }

}  // namespace

bool IncidentLog::addSources(const QString &path, QList<Source> *sources, QString *error) const {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = tr("%1: cannot open: %2").arg(path, file.errorString());
        return false;
    }
    const bool audit = isAuditFile(file);
    static const QRegularExpression generation(QStringLiteral("\\.[1-9][0-9]*$"));
    if (!generation.match(path).hasMatch()) {
        // Rotation keeps PATH.1 (newest) to PATH.5: oldest first is the order they were written.
        for (int g = 5; g >= 1; --g) {
            const QString older = path + QLatin1Char('.') + QString::number(g);
            if (QFileInfo::exists(older))
                sources->append({older, audit});
        }
    }
    sources->append({path, audit});
    return true;
}

bool IncidentLog::load(const QStringList &paths, QString *error) {
    *this = IncidentLog{};
    QList<Source> sources;
    for (const QString &path : paths)
        if (!addSources(path, &sources, error))
            return false;
    // Event lines before audit rows: among facts of the same millisecond, a stall comes
    // before the recovery it started.
    std::stable_partition(sources.begin(), sources.end(), [](const Source &s) { return !s.audit; });
    for (const Source &source : std::as_const(sources))
        if (!readFile(source, error))
            return false;
    place();
    return true;
}

bool IncidentLog::readFile(const Source &source, QString *error) {
    QFile file(source.path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = tr("%1: cannot open: %2").arg(source.path, file.errorString());
        return false;
    }
    IncidentFileReport report;
    report.path = source.path;
    report.audit = source.audit;
    if (!source.audit) {
        m_newestEventFileMtimeMs =
            std::max<std::int64_t>(m_newestEventFileMtimeMs, QFileInfo(file).lastModified().toMSecsSinceEpoch());
    }
    QByteArray line;
    while (!file.atEnd()) {
        line = file.readLine(kMaxLineBytes);
        if (line.isEmpty() && !file.atEnd()) {
            *error = tr("%1: cannot read: %2").arg(source.path, file.errorString());
            return false;
        }
        ++report.lines;
        if (full()) {
            ++m_linesNotLoaded;
            continue;
        }
        if (!line.endsWith('\n') && !file.atEnd()) {
            // Longer than any line of ours: skip to its end.
            ++report.malformed;
            do
                line = file.readLine(kMaxLineBytes);
            while (!line.isEmpty() && !line.endsWith('\n'));  // empty: the end, or a read error
            continue;
        }
        if (source.audit)
            readAuditLine(line, report);
        else
            readEventLine(line, report);
    }
    m_files.append(report);
    return true;
}

bool IncidentLog::full() { return static_cast<qsizetype>(m_raw.size()) >= kMaxFacts; }

void IncidentLog::readEventLine(QByteArrayView text, IncidentFileReport &report) {
    const std::optional<EventFileLine> line = parseEventFileLine(text);
    if (!line) {
        ++report.malformed;
        return;
    }
    if (m_lastEventNs >= 0 && line->observerNs + kRunGapNs < m_lastEventNs) {
        ++m_eventRun;
        m_lastBeat.clear();
    }
    m_lastEventNs = line->observerNs;

    RawFact raw;
    raw.observerNs = line->observerNs;
    raw.run = m_eventRun;
    IncidentFact &fact = raw.fact;
    fact.pid = line->pid;
    fact.nonce = line->nonce;
    fact.status = line->status;
    fact.payload = line->payload;
    using Kind = EventFileLine::Kind;
    switch (line->kind) {
    case Kind::Beat: {
        ++m_beatsRead;
        fact.kind = IncidentFact::Kind::Beat;
        const std::uint64_t key = (std::uint64_t(std::uint32_t(m_eventRun)) << 32) | line->pid;
        const auto previous = m_lastBeat.constFind(key);
        if (previous != m_lastBeat.constEnd()) {
            RawFact &kept = m_raw[*previous];
            if (kept.fact.status == line->status && line->observerNs - kept.observerNs < kBeatMergeNs
                && kept.fact.merged < std::numeric_limits<std::uint32_t>::max()) {
                ++kept.fact.merged;
                kept.fact.nonce = line->nonce;
                kept.fact.payload = line->payload;
                return;
            }
        }
        m_lastBeat.insert(key, m_raw.size());
        break;
    }
    case Kind::Stall: fact.kind = IncidentFact::Kind::Stall; break;
    case Kind::Eviction: fact.kind = IncidentFact::Kind::Eviction; break;
    case Kind::Mismatch: fact.kind = IncidentFact::Kind::Mismatch; break;
    case Kind::Decode: fact.kind = IncidentFact::Kind::Decode; break;
    case Kind::Io: fact.kind = IncidentFact::Kind::Io; break;
    case Kind::Ctrunc: fact.kind = IncidentFact::Kind::Ctrunc; break;
    }
    if (!line->text.isEmpty()) {
        fact.ref = static_cast<std::int32_t>(m_texts.size());
        m_texts.append(line->text);
    }
    m_raw.push_back(raw);
}

void IncidentLog::readAuditLine(QByteArrayView text, IncidentFileReport &report) {
    AuditLine line;
    switch (parseAuditLine(text, &line)) {
    case AuditLineResult::Header: return;
    case AuditLineResult::UnknownKind: ++report.unknownKinds; return;
    case AuditLineResult::Malformed: ++report.malformed; return;
    case AuditLineResult::Record: break;
    }
    // A boot row starts a run, unless it is the first row of all or only says the file
    // was rotated or reopened under the same observer.
    const bool sameRun = line.reason == QLatin1String("rotation") || line.reason == QLatin1String("reopen");
    if (m_auditRun < 0)
        m_auditRun = 0;
    else if (line.kind == AuditLine::Kind::Boot && !sameRun)
        ++m_auditRun;
    RawFact raw;
    raw.audit = true;
    raw.observerNs = line.observerNs;
    raw.run = m_auditRun;
    raw.fact.kind = IncidentFact::Kind::Audit;
    raw.fact.pid = line.agentPid.value_or(0);
    raw.fact.ref = static_cast<std::int32_t>(m_audit.size());
    m_audit.append(line);
    m_raw.push_back(raw);
}

void IncidentLog::place() {
    // Audit runs: wall ms minus observer ms, from the first row that has both clocks
    // (boot rows show observer_ns 0, which is not their engine time).
    std::map<int, std::int64_t> auditOffset;
    std::map<int, std::int64_t> auditBootWall;
    int auditRuns = 0;
    int eventRuns = 0;
    std::map<int, std::pair<std::int64_t, std::int64_t>> eventSpan;  // run -> first, last ns
    for (const RawFact &raw : m_raw) {
        if (raw.audit) {
            auditRuns = std::max(auditRuns, raw.run + 1);
            const AuditLine &line = m_audit[raw.fact.ref];
            if (line.kind == AuditLine::Kind::Boot)
                auditBootWall.try_emplace(raw.run, line.wallMs);
            else if (raw.observerNs > 0)
                auditOffset.try_emplace(raw.run, line.wallMs - nsToMs(raw.observerNs));
        } else {
            eventRuns = std::max(eventRuns, raw.run + 1);
            auto [it, fresh] = eventSpan.try_emplace(raw.run, raw.observerNs, raw.observerNs);
            if (!fresh) {
                it->second.first = std::min(it->second.first, raw.observerNs);
                it->second.second = std::max(it->second.second, raw.observerNs);
            }
        }
    }
    for (const auto &[run, wall] : auditBootWall)
        auditOffset.try_emplace(run, wall);  // a run that only booted: its start is its boot
    m_wallFromAudit = !auditOffset.empty();

    // Event runs, matched to audit runs from the newest back; the rest laid end to end.
    std::map<int, std::int64_t> eventOffset;
    const int shift = eventRuns - auditRuns;
    for (int run = 0; run < eventRuns; ++run)
        if (const auto it = auditOffset.find(run - shift); it != auditOffset.end())
            eventOffset.emplace(run, it->second);
    const std::int64_t anchor =
        m_newestEventFileMtimeMs > 0 ? m_newestEventFileMtimeMs : QDateTime::currentMSecsSinceEpoch();
    for (int run = eventRuns - 1; run >= 0; --run) {
        if (eventOffset.count(run))
            continue;
        const std::int64_t lastMs = nsToMs(eventSpan[run].second);
        if (run == eventRuns - 1) {
            eventOffset.emplace(run, anchor - lastMs);
        } else {
            const std::int64_t nextStart = eventOffset[run + 1] + nsToMs(eventSpan[run + 1].first);
            eventOffset.emplace(run, nextStart - kRunSpacingMs - lastMs);
        }
    }
    m_runs = std::max(eventRuns, auditRuns);

    std::int64_t base = std::numeric_limits<std::int64_t>::max();
    std::vector<std::int64_t> wall(m_raw.size());
    for (std::size_t i = 0; i < m_raw.size(); ++i) {
        const RawFact &raw = m_raw[i];
        if (raw.audit) {
            const AuditLine &line = m_audit[raw.fact.ref];
            const auto offset = auditOffset.find(raw.run);
            wall[i] = line.kind == AuditLine::Kind::Boot || raw.observerNs == 0 || offset == auditOffset.end()
                          ? line.wallMs
                          : offset->second + nsToMs(raw.observerNs);
        } else {
            wall[i] = eventOffset[raw.run] + nsToMs(raw.observerNs);
        }
        base = std::min(base, wall[i]);
    }
    if (m_raw.empty())
        base = anchor;
    m_wallOffsetMs = base;
    m_facts.reserve(m_raw.size());
    for (std::size_t i = 0; i < m_raw.size(); ++i) {
        IncidentFact fact = m_raw[i].fact;
        fact.atMs = wall[i] - base;
        m_facts.push_back(fact);
    }
    // Files interleave, and a read batch may step back a little: time order, file order
    // kept among equals.
    std::stable_sort(m_facts.begin(), m_facts.end(),
                     [](const IncidentFact &a, const IncidentFact &b) { return a.atMs < b.atMs; });
    std::vector<RawFact>().swap(m_raw);
    m_lastBeat.clear();
}

}  // namespace varta::ui
