#include "core/control/control_server.h"

#include "core/base/accept_loop.h"
#include "core/base/unix_socket_path.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSocketNotifier>

#include <cerrno>
#include <cstring>
#include <vector>

#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

namespace varta {

struct ControlServer::Connection {
    std::uint64_t id = 0;
    int fd = -1;
    ControlPeer peer;
    QSocketNotifier *readNotifier = nullptr;
    QSocketNotifier *writeNotifier = nullptr;
    QByteArray input;           // the line being received, at most kMaxRequestBytes
    qint64 lineStartedMs = -1;  // when its first byte arrived; -1 between lines
    qint64 lastActivityMs = 0;  // the last request, or the last byte the peer took
    std::deque<QByteArray> output;
    qsizetype outputOffset = 0;  // into output.front()
    qsizetype queuedBytes = 0;
    std::optional<ControlStream> stream;
    QByteArray streamPrefix;  // {"v":1,"id":ID  — the broadcast body brings the rest
    bool peerDone = false;    // the peer shut down its side: nothing more to read
    bool closing = false;     // refused: no more reading, closed once its output is out
    qint64 closingSinceMs = 0;
};

namespace {

QString systemError(int error) { return QString::fromLocal8Bit(std::strerror(error)); }

// A JSON value as it appears inside an object: QJsonDocument writes only objects and
// arrays, so the value is written as a one-element array and the brackets are cut.
QByteArray jsonValueText(const QJsonValue &value) {
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

QByteArray compact(const QJsonObject &object) { return QJsonDocument(object).toJson(QJsonDocument::Compact); }

// {"v":1[,"id":ID] — every line the server writes starts so; the caller adds the rest.
QByteArray linePrefix(const QJsonValue &requestId) {
    QByteArray prefix("{\"v\":1");
    if (!requestId.isUndefined())
        prefix += ",\"id\":" + jsonValueText(requestId);
    return prefix;
}

QByteArray errorLine(const QJsonValue &requestId, const QString &code, const QString &error) {
    QJsonObject tail{{QStringLiteral("code"), code}, {QStringLiteral("error"), error}};
    return linePrefix(requestId) + ",\"ok\":false," + compact(tail).mid(1) + '\n';
}

QByteArray replyLine(const QJsonValue &requestId, const ControlReply &reply) {
    if (!reply.ok)
        return errorLine(requestId, reply.code.isEmpty() ? QStringLiteral("refused") : reply.code, reply.error);
    return linePrefix(requestId) + ",\"ok\":true,\"result\":" + compact(reply.result) + "}\n";
}

// After an end of input: did the peer close the connection (both directions, POLLHUP) or
// only shut down its sending side (POLLRDHUP alone), so that it may still read?
bool peerGone(int fd) {
    pollfd entry{fd, POLLRDHUP, 0};
    return ::poll(&entry, 1, 0) == 1 && (entry.revents & (POLLHUP | POLLERR)) != 0;
}

}  // namespace

ControlServer::ControlServer(ControlHandler &handler, QObject *parent) : ControlServer(handler, Settings{}, parent) {}

ControlServer::ControlServer(ControlHandler &handler, Settings settings, QObject *parent)
    : QObject(parent), m_handler(handler), m_settings(settings) {
    m_clock.start();
    m_sweepTimer.setInterval(m_settings.sweepIntervalMs);
    connect(&m_sweepTimer, &QTimer::timeout, this, &ControlServer::sweep);
}

ControlServer::~ControlServer() {
    // Nobody is told of the subscribers that go with the server.
    blockSignals(true);
    close();
}

bool ControlServer::clearStaleSocket(const QString &path, QString *error) {
    return clearStaleUnixSocket(path, SOCK_STREAM,
                                path + QStringLiteral(": another observer is listening on this control socket"), error);
}

bool ControlServer::listen(const QString &path, QString *error) {
    if (m_fd >= 0) {
        *error = path + QStringLiteral(": the control server already listens on ") + m_path;
        return false;
    }
    sockaddr_un address{};
    if (!unixSocketAddress(path, address, error) || !clearStaleSocket(path, error))
        return false;
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = path + QStringLiteral(": cannot create a socket: ") + systemError(errno);
        return false;
    }
    // Born 0600: there is no moment at which another user could connect.
    const int bound = bindUnixSocketWithMode(fd, address, 0600);
    const int bindErrno = errno;
    if (bound != 0) {
        *error = path + QStringLiteral(": cannot bind the control socket: ") + systemError(bindErrno);
        ::close(fd);
        return false;
    }
    const QByteArray native = path.toLocal8Bit();
    struct stat st {};
    if (::lstat(native.constData(), &st) != 0) {
        *error = path + QStringLiteral(": cannot examine the new control socket: ") + systemError(errno);
        ::close(fd);
        return false;
    }
    if (::listen(fd, kListenBacklog) != 0) {
        *error = path + QStringLiteral(": cannot listen on the control socket: ") + systemError(errno);
        ::unlink(native.constData());
        ::close(fd);
        return false;
    }
    m_fd = fd;
    m_path = path;
    m_device = st.st_dev;
    m_inode = st.st_ino;
    m_acceptLoop = new AcceptLoop(
        fd, kListenBacklog, m_counters.acceptErrors, [this](int accepted) { admit(accepted); }, this);
    return true;
}

void ControlServer::close() {
    while (!m_connections.empty())
        drop(m_connections.begin()->first, std::nullopt);
    m_sweepTimer.stop();
    if (m_fd < 0)
        return;
    m_acceptLoop->stop();
    m_acceptLoop->deleteLater();  // close() may run inside the loop's own call
    m_acceptLoop = nullptr;
    ::close(m_fd);
    m_fd = -1;
    const QByteArray native = m_path.toLocal8Bit();
    struct stat st {};
    if (::lstat(native.constData(), &st) == 0 && st.st_dev == m_device && st.st_ino == m_inode)
        ::unlink(native.constData());
    m_device = 0;
    m_inode = 0;
}

void ControlServer::admit(int fd) {
    ++m_counters.connectionsAccepted;
    ucred credentials{};
    socklen_t length = sizeof credentials;
    const bool known = ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0;
    if (!known || (credentials.uid != ::geteuid() && credentials.uid != 0)) {
        refuseAtDoor(fd, ControlRefusal::PermissionDenied,
                     known ? QStringLiteral("uid %1 may not use this control socket: it admits only the "
                                            "observer's user and root")
                                 .arg(credentials.uid)
                           : QStringLiteral("cannot tell who is connecting; refused"));
        return;
    }
    if (m_connections.size() >= static_cast<std::size_t>(kMaxConnections)) {
        refuseAtDoor(fd, ControlRefusal::Busy,
                     QStringLiteral("too many control connections (%1 open); try again later").arg(kMaxConnections));
        return;
    }
    openConnection(fd, ControlPeer{credentials.uid, credentials.pid, userName(credentials.uid)});
}

void ControlServer::refuseAtDoor(int fd, ControlRefusal refusal, const QString &error) {
    ++m_counters.refused[static_cast<std::size_t>(refusal)];
    // A fresh connection's send buffer is empty: the one line fits, and if it does not the
    // peer loses nothing it was owed.
    const QByteArray line = errorLine(QJsonValue::Undefined, QString::fromLatin1(controlRefusalLabel(refusal)), error);
    [[maybe_unused]] const ssize_t sent = ::send(fd, line.constData(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::close(fd);
}

void ControlServer::openConnection(int fd, const ControlPeer &peer) {
    auto connection = std::make_unique<Connection>();
    const std::uint64_t id = m_nextId++;
    connection->id = id;
    connection->fd = fd;
    connection->peer = peer;
    connection->lastActivityMs = nowMs();
    connection->readNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    connection->writeNotifier = new QSocketNotifier(fd, QSocketNotifier::Write, this);
    connection->writeNotifier->setEnabled(false);
    connect(connection->readNotifier, &QSocketNotifier::activated, this, [this, id] { readFrom(id); });
    connect(connection->writeNotifier, &QSocketNotifier::activated, this, [this, id] { flush(id); });
    m_connections.emplace(id, std::move(connection));
    m_counters.connectionsOpen = m_connections.size();
    if (!m_sweepTimer.isActive())
        m_sweepTimer.start();
}

ControlServer::Connection *ControlServer::find(std::uint64_t id) {
    const auto it = m_connections.find(id);
    return it == m_connections.end() ? nullptr : it->second.get();
}

QString ControlServer::userName(uid_t uid) {
    // Only our own uid and root get this far, so the cache holds at most two names and the
    // lookup (which may ask NSS) happens once each.
    const auto cached = m_userNames.constFind(uid);
    if (cached != m_userNames.constEnd())
        return *cached;
    passwd entry{};
    passwd *found = nullptr;
    std::vector<char> buffer(16384);
    QString name = QString::number(uid);
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr)
        name = QString::fromLocal8Bit(found->pw_name);
    m_userNames.insert(uid, name);
    return name;
}

void ControlServer::readFrom(std::uint64_t id) {
    char buffer[16384];
    // At most 256 KiB per wake-up: one busy peer cannot hold the thread.
    for (int round = 0; round < 16; ++round) {
        Connection *connection = find(id);
        if (connection == nullptr || connection->closing || connection->peerDone)
            return;
        const ssize_t got = ::recv(connection->fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (got <= 0) {
            if (got < 0 || peerGone(connection->fd) || (!connection->stream && connection->queuedBytes == 0)) {
                drop(id, std::nullopt);
                return;
            }
            // The peer is done sending (`socat` at the end of its input) but may still read
            // what it asked for, or a stream: stop reading and close once that is out.
            connection->peerDone = true;
            connection->readNotifier->setEnabled(false);
            connection->input.clear();
            connection->lineStartedMs = -1;
            return;
        }
        if (!consume(id, buffer, got))
            return;
    }
}

bool ControlServer::consume(std::uint64_t id, const char *data, qsizetype size) {
    const char *at = data;
    const char *const end = data + size;
    while (at < end) {
        Connection *connection = find(id);
        if (connection == nullptr || connection->closing)
            return false;
        const auto *newline = static_cast<const char *>(std::memchr(at, '\n', static_cast<std::size_t>(end - at)));
        const qsizetype segment = (newline != nullptr ? newline : end) - at;
        if (connection->input.size() + segment > kMaxRequestBytes) {
            fail(id, ControlRefusal::TooLarge,
                 QStringLiteral("request line longer than %1 bytes; closing").arg(kMaxRequestBytes));
            return false;
        }
        if (segment > 0 && connection->lineStartedMs < 0)
            connection->lineStartedMs = nowMs();
        connection->input.append(at, segment);
        if (newline == nullptr)
            return true;
        at = newline + 1;
        const QByteArray line = std::exchange(connection->input, QByteArray());
        connection->lineStartedMs = -1;
        if (!line.trimmed().isEmpty())
            handleLine(id, line);
    }
    return find(id) != nullptr;
}

void ControlServer::handleLine(std::uint64_t id, const QByteArray &line) {
    Connection *connection = find(id);
    ++m_counters.requests;
    connection->lastActivityMs = nowMs();
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        reject(id, QJsonValue::Undefined,
               QStringLiteral("not JSON: %1 at byte %2").arg(parseError.errorString()).arg(parseError.offset));
        return;
    }
    if (!document.isObject()) {
        reject(id, QJsonValue::Undefined, QStringLiteral("a request is a JSON object"));
        return;
    }
    const QJsonObject object = document.object();
    const QJsonValue requestId = object.value(QStringLiteral("id"));
    const auto version = object.constFind(QStringLiteral("v"));
    if (version != object.constEnd() && !(version->isDouble() && version->toDouble() == 1.0)) {
        reject(id, requestId, QStringLiteral("\"v\" must be 1, the only protocol version this observer speaks"));
        return;
    }
    const QJsonValue cmd = object.value(QStringLiteral("cmd"));
    if (!cmd.isString() || cmd.toString().isEmpty()) {
        reject(id, requestId, QStringLiteral("\"cmd\" must be a non-empty string"));
        return;
    }
    const auto args = object.constFind(QStringLiteral("args"));
    if (args != object.constEnd() && !args->isObject()) {
        reject(id, requestId, QStringLiteral("\"args\" must be an object"));
        return;
    }
    const ControlRequest request{cmd.toString(), args != object.constEnd() ? args->toObject() : QJsonObject(),
                                 requestId};
    const ControlPeer peer = connection->peer;
    const ControlReply reply = m_handler.handle(request, peer);
    connection = find(id);  // the handler may have broadcast, and a broadcast may drop
    if (connection == nullptr || connection->closing)
        return;
    enqueue(*connection, replyLine(requestId, reply));
    if (reply.stream)
        subscribe(id, *reply.stream, requestId);
    flush(id);
}

void ControlServer::reject(std::uint64_t id, const QJsonValue &requestId, const QString &error) {
    Connection *connection = find(id);
    ++m_counters.refused[static_cast<std::size_t>(ControlRefusal::BadRequest)];
    enqueue(*connection, errorLine(requestId, QStringLiteral("bad_request"), error));
    flush(id);
}

void ControlServer::fail(std::uint64_t id, ControlRefusal refusal, const QString &error) {
    Connection *connection = find(id);
    ++m_counters.refused[static_cast<std::size_t>(refusal)];
    connection->closing = true;
    connection->closingSinceMs = nowMs();
    connection->readNotifier->setEnabled(false);
    connection->input.clear();
    enqueue(*connection, errorLine(QJsonValue::Undefined, QString::fromLatin1(controlRefusalLabel(refusal)), error));
    unsubscribe(*connection);  // may call out: flush looks the connection up again
    flush(id);
}

void ControlServer::enqueue(Connection &connection, QByteArray bytes) {
    connection.queuedBytes += bytes.size();
    connection.output.push_back(std::move(bytes));
}

bool ControlServer::flush(std::uint64_t id) {
    Connection *connection = find(id);
    if (connection == nullptr)
        return false;
    while (!connection->output.empty()) {
        constexpr std::size_t kMaxChunks = 64;
        iovec chunks[kMaxChunks];
        std::size_t count = 0;
        for (auto it = connection->output.begin(); it != connection->output.end() && count < kMaxChunks;
             ++it, ++count) {
            const qsizetype skip = count == 0 ? connection->outputOffset : 0;
            chunks[count].iov_base = const_cast<char *>(it->constData() + skip);
            chunks[count].iov_len = static_cast<std::size_t>(it->size() - skip);
        }
        msghdr message{};
        message.msg_iov = chunks;
        message.msg_iovlen = count;
        const ssize_t sent = ::sendmsg(connection->fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                connection->writeNotifier->setEnabled(true);
                return true;
            }
            drop(id, std::nullopt);  // EPIPE, ECONNRESET: the peer is gone
            return false;
        }
        connection->lastActivityMs = nowMs();
        connection->queuedBytes -= sent;
        qsizetype left = sent;
        while (left > 0) {
            const qsizetype rest = connection->output.front().size() - connection->outputOffset;
            if (left < rest) {
                connection->outputOffset += left;
                break;
            }
            left -= rest;
            connection->output.pop_front();
            connection->outputOffset = 0;
        }
    }
    connection->writeNotifier->setEnabled(false);
    if (connection->closing || (connection->peerDone && !connection->stream)) {
        drop(id, std::nullopt);
        return false;
    }
    return true;
}

void ControlServer::subscribe(std::uint64_t id, ControlStream kind, const QJsonValue &requestId) {
    Connection *connection = find(id);
    if (connection->stream == kind) {
        connection->streamPrefix = linePrefix(requestId);
        return;
    }
    unsubscribe(*connection);
    connection = find(id);
    if (connection == nullptr || connection->closing)
        return;
    connection->stream = kind;
    connection->streamPrefix = linePrefix(requestId);
    const int count = ++m_subscribers[streamIndex(kind)];
    Q_EMIT subscribersChanged(kind, count);
}

void ControlServer::unsubscribe(Connection &connection) {
    if (!connection.stream)
        return;
    const ControlStream kind = *connection.stream;
    connection.stream.reset();
    connection.streamPrefix.clear();
    const int count = --m_subscribers[streamIndex(kind)];
    Q_EMIT subscribersChanged(kind, count);
}

void ControlServer::broadcast(ControlStream kind, const QJsonObject &message) {
    if (m_subscribers[streamIndex(kind)] == 0)
        return;
    // Once per broadcast, whatever the number of subscribers: each gets its own prefix and
    // a shared copy of this.
    QByteArray body = compact(message).mid(1);  // without its '{': `"event":{...}}`
    if (!message.isEmpty())
        body.prepend(',');
    body.append('\n');
    std::vector<std::uint64_t> targets;
    for (const auto &[id, connection] : m_connections)
        if (connection->stream == kind && !connection->closing)
            targets.push_back(id);
    for (const std::uint64_t id : targets) {
        Connection *connection = find(id);
        if (connection == nullptr || connection->stream != kind || connection->closing)
            continue;
        if (connection->queuedBytes + connection->streamPrefix.size() + body.size() > kMaxQueuedBytes) {
            drop(id, ControlRefusal::SlowReader);
            continue;
        }
        enqueue(*connection, connection->streamPrefix);
        enqueue(*connection, body);
        // Straight out when the peer keeps up; once it does not, the write notifier takes
        // over and further broadcasts only queue.
        if (!connection->writeNotifier->isEnabled())
            flush(id);
    }
}

void ControlServer::drop(std::uint64_t id, std::optional<ControlRefusal> refusal) {
    const auto it = m_connections.find(id);
    if (it == m_connections.end())
        return;
    std::unique_ptr<Connection> connection = std::move(it->second);
    m_connections.erase(it);
    m_counters.connectionsOpen = m_connections.size();
    if (refusal)
        ++m_counters.refused[static_cast<std::size_t>(*refusal)];
    // Disabled at once, deleted later: this may run inside one of their own signals.
    connection->readNotifier->setEnabled(false);
    connection->writeNotifier->setEnabled(false);
    connection->readNotifier->deleteLater();
    connection->writeNotifier->deleteLater();
    ::close(connection->fd);
    if (m_connections.empty())
        m_sweepTimer.stop();
    if (connection->stream) {
        const ControlStream kind = *connection->stream;
        const int count = --m_subscribers[streamIndex(kind)];
        Q_EMIT subscribersChanged(kind, count);
    }
}

void ControlServer::sweep() {
    const qint64 now = nowMs();
    std::vector<std::uint64_t> ids;
    ids.reserve(m_connections.size());
    for (const auto &entry : m_connections)
        ids.push_back(entry.first);
    for (const std::uint64_t id : ids) {
        const Connection *connection = find(id);
        if (connection == nullptr)
            continue;
        if (connection->closing) {
            // Its last line was not taken within the request timeout: stop waiting.
            if (now - connection->closingSinceMs >= m_settings.requestTimeoutMs)
                drop(id, std::nullopt);
        } else if (connection->lineStartedMs >= 0 && now - connection->lineStartedMs >= m_settings.requestTimeoutMs) {
            fail(id, ControlRefusal::Timeout,
                 QStringLiteral("request line not finished within %1 ms; closing").arg(m_settings.requestTimeoutMs));
        } else if (!connection->stream && now - connection->lastActivityMs >= m_settings.idleTimeoutMs) {
            drop(id, ControlRefusal::Idle);
        }
    }
}

}  // namespace varta
