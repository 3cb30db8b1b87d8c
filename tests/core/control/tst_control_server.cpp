// The control socket's transport (docs/control.md sections 1 and 2): the socket file's
// mode and its stale or live predecessor, framing and replies, the bounds and what each
// costs the peer that reaches it, streams and their subscribers, and the peer check.
#include "core/control/control_server.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <vector>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace varta;

namespace {

// echo: the args back; ok: {}; missing: not_found; follow/subscribe: open a stream.
class TestHandler : public ControlHandler {
public:
    ControlReply handle(const ControlRequest &request, const ControlPeer &peer) override {
        lastPeer = peer;
        if (request.cmd == QLatin1String("echo"))
            return ControlReply::success(request.args);
        if (request.cmd == QLatin1String("ok"))
            return ControlReply::success({});
        if (request.cmd == QLatin1String("missing"))
            return ControlReply::failure(QStringLiteral("not_found"), QStringLiteral("no agent uds/4242"));
        if (request.cmd == QLatin1String("flood")) {  // broadcasts from inside a request
            const QJsonObject message{{"event", QJsonObject{{"text", QString(1024 * 1024, QLatin1Char('x'))}}}};
            for (int i = 0; i < 12 && server->subscribers(ControlStream::Events) > 0; ++i)
                server->broadcast(ControlStream::Events, message);
            return ControlReply::success({});
        }
        if (request.cmd == QLatin1String("follow")) {
            ControlReply reply = ControlReply::success({{"events", QJsonArray()}});
            reply.stream = ControlStream::Events;
            return reply;
        }
        if (request.cmd == QLatin1String("subscribe")) {
            ControlReply reply = ControlReply::success({{"snapshot", QJsonObject()}});
            reply.stream = ControlStream::Batches;
            return reply;
        }
        return ControlReply::failure(QStringLiteral("unknown_command"), QStringLiteral("unknown command"));
    }
    ControlPeer lastPeer;
    ControlServer *server = nullptr;
};

sockaddr_un addressOf(const QString &path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const QByteArray native = path.toLocal8Bit();
    std::memcpy(address.sun_path, native.constData(), static_cast<std::size_t>(native.size()));
    return address;
}

// A raw, non-blocking client: the server runs on this thread, so the test never waits in
// a read; it polls between turns of the event loop (QTRY_*).
class Peer {
public:
    explicit Peer(const QString &path) {
        m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const sockaddr_un address = addressOf(path);
        if (::connect(m_fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
            m_connectErrno = errno;
    }
    ~Peer() { ::close(m_fd); }
    Peer(const Peer &) = delete;
    Peer &operator=(const Peer &) = delete;

    bool connected() const { return m_connectErrno == 0; }
    int connectErrno() const { return m_connectErrno; }

    // Everything or nothing: the lines the tests send fit in the socket's buffer.
    bool send(const QByteArray &bytes) {
        return ::send(m_fd, bytes.constData(), static_cast<std::size_t>(bytes.size()), MSG_NOSIGNAL) == bytes.size();
    }
    int shutdownSending() { return ::shutdown(m_fd, SHUT_WR); }
    bool hasLine() {
        pump();
        return m_input.contains('\n');
    }
    QJsonObject takeObject() {
        const qsizetype newline = m_input.indexOf('\n');
        const QByteArray line = m_input.left(newline);
        m_input.remove(0, newline + 1);
        return QJsonDocument::fromJson(line).object();
    }
    QByteArray takeLine() {
        const qsizetype newline = m_input.indexOf('\n');
        const QByteArray line = m_input.left(newline);
        m_input.remove(0, newline + 1);
        return line;
    }
    bool closed() {
        pump();
        return m_closed;
    }

private:
    void pump() {
        char buffer[65536];
        for (;;) {
            const ssize_t got = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (got > 0) {
                m_input.append(buffer, got);
                continue;
            }
            if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                m_closed = true;
            return;
        }
    }

    int m_fd = -1;
    int m_connectErrno = 0;
    QByteArray m_input;
    bool m_closed = false;
};

std::uint64_t refused(const ControlServer &server, ControlRefusal refusal) {
    return server.counters().refusedFor(refusal);
}

ControlServer::Settings quickSettings() {
    ControlServer::Settings settings;
    settings.idleTimeoutMs = 600;
    settings.requestTimeoutMs = 300;
    settings.sweepIntervalMs = 50;
    return settings;
}

}  // namespace

class TestControlServer : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString socketPath() const { return m_dir.filePath(QStringLiteral("control.sock")); }

private Q_SLOTS:
    void init() { QVERIFY(m_dir.isValid()); }
    void cleanup() { QFile::remove(socketPath()); }

    void theSocketIsBornPrivate() {
        TestHandler handler;
        ControlServer server(handler);
        const mode_t previous = ::umask(0);  // whatever the umask, the file is 0600
        QString error;
        const bool listening = server.listen(socketPath(), &error);
        ::umask(previous);
        QVERIFY2(listening, qPrintable(error));
        struct stat st {};
        QCOMPARE(::lstat(socketPath().toLocal8Bit().constData(), &st), 0);
        QVERIFY(S_ISSOCK(st.st_mode));
        QCOMPARE(st.st_mode & 07777, mode_t(0600));
        QCOMPARE(st.st_uid, ::geteuid());
    }

    void closeRemovesItsOwnSocketOnly() {
        TestHandler handler;
        {
            ControlServer server(handler);
            QString error;
            QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        }
        QVERIFY(!QFile::exists(socketPath()));

        ControlServer server(handler);
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        // Someone replaced the file meanwhile: it is theirs, not ours to remove.
        QVERIFY(QFile::remove(socketPath()));
        QFile other(socketPath());
        QVERIFY(other.open(QIODevice::WriteOnly));
        other.close();
        server.close();
        QVERIFY(QFile::exists(socketPath()));
    }

    void aStaleSocketIsReplaced() {
        const int stale = ::socket(AF_UNIX, SOCK_STREAM, 0);
        const sockaddr_un address = addressOf(socketPath());
        QCOMPARE(::bind(stale, reinterpret_cast<const sockaddr *>(&address), sizeof address), 0);
        ::close(stale);  // bound, never listened, closed: what a crashed observer leaves

        TestHandler handler;
        ControlServer server(handler);
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        Peer peer(socketPath());
        QVERIFY(peer.connected());
        QVERIFY(peer.send("{\"cmd\":\"ok\"}\n"));
        QTRY_VERIFY(peer.hasLine());
    }

    void aLiveSocketIsRefused() {
        TestHandler handler;
        ControlServer first(handler);
        QString error;
        QVERIFY2(first.listen(socketPath(), &error), qPrintable(error));
        ControlServer second(handler);
        QVERIFY(!second.listen(socketPath(), &error));
        QCOMPARE(error, socketPath() + ": another observer is listening on this control socket");
        QVERIFY(!second.isListening());
        Peer peer(socketPath());  // the first one still answers
        QVERIFY(peer.send("{\"cmd\":\"ok\"}\n"));
        QTRY_VERIFY(peer.hasLine());
    }

    void somethingElseAtThePathIsRefusedAndLeftAlone() {
        QFile file(socketPath());
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("precious");
        file.close();
        TestHandler handler;
        ControlServer server(handler);
        QString error;
        QVERIFY(!server.listen(socketPath(), &error));
        QVERIFY2(error.startsWith(socketPath() + ": ") && error.contains("not a socket"), qPrintable(error));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray("precious"));
    }

    void aPathTooLongIsNamed() {
        TestHandler handler;
        ControlServer server(handler);
        const QString path = m_dir.filePath(QString(120, QLatin1Char('x')));
        QString error;
        QVERIFY(!server.listen(path, &error));
        QVERIFY2(error.startsWith(path + ": ") && !error.contains('\n'), qPrintable(error));
    }

    void aMissingDirectoryIsNamed() {
        TestHandler handler;
        ControlServer server(handler);
        const QString path = m_dir.filePath(QStringLiteral("no/such/dir.sock"));
        QString error;
        QVERIFY(!server.listen(path, &error));
        QVERIFY2(error.startsWith(path + ": ") && error.contains(QString::fromLocal8Bit(std::strerror(ENOENT))),
                 qPrintable(error));
    }

    void aRequestGetsItsReplyWithItsId() {
        TestHandler handler;
        ControlServer server(handler);
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        Peer peer(socketPath());
        QVERIFY(peer.send("{\"v\":1,\"id\":7,\"cmd\":\"echo\",\"args\":{\"state\":\"stalled\"}}\n"));
        QTRY_VERIFY(peer.hasLine());
        const QByteArray line = peer.takeLine();
        QCOMPARE(line, QByteArray(R"({"v":1,"id":7,"ok":true,"result":{"state":"stalled"}})"));
        QCOMPARE(handler.lastPeer.uid, ::geteuid());
        QCOMPARE(handler.lastPeer.pid, ::getpid());
        QCOMPARE(handler.lastPeer.user, QString("root"));

        // Any JSON value is an id; none means none in the reply.
        QVERIFY(peer.send("{\"id\":\"x-1\",\"cmd\":\"missing\"}\n{\"cmd\":\"ok\"}\n"));
        QTRY_VERIFY(peer.hasLine());
        QCOMPARE(peer.takeLine(),
                 QByteArray(R"({"v":1,"id":"x-1","ok":false,"code":"not_found","error":"no agent uds/4242"})"));
        QTRY_VERIFY(peer.hasLine());
        QCOMPARE(peer.takeLine(), QByteArray(R"({"v":1,"ok":true,"result":{}})"));
        QCOMPARE(server.counters().requests, std::uint64_t(3));
    }

    void repliesComeInRequestOrder() {
        TestHandler handler;
        ControlServer server(handler);
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        Peer peer(socketPath());
        QByteArray requests;
        for (int i = 0; i < 50; ++i)
            requests += QStringLiteral("\n{\"id\":%1,\"cmd\":\"%2\"}\n").arg(i).arg(i % 3 ? "ok" : "missing").toUtf8();
        QVERIFY(peer.send(requests));  // empty lines between them are ignored
        for (int i = 0; i < 50; ++i) {
            QTRY_VERIFY(peer.hasLine());
            QCOMPARE(peer.takeObject().value("id").toInt(), i);
        }
        QCOMPARE(server.counters().requests, std::uint64_t(50));
    }

    void badRequestsAreAnsweredAndTheConnectionStays_data() {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<bool>("echoesId");
        QTest::newRow("not JSON") << QByteArray("hello") << false;
        QTest::newRow("not an object") << QByteArray("[1,2]") << false;
        QTest::newRow("no cmd") << QByteArray(R"({"id":3})") << true;
        QTest::newRow("cmd not a string") << QByteArray(R"({"id":3,"cmd":5})") << true;
        QTest::newRow("args not an object") << QByteArray(R"({"id":3,"cmd":"ok","args":[1]})") << true;
        QTest::newRow("v 2") << QByteArray(R"({"id":3,"v":2,"cmd":"ok"})") << true;
        QTest::newRow("v a string") << QByteArray(R"({"id":3,"v":"1","cmd":"ok"})") << true;
        QTest::newRow("invalid UTF-8") << QByteArray("{\"id\":3,\"cmd\":\"\xff\xfe\"}") << false;
        QTest::newRow("embedded NUL") << QByteArray("{\"cmd\":\"ok\"\0}", 13) << false;
        QTest::newRow("deep nesting") << QByteArray(100000, '[') << false;
        QTest::newRow("huge number id") << QByteArray(R"({"id":1e999999,"cmd":5})") << false;
    }
    void badRequestsAreAnsweredAndTheConnectionStays() {
        QFETCH(QByteArray, line);
        QFETCH(bool, echoesId);
        TestHandler handler;
        ControlServer server(handler);
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        Peer peer(socketPath());
        QVERIFY(peer.send(line.left(ControlServer::kMaxRequestBytes) + "\n"));
        QTRY_VERIFY(peer.hasLine());
        const QJsonObject reply = peer.takeObject();
        QCOMPARE(reply.value("ok").toBool(true), false);
        QCOMPARE(reply.value("code").toString(), QString("bad_request"));
        QVERIFY(!reply.value("error").toString().isEmpty());
        if (echoesId)
            QCOMPARE(reply.value("id").toInt(), 3);
        QCOMPARE(refused(server, ControlRefusal::BadRequest), std::uint64_t(1));

        QVERIFY(peer.send("{\"id\":4,\"cmd\":\"ok\"}\n"));
        QTRY_VERIFY(peer.hasLine());
        QCOMPARE(peer.takeObject().value("ok").toBool(), true);
    }

    void randomBytesNeverHurtTheServer() {
        TestHandler handler;
        ControlServer server(handler);
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        QRandomGenerator random(42);  // the same bytes every run
        for (int round = 0; round < 20; ++round) {
            Peer peer(socketPath());
            QByteArray bytes(4096 + int(random.bounded(60000)), Qt::Uninitialized);
            for (char &byte : bytes)
                byte = char(random.bounded(256));
            if (round % 2 == 0)  // half of them JSON-ish, to get past the first byte
                bytes.prepend("{\"cmd\":\"echo\",\"args\":{\"x\":[[[\"\xc3");
            QVERIFY(peer.send(bytes + "\n"));
            QTRY_VERIFY(peer.closed() || peer.hasLine());
        }
        Peer last(socketPath());
        QVERIFY(last.send("{\"id\":1,\"cmd\":\"ok\"}\n"));
        QTRY_VERIFY(last.hasLine());
        QCOMPARE(last.takeObject().value("ok").toBool(), true);
    }

    void aLineTooLongIsRefusedAndClosed() {
        TestHandler handler;
        ControlServer server(handler);
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        Peer peer(socketPath());
        QVERIFY(peer.send(QByteArray(70 * 1024, 'x') + "\n"));
        QTRY_VERIFY(peer.hasLine());
        const QJsonObject reply = peer.takeObject();
        QCOMPARE(reply.value("code").toString(), QString("too_large"));
        QTRY_VERIFY(peer.closed());
        QCOMPARE(refused(server, ControlRefusal::TooLarge), std::uint64_t(1));
        QTRY_COMPARE(server.counters().connectionsOpen, std::uint64_t(0));
    }

    void aLineOfExactlyTheLimitIsRead() {
        TestHandler handler;
        ControlServer server(handler);
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        Peer peer(socketPath());
        QByteArray line("{\"cmd\":\"ok\"}");
        line += QByteArray(ControlServer::kMaxRequestBytes - line.size(), ' ');
        QVERIFY(peer.send(line + "\n"));
        QTRY_VERIFY(peer.hasLine());
        QCOMPARE(peer.takeObject().value("ok").toBool(), true);
    }

    void theThirtyThirdConnectionIsBusy() {
        TestHandler handler;
        ControlServer server(handler);
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        std::vector<std::unique_ptr<Peer>> peers;
        peers.reserve(ControlServer::kMaxConnections);
        for (int i = 0; i < ControlServer::kMaxConnections; ++i)
            peers.push_back(std::make_unique<Peer>(socketPath()));
        QTRY_COMPARE(server.counters().connectionsOpen, std::uint64_t(ControlServer::kMaxConnections));
        Peer extra(socketPath());
        QTRY_VERIFY(extra.hasLine());
        QCOMPARE(extra.takeObject().value("code").toString(), QString("busy"));
        QTRY_VERIFY(extra.closed());
        QCOMPARE(refused(server, ControlRefusal::Busy), std::uint64_t(1));
        // The 32 still answer; one gone makes room for another.
        QVERIFY(peers.back()->send("{\"cmd\":\"ok\"}\n"));
        QTRY_VERIFY(peers.back()->hasLine());
        peers.pop_back();
        QTRY_COMPARE(server.counters().connectionsOpen, std::uint64_t(ControlServer::kMaxConnections - 1));
        Peer another(socketPath());
        QVERIFY(another.send("{\"cmd\":\"ok\"}\n"));
        QTRY_VERIFY(another.hasLine());
        QCOMPARE(another.takeObject().value("ok").toBool(), true);
    }

    void aLineNotFinishedInTimeIsATimeout() {
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        Peer peer(socketPath());
        QVERIFY(peer.send("{\"cmd\":"));
        QTRY_VERIFY_WITH_TIMEOUT(peer.hasLine(), 10000);
        QCOMPARE(peer.takeObject().value("code").toString(), QString("timeout"));
        QTRY_VERIFY(peer.closed());
        QCOMPARE(refused(server, ControlRefusal::Timeout), std::uint64_t(1));
    }

    void anIdleConnectionIsClosedButAStreamIsNot() {
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        Peer idle(socketPath());
        Peer streaming(socketPath());
        QVERIFY(streaming.send("{\"id\":1,\"cmd\":\"follow\"}\n"));
        QTRY_VERIFY(streaming.hasLine());
        streaming.takeLine();
        QTRY_VERIFY_WITH_TIMEOUT(idle.closed(), 10000);
        QVERIFY(!idle.hasLine());  // closed without a word
        QCOMPARE(refused(server, ControlRefusal::Idle), std::uint64_t(1));
        QVERIFY(!streaming.closed());
        server.broadcast(ControlStream::Events, {{"event", QJsonObject{{"seq", 1}}}});
        QTRY_VERIFY(streaming.hasLine());
        QCOMPARE(streaming.takeLine(), QByteArray(R"({"v":1,"id":1,"event":{"seq":1}})"));
    }

    void broadcastsReachTheirStreamOnly() {
        TestHandler handler;
        ControlServer server(handler);
        QSignalSpy changes(&server, &ControlServer::subscribersChanged);
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        auto events = std::make_unique<Peer>(socketPath());
        Peer batches(socketPath());
        Peer plain(socketPath());
        QVERIFY(events->send("{\"id\":\"e\",\"cmd\":\"follow\"}\n"));
        QVERIFY(batches.send("{\"cmd\":\"subscribe\"}\n"));
        QTRY_VERIFY(events->hasLine());
        QTRY_VERIFY(batches.hasLine());
        QCOMPARE(events->takeObject().value("ok").toBool(), true);  // the reply first
        batches.takeLine();
        QCOMPARE(server.subscribers(ControlStream::Events), 1);
        QCOMPARE(server.subscribers(ControlStream::Batches), 1);
        QCOMPARE(changes.count(), 2);

        server.broadcast(ControlStream::Events, {{"event", QJsonObject{{"kind", "stall"}}}});
        server.broadcast(ControlStream::Batches, {{"batch", QJsonObject{{"agents", QJsonArray()}}}});
        QTRY_VERIFY(events->hasLine());
        QTRY_VERIFY(batches.hasLine());
        QCOMPARE(events->takeLine(), QByteArray(R"({"v":1,"id":"e","event":{"kind":"stall"}})"));
        QCOMPARE(batches.takeLine(), QByteArray(R"({"v":1,"batch":{"agents":[]}})"));
        QVERIFY(!plain.hasLine());

        events.reset();  // the client goes away
        QTRY_COMPARE(server.subscribers(ControlStream::Events), 0);
        QCOMPARE(changes.count(), 3);
        QCOMPARE(changes.last().at(0).value<ControlStream>(), ControlStream::Events);
        QCOMPARE(changes.last().at(1).toInt(), 0);
    }

    void aStreamThatStopsReadingIsDroppedAndOthersGoOn() {
        TestHandler handler;
        ControlServer server(handler);
        QSignalSpy changes(&server, &ControlServer::subscribersChanged);
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        Peer stuck(socketPath());
        Peer other(socketPath());
        QVERIFY(stuck.send("{\"id\":1,\"cmd\":\"follow\"}\n"));
        QTRY_COMPARE(server.subscribers(ControlStream::Events), 1);

        const QJsonObject message{{"event", QJsonObject{{"text", QString(64 * 1024, QLatin1Char('x'))}}}};
        // Twice the bound: the kernel's buffer takes a little, the queue the rest.
        for (int i = 0;
             i < 2 * ControlServer::kMaxQueuedBytes / (64 * 1024) && server.subscribers(ControlStream::Events); ++i)
            server.broadcast(ControlStream::Events, message);
        QCOMPARE(server.subscribers(ControlStream::Events), 0);
        QCOMPARE(refused(server, ControlRefusal::SlowReader), std::uint64_t(1));
        QCOMPARE(changes.count(), 2);
        QCOMPARE(changes.last().at(1).toInt(), 0);
        QCOMPARE(server.counters().connectionsOpen, std::uint64_t(1));

        QVERIFY(other.send("{\"id\":2,\"cmd\":\"ok\"}\n"));
        QTRY_VERIFY(other.hasLine());
        QCOMPARE(other.takeObject().value("id").toInt(), 2);
    }

    void aPeerThatIsDoneSendingStillGetsItsReply() {
        TestHandler handler;
        ControlServer server(handler);
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        Peer peer(socketPath());  // as `echo '{"cmd":"ok"}' | socat - UNIX-CONNECT:PATH` does
        QVERIFY(peer.send("{\"id\":1,\"cmd\":\"echo\",\"args\":{\"a\":1}}\n"));
        QCOMPARE(peer.shutdownSending(), 0);
        QTRY_VERIFY(peer.hasLine());
        QCOMPARE(peer.takeObject().value("result").toObject().value("a").toInt(), 1);
        QTRY_VERIFY(peer.closed());
        QTRY_COMPARE(server.counters().connectionsOpen, std::uint64_t(0));
    }

    void aHandlerThatDropsItsOwnConnectionIsSafe() {
        TestHandler handler;
        ControlServer server(handler);
        handler.server = &server;
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));
        Peer stuck(socketPath());
        Peer other(socketPath());
        // A stream that never reads asks for a flood of broadcasts: it is dropped while
        // its own request is being handled, and nothing of it is touched afterwards.
        QVERIFY(stuck.send("{\"cmd\":\"follow\"}\n{\"cmd\":\"flood\"}\n{\"cmd\":\"ok\"}\n"));
        QTRY_COMPARE(refused(server, ControlRefusal::SlowReader), std::uint64_t(1));
        QCOMPARE(server.subscribers(ControlStream::Events), 0);
        QVERIFY(other.send("{\"id\":2,\"cmd\":\"ok\"}\n"));
        QTRY_VERIFY(other.hasLine());
        QCOMPARE(other.takeObject().value("id").toInt(), 2);
        QTRY_COMPARE(server.counters().connectionsOpen, std::uint64_t(1));
    }

    void aPeerWithAnotherUidIsTurnedAway() {
        if (::geteuid() != 0)
            QSKIP("needs root to become another user");
        // Let the other user reach the socket's directory; the socket's own mode decides.
        QVERIFY(QFile::setPermissions(m_dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                                        | QFileDevice::ExeOwner | QFileDevice::ExeGroup
                                                        | QFileDevice::ExeOther));
        TestHandler handler;
        ControlServer server(handler);
        QString error;
        QVERIFY2(server.listen(socketPath(), &error), qPrintable(error));

        // At 0600 the kernel refuses the connect itself.
        QCOMPARE(connectAsNobody(), EACCES + 100);

        // Someone loosened the mode (the product never does): the peer check refuses.
        QCOMPARE(::chmod(socketPath().toLocal8Bit().constData(), 0666), 0);
        QCOMPARE(connectAsNobody(), 0);
        QCOMPARE(refused(server, ControlRefusal::PermissionDenied), std::uint64_t(1));
        QCOMPARE(server.counters().connectionsOpen, std::uint64_t(0));
    }

private:
    // A child as uid/gid 65534 connects and reads what it is told. Exit status: 0 it got
    // the permission_denied line and then the end; 100 + errno when connect failed;
    // anything else a failure. The parent keeps its event loop turning meanwhile.
    int connectAsNobody() {
        const QByteArray path = socketPath().toLocal8Bit();
        const pid_t child = ::fork();
        if (child == 0) {
            if (::setgid(65534) != 0 || ::setuid(65534) != 0)
                ::_exit(90);
            const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un address{};
            address.sun_family = AF_UNIX;
            std::memcpy(address.sun_path, path.constData(), static_cast<std::size_t>(path.size()));
            if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
                ::_exit(100 + errno);
            char buffer[4096];
            std::size_t have = 0;
            for (;;) {
                const ssize_t got = ::read(fd, buffer + have, sizeof buffer - 1 - have);
                if (got <= 0)
                    break;
                have += static_cast<std::size_t>(got);
            }
            buffer[have] = '\0';
            const bool denied = std::strstr(buffer, R"("code":"permission_denied")") != nullptr
                                && std::strchr(buffer, '\n') == buffer + have - 1;
            ::_exit(denied ? 0 : 91);
        }
        int status = 0;
        QDeadlineTimer deadline(20000);
        while (::waitpid(child, &status, WNOHANG) != child) {
            if (deadline.hasExpired()) {
                ::kill(child, SIGKILL);
                ::waitpid(child, &status, 0);
                return -1;
            }
            QTest::qWait(10);  // the server accepts and answers on this thread
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
};

QTEST_GUILESS_MAIN(TestControlServer)
#include "tst_control_server.moc"
