#include "core/export/event_file.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>

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

std::int64_t monotonicNs() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
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
    closeFile();
}

void EventFile::closeFile() {
    if (m_fd < 0)
        return;
    ::fsync(m_fd);
    ::close(m_fd);
    m_fd = -1;
}

void EventFile::report(const QString &what, int error) {
    if (!m_problem)
        return;
    QString line = m_path + QStringLiteral(": ") + what;
    if (error != 0)
        line += QStringLiteral(": ") + QString::fromLocal8Bit(std::strerror(error));
    line += QStringLiteral(" (%1 lines waiting, %2 lost so far)").arg(m_bufferedLines).arg(m_linesDropped);
    m_problem(line);
}

bool EventFile::refuse() {
    ::close(m_fd);
    m_fd = -1;
    return false;
}

bool EventFile::open(QString *error) { return openFile(error); }

bool EventFile::openFile(QString *error) {
    const QByteArray native = m_path.toLocal8Bit();
    // Read too: the end of an existing file is read for a line cut short.
    m_fd = ::open(native.constData(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
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
    if (!repairTailAtOpen(error))
        return refuse();
    m_nextIdentityCheckNs = monotonicNs() + kIdentityCheckIntervalNs;
    return true;
}

// A previous run (or a crash, or another writer) may have left a line cut short; the
// next line must not be glued onto it.
bool EventFile::repairTailAtOpen(QString *error) {
    if (m_fileBytes == 0)
        return true;
    const qsizetype window = static_cast<qsizetype>(std::min<std::int64_t>(m_fileBytes, kLongestTornTail));
    QByteArray tail(window, Qt::Uninitialized);
    const ssize_t n = ::pread(m_fd, tail.data(), static_cast<size_t>(window), m_fileBytes - window);
    if (n != window) {
        *error = m_path + QStringLiteral(": cannot read the end of the event file: ")
                 + QString::fromLocal8Bit(std::strerror(n < 0 ? errno : EIO));
        return false;
    }
    if (tail.endsWith('\n'))
        return true;
    const qsizetype lastNewline = tail.lastIndexOf('\n');
    if (lastNewline < 0 && window == kLongestTornTail) {
        // No line of ours is that long: end it rather than cut what we did not write.
        if (writeAll("\n", 1, nullptr) != 1) {
            *error = m_path + QStringLiteral(": cannot end the event file's last line: ")
                     + QString::fromLocal8Bit(std::strerror(errno));
            return false;
        }
        ++m_fileBytes;
        return true;
    }
    return cutTornTail(window - (lastNewline + 1), error);
}

// The file ends in `tornBytes` of a line cut short: cut them off, so that the file holds
// whole lines only and the line's next attempt starts on a line of its own.
bool EventFile::cutTornTail(qsizetype tornBytes, QString *error) {
    struct stat st {};
    if (::fstat(m_fd, &st) != 0 || ::ftruncate(m_fd, st.st_size - tornBytes) != 0) {
        const int cause = errno;
        if (error)
            *error = m_path + QStringLiteral(": cannot cut a line cut short off the event file: ")
                     + QString::fromLocal8Bit(std::strerror(cause));
        m_tornBytesPending = tornBytes;
        return false;
    }
    m_fileBytes = st.st_size - tornBytes;
    m_tornBytesCut += static_cast<std::uint64_t>(tornBytes);
    m_tornBytesPending = 0;
    return true;
}

bool EventFile::reopen() {
    closeFile();
    ++m_reopens;
    QString error;
    if (openFile(&error)) {
        m_nextOpenAttemptNs = 0;
        return true;
    }
    ++m_writeErrors;
    m_nextOpenAttemptNs = monotonicNs() + kRetryIntervalNs;
    if (m_problem)
        m_problem(error);
    return false;
}

// Whether PATH still names the file we write: logrotate (without SIGHUP) or an operator
// may have renamed or deleted it, and lines written to it would reach no one.
bool EventFile::stillAtPath() const {
    struct stat ours {};
    struct stat named {};
    if (::fstat(m_fd, &ours) != 0 || ours.st_nlink == 0)
        return false;
    if (::stat(m_path.toLocal8Bit().constData(), &named) != 0)
        return false;
    return named.st_dev == ours.st_dev && named.st_ino == ours.st_ino;
}

bool EventFile::retryOpen(std::int64_t nowNs) {
    if (nowNs < m_nextOpenAttemptNs)
        return false;
    QString error;
    if (openFile(&error))
        return true;
    ++m_writeErrors;
    m_nextOpenAttemptNs = nowNs + kRetryIntervalNs;
    if (m_problem)
        m_problem(error
                  + QStringLiteral(" (%1 lines waiting, %2 lost so far)").arg(m_bufferedLines).arg(m_linesDropped));
    return false;
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
    if (m_buffer.isEmpty())
        return;
    const std::int64_t now = monotonicNs();
    if (m_fd >= 0 && now >= m_nextIdentityCheckNs) {
        m_nextIdentityCheckNs = now + kIdentityCheckIntervalNs;
        if (!stillAtPath()) {
            report(QStringLiteral("the event file was renamed or deleted; reopening it"), 0);
            reopen();
        }
    }
    if (m_fd < 0 && !retryOpen(now))
        return;
    if (m_tornBytesPending > 0 && !cutTornTail(m_tornBytesPending, nullptr)) {
        ++m_writeErrors;
        report(QStringLiteral("cannot cut a line cut short off the event file"), errno);
        return;
    }
    qsizetype done = 0;
    bool pastLimit = false;  // a rotation failed: the live file grows until it succeeds
    while (done < m_buffer.size() && m_fd >= 0) {
        qsizetype chunk = m_buffer.size() - done;
        if (m_maxBytes > 0 && !pastLimit) {
            // Whole lines up to the limit; a full file rotates first. A single line
            // longer than the limit still goes whole into an empty file.
            const std::int64_t room = m_maxBytes - m_fileBytes;
            if (chunk > room) {
                const qsizetype lastNewline = room > 0 ? m_buffer.lastIndexOf('\n', done + room - 1) : -1;
                if (lastNewline >= done) {
                    chunk = lastNewline + 1 - done;
                } else if (m_fileBytes > 0) {
                    pastLimit = !rotate(now);
                    continue;
                } else {
                    chunk = m_buffer.indexOf('\n', done) + 1 - done;
                }
            }
        }
        int cause = 0;
        const qsizetype written = writeAll(m_buffer.constData() + done, chunk, &cause);
        if (written == chunk) {
            m_fileBytes += written;
            done += written;
            continue;
        }
        // The disk took part of a line: cut it back to the last whole line, which stays
        // written; the rest waits in the buffer for a later flush.
        ++m_writeErrors;
        // done is at a line's start, so a newline found before it means no whole line.
        const qsizetype wholeLines =
            written > 0 ? std::max<qsizetype>(m_buffer.lastIndexOf('\n', done + written - 1) + 1 - done, 0) : 0;
        m_fileBytes += wholeLines;
        if (written > wholeLines)
            cutTornTail(written - wholeLines, nullptr);
        done += wholeLines;
        report(QStringLiteral("cannot write the event file"), cause);
        break;
    }
    // Keep only what the disk refused, so a later flush never repeats a line; the
    // buffer stays bounded by kMaxBufferedBytes.
    const qsizetype flushedLines =
        done == m_buffer.size() ? m_bufferedLines
                                : static_cast<qsizetype>(std::count(m_buffer.cbegin(), m_buffer.cbegin() + done, '\n'));
    m_buffer.remove(0, done);
    m_bufferedLines -= flushedLines;
    m_linesWritten += static_cast<std::uint64_t>(flushedLines);
    m_linesSinceSync += flushedLines;
    if (m_syncEvery > 0 && m_linesSinceSync >= m_syncEvery && m_fd >= 0) {
        ::fdatasync(m_fd);
        m_linesSinceSync = 0;
    }
}

void EventFile::abandonUnwritten() {
    m_linesDropped += static_cast<std::uint64_t>(m_bufferedLines);
    m_bufferedLines = 0;
    m_buffer.clear();
}

qsizetype EventFile::writeAll(const char *data, qsizetype size, int *error) {
    // O_APPEND and one write per flush keep lines whole and in order.
    qsizetype done = 0;
    while (done < size) {
        const ssize_t n = ::write(m_fd, data + done, static_cast<size_t>(size - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (error)
                *error = n < 0 ? errno : ENOSPC;
            break;
        }
        done += n;
    }
    return done;
}

// False when the live file could not be renamed away: it stays, with its size, and the
// next flush past kRetryIntervalNs tries again. A new file that cannot be created leaves
// no file open; lines wait (bounded) until a later flush can create it.
bool EventFile::rotate(std::int64_t nowNs) {
    if (nowNs < m_nextRotateAttemptNs)
        return false;
    ::fsync(m_fd);
    for (int generation = kGenerations - 1; generation >= 1; --generation) {
        const QByteArray from = (m_path + QLatin1Char('.') + QString::number(generation)).toLocal8Bit();
        const QByteArray to = (m_path + QLatin1Char('.') + QString::number(generation + 1)).toLocal8Bit();
        ::rename(from.constData(), to.constData());  // a missing generation is fine
    }
    const QByteArray current = m_path.toLocal8Bit();
    const QByteArray first = (m_path + QStringLiteral(".1")).toLocal8Bit();
    if (::rename(current.constData(), first.constData()) != 0) {
        const int cause = errno;
        ++m_writeErrors;
        m_nextRotateAttemptNs = nowNs + kRetryIntervalNs;
        report(QStringLiteral("cannot rotate the event file to %1").arg(QString::fromLocal8Bit(first)), cause);
        return false;
    }
    ::close(m_fd);
    m_fd = -1;
    m_nextRotateAttemptNs = 0;
    QString error;
    if (!openFile(&error)) {
        ++m_writeErrors;
        m_nextOpenAttemptNs = nowNs + kRetryIntervalNs;
        if (m_problem)
            m_problem(error);
    }
    return true;
}

}  // namespace varta
