#include "core/recovery/audit_log.h"

#include "core/base/engine_clock.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace varta {

namespace {

// A record line is rarely over a few hundred bytes; the window only grows for the odd
// huge exec line, and never past the cap, so opening costs the same for any file size.
constexpr qint64 kFirstTailWindow = 64 * 1024;
constexpr qint64 kMaxTailWindow = 4 * 1024 * 1024;
constexpr std::size_t kChainBytes = 32;

QByteArray headerLine() { return QByteArray(AuditLog::kHeader) + '\n'; }

QString errnoText() { return QString::fromLocal8Bit(std::strerror(errno)); }

// Columns of a well-formed record: seq, wallclock_ms, observer_ns, kind, fields, chain.
int columnsOf(const QByteArray &kind) {
    if (kind == "boot")
        return 4 + 3 + 1;
    if (kind == "spawn")
        return 4 + 6 + 1;
    if (kind == "complete")
        return 4 + 9 + 1;
    if (kind == "refused")
        return 4 + 2 + 1;
    return -1;
}

bool isDecimal(const QByteArray &text) {
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isChainHex(const QByteArray &text) {
    return text.size() == 2 * qsizetype(kChainBytes) && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

QByteArray sanitised(QByteArray field) {
    for (char &c : field) {
        if (c == '\t' || c == '\r' || c == '\n')
            c = ' ';
    }
    return field;
}

QByteArray chainOf(const QByteArray &kind, const QByteArray &prevChain, const QByteArray &body) {
    static const char zero = '\0';
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QByteArrayView("VARTA-AUDIT-v2"));
    hash.addData(QByteArrayView(&zero, 1));
    hash.addData(kind);
    hash.addData(QByteArrayView(&zero, 1));
    hash.addData(prevChain);
    hash.addData(QByteArrayView(&zero, 1));
    hash.addData(body);
    return hash.result();
}

QByteArray numberOrDash(const std::optional<int> &value) {
    return value ? QByteArray::number(*value) : QByteArrayLiteral("-");
}

}  // namespace

AuditLog::~AuditLog() { close(); }

const char *AuditLog::bootReasonLabel(BootReason reason) noexcept {
    switch (reason) {
    case BootReason::Fresh: return "fresh";
    case BootReason::Resume: return "resume";
    case BootReason::CorruptTail: return "corrupt_tail";
    }
    return "unknown";
}

const char *AuditLog::completionLabel(Completion completion) noexcept {
    switch (completion) {
    case Completion::Reaped: return "reaped";
    case Completion::Killed: return "killed";
    case Completion::ReapFailed: return "reap_failed";
    }
    return "unknown";
}

bool AuditLog::open(const QString &path, QString *error) {
    close();
    m_path = path;
    Tail tail;
    if (!openFile(path, error) || !writeHeaderOrCheckIt(error) || !readTail(&tail, error)) {
        close();
        return false;
    }
    const bool hadRecords = m_size > qint64(headerLine().size());
    // A cut-off line is ended here so the boot record starts a line of its own.
    if (tail.endsMidLine && !writeWhole(QByteArrayLiteral("\n"))) {
        *error = m_lastError;
        close();
        return false;
    }
    if (tail.last) {
        m_seq = tail.last->seq;
        m_chain = tail.last->chain;
    }
    m_bootReason = !hadRecords ? BootReason::Fresh : tail.corrupt ? BootReason::CorruptTail : BootReason::Resume;
    const bool linked = m_chain != QByteArray(kChainBytes, '\0');
    if (!append("boot", {QByteArray::number(::getpid()), linked ? m_chain.toHex() : QByteArrayLiteral("-"),
                         bootReasonLabel(m_bootReason)})) {
        *error = m_lastError;
        close();
        return false;
    }
    return true;
}

void AuditLog::close() {
    if (m_fd >= 0)
        ::close(m_fd);  // also drops the lock
    m_fd = -1;
    m_size = 0;
    m_seq = 0;
    m_chain = QByteArray(kChainBytes, '\0');
}

bool AuditLog::openFile(const QString &path, QString *error) {
    const QByteArray native = QFile::encodeName(path);
    const int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW;
    m_fd = ::open(native.constData(), flags | O_CREAT | O_EXCL, 0600);
    if (m_fd >= 0) {
        ::fchmod(m_fd, 0600);  // exactly 0600, whatever the umask
    } else if (errno == EEXIST) {
        m_fd = ::open(native.constData(), flags);
    }
    struct stat st {};
    if (m_fd < 0 || ::fstat(m_fd, &st) != 0) {
        *error = QStringLiteral("%1: %2").arg(path, errnoText());
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        *error = QStringLiteral("%1: not a regular file").arg(path);
        return false;
    }
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        *error = QStringLiteral("%1: in use by another varta-watch (%2)").arg(path, errnoText());
        return false;
    }
    m_size = st.st_size;
    return true;
}

bool AuditLog::writeHeaderOrCheckIt(QString *error) {
    const QByteArray header = headerLine();
    if (m_size == 0) {
        if (!writeWhole(header)) {
            *error = m_lastError;
            return false;
        }
        return true;
    }
    QByteArray first(header.size(), Qt::Uninitialized);
    if (::pread(m_fd, first.data(), size_t(first.size()), 0) != first.size() || first != header) {
        *error = QStringLiteral("%1: not a varta-watch recovery audit v2 log (first line is not \"%2\")")
                     .arg(m_path, QString::fromLatin1(kHeader));
        return false;
    }
    return true;
}

bool AuditLog::readTail(Tail *tail, QString *error) {
    const qint64 start = headerLine().size();
    const qint64 body = m_size - start;
    for (qint64 window = std::min(body, kFirstTailWindow); window > 0; window = std::min(body, window * 4)) {
        QByteArray bytes(window, Qt::Uninitialized);
        if (::pread(m_fd, bytes.data(), size_t(window), m_size - window) != window) {
            *error = QStringLiteral("%1: cannot read its last records: %2").arg(m_path, errnoText());
            return false;
        }
        *tail = Tail{};
        tail->endsMidLine = !bytes.endsWith('\n');
        QList<QByteArray> lines = bytes.split('\n');
        lines.removeLast();  // what follows the last newline: empty, or a cut-off line
        // The window's first line may have started before it; it is whole only when the
        // window reaches back to the header.
        const qsizetype firstWhole = window == body ? 0 : 1;
        for (qsizetype i = lines.size() - 1; i >= firstWhole && !tail->last; --i) {
            const QList<QByteArray> columns = lines[i].split('\t');
            const bool wellFormed = columns.size() >= 5 && columns.size() == columnsOf(columns[3])
                                    && isDecimal(columns[0]) && (isChainHex(columns.last()) || columns.last() == "-");
            if (wellFormed) {
                const QByteArray chain =
                    columns.last() == "-" ? QByteArray(kChainBytes, '\0') : QByteArray::fromHex(columns.last());
                tail->last = TailRecord{columns[0].toULongLong(), chain};
            } else {
                tail->corrupt = true;
            }
        }
        tail->corrupt = tail->corrupt || tail->endsMidLine || !tail->last;
        if (tail->last || window == body || window >= kMaxTailWindow)
            return true;
    }
    return true;
}

bool AuditLog::appendSpawn(const Spawn &r) {
    return append("spawn", {QByteArray::number(r.agentPid), QByteArray::number(r.childPid), r.exec.toUtf8(),
                            r.program.toUtf8(), r.source.toUtf8(), QByteArray::number(r.templateLen)});
}

bool AuditLog::appendComplete(const Complete &r) {
    return append("complete",
                  {QByteArray::number(r.agentPid), QByteArray::number(r.childPid), completionLabel(r.completion),
                   numberOrDash(r.exitCode), numberOrDash(r.signal), QByteArray::number(r.durationNs),
                   QByteArray::number(r.stdoutLen), QByteArray::number(r.stderrLen), r.truncated ? "true" : "false"});
}

bool AuditLog::appendRefused(std::uint32_t agentPid, RefusalReason reason) {
    return append("refused", {QByteArray::number(agentPid), refusalReasonLabel(reason)});
}

bool AuditLog::append(const QByteArray &kind, const QList<QByteArray> &fields) {
    if (m_fd < 0) {
        m_lastError = QStringLiteral("audit log is not open");
        return false;
    }
    QByteArray body = QByteArray::number(m_seq + 1) + '\t' + QByteArray::number(QDateTime::currentMSecsSinceEpoch())
                      + '\t' + QByteArray::number(engineNowNs()) + '\t' + kind;
    for (const QByteArray &field : fields)
        body += '\t' + sanitised(field);
    const QByteArray chain = chainOf(kind, m_chain, body);
    if (!writeWhole(body + '\t' + chain.toHex() + '\n'))
        return false;
    ++m_seq;
    m_chain = chain;
    if (::fsync(m_fd) != 0) {
        // The record is in the file (seq and chain move on), it just may not survive a
        // power cut: report it without pretending it was not written.
        m_lastError = QStringLiteral("%1: fsync: %2").arg(m_path, errnoText());
        return false;
    }
    return true;
}

bool AuditLog::writeWhole(const QByteArray &bytes) {
    qsizetype done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(m_fd, bytes.constData() + done, size_t(bytes.size() - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            m_lastError = QStringLiteral("%1: write: %2").arg(m_path, errnoText());
            // Cut a partial record back off: the next one must not continue a torn line.
            if (::ftruncate(m_fd, m_size) != 0)
                m_lastError += QStringLiteral(" (and the partial record could not be removed)");
            return false;
        }
        done += n;
    }
    m_size += bytes.size();
    return true;
}

}  // namespace varta
