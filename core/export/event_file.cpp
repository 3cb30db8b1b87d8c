#include "core/export/event_file.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace varta {
namespace {

constexpr qsizetype kLineReserve = 128;  // the longest fixed-field line is ~90 bytes

char *put(char *p, std::string_view text) {
    std::memcpy(p, text.data(), text.size());
    return p + text.size();
}

template <typename T>
char *putNumber(char *p, T value) {
    return std::to_chars(p, p + 24, value).ptr;
}

std::string_view sanitizedPrefix(std::string_view text) {
    // io/mismatch payloads come from the system; keep them on one line and bounded.
    return text.substr(0, 200);
}

}  // namespace

EventFile::EventFile(QString path, std::int64_t maxBytes, std::int64_t syncEvery)
    : m_path(std::move(path)), m_maxBytes(maxBytes), m_syncEvery(syncEvery) {
    m_buffer.reserve(kFlushThreshold + kLineReserve);
}

EventFile::~EventFile() {
    flush();
    if (m_fd >= 0) {
        ::fsync(m_fd);
        ::close(m_fd);
    }
}

bool EventFile::refuse() {
    ::close(m_fd);
    m_fd = -1;
    return false;
}

bool EventFile::open(QString *error) {
    const QByteArray native = m_path.toLocal8Bit();
    m_fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (m_fd < 0) {
        *error =
            m_path + QStringLiteral(": cannot open the event file: ") + QString::fromLocal8Bit(std::strerror(errno));
        return false;
    }
    struct stat st {};
    if (::fstat(m_fd, &st) != 0) {
        *error =
            m_path + QStringLiteral(": cannot stat the event file: ") + QString::fromLocal8Bit(std::strerror(errno));
        return refuse();
    }
    // As upstream: a file that is not ours, or that has another name elsewhere, could be
    // someone else's file we would be made to append to.
    if (!S_ISREG(st.st_mode)) {
        *error = m_path + QStringLiteral(": the event file is not a regular file");
        return refuse();
    }
    if (st.st_uid != ::geteuid()) {
        *error =
            m_path
            + QStringLiteral(": the event file is owned by uid %1, not by us (uid %2)").arg(st.st_uid).arg(::geteuid());
        return refuse();
    }
    if (st.st_nlink != 1) {
        *error =
            m_path + QStringLiteral(": the event file has %1 hard links; it must have exactly one").arg(st.st_nlink);
        return refuse();
    }
    m_fileBytes = st.st_size;
    return true;
}

char *EventFile::beginLine(std::int64_t observerNs, std::string_view kind, qsizetype reserve) {
    if (m_buffer.size() + reserve > kMaxBufferedBytes) {
        ++m_linesDropped;
        return nullptr;
    }
    const qsizetype start = m_buffer.size();
    m_buffer.resize(start + reserve);
    char *p = m_buffer.data() + start;
    m_lastObserverNs = std::max(observerNs, m_lastObserverNs);
    p = putNumber(p, m_lastObserverNs);
    *p++ = '\t';
    p = put(p, kind);
    *p++ = '\t';
    m_lineOpen = true;
    return p;
}

void EventFile::endLine(char *end) {
    *end++ = '\n';
    m_buffer.truncate(end - m_buffer.constData());
    m_lineOpen = false;
    ++m_bufferedLines;
    if (m_buffer.size() >= kFlushThreshold)
        flush();
}

void EventFile::beat(std::int64_t observerNs, const vlp::Frame &frame) {
    char *p = beginLine(observerNs, "beat", kLineReserve);
    if (!p)
        return;
    p = putNumber(p, frame.pid);
    *p++ = '\t';
    p = putNumber(p, frame.nonce);
    *p++ = '\t';
    p = put(p, vlp::statusName(frame.status));
    *p++ = '\t';
    p = putNumber(p, frame.payload);
    endLine(p);
}

void EventFile::stall(std::int64_t observerNs, std::uint32_t pid, std::uint64_t lastNonce) {
    char *p = beginLine(observerNs, "stall", kLineReserve);
    if (!p)
        return;
    p = putNumber(p, pid);
    *p++ = '\t';
    p = putNumber(p, lastNonce);
    p = put(p, "\tstall\t-");
    endLine(p);
}

void EventFile::decodeError(std::int64_t observerNs, const vlp::DecodeFailure &failure) {
    // observer_ns (at most 20 digits), "\tdecode\t", "-\t-\t-\t", the detail, "\n".
    static_assert(kLineReserve >= 20 + 8 + 6 + vlp::kDecodeDetailMax + 1, "a decode line fits its reserve");
    char *p = beginLine(observerNs, "decode", kLineReserve);
    if (!p)
        return;
    p = put(p, "-\t-\t-\t");
    p = vlp::putDecodeDetail(p, failure);
    endLine(p);
}

void EventFile::ioError(std::int64_t observerNs, std::string_view text) {
    const std::string_view clipped = sanitizedPrefix(text);
    char *p = beginLine(observerNs, "io", kLineReserve + static_cast<qsizetype>(clipped.size()));
    if (!p)
        return;
    p = put(p, "-\t-\t-\t");
    for (char c : clipped)
        *p++ = (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
    endLine(p);
}

void EventFile::controlTruncated(std::int64_t observerNs) {
    char *p = beginLine(observerNs, "ctrunc", kLineReserve);
    if (!p)
        return;
    // Upstream's text word for word, so that one parser reads both event files.
    p = put(p, "-\t-\t-\tancillary data truncated by kernel (ANCILLARY_BUFFER_SIZE too small)");
    endLine(p);
}

void EventFile::mismatch(std::int64_t observerNs, std::uint32_t claimedPid, std::string_view reason) {
    char *p = beginLine(observerNs, "mismatch", kLineReserve);
    if (!p)
        return;
    p = putNumber(p, claimedPid);
    p = put(p, "\t-\t-\t");
    p = put(p, sanitizedPrefix(reason).substr(0, 32));
    endLine(p);
}

void EventFile::eviction(std::int64_t observerNs, std::uint32_t pid) {
    char *p = beginLine(observerNs, "eviction", kLineReserve);
    if (!p)
        return;
    p = putNumber(p, pid);
    p = put(p, "\t-\t-\t-");
    endLine(p);
}

void EventFile::flush() {
    if (m_fd < 0 || m_buffer.isEmpty())
        return;
    qsizetype done = 0;
    while (done < m_buffer.size() && m_fd >= 0) {
        qsizetype chunk = m_buffer.size() - done;
        if (m_maxBytes > 0) {
            // Whole lines up to the limit; a full file rotates first. A single line
            // longer than the limit still goes whole into an empty file.
            const std::int64_t room = m_maxBytes - m_fileBytes;
            if (chunk > room) {
                const qsizetype lastNewline = room > 0 ? m_buffer.lastIndexOf('\n', done + room - 1) : -1;
                if (lastNewline >= done) {
                    chunk = lastNewline + 1 - done;
                } else if (m_fileBytes > 0) {
                    rotate();
                    continue;
                } else {
                    chunk = m_buffer.indexOf('\n', done) + 1 - done;
                }
            }
        }
        const qsizetype written = writeAll(m_buffer.constData() + done, chunk);
        m_fileBytes += written;
        done += written;
        if (written < chunk) {
            ++m_writeErrors;
            break;
        }
    }
    // Keep only what the disk refused, so a later flush never repeats a line; the
    // buffer stays bounded by kMaxBufferedBytes.
    const qsizetype flushedLines = done == m_buffer.size() ? m_bufferedLines : 0;
    m_buffer.remove(0, done);
    m_bufferedLines -= flushedLines;
    m_linesWritten += static_cast<std::uint64_t>(flushedLines);
    m_linesSinceSync += flushedLines;
    if (m_syncEvery > 0 && m_linesSinceSync >= m_syncEvery && m_fd >= 0) {
        ::fdatasync(m_fd);
        m_linesSinceSync = 0;
    }
}

qsizetype EventFile::writeAll(const char *data, qsizetype size) {
    // O_APPEND and one write per flush keep lines whole and in order.
    qsizetype done = 0;
    while (done < size) {
        const ssize_t n = ::write(m_fd, data + done, static_cast<size_t>(size - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += n;
    }
    return done;
}

void EventFile::rotate() {
    ::fsync(m_fd);
    ::close(m_fd);
    m_fd = -1;
    for (int generation = kGenerations - 1; generation >= 1; --generation) {
        const QByteArray from = (m_path + QLatin1Char('.') + QString::number(generation)).toLocal8Bit();
        const QByteArray to = (m_path + QLatin1Char('.') + QString::number(generation + 1)).toLocal8Bit();
        ::rename(from.constData(), to.constData());  // a missing generation is fine
    }
    const QByteArray current = m_path.toLocal8Bit();
    const QByteArray first = (m_path + QStringLiteral(".1")).toLocal8Bit();
    ::rename(current.constData(), first.constData());
    m_fd = ::open(current.constData(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    m_fileBytes = 0;
    if (m_fd < 0)
        ++m_writeErrors;
}

}  // namespace varta
