#pragma once
// The event file (--export-file): COMPAT.md section 2, one tab-separated line per event,
// created 0600, lines never torn, rotated to PATH.1 … PATH.5 past --export-file-max-bytes.
// Lines are formatted into a buffer on the hot path and written whole by flush(), which
// the observer calls once per batch of datagrams.

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
    const QString &path() const { return path_; }

    void beat(std::int64_t observerNs, const vlp::Frame &frame);
    void stall(std::int64_t observerNs, std::uint32_t pid, std::uint64_t lastNonce);
    void decodeError(std::int64_t observerNs, vlp::DecodeError error);
    void ioError(std::int64_t observerNs, std::string_view text);
    void mismatch(std::int64_t observerNs, std::uint32_t claimedPid, std::string_view reason);
    void eviction(std::int64_t observerNs, std::uint32_t pid);

    // Writes every buffered line; fsyncs when --export-file-sync-every lines have passed.
    void flush();

    std::uint64_t linesWritten() const { return linesWritten_; }
    std::uint64_t linesDropped() const { return linesDropped_; }
    std::uint64_t writeErrors() const { return writeErrors_; }

private:
    char *beginLine(std::int64_t observerNs, std::string_view kind, qsizetype reserve);
    void endLine(char *end);
    void rotate();
    qsizetype writeAll(const char *data, qsizetype size);

    QString path_;
    std::int64_t maxBytes_;
    std::int64_t syncEvery_;
    int fd_ = -1;
    std::int64_t fileBytes_ = 0;
    QByteArray buffer_;
    qsizetype bufferedLines_ = 0;
    std::int64_t linesSinceSync_ = 0;
    std::uint64_t linesWritten_ = 0;
    std::uint64_t linesDropped_ = 0;
    std::uint64_t writeErrors_ = 0;
    bool lineOpen_ = false;
};

}  // namespace varta
