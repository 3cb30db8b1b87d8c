// The control protocol over TCP for consoles on other hosts (docs/control.md section 7):
// the token file, hello before anything else, TLS with a certificate made here by the
// openssl CLI, what a wrong CA, wrong token, garbage, silence or an over-long line costs
// the peer (and never the server), view and control roles, the connection caps, a token
// revoked by a reload, and the resync of a subscriber that stopped reading.
#include "core/control/control_server.h"
#include "tests/support/test_certificates.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace varta;

namespace {

const QByteArray kAliceSecret = "alice-secret-0123456789";
const QByteArray kBobSecret = "bob-secret-0123456789ab";

// ok: {}; echo: the args; act: refused for a view token as EngineControl refuses it;
// subscribe: a numbered snapshot, so a resync's fresh one can be told from the first.
class TestHandler : public ControlHandler {
public:
    ControlReply handle(const ControlRequest &request, const ControlPeer &peer) override {
        lastPeer = peer;
        if (request.cmd == QLatin1String("ok"))
            return ControlReply::success({});
        if (request.cmd == QLatin1String("echo"))
            return ControlReply::success(request.args);
        if (request.cmd == QLatin1String("act")) {
            if (!peer.mayAct) {
                ControlReply reply = ControlReply::failure(QStringLiteral("permission_denied"), "may only view");
                reply.refusal = ControlRefusal::ViewOnly;
                return reply;
            }
            return ControlReply::success({{"by", peer.label()}});
        }
        if (request.cmd == QLatin1String("subscribe")) {
            ControlReply reply = ControlReply::success({{"snapshot", QJsonObject{{"n", ++snapshots}}}});
            reply.stream = ControlStream::Batches;
            return reply;
        }
        return ControlReply::failure(QStringLiteral("unknown_command"), QStringLiteral("unknown command"));
    }
    ControlPeer lastPeer;
    int snapshots = 0;
};

ConsoleTokens tokens(const QByteArray &text = "alice control " + kAliceSecret + "\nbob view " + kBobSecret + "\n") {
    QString error;
    std::optional<ConsoleTokens> parsed = ConsoleTokens::parse(text, QStringLiteral("tokens"), &error);
    if (!parsed)
        qFatal("%s", qPrintable(error));
    return *parsed;
}

QByteArray helloLine(const QByteArray &secret) {
    return R"({"v":1,"id":1,"cmd":"hello","args":{"token":")" + secret + "\"}}\n";
}

// A raw, non-blocking TCP client from a loopback source address of its choice: the test
// decides when it reads, which a subscriber that stops reading needs.
class RawClient {
public:
    RawClient(quint16 port, const char *source = "127.0.0.1", int receiveBuffer = 0) {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (receiveBuffer > 0)
            ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, source, &local.sin_addr);
        ::bind(m_fd, reinterpret_cast<const sockaddr *>(&local), sizeof local);
        sockaddr_in remote{};
        remote.sin_family = AF_INET;
        remote.sin_port = htons(port);
        ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
        m_connected = ::connect(m_fd, reinterpret_cast<const sockaddr *>(&remote), sizeof remote) == 0;
    }
    ~RawClient() { ::close(m_fd); }
    RawClient(const RawClient &) = delete;
    RawClient &operator=(const RawClient &) = delete;

    bool connected() const { return m_connected; }
    bool send(const QByteArray &bytes) {
        return ::send(m_fd, bytes.constData(), static_cast<std::size_t>(bytes.size()), MSG_NOSIGNAL) == bytes.size();
    }
    bool hasLine() {
        pump();
        return m_input.contains('\n');
    }
    QByteArray takeLine() {
        const qsizetype newline = m_input.indexOf('\n');
        const QByteArray line = m_input.left(newline);
        m_input.remove(0, newline + 1);
        return line;
    }
    QJsonObject takeObject() { return QJsonDocument::fromJson(takeLine()).object(); }
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
    bool m_connected = false;
    QByteArray m_input;
    bool m_closed = false;
};

ControlServer::Settings quickSettings() {
    ControlServer::Settings settings;
    settings.idleTimeoutMs = 2000;
    settings.requestTimeoutMs = 1000;
    settings.authTimeoutMs = 400;
    settings.sweepIntervalMs = 50;
    return settings;
}

std::uint64_t refused(const ControlServer &server, ControlRefusal refusal) {
    return server.counters().refusedFor(refusal);
}

}  // namespace

class TestConsoleTransport : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_cert;
    QString m_key;
    QString m_otherCert;

    bool makePair(const QString &name, QString *cert, QString *key) {
        *cert = m_dir.filePath(name + ".crt");
        *key = m_dir.filePath(name + ".key");
        return test::makeCertificate(*cert, *key);
    }

    ConsoleTls loadTls() {
        QString error;
        std::optional<ConsoleTls> tls = ConsoleTls::load(m_cert, m_key, &error);
        if (!tls)
            qFatal("%s", qPrintable(error));
        return *tls;
    }

    // A TLS client that trusts `caFile` only, connected and encrypted, or nullptr.
    std::unique_ptr<QSslSocket> tlsClient(quint16 port, const QString &caFile) {
        auto client = std::make_unique<QSslSocket>();
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setCaCertificates(QSslCertificate::fromPath(caFile));
        configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
        client->setSslConfiguration(configuration);
        client->connectToHostEncrypted(QStringLiteral("localhost"), port);
        return client;
    }

    static QJsonObject readObject(QSslSocket &client) {
        return QJsonDocument::fromJson(client.readLine().trimmed()).object();
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(QSslSocket::supportsSsl());
        QVERIFY(makePair(QStringLiteral("server"), &m_cert, &m_key));
        QString otherKey;
        QVERIFY(makePair(QStringLiteral("other"), &m_otherCert, &otherKey));
    }

    void theTokenFileIsRead() {
        const ConsoleTokens parsed =
            tokens("# consoles\n\n  alice   control  " + kAliceSecret + "  \nbob view " + kBobSecret + "\n");
        QCOMPARE(parsed.size(), 2);
        const ConsoleToken *alice = parsed.match(kAliceSecret);
        QVERIFY(alice != nullptr);
        QCOMPARE(alice->name, QString("alice"));
        QVERIFY(alice->mayAct);
        const ConsoleToken *bob = parsed.match(kBobSecret);
        QVERIFY(bob != nullptr);
        QVERIFY(!bob->mayAct);
        QVERIFY(parsed.match("alice-secret-012345678") == nullptr);  // a prefix is no match
        QVERIFY(parsed.match("") == nullptr);
    }

    void aBadTokenLineIsNamed_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("error");
        QTest::newRow("two fields") << QByteArray("# c\nalice control\n")
                                    << "tokens: line 2: expected NAME ROLE SECRET, got 2 fields";
        QTest::newRow("bad role") << QByteArray("alice admin " + kAliceSecret)
                                  << "tokens: line 1: the role must be view or control";
        QTest::newRow("short secret") << QByteArray("alice view short")
                                      << "tokens: line 1: the secret must be at least 16 characters";
        QTest::newRow("same name") << QByteArray("alice view " + kAliceSecret + "\nalice view " + kBobSecret)
                                   << "tokens: line 2: the name alice is used twice";
        QTest::newRow("same secret") << QByteArray("alice view " + kAliceSecret + "\nbob view " + kAliceSecret)
                                     << "tokens: line 2: this secret is already another token's";
        QTest::newRow("bad name") << QByteArray("al\"ice view " + kAliceSecret)
                                  << "tokens: line 1: the name must be 1-64 letters, digits or . _ @ -";
        QTest::newRow("empty") << QByteArray("# nothing\n") << "tokens: holds no token";
    }
    void aBadTokenLineIsNamed() {
        QFETCH(QByteArray, text);
        QFETCH(QString, error);
        QString got;
        QVERIFY(!ConsoleTokens::parse(text, QStringLiteral("tokens"), &got));
        QCOMPARE(got, error);
    }

    void aTokenFileOthersCanReadIsRefused() {
        const QString path = m_dir.filePath(QStringLiteral("open-tokens"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("alice control " + kAliceSecret + "\n");
        file.close();
        QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup));
        QString error;
        QVERIFY(!ConsoleTokens::load(path, &error));
        QVERIFY2(error.startsWith(path + ": insecure permissions"), qPrintable(error));
    }

    void aBadCertificateOrKeyIsNamed() {
        QString error;
        QVERIFY(!ConsoleTls::load(m_dir.filePath("missing.crt"), m_key, &error));
        QVERIFY2(error.startsWith(m_dir.filePath("missing.crt") + ": cannot open"), qPrintable(error));
        QVERIFY(!ConsoleTls::load(m_key, m_key, &error));  // a key is no certificate
        QCOMPARE(error, m_key + ": holds no PEM certificate");
        QVERIFY(!ConsoleTls::load(m_cert, m_cert, &error));  // nor is a certificate a private key
        QVERIFY2(error.startsWith(m_cert + ": "), qPrintable(error));
        QString otherKey = m_dir.filePath("other.key");
        QVERIFY(!ConsoleTls::load(m_cert, otherKey, &error));
        QCOMPARE(error, otherKey + ": this key does not belong to the certificate in " + m_cert);
        QVERIFY(
            QFile::setPermissions(m_key, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther));
        QVERIFY(!ConsoleTls::load(m_cert, m_key, &error));
        QVERIFY2(error.startsWith(m_key + ": insecure permissions"), qPrintable(error));
        QVERIFY(QFile::setPermissions(m_key, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        QVERIFY2(ConsoleTls::load(m_cert, m_key, &error), qPrintable(error));
    }

    void plainLoopbackHelloThenRequests() {
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listenConsole(QHostAddress::LocalHost, 0, std::nullopt, tokens(), &error), qPrintable(error));
        QVERIFY(server.consolePort() != 0);
        QCOMPARE(server.consoleDescription(), QStringLiteral("console tcp://127.0.0.1:%1").arg(server.consolePort()));
        RawClient client(server.consolePort());
        QVERIFY(client.connected());
        QVERIFY(client.send(helloLine(kAliceSecret) + "{\"id\":2,\"cmd\":\"echo\",\"args\":{\"a\":1}}\n"));
        QTRY_VERIFY(client.hasLine());
        const QJsonObject hello = client.takeObject();
        QCOMPARE(hello.value("id").toInt(), 1);
        QCOMPARE(hello.value("ok").toBool(), true);
        QCOMPARE(hello.value("result").toObject().value("name").toString(), QString("alice"));
        QCOMPARE(hello.value("result").toObject().value("role").toString(), QString("control"));
        QVERIFY(!hello.value("result").toObject().value("version").toString().isEmpty());
        QTRY_VERIFY(client.hasLine());
        QCOMPARE(client.takeLine(), QByteArray(R"({"v":1,"id":2,"ok":true,"result":{"a":1}})"));
        QCOMPARE(handler.lastPeer.label(), QString("token alice (127.0.0.1)"));
        QVERIFY(handler.lastPeer.mayAct);

        // A second hello is a mistake, not a new login.
        QVERIFY(client.send(helloLine(kBobSecret)));
        QTRY_VERIFY(client.hasLine());
        QCOMPARE(client.takeObject().value("code").toString(), QString("bad_request"));
        QCOMPARE(handler.lastPeer.token, QString("alice"));
    }

    void tlsHelloAgainstTheCertificateAsCa() {
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listenConsole(QHostAddress::LocalHost, 0, loadTls(), tokens(), &error), qPrintable(error));
        QVERIFY(server.consoleDescription().startsWith("console tls://127.0.0.1:"));
        const std::unique_ptr<QSslSocket> client = tlsClient(server.consolePort(), m_cert);
        QTRY_VERIFY_WITH_TIMEOUT(client->isEncrypted(), 10000);
        client->write(helloLine(kBobSecret) + "{\"id\":2,\"cmd\":\"ok\"}\n");
        QTRY_VERIFY(client->canReadLine());
        const QJsonObject hello = readObject(*client);
        QCOMPARE(hello.value("result").toObject().value("role").toString(), QString("view"));
        QTRY_VERIFY(client->canReadLine());
        QCOMPARE(readObject(*client).value("id").toInt(), 2);
        QCOMPARE(refused(server, ControlRefusal::TlsFailed), std::uint64_t(0));
    }

    void aClientWithTheWrongCaFailsAndTheServerGoesOn() {
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listenConsole(QHostAddress::LocalHost, 0, loadTls(), tokens(), &error), qPrintable(error));
        {
            const std::unique_ptr<QSslSocket> wrong = tlsClient(server.consolePort(), m_otherCert);
            QTRY_COMPARE_WITH_TIMEOUT(refused(server, ControlRefusal::TlsFailed), std::uint64_t(1), 10000);
            QVERIFY(!wrong->isEncrypted());
        }
        // Bytes that are no TLS at all fail the same way.
        RawClient garbage(server.consolePort());
        QVERIFY(garbage.send(QByteArray(600, '\x17') + "{\"cmd\":\"ok\"}\n"));
        QTRY_COMPARE(refused(server, ControlRefusal::TlsFailed), std::uint64_t(2));
        QTRY_VERIFY(garbage.closed());
        QTRY_COMPARE(server.counters().connectionsOpen, std::uint64_t(0));

        const std::unique_ptr<QSslSocket> good = tlsClient(server.consolePort(), m_cert);
        QTRY_VERIFY_WITH_TIMEOUT(good->isEncrypted(), 10000);
        good->write(helloLine(kAliceSecret));
        QTRY_VERIFY(good->canReadLine());
        QCOMPARE(readObject(*good).value("ok").toBool(), true);
    }

    void whateverIsNoGoodHelloIsDeniedAlike_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("wrong token") << helloLine("not-a-token-at-all-0000");
        QTest::newRow("another token's prefix") << helloLine(kAliceSecret.left(20));
        QTest::newRow("no token") << QByteArray(R"({"cmd":"hello"})"
                                                "\n");
        QTest::newRow("token not a string") << QByteArray(R"({"cmd":"hello","args":{"token":7}})"
                                                          "\n");
        QTest::newRow("a command first") << QByteArray(R"({"id":4,"cmd":"ok"})"
                                                       "\n");
        QTest::newRow("garbage") << QByteArray("\x01\x02\xff garbage\n");
        QTest::newRow("not an object") << QByteArray("[1]\n");
        QTest::newRow("too long") << QByteArray(ControlServer::kMaxRequestBytes + 10, 'x') + "\n";
    }
    void whateverIsNoGoodHelloIsDeniedAlike() {
        QFETCH(QByteArray, bytes);
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listenConsole(QHostAddress::LocalHost, 0, std::nullopt, tokens(), &error), qPrintable(error));
        RawClient client(server.consolePort());
        QVERIFY(client.send(bytes));
        QTRY_VERIFY(client.hasLine());
        // One line, the same whatever was wrong: no id, no name, no hint.
        QCOMPARE(client.takeLine(),
                 QByteArray(R"({"v":1,"ok":false,"code":"permission_denied","error":"not authorized; closing"})"));
        QTRY_VERIFY(client.closed());
        QCOMPARE(refused(server, ControlRefusal::BadToken), std::uint64_t(1));
        QCOMPARE(handler.lastPeer.token, QString());  // the handler never heard of it
        QTRY_COMPARE(server.counters().connectionsOpen, std::uint64_t(0));
    }

    void aLineTooLongAfterHelloIsTooLarge() {
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listenConsole(QHostAddress::LocalHost, 0, std::nullopt, tokens(), &error), qPrintable(error));
        RawClient client(server.consolePort());
        QVERIFY(client.send(helloLine(kAliceSecret)));
        QTRY_VERIFY(client.hasLine());
        client.takeLine();
        QVERIFY(client.send(QByteArray(ControlServer::kMaxRequestBytes + 10, 'x') + "\n"));
        QTRY_VERIFY(client.hasLine());
        QCOMPARE(client.takeObject().value("code").toString(), QString("too_large"));
        QTRY_VERIFY(client.closed());
        QCOMPARE(refused(server, ControlRefusal::TooLarge), std::uint64_t(1));
    }

    void silenceBeforeHelloTimesOut() {
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listenConsole(QHostAddress::LocalHost, 0, loadTls(), tokens(), &error), qPrintable(error));
        // TLS done, then nothing: told why, closed.
        const std::unique_ptr<QSslSocket> quiet = tlsClient(server.consolePort(), m_cert);
        QByteArray heard;  // read as it comes: a socket the peer closed keeps nothing
        connect(quiet.get(), &QIODevice::readyRead, this, [&] { heard += quiet->readAll(); });
        QTRY_VERIFY_WITH_TIMEOUT(quiet->isEncrypted(), 10000);
        // Not even a handshake: closed without a line it could not read.
        RawClient mute(server.consolePort());
        QTRY_COMPARE(refused(server, ControlRefusal::Timeout), std::uint64_t(2));
        QTRY_VERIFY(heard.endsWith('\n'));
        QCOMPARE(QJsonDocument::fromJson(heard).object().value("code").toString(), QString("timeout"));
        QTRY_VERIFY(quiet->state() == QAbstractSocket::UnconnectedState);
        QTRY_VERIFY(mute.closed());
        QVERIFY(!mute.hasLine());
        QCOMPARE(refused(server, ControlRefusal::TlsFailed), std::uint64_t(0));
        QTRY_COMPARE(server.counters().connectionsOpen, std::uint64_t(0));
    }

    void aViewTokenIsRefusedActionsAndStays() {
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listenConsole(QHostAddress::LocalHost, 0, std::nullopt, tokens(), &error), qPrintable(error));
        RawClient viewer(server.consolePort());
        QVERIFY(viewer.send(helloLine(kBobSecret) + "{\"id\":2,\"cmd\":\"act\"}\n{\"id\":3,\"cmd\":\"ok\"}\n"));
        for (int i = 0; i < 2; ++i) {  // hello, then the refusal
            QTRY_VERIFY(viewer.hasLine());
            viewer.takeLine();
        }
        RawClient controller(server.consolePort());
        QVERIFY(controller.send(helloLine(kAliceSecret) + "{\"id\":2,\"cmd\":\"act\"}\n"));
        QTRY_VERIFY(controller.hasLine());
        controller.takeLine();
        QTRY_VERIFY(controller.hasLine());
        QCOMPARE(controller.takeObject().value("result").toObject().value("by").toString(),
                 QString("token alice (127.0.0.1)"));
        QTRY_VERIFY(viewer.hasLine());
        QCOMPARE(viewer.takeObject().value("id").toInt(), 3);  // still open after the refusal
        QCOMPARE(refused(server, ControlRefusal::ViewOnly), std::uint64_t(1));
    }

    void aViewTokensRefusalReadsSo() {
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listenConsole(QHostAddress::LocalHost, 0, std::nullopt, tokens(), &error), qPrintable(error));
        RawClient viewer(server.consolePort());
        QVERIFY(viewer.send(helloLine(kBobSecret) + "{\"id\":2,\"cmd\":\"act\"}\n"));
        QTRY_VERIFY(viewer.hasLine());
        viewer.takeLine();
        QTRY_VERIFY(viewer.hasLine());
        const QJsonObject reply = viewer.takeObject();
        QCOMPARE(reply.value("id").toInt(), 2);
        QCOMPARE(reply.value("code").toString(), QString("permission_denied"));
        QVERIFY(!viewer.closed());
    }

    void connectionsAreCappedPerSourceAndInAll() {
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listenConsole(QHostAddress::LocalHost, 0, std::nullopt, tokens(), &error), qPrintable(error));
        std::vector<std::unique_ptr<RawClient>> clients;
        clients.reserve(ControlServer::kMaxConsoleConnections);
        for (int i = 0; i < ControlServer::kMaxConsoleConnectionsPerSource; ++i)
            clients.push_back(std::make_unique<RawClient>(server.consolePort(), "127.0.0.1"));
        QTRY_COMPARE(server.counters().connectionsOpen, std::uint64_t(ControlServer::kMaxConsoleConnectionsPerSource));
        RawClient sameSource(server.consolePort(), "127.0.0.1");
        QTRY_VERIFY(sameSource.hasLine());
        QCOMPARE(sameSource.takeObject().value("code").toString(), QString("busy"));
        QTRY_VERIFY(sameSource.closed());
        const char *sources[] = {"127.0.0.2", "127.0.0.3"};
        for (const char *source : sources)
            for (int i = 0; clients.size() < std::size_t(ControlServer::kMaxConsoleConnections) && i < 8; ++i)
                clients.push_back(std::make_unique<RawClient>(server.consolePort(), source));
        QTRY_COMPARE(server.counters().connectionsOpen, std::uint64_t(ControlServer::kMaxConsoleConnections));
        RawClient beyond(server.consolePort(), "127.0.0.4");
        QTRY_VERIFY(beyond.hasLine());
        QCOMPARE(beyond.takeObject().value("code").toString(), QString("busy"));
        QCOMPARE(refused(server, ControlRefusal::Busy), std::uint64_t(2));
    }

    void aTokenRemovedByAReloadClosesItsConnections() {
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listenConsole(QHostAddress::LocalHost, 0, std::nullopt, tokens(), &error), qPrintable(error));
        RawClient alice(server.consolePort());
        RawClient bob(server.consolePort());
        QVERIFY(alice.send(helloLine(kAliceSecret)));
        QVERIFY(bob.send(helloLine(kBobSecret)));
        QTRY_VERIFY(alice.hasLine());
        QTRY_VERIFY(bob.hasLine());
        server.setConsoleTokens(tokens("bob view " + kBobSecret + "\n"));
        QTRY_VERIFY(alice.closed());
        QVERIFY(bob.send("{\"id\":5,\"cmd\":\"ok\"}\n"));
        bob.takeLine();
        QTRY_VERIFY(bob.hasLine());
        QCOMPARE(bob.takeObject().value("id").toInt(), 5);
        RawClient again(server.consolePort());
        QVERIFY(again.send(helloLine(kAliceSecret)));
        QTRY_VERIFY(again.hasLine());
        QCOMPARE(again.takeObject().value("code").toString(), QString("permission_denied"));
    }

    void aSubscriberThatStopsReadingIsResynced() {
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listenConsole(QHostAddress::LocalHost, 0, std::nullopt, tokens(), &error), qPrintable(error));
        RawClient stuck(server.consolePort(), "127.0.0.1", 64 * 1024);
        QVERIFY(stuck.send(helloLine(kBobSecret) + "{\"id\":\"s\",\"cmd\":\"subscribe\"}\n"));
        QTRY_COMPARE(server.subscribers(ControlStream::Batches), 1);

        const QJsonObject batch{{"batch", QJsonObject{{"text", QString(64 * 1024, QLatin1Char('x'))}}}};
        // The event loop turns between batches, so the kernel's buffers fill first, as they
        // do in the engine.
        for (int i = 0; i < 4 * ControlServer::kMaxQueuedBytes / (64 * 1024) && server.counters().resyncs == 0; ++i) {
            server.broadcast(ControlStream::Batches, batch);
            QCoreApplication::processEvents();
        }
        QCOMPARE(server.counters().resyncs, std::uint64_t(1));
        QCOMPARE(server.subscribers(ControlStream::Batches), 1);  // still subscribed
        for (int i = 0; i < 10; ++i)                              // skipped while it drains
            server.broadcast(ControlStream::Batches, batch);
        QCOMPARE(server.counters().resyncs, std::uint64_t(1));

        // It reads again: whole lines only, then a fresh snapshot with its subscribe's id.
        QJsonObject fresh;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                while (stuck.hasLine()) {
                    const QByteArray line = stuck.takeLine();
                    const QJsonObject object = QJsonDocument::fromJson(line).object();
                    if (object.isEmpty())
                        qFatal("a torn line: %s", line.left(80).constData());
                    if (object.value("result").toObject().value("snapshot").toObject().value("n").toInt() == 2)
                        fresh = object;
                }
                return !fresh.isEmpty();
            }(),
            10000);
        QCOMPARE(fresh.value("id").toString(), QString("s"));
        QCOMPARE(handler.snapshots, 2);
        server.broadcast(ControlStream::Batches, {{"batch", QJsonObject{{"seq", 9}}}});
        QTRY_VERIFY(stuck.hasLine());
        QCOMPARE(stuck.takeLine(), QByteArray(R"({"v":1,"id":"s","batch":{"seq":9}})"));
        QCOMPARE(refused(server, ControlRefusal::SlowReader), std::uint64_t(0));
    }

    void aResyncNeverDrainedIsASlowReader() {
        TestHandler handler;
        ControlServer server(handler, quickSettings());
        QString error;
        QVERIFY2(server.listenConsole(QHostAddress::LocalHost, 0, std::nullopt, tokens(), &error), qPrintable(error));
        RawClient stuck(server.consolePort(), "127.0.0.1", 64 * 1024);
        QVERIFY(stuck.send(helloLine(kBobSecret) + "{\"cmd\":\"subscribe\"}\n"));
        QTRY_COMPARE(server.subscribers(ControlStream::Batches), 1);
        const QJsonObject batch{{"batch", QJsonObject{{"text", QString(64 * 1024, QLatin1Char('x'))}}}};
        // The event loop turns between batches, so the kernel's buffers fill first, as they
        // do in the engine.
        for (int i = 0; i < 4 * ControlServer::kMaxQueuedBytes / (64 * 1024) && server.counters().resyncs == 0; ++i) {
            server.broadcast(ControlStream::Batches, batch);
            QCoreApplication::processEvents();
        }
        QCOMPARE(server.counters().resyncs, std::uint64_t(1));
        // Batches go on; the kernel's buffers may still take what was left, and the next
        // resync follows, until one cannot drain for kIdleTimeoutMs (2 s here).
        QDeadlineTimer deadline(20000);
        while (refused(server, ControlRefusal::SlowReader) == 0 && !deadline.hasExpired()) {
            server.broadcast(ControlStream::Batches, batch);
            QTest::qWait(5);
        }
        QCOMPARE(refused(server, ControlRefusal::SlowReader), std::uint64_t(1));
        QCOMPARE(server.subscribers(ControlStream::Batches), 0);
    }
};

QTEST_GUILESS_MAIN(TestConsoleTransport)
#include "tst_console_transport.moc"
