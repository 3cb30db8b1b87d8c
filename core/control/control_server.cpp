#include "core/control/control_server.h"

#include "core/base/accept_loop.h"
#include "core/base/tcp_listen.h"
#include "core/base/unix_socket_path.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSocketNotifier>
#include <QSslConfiguration>
#include <QSslSocket>

#include <algorithm>
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

namespace {

// One piece of a connection's output. A line is one or more chunks, the last ending in
// '\n'; stream lines may be dropped by a resync, replies never are.
struct OutputChunk {
    QByteArray bytes;
    bool streamLine = false;
};

}  // namespace

struct ControlServer::Connection {
    std::uint64_t id = 0;
    int fd = -1;                   // the Unix socket's; -1 on TCP
    QSslSocket *socket = nullptr;  // TCP: owns its descriptor; plain unless the listener has TLS
    bool tls = false;
    bool encrypted = false;     // the TLS handshake completed
    bool authenticated = true;  // TCP: false until a hello named a known token
    ConsoleToken token;         // the one it named, so a reload can tell whether it is still there
    QHostAddress source;
    qint64 openedMs = 0;
    ControlPeer peer;
    QSocketNotifier *readNotifier = nullptr;  // Unix only: a QSslSocket has its own
    QSocketNotifier *writeNotifier = nullptr;
    QByteArray input;           // the line being received, at most kMaxRequestBytes
    qint64 lineStartedMs = -1;  // when its first byte arrived; -1 between lines
    qint64 lastActivityMs = 0;  // the last request, or the last byte the peer took
    std::deque<OutputChunk> output;
    qsizetype outputOffset = 0;  // into output.front()
    qsizetype queuedBytes = 0;   // in `output`; a socket's own buffer holds pendingBytes() more
    // Given to a socket and not yet reported written by it: QSslSocket's bytesToWrite() says
    // 0 before its queued encryption has run, so only bytesWritten() says they are out.
    qint64 socketUnwritten = 0;
    bool midLine = false;  // the bytes given to the wire so far end inside a line
    std::optional<ControlStream> stream;
    QByteArray streamPrefix;       // {"v":1,"id":ID  — the broadcast body brings the rest
    ControlRequest streamRequest;  // what opened the stream: a resync asks the handler again
    bool resyncing = false;        // batches skipped until the output drains
    qsizetype snapshotBytes = 0;   // the last subscribe reply's size: allowed beyond kMaxQueuedBytes
    bool resyncQueued = false;
    qint64 resyncSinceMs = 0;
    bool peerDone = false;  // the peer shut down its side: nothing more to read
    bool closing = false;   // refused: no more reading, closed once its output is out
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
    const QByteArray result = reply.resultBytes.isEmpty() ? compact(reply.result) : reply.resultBytes;
    QByteArray line = linePrefix(requestId);
    line.reserve(line.size() + result.size() + 24);
    line.append(",\"ok\":true,\"result\":");
    line.append(result);
    line.append("}\n");
    return line;
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
    if (m_consoleFd >= 0) {
        m_consoleAcceptLoop->stop();
        m_consoleAcceptLoop->deleteLater();
        m_consoleAcceptLoop = nullptr;
        ::close(m_consoleFd);
        m_consoleFd = -1;
    }
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

bool ControlServer::listenConsole(const QHostAddress &address, quint16 port, std::optional<ConsoleTls> tls,
                                  ConsoleTokens tokens, QString *error) {
    if (m_consoleFd >= 0) {
        *error = QStringLiteral("the control server already listens for consoles");
        return false;
    }
    const int fd = listenTcp(address, port, kListenBacklog, &m_consolePort, error);
    if (fd < 0)
        return false;
    m_consoleFd = fd;
    m_consoleAddress = address;
    m_tls = std::move(tls);
    m_tokens = std::move(tokens);
    m_consoleAcceptLoop = new AcceptLoop(
        fd, kListenBacklog, m_counters.acceptErrors, [this](int accepted) { admitConsole(accepted); }, this);
    return true;
}

QString ControlServer::consoleDescription() const {
    if (m_consoleFd < 0)
        return {};
    const QString host = m_consoleAddress.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(m_consoleAddress.toString())
                             : m_consoleAddress.toString();
    return QStringLiteral("console %1://%2:%3").arg(m_tls ? "tls" : "tcp", host).arg(m_consolePort);
}

void ControlServer::setConsoleTokens(ConsoleTokens tokens) {
    m_tokens = std::move(tokens);
    std::vector<std::uint64_t> revoked;
    for (const auto &[id, connection] : m_connections)
        if (connection->socket != nullptr && connection->authenticated && !m_tokens.contains(connection->token))
            revoked.push_back(id);
    for (const std::uint64_t id : revoked)
        drop(id, std::nullopt);
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
    if (m_unixConnections >= kMaxConnections) {
        refuseAtDoor(fd, ControlRefusal::Busy,
                     QStringLiteral("too many control connections (%1 open); try again later").arg(kMaxConnections));
        return;
    }
    openConnection(fd, ControlPeer{credentials.uid, credentials.pid, userName(credentials.uid), {}, {}, true});
    ++m_unixConnections;
}

void ControlServer::admitConsole(int fd) {
    ++m_counters.connectionsAccepted;
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    QHostAddress source;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&storage), &length) == 0)
        source.setAddress(reinterpret_cast<const sockaddr *>(&storage));
    if (source.protocol() == QAbstractSocket::IPv6Protocol) {
        bool mapped = false;
        const quint32 v4 = source.toIPv4Address(&mapped);
        if (mapped)
            source = QHostAddress(v4);
    }
    int fromSource = 0;
    for (const auto &[id, connection] : m_connections)
        if (connection->socket != nullptr && connection->source == source)
            ++fromSource;
    // A TLS client cannot read a plaintext line: it is only closed.
    const bool sayWhy = !m_tls;
    if (m_consoleConnections >= kMaxConsoleConnections) {
        refuseAtDoor(
            fd, ControlRefusal::Busy,
            QStringLiteral("too many console connections (%1 open); try again later").arg(kMaxConsoleConnections),
            sayWhy);
        return;
    }
    if (fromSource >= kMaxConsoleConnectionsPerSource) {
        refuseAtDoor(fd, ControlRefusal::Busy,
                     QStringLiteral("too many console connections from this address (%1 open); try again later")
                         .arg(kMaxConsoleConnectionsPerSource),
                     sayWhy);
        return;
    }
    openConsoleConnection(fd, source);
}

void ControlServer::refuseAtDoor(int fd, ControlRefusal refusal, const QString &error, bool sayWhy) {
    ++m_counters.refused[static_cast<std::size_t>(refusal)];
    // A fresh connection's send buffer is empty: the one line fits, and if it does not the
    // peer loses nothing it was owed.
    if (sayWhy) {
        const QByteArray line =
            errorLine(QJsonValue::Undefined, QString::fromLatin1(controlRefusalLabel(refusal)), error);
        [[maybe_unused]] const ssize_t sent = ::send(fd, line.constData(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    ::close(fd);
}

ControlServer::Connection &ControlServer::openConnection(int fd, const ControlPeer &peer) {
    auto connection = std::make_unique<Connection>();
    const std::uint64_t id = m_nextId++;
    connection->id = id;
    connection->fd = fd;
    connection->peer = peer;
    connection->openedMs = nowMs();
    connection->lastActivityMs = connection->openedMs;
    connection->readNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    connection->writeNotifier = new QSocketNotifier(fd, QSocketNotifier::Write, this);
    connection->writeNotifier->setEnabled(false);
    connect(connection->readNotifier, &QSocketNotifier::activated, this, [this, id] { readFrom(id); });
    connect(connection->writeNotifier, &QSocketNotifier::activated, this, [this, id] { flush(id); });
    Connection &opened = *connection;
    m_connections.emplace(id, std::move(connection));
    m_counters.connectionsOpen = m_connections.size();
    if (!m_sweepTimer.isActive())
        m_sweepTimer.start();
    return opened;
}

void ControlServer::openConsoleConnection(int fd, const QHostAddress &source) {
    auto *socket = new QSslSocket(this);
    if (!socket->setSocketDescriptor(fd)) {
        ::close(fd);
        delete socket;
        return;
    }
    // Qt's buffer is what the kernel had; a request line is bounded on top of it.
    socket->setReadBufferSize(4 * kMaxRequestBytes);
    auto connection = std::make_unique<Connection>();
    const std::uint64_t id = m_nextId++;
    connection->id = id;
    connection->socket = socket;
    connection->tls = m_tls.has_value();
    connection->authenticated = false;
    connection->source = source;
    connection->peer.address = source.toString();
    connection->openedMs = nowMs();
    connection->lastActivityMs = connection->openedMs;
    connect(socket, &QIODevice::readyRead, this, [this, id] { readFrom(id); });
    connect(socket, &QIODevice::bytesWritten, this, [this, id](qint64 written) {
        if (Connection *c = find(id))
            c->socketUnwritten = std::max<qint64>(0, c->socketUnwritten - written);
        flush(id);
    });
    connect(socket, &QSslSocket::encryptedBytesWritten, this, [this, id] { flush(id); });
    connect(socket, &QAbstractSocket::disconnected, this, [this, id] { socketFailed(id); });
    connect(socket, &QAbstractSocket::errorOccurred, this, [this, id] { socketFailed(id); });
    connect(socket, &QSslSocket::encrypted, this, [this, id] {
        if (Connection *c = find(id))
            c->encrypted = true;
    });
    m_connections.emplace(id, std::move(connection));
    ++m_consoleConnections;
    m_counters.connectionsOpen = m_connections.size();
    if (!m_sweepTimer.isActive())
        m_sweepTimer.start();
    if (m_tls) {
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setLocalCertificateChain(m_tls->chain);
        configuration.setPrivateKey(m_tls->key);
        configuration.setProtocol(QSsl::TlsV1_2OrLater);
        // Consoles prove themselves with a token, not a client certificate.
        configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
        socket->setSslConfiguration(configuration);
        socket->startServerEncryption();
    }
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

// A console's connection ended or broke. Before its handshake completed that is a failed
// TLS connection: counted, never logged (a scanner would fill the log).
void ControlServer::socketFailed(std::uint64_t id) {
    Connection *connection = find(id);
    if (connection == nullptr)
        return;
    const bool handshakeFailed = connection->tls && !connection->encrypted && !connection->closing;
    drop(id, handshakeFailed ? std::optional(ControlRefusal::TlsFailed) : std::nullopt);
}

void ControlServer::readFrom(std::uint64_t id) {
    char buffer[16384];
    // At most 256 KiB per wake-up: one busy peer cannot hold the thread.
    for (int round = 0; round < 16; ++round) {
        Connection *connection = find(id);
        if (connection == nullptr || connection->closing || connection->peerDone)
            return;
        if (connection->socket != nullptr) {
            const qint64 got = connection->socket->read(buffer, sizeof buffer);
            if (got <= 0)
                return;  // the end of a TCP connection comes as disconnected()
            if (!consume(id, buffer, got))
                return;
            continue;
        }
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
    // More may be waiting in a socket's buffer, which notifies only of new bytes.
    if (Connection *connection = find(id);
        connection != nullptr && connection->socket != nullptr && connection->socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(
            this, [this, id] { readFrom(id); }, Qt::QueuedConnection);
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
            if (!connection->authenticated)
                deny(id);  // nothing but a short hello is expected: reveal no bound either
            else
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
    const bool authenticated = connection->authenticated;
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        if (!authenticated)
            return deny(id);
        reject(id, QJsonValue::Undefined,
               QStringLiteral("not JSON: %1 at byte %2").arg(parseError.errorString()).arg(parseError.offset));
        return;
    }
    if (!document.isObject()) {
        if (!authenticated)
            return deny(id);
        reject(id, QJsonValue::Undefined, QStringLiteral("a request is a JSON object"));
        return;
    }
    const QJsonObject object = document.object();
    const QJsonValue requestId = object.value(QStringLiteral("id"));
    const auto version = object.constFind(QStringLiteral("v"));
    const QJsonValue cmd = object.value(QStringLiteral("cmd"));
    const auto args = object.constFind(QStringLiteral("args"));
    QString problem;
    if (version != object.constEnd() && !(version->isDouble() && version->toDouble() == 1.0))
        problem = QStringLiteral("\"v\" must be 1, the only protocol version this observer speaks");
    else if (!cmd.isString() || cmd.toString().isEmpty())
        problem = QStringLiteral("\"cmd\" must be a non-empty string");
    else if (args != object.constEnd() && !args->isObject())
        problem = QStringLiteral("\"args\" must be an object");
    if (!problem.isEmpty()) {
        if (!authenticated)
            return deny(id);
        reject(id, requestId, problem);
        return;
    }
    const ControlRequest request{cmd.toString(), args != object.constEnd() ? args->toObject() : QJsonObject(),
                                 requestId};
    if (connection->socket != nullptr && request.cmd == QLatin1String("hello")) {
        if (!hello(id, request))
            deny(id);
        return;
    }
    if (!authenticated)
        return deny(id);
    const ControlPeer peer = connection->peer;
    const ControlReply reply = m_handler.handle(request, peer);
    if (reply.refusal)
        ++m_counters.refused[static_cast<std::size_t>(*reply.refusal)];
    connection = find(id);  // the handler may have broadcast, and a broadcast may drop
    if (connection == nullptr || connection->closing)
        return;
    QByteArray replyBytes = replyLine(requestId, reply);
    const qsizetype lineBytes = replyBytes.size();
    enqueue(*connection, std::move(replyBytes), reply.stream == ControlStream::Batches);
    if (reply.stream)
        subscribe(id, *reply.stream, request);
    if (Connection *subscribed = find(id); subscribed != nullptr && reply.stream == ControlStream::Batches)
        subscribed->snapshotBytes = lineBytes;  // looked up again: subscribing calls out
    flush(id);
}

// A console's first request. False: refused, whatever the reason (the caller says only that).
bool ControlServer::hello(std::uint64_t id, const ControlRequest &request) {
    Connection *connection = find(id);
    if (connection->authenticated) {
        reject(id, request.id, QStringLiteral("this connection already said hello"));
        return true;
    }
    const QJsonValue secret = request.args.value(QStringLiteral("token"));
    const ConsoleToken *token = secret.isString() ? m_tokens.match(secret.toString().toUtf8()) : nullptr;
    if (token == nullptr)
        return false;
    connection->authenticated = true;
    connection->token = *token;
    connection->peer.token = token->name;
    connection->peer.mayAct = token->mayAct;
    const QJsonObject result{{"name", token->name},
                             {"role", token->mayAct ? QStringLiteral("control") : QStringLiteral("view")},
                             {"version", QStringLiteral(VARTA_VERSION)}};
    enqueue(*connection, replyLine(request.id, ControlReply::success(result)));
    flush(id);
    return true;
}

// One line that says nothing of what was wrong (which token, which part), then the close.
void ControlServer::deny(std::uint64_t id) {
    fail(id, ControlRefusal::BadToken, QStringLiteral("not authorized; closing"), QStringLiteral("permission_denied"));
}

void ControlServer::reject(std::uint64_t id, const QJsonValue &requestId, const QString &error) {
    Connection *connection = find(id);
    ++m_counters.refused[static_cast<std::size_t>(ControlRefusal::BadRequest)];
    enqueue(*connection, errorLine(requestId, QStringLiteral("bad_request"), error));
    flush(id);
}

void ControlServer::fail(std::uint64_t id, ControlRefusal refusal, const QString &error, const QString &code) {
    Connection *connection = find(id);
    ++m_counters.refused[static_cast<std::size_t>(refusal)];
    connection->closing = true;
    connection->closingSinceMs = nowMs();
    if (connection->readNotifier != nullptr)
        connection->readNotifier->setEnabled(false);
    connection->input.clear();
    const QString shown = code.isEmpty() ? QString::fromLatin1(controlRefusalLabel(refusal)) : code;
    // Before its handshake a TLS client could not read the line.
    if (!connection->tls || connection->encrypted)
        enqueue(*connection, errorLine(QJsonValue::Undefined, shown, error));
    unsubscribe(*connection);  // may call out: flush looks the connection up again
    flush(id);
}

void ControlServer::enqueue(Connection &connection, QByteArray bytes, bool streamLine) {
    connection.queuedBytes += bytes.size();
    connection.output.push_back(OutputChunk{std::move(bytes), streamLine});
}

qint64 ControlServer::pendingBytes(const Connection &connection) const {
    qint64 pending = connection.queuedBytes;
    if (connection.socket != nullptr)
        pending += connection.socketUnwritten + connection.socket->encryptedBytesToWrite();
    return pending;
}

// Hands whole chunks to the socket while its own buffer is small: what it holds is
// committed to the wire, what stays in `output` a resync may still drop.
bool ControlServer::flushSocket(Connection &connection) {
    QSslSocket *socket = connection.socket;
    while (!connection.output.empty()
           && connection.socketUnwritten + socket->encryptedBytesToWrite() < kMaxSocketBufferedBytes) {
        OutputChunk chunk = std::move(connection.output.front());
        connection.output.pop_front();
        connection.queuedBytes -= chunk.bytes.size();
        connection.midLine = !chunk.bytes.endsWith('\n');
        if (socket->write(chunk.bytes) != chunk.bytes.size())
            return false;
        connection.socketUnwritten += chunk.bytes.size();
    }
    return true;
}

bool ControlServer::flush(std::uint64_t id) {
    Connection *connection = find(id);
    if (connection == nullptr)
        return false;
    if (connection->socket != nullptr) {
        connection->lastActivityMs = nowMs();
        if (!flushSocket(*connection)) {
            drop(id, std::nullopt);
            return false;
        }
    }
    while (connection->socket == nullptr && !connection->output.empty()) {
        constexpr std::size_t kMaxChunks = 64;
        iovec chunks[kMaxChunks];
        std::size_t count = 0;
        for (auto it = connection->output.begin(); it != connection->output.end() && count < kMaxChunks;
             ++it, ++count) {
            const qsizetype skip = count == 0 ? connection->outputOffset : 0;
            chunks[count].iov_base = const_cast<char *>(it->bytes.constData() + skip);
            chunks[count].iov_len = static_cast<std::size_t>(it->bytes.size() - skip);
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
            const qsizetype rest = connection->output.front().bytes.size() - connection->outputOffset;
            if (left < rest) {
                connection->outputOffset += left;
                connection->midLine = true;
                break;
            }
            left -= rest;
            connection->midLine = !connection->output.front().bytes.endsWith('\n');
            connection->output.pop_front();
            connection->outputOffset = 0;
        }
    }
    if (connection->writeNotifier != nullptr)
        connection->writeNotifier->setEnabled(false);
    if (pendingBytes(*connection) > 0)
        return true;  // a socket says bytesWritten when it has taken more
    if (connection->closing || (connection->peerDone && !connection->stream)) {
        drop(id, std::nullopt);
        return false;
    }
    if (connection->resyncing && !connection->resyncQueued) {
        // Not from inside whatever flushed (a broadcast, a request): the handler is called anew.
        connection->resyncQueued = true;
        QMetaObject::invokeMethod(
            this, [this, id] { finishResync(id); }, Qt::QueuedConnection);
    }
    return true;
}

// A Batches subscriber that fell kMaxQueuedBytes behind: its unsent stream lines go (a
// line begun on the wire is finished), and batches skip it until it has drained.
void ControlServer::startResync(Connection &connection) {
    ++m_counters.resyncs;
    connection.resyncing = true;
    connection.resyncSinceMs = nowMs();
    std::deque<OutputChunk> kept;
    bool finishing = connection.midLine;  // the front chunks complete a line already begun
    for (OutputChunk &chunk : connection.output) {
        if (finishing || !chunk.streamLine) {
            finishing = finishing && !chunk.bytes.endsWith('\n');
            kept.push_back(std::move(chunk));
        } else {
            connection.queuedBytes -= chunk.bytes.size();
        }
    }
    connection.output = std::move(kept);
}

void ControlServer::finishResync(std::uint64_t id) {
    Connection *connection = find(id);
    if (connection == nullptr || !connection->resyncing)
        return;
    connection->resyncQueued = false;
    if (pendingBytes(*connection) > 0 || connection->closing)
        return;  // a reply went out meanwhile: the next drain tries again
    const ControlRequest request = connection->streamRequest;
    const ControlReply reply = m_handler.handle(request, connection->peer);
    connection = find(id);
    if (connection == nullptr || connection->closing)
        return;
    connection->resyncing = false;
    QByteArray line = replyLine(request.id, reply);
    connection->snapshotBytes = line.size();
    enqueue(*connection, std::move(line), true);
    flush(id);
}

void ControlServer::subscribe(std::uint64_t id, ControlStream kind, const ControlRequest &request) {
    Connection *connection = find(id);
    if (connection->stream == kind) {
        connection->streamPrefix = linePrefix(request.id);
        connection->streamRequest = request;
        connection->resyncing = false;  // the reply just queued is the fresh snapshot
        return;
    }
    unsubscribe(*connection);
    connection = find(id);
    if (connection == nullptr || connection->closing)
        return;
    connection->stream = kind;
    connection->streamPrefix = linePrefix(request.id);
    connection->streamRequest = request;
    const int count = ++m_subscribers[streamIndex(kind)];
    Q_EMIT subscribersChanged(kind, count);
}

void ControlServer::unsubscribe(Connection &connection) {
    if (!connection.stream)
        return;
    const ControlStream kind = *connection.stream;
    connection.stream.reset();
    connection.streamPrefix.clear();
    connection.resyncing = false;
    const int count = --m_subscribers[streamIndex(kind)];
    Q_EMIT subscribersChanged(kind, count);
}

void ControlServer::broadcast(ControlStream kind, const QJsonObject &message) {
    if (m_subscribers[streamIndex(kind)] == 0)
        return;
    const QByteArray object = compact(message);  // {"event":{...}}
    broadcastMembers(kind, QByteArrayView(object).sliced(1, object.size() - 2));
}

void ControlServer::broadcastMembers(ControlStream kind, QByteArrayView members) {
    if (m_subscribers[streamIndex(kind)] == 0)
        return;
    // Once per broadcast, whatever the number of subscribers: each gets its own prefix and
    // a shared copy of this, `,"event":{...}}` and its newline.
    QByteArray body;
    body.reserve(members.size() + 3);
    if (!members.isEmpty())
        body.append(',');
    body.append(members);
    body.append("}\n");
    const qsizetype tableBytes = kind == ControlStream::Batches ? m_handler.snapshotBytesEstimate() : 0;
    std::vector<std::uint64_t> targets;
    for (const auto &[id, connection] : m_connections)
        if (connection->stream == kind && !connection->closing && !connection->resyncing)
            targets.push_back(id);
    for (const std::uint64_t id : targets) {
        Connection *connection = find(id);
        if (connection == nullptr || connection->stream != kind || connection->closing || connection->resyncing)
            continue;
        // A snapshot as large as the table is owed to the client on top of the bound: else
        // a table whose snapshot alone passes it would be resynced for ever. So is a batch
        // as large as the table (a fleet appearing at once), which a resync would only
        // replace with a snapshot as large.
        const qsizetype allowance = std::max(connection->snapshotBytes, tableBytes);
        if (pendingBytes(*connection) + connection->streamPrefix.size() + body.size() > kMaxQueuedBytes + allowance) {
            if (kind == ControlStream::Batches) {
                startResync(*connection);
                flush(id);
            } else {
                drop(id, ControlRefusal::SlowReader);
            }
            continue;
        }
        enqueue(*connection, connection->streamPrefix, true);
        enqueue(*connection, body, true);
        // Straight out when the peer keeps up; once it does not, the write notifier takes
        // over and further broadcasts only queue.
        if (connection->socket != nullptr || !connection->writeNotifier->isEnabled())
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
    if (connection->socket != nullptr) {
        --m_consoleConnections;
        QSslSocket *socket = connection->socket;
        QObject::disconnect(socket, nullptr, this, nullptr);
        // Unread input at close() makes the kernel send a reset, which can overtake the
        // last line; what is there now is read and thrown away, and our side shut first.
        const int fd = static_cast<int>(socket->socketDescriptor());
        if (fd >= 0) {
            char sink[16384];
            for (int round = 0; round < 16 && ::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; ++round) {}
        }
        if (connection->encrypted && socket->state() == QAbstractSocket::ConnectedState) {
            // TLS ends with close_notify, else a client may discard the last record.
            connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
            QTimer::singleShot(kRequestTimeoutMs, socket, &QObject::deleteLater);
            socket->disconnectFromHost();
        } else {
            if (fd >= 0)
                ::shutdown(fd, SHUT_WR);
            socket->deleteLater();  // this may run inside one of its own signals; its destructor closes
        }
    } else {
        --m_unixConnections;
        // Disabled at once, deleted later: this may run inside one of their own signals.
        connection->readNotifier->setEnabled(false);
        connection->writeNotifier->setEnabled(false);
        connection->readNotifier->deleteLater();
        connection->writeNotifier->deleteLater();
        ::close(connection->fd);
    }
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
        } else if (!connection->authenticated && now - connection->openedMs >= m_settings.authTimeoutMs) {
            if (connection->tls && !connection->encrypted)
                drop(id, ControlRefusal::Timeout);  // it could not read a line
            else
                fail(id, ControlRefusal::Timeout,
                     QStringLiteral("no hello within %1 ms; closing").arg(m_settings.authTimeoutMs));
        } else if (connection->lineStartedMs >= 0 && now - connection->lineStartedMs >= m_settings.requestTimeoutMs) {
            fail(id, ControlRefusal::Timeout,
                 QStringLiteral("request line not finished within %1 ms; closing").arg(m_settings.requestTimeoutMs));
        } else if (connection->resyncing && now - connection->resyncSinceMs >= m_settings.idleTimeoutMs) {
            drop(id, ControlRefusal::SlowReader);  // it stopped reading for good
        } else if (!connection->stream && now - connection->lastActivityMs >= m_settings.idleTimeoutMs) {
            drop(id, ControlRefusal::Idle);
        }
    }
}

}  // namespace varta
