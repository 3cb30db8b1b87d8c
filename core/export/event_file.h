#pragma once
// The event file (--export-file): docs/compat.md section 2, one tab-separated line per event,
// created 0600, lines never torn, rotated to PATH.1 … PATH.5 past --export-file-max-bytes.
// Lines are formatted into a buffer on the hot path and written whole by flush(), which
// the engine calls once per batch of datagrams.

#include "core/vlp/frame.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <string_view>

namespace varta {

class EventFile {
public:
    static constexpr int kGenerations = 5;
    // Past this much unwritten text (the disk refuses writes) new lines are dropped and
    // counted rather than held without bound.
    static constexpr qsizetype kMaxBufferedBytes = 8 * 1024 * 1024;
    static constexpr qsizetype kFlushThreshold = 256 * 1024;

    EventFile(QString path, std::int64_t maxBytes, std::int64_t syncEvery);
    ~EventFile();
    EventFile(const EventFile &) = delete;
    EventFile &operator=(const EventFile &) = delete;

    bool open(QString *error);
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

    std::uint64_t linesWritten() const { return m_linesWritten; }
    std::uint64_t linesDropped() const { return m_linesDropped; }
    std::uint64_t writeErrors() const { return m_writeErrors; }

private:
    bool refuse();  // closes the file just opened; false
    char *beginLine(std::int64_t observerNs, std::string_view kind, qsizetype reserve);
    void endLine(char *end);
    void rotate();
    qsizetype writeAll(const char *data, qsizetype size);

    QString m_path;
    std::int64_t m_maxBytes;
    std::int64_t m_syncEvery;
    int m_fd = -1;
    std::int64_t m_fileBytes = 0;
    QByteArray m_buffer;
    qsizetype m_bufferedLines = 0;
    std::int64_t m_linesSinceSync = 0;
    std::uint64_t m_linesWritten = 0;
    std::uint64_t m_linesDropped = 0;
    std::uint64_t m_writeErrors = 0;
    bool m_lineOpen = false;
    // observer_ns never decreases in file order and never goes below 0: a beat keeps its
    // kernel arrival time, which may be a little older than the line written before it.
    std::int64_t m_lastObserverNs = 0;
};

}  // namespace varta
