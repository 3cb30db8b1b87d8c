#pragma once
// The event file (--export-file): docs/compat.md section 2, one tab-separated line per event,
// created 0600, lines never torn, rotated to PATH.1 … PATH.5 past --export-file-max-bytes.
// Lines are formatted into a buffer on the hot path and written whole by flush(), which
// the engine calls once per batch of datagrams.
//
// A file that cannot be written is not given up on: a write cut short is cut back to its
// last whole line, a file that could not be re-created or rotated is tried again on a
// later flush, and a file renamed or deleted under us (logrotate) is noticed and
// reopened. What goes wrong is told to the problem sink (the engine rate-limits it onto
// stderr) and counted.

#include "core/vlp/frame.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <functional>
#include <string_view>

namespace varta {

class EventFile {
public:
    static constexpr int kGenerations = 5;
    // Past this much unwritten text (the disk refuses writes) new lines are dropped and
    // counted rather than held without bound.
    static constexpr qsizetype kMaxBufferedBytes = 8 * 1024 * 1024;
    static constexpr qsizetype kFlushThreshold = 256 * 1024;
    // A failed re-create or rotation is tried again on the first flush this long after
    // it: often enough to come back soon after the disk does, rarely enough that a
    // refusing directory costs nothing per batch.
    static constexpr std::int64_t kRetryIntervalNs = 1'000'000'000;
    // How often a flush asks whether PATH is still our file (a stat), so that a file
    // renamed or deleted under us is reopened within about this long.
    static constexpr std::int64_t kIdentityCheckIntervalNs = 1'000'000'000;
    // Bytes after the last newline are a line of ours cut short only if they are fewer
    // than this (the longest line is ~330 bytes); more, and the file's tail is not ours
    // to cut: a newline is added instead.
    static constexpr qsizetype kLongestTornTail = 4096;

    using ProblemSink = std::function<void(const QString &)>;

    EventFile(QString path, std::int64_t maxBytes, std::int64_t syncEvery);
    ~EventFile();
    EventFile(const EventFile &) = delete;
    EventFile &operator=(const EventFile &) = delete;

    // Told each failure (a line naming the file), however often it happens.
    void setProblemSink(ProblemSink sink) { m_problem = std::move(sink); }

    bool open(QString *error);
    // Closes the file and opens PATH anew (SIGHUP, after logrotate moved it). False: it
    // could not be opened now; the error went to the problem sink and a later flush tries again.
    bool reopen();
    const QString &path() const { return m_path; }

    void beat(std::int64_t observerNs, const vlp::Frame &frame);
    void stall(std::int64_t observerNs, std::uint32_t pid, std::uint64_t lastNonce);
    void decodeError(std::int64_t observerNs, const vlp::DecodeFailure &failure);
    void ioError(std::int64_t observerNs, std::string_view text);
    void controlTruncated(std::int64_t observerNs);
    void mismatch(std::int64_t observerNs, std::uint32_t claimedPid, std::string_view reason);
    void eviction(std::int64_t observerNs, std::uint32_t pid);

    // Writes every buffered line; fsyncs when --export-file-sync-every lines have passed.
    void flush();

    // At exit: lines the disk never took are lost; counts them as dropped.
    void abandonUnwritten();

    std::uint64_t linesWritten() const { return m_linesWritten; }
    std::uint64_t linesDropped() const { return m_linesDropped; }
    std::uint64_t writeErrors() const { return m_writeErrors; }  // writes, opens and renames that failed
    std::uint64_t reopens() const { return m_reopens; }          // SIGHUP, or PATH renamed or deleted under us
    qsizetype pendingLines() const { return m_bufferedLines; }
    // Bytes cut off the end of the file as a line cut short, at open and after short writes.
    std::uint64_t tornBytesCut() const { return m_tornBytesCut; }

private:
    bool openFile(QString *error);
    bool refuse();  // closes the file just opened; false
    bool cutTornTail(qsizetype tornBytes, QString *error);
    bool repairTailAtOpen(QString *error);
    bool stillAtPath() const;
    bool retryOpen(std::int64_t nowNs);
    void closeFile();
    void report(const QString &what, int error);
    char *beginLine(std::int64_t observerNs, std::string_view kind, qsizetype reserve);
    void endLine(char *end);
    bool rotate(std::int64_t nowNs);
    qsizetype writeAll(const char *data, qsizetype size, int *error);

    QString m_path;
    std::int64_t m_maxBytes;
    std::int64_t m_syncEvery;
    int m_fd = -1;
    std::int64_t m_fileBytes = 0;
    ProblemSink m_problem;
    std::int64_t m_nextOpenAttemptNs = 0;    // with m_fd < 0: when a flush may try again
    std::int64_t m_nextRotateAttemptNs = 0;  // after a failed rename
    std::int64_t m_nextIdentityCheckNs = 0;
    qsizetype m_tornBytesPending = 0;  // a cut that failed: nothing is written until it succeeds
    QByteArray m_buffer;
    qsizetype m_bufferedLines = 0;
    std::int64_t m_linesSinceSync = 0;
    std::uint64_t m_linesWritten = 0;
    std::uint64_t m_linesDropped = 0;
    std::uint64_t m_writeErrors = 0;
    std::uint64_t m_reopens = 0;
    std::uint64_t m_tornBytesCut = 0;
    bool m_lineOpen = false;
    // observer_ns never decreases in file order and never goes below 0: a beat keeps its
    // kernel arrival time, which may be a little older than the line written before it.
    std::int64_t m_lastObserverNs = 0;
};

}  // namespace varta
