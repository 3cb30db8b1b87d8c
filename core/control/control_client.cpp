#include "core/control/control_client.h"

#include <QDeadlineTimer>
#include <QJsonDocument>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace varta {
namespace {

QString systemError(int error) { return QString::fromLocal8Bit(std::strerror(error)); }

int remainingMs(const QDeadlineTimer &deadline) {
    if (deadline.isForever())
        return -1;
    return static_cast<int>(std::min<qint64>(deadline.remainingTime(), 1 << 30));
}

}  // namespace

ControlClient::~ControlClient() { close(); }

void ControlClient::close() {
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
    m_input.clear();
    m_pending.clear();
}

bool ControlClient::connectTo(const QString &path, QString *error) {
    close();
    m_path = path;
    const QByteArray native = path.toLocal8Bit();
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (native.isEmpty() || static_cast<std::size_t>(native.size()) >= sizeof address.sun_path) {
        *error = path
                 + QStringLiteral(": not a usable socket path (empty or longer than %1 bytes)")
                       .arg(sizeof address.sun_path - 1);
        return false;
    }
    std::memcpy(address.sun_path, native.constData(), static_cast<std::size_t>(native.size()));
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = path + QStringLiteral(": cannot create a socket: ") + systemError(errno);
        return false;
    }
    int rc = 0;
    do
        rc = ::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        const int connectErrno = errno;
        ::close(fd);
        switch (connectErrno) {
        case ENOENT:
        case ENOTDIR:
            *error = path + QStringLiteral(": no such control socket (is varta-watch running with --control-socket ")
                     + path + QStringLiteral("?)");
            break;
        case EACCES:
        case EPERM:
            *error =
                path
                + QStringLiteral(": permission denied (the control socket admits only the observer's user and root)");
            break;
        case ECONNREFUSED: *error = path + QStringLiteral(": connection refused (no observer is listening)"); break;
        default: *error = path + QStringLiteral(": cannot connect: ") + systemError(connectErrno); break;
        }
        return false;
    }
    m_fd = fd;
    return true;
}

bool ControlClient::sendAll(const QByteArray &bytes, QString *error, int timeoutMs) {
    const QDeadlineTimer deadline(timeoutMs);  // negative: never expires
    qsizetype done = 0;
    while (done < bytes.size()) {
        const ssize_t sent = ::send(m_fd, bytes.constData() + done, static_cast<std::size_t>(bytes.size() - done),
                                    MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent >= 0) {
            done += sent;
            continue;
        }
        if (errno == EINTR && !interrupted())
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            pollfd entry{m_fd, POLLOUT, 0};
            const int ready = ::poll(&entry, 1, remainingMs(deadline));
            if (ready == 0) {
                *error = m_path + QStringLiteral(": the observer does not take the request");
                return false;
            }
            if (ready < 0 && errno == EINTR && interrupted()) {
                m_interrupted = true;
                *error = QStringLiteral("interrupted");
                return false;
            }
            continue;
        }
        *error = m_path + QStringLiteral(": cannot send: ") + systemError(errno);
        return false;
    }
    return true;
}

ControlClient::Read ControlClient::readLine(QByteArray *line, QString *error, int timeoutMs) {
    const QDeadlineTimer deadline(timeoutMs);  // negative: never expires
    for (;;) {
        const qsizetype newline = m_input.indexOf('\n');
        if (newline >= 0) {
            *line = m_input.left(newline);
            m_input.remove(0, newline + 1);
            return Read::Line;
        }
        if (m_input.size() > kMaxLineBytes) {
            *error = m_path + QStringLiteral(": the observer sent a line longer than %1 bytes").arg(kMaxLineBytes);
            return Read::Failed;
        }
        pollfd entry{m_fd, POLLIN, 0};
        int waitMs = remainingMs(deadline);
        // The signal may reach another thread of the process and leave this poll asleep:
        // with a flag to watch, wake up now and then to look at it.
        if (m_interrupt != nullptr && (waitMs < 0 || waitMs > kInterruptCheckMs))
            waitMs = kInterruptCheckMs;
        const int ready = ::poll(&entry, 1, waitMs);
        const int pollErrno = errno;
        if ((ready < 0 && pollErrno == EINTR) || ready == 0) {
            if (interrupted()) {
                m_interrupted = true;
                *error = QStringLiteral("interrupted");
                return Read::Failed;
            }
            if (ready < 0 || !deadline.hasExpired())
                continue;
            *error = m_path + QStringLiteral(": no reply from the observer within %1 s").arg(timeoutMs / 1000.0);
            return Read::Failed;
        }
        if (ready < 0) {
            *error = m_path + QStringLiteral(": ") + systemError(pollErrno);
            return Read::Failed;
        }
        char buffer[65536];
        const ssize_t got = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (got > 0) {
            m_input.append(buffer, got);
            continue;
        }
        if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        // The observer closes a refused connection right after its error line; a close
        // with our bytes unread arrives as a reset. Either way what it sent is in m_input.
        if (got == 0 || errno == ECONNRESET) {
            if (!m_input.isEmpty()) {
                *line = std::exchange(m_input, QByteArray());
                return Read::Line;
            }
            return Read::Closed;
        }
        *error = m_path + QStringLiteral(": ") + systemError(errno);
        return Read::Failed;
    }
}

std::optional<QJsonObject> ControlClient::readMessage(QString *error, int timeoutMs) {
    error->clear();
    if (!m_pending.empty()) {
        QJsonObject message = std::move(m_pending.front());
        m_pending.pop_front();
        return message;
    }
    if (m_fd < 0) {
        *error = m_path + QStringLiteral(": not connected");
        return std::nullopt;
    }
    QByteArray line;
    switch (readLine(&line, error, timeoutMs)) {
    case Read::Closed: return std::nullopt;
    case Read::Failed: return std::nullopt;
    case Read::Line: break;
    }
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        *error = m_path + QStringLiteral(": the observer sent something that is not a JSON object");
        return std::nullopt;
    }
    return document.object();
}

std::optional<QJsonObject> ControlClient::request(const QString &cmd, const QJsonObject &args, QString *error,
                                                  int timeoutMs) {
    error->clear();
    if (m_fd < 0) {
        *error = m_path + QStringLiteral(": not connected");
        return std::nullopt;
    }
    const qint64 id = m_nextId++;
    QJsonObject request{{QStringLiteral("v"), 1}, {QStringLiteral("id"), id}, {QStringLiteral("cmd"), cmd}};
    if (!args.isEmpty())
        request.insert(QStringLiteral("args"), args);
    QString sendError;
    // A refused connection may be closed before the request is written; its error line
    // is then the answer, so a failed send is reported only when nothing came back.
    const bool sent = sendAll(QJsonDocument(request).toJson(QJsonDocument::Compact) + '\n', &sendError, timeoutMs);
    if (!sent && m_interrupted) {
        *error = sendError;
        return std::nullopt;
    }
    const QDeadlineTimer deadline(timeoutMs);  // negative: never expires
    for (;;) {
        QByteArray line;
        const Read read = readLine(&line, error, sent ? remainingMs(deadline) : 1000);
        if (read != Read::Line) {
            if (read == Read::Closed)
                *error =
                    sent ? m_path + QStringLiteral(": the observer closed the connection without a reply") : sendError;
            else if (!sent && !m_interrupted)
                *error = sendError;
            return std::nullopt;
        }
        const QJsonObject reply = QJsonDocument::fromJson(line).object();
        if (reply.isEmpty()) {
            *error = m_path + QStringLiteral(": the observer sent something that is not a JSON object");
            return std::nullopt;
        }
        const auto replyId = reply.constFind(QStringLiteral("id"));
        if (replyId == reply.constEnd() ? !reply.value(QStringLiteral("ok")).toBool(true)
                                        : replyId->toInteger(-1) == id)
            return reply;
        if (m_pending.size() < 10000)
            m_pending.push_back(reply);
    }
}

}  // namespace varta
