#include "core/recovery/audit_log.h"

#include "core/base/directory_sync.h"
#include "core/base/engine_clock.h"
#include "core/recovery/audit_probe.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace varta {

namespace {

// The next generation is prepared under this name and renamed into place, so a failure
// to create it leaves the live file as it was.
constexpr const char *kNextGenerationSuffix = ".next";

QString errnoText() { return QString::fromLocal8Bit(std::strerror(errno)); }

QByteArray sanitised(QByteArray field) {
    for (char &c : field) {
        if (c == '\t' || c == '\r' || c == '\n')
            c = ' ';
    }
    return field;
}

QByteArray numberOrDash(const std::optional<int> &value) {
    return value ? QByteArray::number(*value) : QByteArrayLiteral("-");
}

QByteArray textOrDash(const QString &text) { return text.isEmpty() ? QByteArrayLiteral("-") : text.toUtf8(); }

// Cuts UTF-8 text to at most `limit` bytes without splitting a character, marking the cut.
QByteArray capped(QByteArray text, qsizetype limit) {
    if (text.size() <= limit)
        return text;
    static constexpr qsizetype kMarkBytes = 3;  // "..."
    qsizetype end = limit - kMarkBytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end;  // a continuation byte: the character starts further back
    text.truncate(end);
    return text + "...";
}

// A missing file is no error: it is the state a removal or rename wants.
bool removeIfThere(const QByteArray &path) { return ::unlink(path.constData()) == 0 || errno == ENOENT; }
bool renameIfThere(const QByteArray &from, const QByteArray &to) {
    return ::rename(from.constData(), to.constData()) == 0 || errno == ENOENT;
}

}  // namespace

AuditLog::Settings AuditLog::Settings::from(const RecoveryOptions &options) {
    Settings settings;
    settings.maxBytes = options.auditMaxBytes;
    settings.syncEvery = options.auditSyncEvery;
    settings.syncIntervalMs = options.auditSyncIntervalMs;
    settings.fsyncBudgetMs = options.auditFsyncBudgetMs;
    settings.rotationBudgetMs = options.auditRotationBudgetMs;
    return settings;
}

AuditLog::~AuditLog() { close(); }

const char *AuditLog::completionLabel(Completion completion) noexcept {
    switch (completion) {
    case Completion::Reaped: return "reaped";
    case Completion::Killed: return "killed";
    case Completion::ReapFailed: return "reap_failed";
    case Completion::Lost: return "lost";
    }
    return "unknown";
}

bool AuditLog::open(const QString &path, const Settings &settings, QString *error) {
    close();
    m_path = path;
    m_settings = settings;
    if (!openFile(path, &m_fd, &m_size, error) || !prepareExisting(error)) {
        close();
        return false;
    }
    // A file already past its size gets its boot row, then rotates, as any other record.
    if (!appendBoot(m_bootReason) || !completeLost() || !rotateIfFull()) {
        *error = m_lastError;
        close();
        return false;
    }
    return true;
}

void AuditLog::close() {
    if (m_fd >= 0) {
        if (m_unsynced > 0)
            sync();
        ::close(m_fd);  // also drops the lock
    }
    m_fd = -1;
    m_size = 0;
    m_seq = 0;
    m_chain = audit::zeroChain();
    m_unsynced = 0;
}

bool AuditLog::openFile(const QString &path, int *fd, qint64 *size, QString *error) const {
    const QByteArray native = QFile::encodeName(path);
    const int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW;
    *fd = ::open(native.constData(), flags | O_CREAT | O_EXCL, 0600);
    if (*fd >= 0) {
        ::fchmod(*fd, 0600);  // exactly 0600, whatever the umask
    } else if (errno == EEXIST) {
        *fd = ::open(native.constData(), flags);
    }
    struct stat st {};
    if (*fd < 0 || ::fstat(*fd, &st) != 0) {
        *error = QStringLiteral("%1: %2").arg(path, errnoText());
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        *error = QStringLiteral("%1: not a regular file").arg(path);
        return false;
    }
    if (::flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        *error = QStringLiteral("%1: in use by another varta-watch (%2)").arg(path, errnoText());
        return false;
    }
    *size = st.st_size;
    return true;
}

bool AuditLog::prepareExisting(QString *error) {
    audit::Probe probe;
    QString why;
    if (!audit::probeFile(m_fd, m_size, &probe, &why)) {
        *error = QStringLiteral("%1: cannot read its last records: %2").arg(m_path, why);
        return false;
    }
    if (probe.truncateTo) {
        if (::ftruncate(m_fd, *probe.truncateTo) != 0) {
            *error = QStringLiteral("%1: cannot cut off its torn last line: %2").arg(m_path, errnoText());
            return false;
        }
        m_size = *probe.truncateTo;
    }
    if ((probe.needsNewline && !writeWhole(QByteArrayLiteral("\n")))
        || (probe.needsHeader && !writeWhole(audit::headerLine()))) {
        *error = m_lastError;
        return false;
    }
    m_seq = probe.lastSeq;
    m_chain = probe.lastChain;
    m_bootReason = probe.reason;
    m_lost = probe.lost;
    return true;
}

// Keeps the accounting (every spawn ends in one complete row) across a death that left
// no time to write them: what became of those children is not known, only that this
// observer no longer watches them.
bool AuditLog::completeLost() {
    for (const audit::Probe::LostChild &child : std::as_const(m_lost)) {
        Complete row;
        row.agentPid = child.agentPid;
        row.childPid = child.childPid;
        row.completion = Completion::Lost;
        if (!appendComplete(row))
            return false;
    }
    return m_lost.isEmpty() || sync();
}

// As upstream: observer_ns is 0, and the previous chain is shown only where the chain
// really continues from a record the reader can see (the file's own, or the previous
// generation's); after a torn or foreign tail it is `-`.
bool AuditLog::appendBoot(BootReason reason) {
    const bool continues =
        reason == BootReason::Resume || reason == BootReason::Rotation || reason == BootReason::Reopen;
    if (!writeRecord("boot",
                     {QByteArray::number(::getpid()), continues ? m_chain.toHex() : QByteArrayLiteral("-"),
                      audit::bootReasonLabel(reason)},
                     0))
        return false;
    return sync();  // a boot row is durable whatever the cadence: it anchors what follows
}

bool AuditLog::appendSpawn(const Spawn &r) {
    // The command line itself never goes into the audit, only its length.
    return append("spawn",
                  {QByteArray::number(r.agentPid), QByteArray::number(r.childPid), QByteArrayLiteral("exec"),
                   r.program.toUtf8(), r.source.toUtf8(), QByteArray::number(r.templateLen)},
                  engineNowNs());
}

bool AuditLog::appendComplete(const Complete &r) {
    return append("complete",
                  {QByteArray::number(r.agentPid), QByteArray::number(r.childPid), completionLabel(r.completion),
                   numberOrDash(r.exitCode), numberOrDash(r.signal), QByteArray::number(r.durationNs),
                   QByteArray::number(r.stdoutLen), QByteArray::number(r.stderrLen), r.truncated ? "true" : "false"},
                  engineNowNs());
}

bool AuditLog::appendRefused(std::uint32_t agentPid, RefusalReason reason) {
    return append("refused", {QByteArray::number(agentPid), refusalReasonLabel(reason)}, engineNowNs());
}

bool AuditLog::appendOperator(const Operator &r) {
    return append("operator",
                  {r.uid ? QByteArray::number(*r.uid) : QByteArrayLiteral("-"), textOrDash(r.user),
                   textOrDash(r.action), r.agentPid ? QByteArray::number(*r.agentPid) : QByteArrayLiteral("-"),
                   textOrDash(r.target), textOrDash(r.outcome), capped(textOrDash(r.detail), kMaxOperatorDetailBytes)},
                  engineNowNs());
}

bool AuditLog::append(const QByteArray &kind, const QList<QByteArray> &fields, std::int64_t observerNs) {
    if (!writeRecord(kind, fields, observerNs))
        return false;
    const bool intervalPassed = m_settings.syncIntervalMs > 0
                                && Clock::now() - m_lastSync >= std::chrono::milliseconds(m_settings.syncIntervalMs);
    // The record is in the file either way (seq and chain move on); a failed sync or
    // rotation is reported without pretending it was not written.
    const bool synced = (m_unsynced < m_settings.syncEvery && !intervalPassed) || sync();
    return rotateIfFull() && synced;
}

bool AuditLog::writeRecord(const QByteArray &kind, const QList<QByteArray> &fields, std::int64_t observerNs) {
    if (m_fd < 0) {
        m_lastError = QStringLiteral("audit log is not open");
        return false;
    }
    QByteArray body = QByteArray::number(m_seq + 1) + '\t' + QByteArray::number(QDateTime::currentMSecsSinceEpoch())
                      + '\t' + QByteArray::number(observerNs) + '\t' + kind;
    for (const QByteArray &field : fields)
        body += '\t' + sanitised(field);
    const QByteArray chain = audit::chainOf(kind, m_chain, body);
    if (!writeWhole(body + '\t' + chain.toHex() + '\n'))
        return false;
    ++m_seq;
    m_chain = chain;
    ++m_unsynced;
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

bool AuditLog::sync() {
    const Clock::time_point start = Clock::now();
    const int result = ::fdatasync(m_fd);
    const int savedErrno = errno;
    m_lastSync = Clock::now();
    const Clock::duration took = m_lastSync - start;
    m_counters.observeFsync(std::chrono::duration<double>(took).count());
    if (took > std::chrono::milliseconds(m_settings.fsyncBudgetMs))
        ++m_counters.fsyncBudgetExceeded;
    if (result != 0) {
        // The records stay counted as unsynced: the next sync tries again.
        m_lastError =
            QStringLiteral("%1: fdatasync: %2").arg(m_path, QString::fromLocal8Bit(std::strerror(savedErrno)));
        return false;
    }
    m_unsynced = 0;
    return true;
}

std::optional<AuditLog::Clock::time_point> AuditLog::syncDueAt() const {
    if (m_fd < 0 || m_unsynced == 0 || m_settings.syncIntervalMs <= 0)
        return std::nullopt;
    return m_lastSync + std::chrono::milliseconds(m_settings.syncIntervalMs);
}

bool AuditLog::syncIfDue() {
    const std::optional<Clock::time_point> due = syncDueAt();
    return !due || Clock::now() < *due || sync();
}

bool AuditLog::followPath(bool now) {
    if (m_fd < 0)
        return true;
    const Clock::time_point at = Clock::now();
    if (!now && at < m_nextPathCheck)
        return true;
    m_nextPathCheck = at + kPathCheckInterval;
    struct stat ours {};
    struct stat named {};
    const bool same = ::fstat(m_fd, &ours) == 0 && ours.st_nlink > 0
                      && ::stat(QFile::encodeName(m_path).constData(), &named) == 0 && named.st_dev == ours.st_dev
                      && named.st_ino == ours.st_ino;
    if (same && ours.st_size >= m_size)
        return true;
    if (same) {
        m_size = ours.st_size;  // truncated under us; O_APPEND writes at its new end
    } else {
        int fd = -1;
        qint64 size = 0;
        QString error;
        if (!openFile(m_path, &fd, &size, &error)) {
            m_lastError = error + QStringLiteral(" (still writing to the file it was moved from)");
            if (fd >= 0)
                ::close(fd);
            return false;
        }
        if (m_unsynced > 0)
            sync();  // what went to the moved file is durable there
        ::close(m_fd);
        m_fd = fd;
        m_size = size;
        syncDirectoryOf(m_path);
    }
    ++m_counters.reopens;
    return (m_size > 0 || writeWhole(audit::headerLine())) && appendBoot(BootReason::Reopen);
}

bool AuditLog::rotateIfFull() {
    if (!m_settings.maxBytes || m_size < *m_settings.maxBytes)
        return true;
    const Clock::time_point start = Clock::now();
    const bool rotated = rotate();
    if (Clock::now() - start > std::chrono::milliseconds(m_settings.rotationBudgetMs))
        ++m_counters.rotationBudgetExceeded;
    return rotated;
}

// The old generation is made durable before it is renamed; the new one is opened (and
// locked) before anything is renamed, so a failure leaves the live file where it was and
// the next record tries again.
bool AuditLog::rotate() {
    if (m_unsynced > 0 && !sync())
        return false;
    const QString nextPath = m_path + QLatin1String(kNextGenerationSuffix);
    const QByteArray next = QFile::encodeName(nextPath);
    int fd = -1;
    qint64 size = 0;
    QString error;
    // A leftover of a rotation cut short by a crash is removed first.
    if (!removeIfThere(next)) {
        m_lastError = QStringLiteral("%1: %2").arg(nextPath, errnoText());
        return false;
    }
    if (!openFile(nextPath, &fd, &size, &error)) {
        m_lastError = error;
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    if (!shiftGenerations(next)) {
        ::close(fd);
        removeIfThere(next);
        return false;
    }
    ::close(m_fd);
    m_fd = fd;
    m_size = 0;
    syncDirectoryOf(m_path);
    ++m_counters.rotations;
    return writeWhole(audit::headerLine()) && appendBoot(BootReason::Rotation);
}

// PATH.5 goes, PATH.4 ... PATH.1 move up one, the live file becomes PATH.1 and `next`
// the live file.
bool AuditLog::shiftGenerations(const QByteArray &next) {
    const auto fail = [this] {
        m_lastError = QStringLiteral("%1: rotation: %2").arg(m_path, errnoText());
        return false;
    };
    const QByteArray live = QFile::encodeName(m_path);
    const QByteArray first = QFile::encodeName(generationPath(1));
    if (!removeIfThere(QFile::encodeName(generationPath(kGenerations))))
        return fail();
    for (int generation = kGenerations - 1; generation >= 1; --generation) {
        if (!renameIfThere(QFile::encodeName(generationPath(generation)),
                           QFile::encodeName(generationPath(generation + 1))))
            return fail();
    }
    if (::rename(live.constData(), first.constData()) != 0)
        return fail();
    if (::rename(next.constData(), live.constData()) != 0) {
        fail();
        ::rename(first.constData(), live.constData());  // the live file goes back where it was
        return false;
    }
    return true;
}

QString AuditLog::generationPath(int generation) const {
    return m_path + QLatin1Char('.') + QString::number(generation);
}

}  // namespace varta
