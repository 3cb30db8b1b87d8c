#include "core/recovery/audit_probe.h"

#include <QList>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <unistd.h>

namespace varta::audit {

namespace {

// Files are searched backwards a chunk at a time, so memory stays this small whatever
// the file's size.
constexpr qint64 kScanChunkBytes = 64 * 1024;
// Our records are a few hundred bytes; a last line longer than this is no record of
// ours (it is read as schema drift, never held in memory).
constexpr qint64 kMaxRecordBytes = 1024 * 1024;
// How far back a start-up looks for the last record that verifies, and for the previous
// run's spawn rows: junk or forged lines past this are read as no record at all.
constexpr int kMaxTailLines = 65536;
constexpr qint64 kMaxTailScanBytes = 64 * 1024 * 1024;
// Records kept while looking for one they chain from; each is at most kMaxRecordBytes,
// and a few hundred bytes in practice.
constexpr qsizetype kMaxTailCandidates = 64;
constexpr qint64 kMaxCandidateBytes = 4 * 1024 * 1024;

class Reader {
public:
    explicit Reader(int fd) : m_fd(fd) {}

    bool failed() const { return !m_error.isEmpty(); }
    QString error() const { return m_error; }

    QByteArray read(qint64 offset, qint64 length) {
        QByteArray bytes(length, Qt::Uninitialized);
        qint64 done = 0;
        while (done < length && !failed()) {
            const ssize_t n = ::pread(m_fd, bytes.data() + done, size_t(length - done), offset + done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                m_error = QString::fromLocal8Bit(std::strerror(errno));
            else if (n == 0)
                m_error = QStringLiteral("the file shrank while it was read");
            else
                done += n;
        }
        return failed() ? QByteArray() : bytes;
    }

    // Where the last whole occurrence of `needle` inside [from, end) starts.
    std::optional<qint64> lastIndexOf(const QByteArray &needle, qint64 from, qint64 end) {
        const qint64 n = needle.size();
        qint64 windowEnd = end;
        while (windowEnd - from >= n && !failed()) {
            const qint64 windowStart = std::max(from, windowEnd - kScanChunkBytes);
            const qsizetype at = read(windowStart, windowEnd - windowStart).lastIndexOf(needle);
            if (at >= 0 && !failed())
                return windowStart + at;
            if (windowStart == from)
                break;
            windowEnd = windowStart + n - 1;  // an occurrence across the boundary is still found
        }
        return std::nullopt;
    }

    // The line that ends at `end` (its newline, or the end of a torn line) and starts
    // after the previous newline at or after `from`; none when it is too long to be ours.
    std::optional<QByteArray> lineEndingAt(qint64 from, qint64 end) {
        const std::optional<qint64> previous = lastIndexOf(QByteArrayLiteral("\n"), from, end);
        const qint64 start = previous ? *previous + 1 : from;
        if (end - start > kMaxRecordBytes || failed())
            return std::nullopt;
        return read(start, end - start);
    }

private:
    int m_fd;
    QString m_error;
};

// A record read back from the tail, with what its chain was computed over.
struct TailRecord {
    RecordTail tail;
    QByteArray kind;
    QByteArray body;  // the line without its last tab and chain
    QList<QByteArray> columns;
    int fromEnd = 0;  // 0: the file's last line
};

std::optional<TailRecord> tailRecordOf(const QByteArray &line) {
    const std::optional<RecordTail> tail = parseRecord(line);
    if (!tail)
        return std::nullopt;
    TailRecord record{*tail, {}, line.left(line.lastIndexOf('\t')), line.split('\t')};
    record.kind = record.columns.value(3);
    return record;
}

bool chainsFrom(const TailRecord &record, const QByteArray &prevChain) {
    return !record.tail.chained || chainOf(record.kind, prevChain, record.body) == record.tail.chain;
}

// A record that vouches for itself: the first of a chain (seq 1 from zero), or a boot row
// naming the chain it continues (resume, rotation).
bool standsAlone(const TailRecord &record) {
    if (record.tail.seq == 1 && chainsFrom(record, zeroChain()))
        return true;
    const QByteArray prev = record.kind == "boot" ? record.columns.value(5) : QByteArray();
    return prev.size() == 2 * kChainBytes && record.tail.chained && chainsFrom(record, QByteArray::fromHex(prev));
}

// A record is one to continue from when it chains from an earlier record of the file with
// a lower seq, or stands alone; and when seq + 1 does not wrap.
bool canContinue(const TailRecord &record) { return record.tail.seq < std::numeric_limits<std::uint64_t>::max(); }

void continueFrom(const TailRecord &record, Probe *probe) {
    probe->lastSeq = record.tail.seq;
    probe->lastChain = record.tail.chain;
}

// Spawn rows of the previous run (after its last boot row) without a complete row: their
// children were running when it died.
void collectLost(Reader &reader, qint64 start, qint64 end, Probe *probe) {
    QList<Probe::LostChild> spawned;
    QList<QByteArray> completed;
    qint64 lineEnd = end - 1;
    for (int lines = 0; lines < kMaxTailLines && lineEnd >= start && !reader.failed(); ++lines) {
        const std::optional<qint64> newline = reader.lastIndexOf(QByteArrayLiteral("\n"), start, lineEnd);
        const qint64 lineStart = newline ? *newline + 1 : start;
        const std::optional<TailRecord> record = lineEnd - lineStart <= kMaxRecordBytes
                                                     ? tailRecordOf(reader.read(lineStart, lineEnd - lineStart))
                                                     : std::nullopt;
        if (record && record->kind == "boot")
            break;
        if (record && record->kind == "complete")
            completed << record->columns.value(5);
        if (record && record->kind == "spawn" && !completed.contains(record->columns.value(5)))
            spawned.prepend({record->columns.value(4).toUInt(), record->columns.value(5).toLongLong()});
        if (!newline)
            break;
        lineEnd = *newline;
    }
    probe->lost = spawned;
}

// The records after the v2 header that starts the v2 part at `start`. The tail is walked
// back line by line (at most kMaxTailLines lines, kMaxTailScanBytes bytes) for the last
// record that chains from an earlier one: a line appended by hand, forged or corrupt does
// not decide seq, which continues from the last record that verifies.
void classifyRecords(Reader &reader, qint64 start, qint64 size, Probe *probe) {
    probe->needsHeader = false;
    if (size == start) {
        probe->reason = BootReason::Fresh;
        return;
    }
    qint64 end = size;
    const bool torn = reader.read(size - 1, 1) != "\n";
    if (torn) {
        // A write cut short: what follows the last newline goes.
        const std::optional<qint64> newline = reader.lastIndexOf(QByteArrayLiteral("\n"), start, size);
        probe->truncateTo = newline ? *newline + 1 : start;
        end = *probe->truncateTo;
    }
    const qint64 floor = std::max(start, end - kMaxTailScanBytes);
    QList<TailRecord> unverified;  // latest first
    qint64 storedBytes = 0;
    std::optional<TailRecord> found;
    std::optional<bool> lastIsRecord;
    qint64 lineEnd = end - 1;
    for (int lines = 0; lines < kMaxTailLines && lineEnd >= floor && !found && !reader.failed(); ++lines) {
        const std::optional<qint64> newline = reader.lastIndexOf(QByteArrayLiteral("\n"), floor, lineEnd);
        if (!newline && floor > start)
            break;  // the line runs on past the window: its start is not known
        const qint64 lineStart = newline ? *newline + 1 : start;
        const QByteArray line =
            lineEnd - lineStart <= kMaxRecordBytes ? reader.read(lineStart, lineEnd - lineStart) : QByteArray();
        std::optional<TailRecord> record = tailRecordOf(line);
        if (record)
            record->fromEnd = lines;
        if (!lastIsRecord)
            lastIsRecord = record.has_value() || looksLikeRecord(line);
        if (record) {
            for (const TailRecord &later : unverified) {
                if (later.tail.seq > record->tail.seq && canContinue(later) && chainsFrom(later, record->tail.chain)) {
                    found = later;
                    break;
                }
            }
            if (!found && canContinue(*record) && standsAlone(*record))
                found = record;
            if (!found && unverified.size() < kMaxTailCandidates && storedBytes < kMaxCandidateBytes) {
                storedBytes += line.size();
                unverified << *record;
            }
        }
        if (!newline)
            break;
        lineEnd = *newline;
    }
    if (found)
        continueFrom(*found, probe);
    if (torn)
        probe->reason = BootReason::CorruptTail;
    else if (found && found->fromEnd == 0)
        probe->reason = BootReason::Resume;
    else
        probe->reason = lastIsRecord.value_or(false) ? BootReason::CorruptTail : BootReason::SchemaDrift;
    collectLost(reader, floor, end, probe);
}

}  // namespace

bool probeFile(int fd, qint64 size, Probe *probe, QString *error) {
    *probe = Probe{};
    if (size == 0)
        return true;
    Reader reader(fd);
    const QByteArray header = headerLine();
    const QByteArray head = reader.read(0, std::min<qint64>(size, header.size()));
    if (head == header) {
        classifyRecords(reader, header.size(), size, probe);
    } else if (const auto migrated = reader.lastIndexOf('\n' + header, 0, size)) {
        classifyRecords(reader, *migrated + 1 + header.size(), size, probe);
    } else if (!reader.failed()) {
        probe->reason = head.startsWith(kHeaderV1Prefix) ? BootReason::LegacyV1 : BootReason::SchemaDrift;
        probe->needsNewline = reader.read(size - 1, 1) != "\n";
    }
    if (reader.failed()) {
        *error = reader.error();
        return false;
    }
    return true;
}

}  // namespace varta::audit
