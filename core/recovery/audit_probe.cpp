#include "core/recovery/audit_probe.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace varta::audit {

namespace {

// Files are searched backwards a chunk at a time, so memory stays this small whatever
// the file's size.
constexpr qint64 kScanChunkBytes = 64 * 1024;
// Our records are a few hundred bytes; a last line longer than this is no record of
// ours (it is read as schema drift, never held in memory).
constexpr qint64 kMaxRecordBytes = 1024 * 1024;

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

void resumeFrom(const std::optional<QByteArray> &line, Probe *probe) {
    if (const auto record = line ? parseRecord(*line) : std::nullopt) {
        probe->lastSeq = record->seq;
        probe->lastChain = record->chain;
    }
}

// The records after the v2 header that starts the v2 part at `start`.
void classifyRecords(Reader &reader, qint64 start, qint64 size, Probe *probe) {
    probe->needsHeader = false;
    if (size == start) {
        probe->reason = BootReason::Fresh;
        return;
    }
    if (reader.read(size - 1, 1) == "\n") {
        const std::optional<QByteArray> last = reader.lineEndingAt(start, size - 1);
        const bool isRecord = last && parseRecord(*last);
        probe->reason = isRecord ? BootReason::Resume : BootReason::SchemaDrift;
        if (isRecord)
            resumeFrom(last, probe);
        return;
    }
    // A write cut short: what follows the last newline goes, the line before it (if it
    // is a record) is where seq and the chain continue.
    probe->reason = BootReason::CorruptTail;
    const std::optional<qint64> newline = reader.lastIndexOf(QByteArrayLiteral("\n"), start, size);
    probe->truncateTo = newline ? *newline + 1 : start;
    if (newline)
        resumeFrom(reader.lineEndingAt(start, *newline), probe);
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
