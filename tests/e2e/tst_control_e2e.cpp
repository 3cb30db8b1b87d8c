// `varta-watch ctl` against a running headless observer (docs/control.md): every command,
// a pause that ends by itself and one that survives a restart, one audited operator row
// per action on a chain that verifies, and bad input — garbage, an over-long line, an
// unknown command, a peer with another uid, a subscriber that never reads — answered
// clearly while the observer carries on.
#include "tests/support/audit_chain.h"
#include "tests/support/ctl_process.h"
#include "tests/support/secret_files.h"
#include "tests/support/test_certificates.h"
#include "tests/support/watch_process.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <memory>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace varta;
using test::Ctl;
using test::ctl;
using test::WatchProcess;

namespace {

const QStringList kUdpRecoveryOptIn{QStringLiteral("--plaintext-udp-i-accept-recovery-on-unauthenticated-transport")};

QString agentState(const QString &socket, const QString &key) {
    return ctl(socket, {QStringLiteral("--json"), QStringLiteral("agent"), key})
        .json()
        .value(QLatin1String("agent"))
        .toObject()
        .value(QLatin1String("state"))
        .toString();
}

QList<QList<QByteArray>> auditRows(const QString &path, const QByteArray &kind) {
    QList<QList<QByteArray>> rows;
    for (const QByteArray &line : test::linesOfFile(path))
        if (const QList<QByteArray> columns = line.split('\t'); columns.size() > 4 && columns[3] == kind)
            rows.append(columns);
    return rows;
}

QStringList eventKinds(const QString &socket) {
    QStringList kinds;
    const QJsonArray events = ctl(socket, {QStringLiteral("--json"), QStringLiteral("events"),
                                           QStringLiteral("--limit"), QStringLiteral("1000")})
                                  .json()
                                  .value(QLatin1String("events"))
                                  .toArray();
    for (const QJsonValue &e : events)
        kinds << e.toObject().value(QLatin1String("kind")).toString();
    return kinds;
}

int connectRaw(const QString &path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const QByteArray encoded = QFile::encodeName(path);
    std::memcpy(address.sun_path, encoded.constData(), static_cast<size_t>(encoded.size()));
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Sends `bytes` and reads one reply line (or what came before the connection closed).
QByteArray exchange(int fd, const QByteArray &bytes) {
    std::size_t sent = 0;
    while (sent < static_cast<std::size_t>(bytes.size())) {
        const ssize_t n = ::send(fd, bytes.constData() + sent, static_cast<size_t>(bytes.size()) - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        sent += static_cast<std::size_t>(n);
    }
    QByteArray reply;
    char c = 0;
    while (::recv(fd, &c, 1, 0) == 1 && c != '\n')
        reply += c;
    return reply;
}

struct Observer {
    QTemporaryDir dir;
    std::unique_ptr<WatchProcess> watch = std::make_unique<WatchProcess>();
    QString socket() const { return dir.filePath(QStringLiteral("control.sock")); }
    QString audit() const { return dir.filePath(QStringLiteral("audit.log")); }
    QString state() const { return dir.filePath(QStringLiteral("state.json")); }

    // A recovery script that prints three lines, and hangs for agent 6002 (something to kill).
    QString script() {
        const QString path = dir.filePath(QStringLiteral("restart.sh"));
        QFile file(path);
        if (!file.exists() && file.open(QIODevice::WriteOnly)) {
            file.write("#!/bin/sh\necho \"restarting $1\"\necho \"unit up\"\necho \"warming cache\" >&2\n"
                       "[ \"$1\" = 6002 ] && exec sleep 60\nexit 0\n");
            file.close();
            file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        }
        return path;
    }

    bool start(const QStringList &extra = {}) {
        return watch->start(
            QStringList{QStringLiteral("--udp-port"), QStringLiteral("0"), QStringLiteral("--threshold-ms"),
                        QStringLiteral("300"), QStringLiteral("--recovery-exec"), script() + QStringLiteral(" {pid}"),
                        QStringLiteral("--recovery-debounce-ms"), QStringLiteral("0"),
                        QStringLiteral("--recovery-audit-file"), audit(), QStringLiteral("--control-socket"), socket(),
                        QStringLiteral("--state-file"), state()}
                + kUdpRecoveryOptIn + extra,
            2);
    }

    // The next run on the same files.
    bool restart() {
        watch = std::make_unique<WatchProcess>();
        return start();
    }

    void beat(std::uint32_t pid, std::uint64_t nonce, vlp::Status status = vlp::Status::Ok) {
        watch->sendFrame(vlp::Frame{status, pid, 1, nonce, 0});
    }

    // One more beat, then the agent's state: polled this way it cannot fall silent between
    // the beat that brought it back and the look.
    QString stateWhileBeating(std::uint32_t pid, std::uint64_t &nonce, const QString &key) {
        beat(pid, nonce++);
        return agentState(socket(), key);
    }
};

// A console's TLS connection that trusts `cert` only; nullptr when the handshake fails.
std::unique_ptr<QSslSocket> consoleClient(quint16 port, const QString &cert) {
    auto client = std::make_unique<QSslSocket>();
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates(QSslCertificate::fromPath(cert));
    configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
    client->setSslConfiguration(configuration);
    client->connectToHostEncrypted(QStringLiteral("localhost"), port);
    if (!client->waitForEncrypted(10000))
        return nullptr;
    return client;
}

// Sends one request and returns the reply with its id, passing over stream lines.
QJsonObject request(QSslSocket &client, int id, const QByteArray &body) {
    client.write("{\"v\":1,\"id\":" + QByteArray::number(id) + "," + body + "}\n");
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 15000) {
        while (client.canReadLine()) {
            const QJsonObject object = QJsonDocument::fromJson(client.readLine()).object();
            if (object.value(QLatin1String("id")).toInt() == id && object.contains(QLatin1String("ok")))
                return object;
        }
        client.waitForReadyRead(200);
    }
    return {};
}

}  // namespace

class TestControlE2E : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyCommandAgainstARunningObserver() {
        Observer o;
        QVERIFY(o.start());
        const QString socket = o.socket();
        const QString key = QStringLiteral("udp:127.0.0.1/6001");
        o.beat(6001, 1);
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(o.audit(), "complete").size(), 1, 20000);

        // status and agents
        const Ctl status = ctl(socket, {QStringLiteral("status")});
        QCOMPARE(status.exitCode, 0);
        QVERIFY2(status.out.contains("control " + socket.toUtf8()), status.out.constData());
        const QJsonObject agents = ctl(socket, {QStringLiteral("--json"), QStringLiteral("agents"),
                                                QStringLiteral("--state"), QStringLiteral("stalled")})
                                       .json();
        QCOMPARE(agents.value(QLatin1String("matched")).toInt(), 1);
        QCOMPARE(
            agents.value(QLatin1String("agents")).toArray().first().toObject().value(QLatin1String("key")).toString(),
            key);
        const Ctl table = ctl(socket, {QStringLiteral("agents")});
        QCOMPARE(table.exitCode, 0);
        QVERIFY(table.out.contains(key.toUtf8()) && table.out.contains("stalled"));

        // agent: its record, its transitions, its child
        const QJsonObject agent =
            ctl(socket, {QStringLiteral("--json"), QStringLiteral("agent"), QStringLiteral("6001")}).json();
        QCOMPARE(agent.value(QLatin1String("agent")).toObject().value(QLatin1String("key")).toString(), key);
        QVERIFY(!agent.value(QLatin1String("transitions")).toArray().isEmpty());
        QCOMPARE(agent.value(QLatin1String("children")).toArray().size(), 1);

        // children and output
        const QJsonArray children = ctl(socket, {QStringLiteral("--json"), QStringLiteral("children")})
                                        .json()
                                        .value(QLatin1String("children"))
                                        .toArray();
        QCOMPARE(children.size(), 1);
        QCOMPARE(children.first().toObject().value(QLatin1String("state")).toString(), QStringLiteral("exited"));
        const Ctl output = ctl(socket, {QStringLiteral("output"), QStringLiteral("1")});
        QCOMPARE(output.exitCode, 0);
        QVERIFY2(output.out.contains("restarting 6001\nunit up\n"), output.out.constData());
        QVERIFY2(output.out.contains("warming cache"), output.out.constData());
        QCOMPARE(ctl(socket, {QStringLiteral("output"), QStringLiteral("99")}).exitCode, 1);

        // pause --for: paused with who and why, then it ends by itself
        const Ctl pause = ctl(socket, {QStringLiteral("pause"), key, QStringLiteral("--reason"),
                                       QStringLiteral("disk swap"), QStringLiteral("--for"), QStringLiteral("2s")});
        QCOMPARE(pause.exitCode, 0);
        const QJsonObject paused = ctl(socket, {QStringLiteral("--json"), QStringLiteral("agent"), key})
                                       .json()
                                       .value(QLatin1String("agent"))
                                       .toObject();
        QCOMPARE(paused.value(QLatin1String("state")).toString(), QStringLiteral("paused"));
        const QJsonObject info = paused.value(QLatin1String("paused")).toObject();
        QCOMPARE(info.value(QLatin1String("by")).toString(), QStringLiteral("root (uid 0)"));
        QCOMPARE(info.value(QLatin1String("reason")).toString(), QStringLiteral("disk swap"));
        const qint64 until = info.value(QLatin1String("until_unix_ms")).toInteger();
        QVERIFY(until > QDateTime::currentMSecsSinceEpoch());
        QTRY_VERIFY_WITH_TIMEOUT(eventKinds(socket).contains(QStringLiteral("pause_expired")), 10000);
        QVERIFY(QDateTime::currentMSecsSinceEpoch() >= until);
        QCOMPARE(agentState(socket, key), QStringLiteral("stalled"));

        // resume of an agent not paused is refused, with the reason
        const Ctl resume = ctl(socket, {QStringLiteral("resume"), key});
        QCOMPARE(resume.exitCode, 1);
        QVERIFY2(resume.err.contains("not_paused"), resume.err.constData());

        // recover: a manual child; rearm
        const Ctl recover = ctl(socket, {QStringLiteral("--json"), QStringLiteral("recover"), key});
        QCOMPARE(recover.exitCode, 0);
        QCOMPARE(recover.json()
                     .value(QLatin1String("results"))
                     .toArray()
                     .first()
                     .toObject()
                     .value(QLatin1String("child_id"))
                     .toInt(),
                 2);
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(o.audit(), "complete").size(), 2, 20000);
        QCOMPARE(ctl(socket, {QStringLiteral("rearm"), key}).exitCode, 0);

        // kill: agent 6002's recovery hangs until the operator kills it
        o.beat(6002, 1);
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(o.audit(), "spawn").size(), 3, 20000);
        QCOMPARE(ctl(socket, {QStringLiteral("kill"), QStringLiteral("3")}).exitCode, 0);
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(o.audit(), "complete").size(), 3, 20000);
        QCOMPARE(auditRows(o.audit(), "complete").last().at(6), QByteArray("killed"));
        QCOMPARE(ctl(socket, {QStringLiteral("kill"), QStringLiteral("3")}).exitCode, 1);  // not running any more

        // an unknown key is refused by name
        const Ctl unknown = ctl(socket, {QStringLiteral("pause"), QStringLiteral("uds/1")});
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY(unknown.err.contains("uds/1"));
        QCOMPARE(o.watch->stop(), 0);

        // One operator row per action, in order, on a chain that verifies.
        const QList<QList<QByteArray>> rows = auditRows(o.audit(), "operator");
        QStringList actions;
        for (const QList<QByteArray> &row : rows)
            actions << QString::fromUtf8(row[6] + ' ' + row[8] + ' ' + row[9]);
        QCOMPARE(actions,
                 QStringList({QStringLiteral("pause udp:127.0.0.1/6001 ok"),
                              QStringLiteral("resume udp:127.0.0.1/6001 not_paused"),
                              QStringLiteral("recover udp:127.0.0.1/6001 ok"),
                              QStringLiteral("rearm udp:127.0.0.1/6001 ok"), QStringLiteral("kill child:3 ok"),
                              QStringLiteral("kill child:3 not_running"), QStringLiteral("pause uds/1 not_found")}));
        QCOMPARE(rows.first()[4], QByteArray("0"));     // uid
        QCOMPARE(rows.first()[5], QByteArray("root"));  // user
        QString where;
        QVERIFY2(test::chainHolds(test::linesOfFile(o.audit()), 1, QByteArray(32, '\0'), &where), qPrintable(where));
    }

    void aPauseSurvivesARestartAndExpiresOnTime() {
        Observer o;
        QVERIFY(o.start());
        const QString forever = QStringLiteral("udp:127.0.0.1/6101");
        const QString brief = QStringLiteral("udp:127.0.0.1/6102");
        o.beat(6101, 1);
        o.beat(6102, 1);
        QTRY_COMPARE_WITH_TIMEOUT(ctl(o.socket(), {QStringLiteral("--json"), QStringLiteral("agents")})
                                      .json()
                                      .value(QLatin1String("matched"))
                                      .toInt(),
                                  2, 10000);
        QCOMPARE(
            ctl(o.socket(), {QStringLiteral("pause"), forever, QStringLiteral("--reason"), QStringLiteral("migration")})
                .exitCode,
            0);
        QCOMPARE(
            ctl(o.socket(), {QStringLiteral("pause"), brief, QStringLiteral("--for"), QStringLiteral("6s")}).exitCode,
            0);
        const qint64 pausedAt = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(o.watch->stop(), 0);
        QFileInfo state(o.state());
        QVERIFY(state.exists());
        QCOMPARE(state.permissions() & ~(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser),
                 QFile::Permissions());

        // The next run knows both pauses from the agents' first beat.
        Observer &r = o;
        QVERIFY(r.restart());
        r.beat(6101, 2);
        r.beat(6102, 2);
        QTRY_COMPARE_WITH_TIMEOUT(agentState(r.socket(), forever), QStringLiteral("paused"), 10000);
        QCOMPARE(agentState(r.socket(), brief), QStringLiteral("paused"));
        const QJsonObject info = ctl(r.socket(), {QStringLiteral("--json"), QStringLiteral("agent"), forever})
                                     .json()
                                     .value(QLatin1String("agent"))
                                     .toObject()
                                     .value(QLatin1String("paused"))
                                     .toObject();
        QCOMPARE(info.value(QLatin1String("reason")).toString(), QStringLiteral("migration"));
        QCOMPARE(info.value(QLatin1String("by")).toString(), QStringLiteral("root (uid 0)"));
        // The brief one ends at its time (6 s after it was set), not 6 s after the restart.
        QTRY_COMPARE_WITH_TIMEOUT(agentState(r.socket(), brief), QStringLiteral("stalled"), 15000);
        const qint64 endedAt = QDateTime::currentMSecsSinceEpoch();
        QVERIFY2(endedAt >= pausedAt + 6000 && endedAt <= pausedAt + 9000,
                 qPrintable(QString::number(endedAt - pausedAt)));
        QCOMPARE(agentState(r.socket(), forever), QStringLiteral("paused"));
        QVERIFY(eventKinds(r.socket()).contains(QStringLiteral("pause_expired")));
        // A stall while paused is refused as paused, never recovered.
        QVERIFY(auditRows(r.audit(), "refused").size() >= 1);
        QCOMPARE(auditRows(r.audit(), "refused").last().at(5), QByteArray("paused"));
        QCOMPARE(r.watch->stop(), 0);
    }

    // One automatic attempt allowed: the second stall gives up, and the next run still
    // knows it until the operator re-arms the agent.
    void aGaveUpAgentStaysGivenUpAcrossARestart() {
        Observer o;
        const QStringList oneAttempt{QStringLiteral("--recovery-max-attempts"), QStringLiteral("1")};
        QVERIFY(o.start(oneAttempt));
        const QString key = QStringLiteral("udp:127.0.0.1/6201");
        o.beat(6201, 1);
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(o.audit(), "complete").size(), 1, 20000);
        o.beat(6201, 2);  // back, then silent again
        QTRY_COMPARE_WITH_TIMEOUT(agentState(o.socket(), key), QStringLiteral("gave_up"), 20000);
        QCOMPARE(o.watch->stop(), 0);

        QVERIFY(o.restart());
        o.beat(6201, 3);
        QTRY_COMPARE_WITH_TIMEOUT(agentState(o.socket(), key), QStringLiteral("gave_up"), 10000);
        QCOMPARE(ctl(o.socket(), {QStringLiteral("rearm"), key}).exitCode, 0);
        std::uint64_t nonce = 4;
        QTRY_COMPARE_WITH_TIMEOUT(o.stateWhileBeating(6201, nonce, key), QStringLiteral("up"), 10000);
        QCOMPARE(o.watch->stop(), 0);
    }

    // A decommissioned agent: forget drops its row (and with it its /metrics series and
    // alerts) and what recovery kept; a second forget finds nothing.
    void forgetRemovesAnAgentForGood() {
        Observer o;
        QVERIFY(o.start());
        const QString key = QStringLiteral("udp:127.0.0.1/6301");
        o.beat(6301, 1);
        QTRY_COMPARE_WITH_TIMEOUT(agentState(o.socket(), key), QStringLiteral("stalled"), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(o.audit(), "complete").size(), 1, 20000);  // no child running
        QCOMPARE(ctl(o.socket(), {QStringLiteral("pause"), key}).exitCode, 0);
        const Ctl forget = ctl(o.socket(), {QStringLiteral("forget"), key});
        QCOMPARE(forget.exitCode, 0);
        QVERIFY2(forget.out.contains("forgotten"), forget.out.constData());
        QCOMPARE(ctl(o.socket(), {QStringLiteral("--json"), QStringLiteral("agents")})
                     .json()
                     .value(QLatin1String("matched"))
                     .toInt(),
                 0);
        const Ctl again = ctl(o.socket(), {QStringLiteral("forget"), key});
        QCOMPARE(again.exitCode, 1);
        QVERIFY(again.err.contains("not_found"));
        // Beating again, it is a new agent: not paused any more.
        std::uint64_t nonce = 2;
        QTRY_COMPARE_WITH_TIMEOUT(o.stateWhileBeating(6301, nonce, key), QStringLiteral("up"), 10000);
        QCOMPARE(o.watch->stop(), 0);
        QStringList outcomes;
        for (const QList<QByteArray> &row : auditRows(o.audit(), "operator"))
            outcomes << QString::fromUtf8(row[6] + ' ' + row[9]);
        QCOMPARE(outcomes, QStringList({QStringLiteral("pause ok"), QStringLiteral("forget ok"),
                                        QStringLiteral("forget not_found")}));
    }

    void aCorruptStateFileIsOneWarningAndACleanStart() {
        Observer o;
        QFile file(o.state());
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"format\":\"something else\"}");
        file.close();
        QVERIFY(o.start());
        QCOMPARE(o.watch->stop(), 0);
        const QByteArray err = o.watch->process.readAllStandardError();
        QCOMPARE(err.count(o.state().toUtf8()), 1);
        QVERIFY2(err.contains("starting with no saved pauses"), err.constData());
    }

    void badInputIsAnsweredAndTheObserverCarriesOn() {
        Observer o;
        QVERIFY(o.start());
        const int fd = connectRaw(o.socket());
        QVERIFY(fd >= 0);
        QJsonObject reply = QJsonDocument::fromJson(exchange(fd, "this is not json\n")).object();
        QCOMPARE(reply.value(QLatin1String("code")).toString(), QStringLiteral("bad_request"));
        reply = QJsonDocument::fromJson(exchange(fd, "{\"cmd\":\"reboot\",\"id\":3}\n")).object();
        QCOMPARE(reply.value(QLatin1String("code")).toString(), QStringLiteral("unknown_command"));
        QCOMPARE(reply.value(QLatin1String("id")).toInt(), 3);
        reply = QJsonDocument::fromJson(exchange(fd, "{\"cmd\":\"agent\",\"args\":{\"key\":\"uds/77\"}}\n")).object();
        QCOMPARE(reply.value(QLatin1String("code")).toString(), QStringLiteral("not_found"));
        reply = QJsonDocument::fromJson(exchange(fd, QByteArray(100 * 1024, 'x') + '\n')).object();
        QCOMPARE(reply.value(QLatin1String("code")).toString(), QStringLiteral("too_large"));
        ::close(fd);

        // Another uid: the 0600 socket does not even let it connect; one line, exit 1.
        const Ctl nobody = ctl(o.socket(), {QStringLiteral("status")}, uid_t{65534});
        QCOMPARE(nobody.exitCode, 1);
        QCOMPARE(nobody.err.count('\n'), 1);
        QVERIFY2(nobody.err.contains("permission denied"), nobody.err.constData());
        // A missing socket: one line, exit 1.
        const Ctl missing = ctl(o.dir.filePath(QStringLiteral("nothing.sock")), {QStringLiteral("status")});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.err.contains("nothing.sock"));

        QCOMPARE(ctl(o.socket(), {QStringLiteral("status")}).exitCode, 0);
        QCOMPARE(o.watch->stop(), 0);
    }

    // A subscriber that never reads while 3,000 agents beat: it is resynced (its unsent
    // batches dropped, batches skipping it; section 7), never waited for; every beat is
    // still accepted and other clients are answered. That a resync never drained ends as
    // slow_reader after kIdleTimeoutMs is tst_console_transport's, with a short timeout.
    void aSubscriberThatNeverReadsIsResyncedNotWaitedFor() {
        Observer o;
        const QString tokenFile = o.dir.filePath(QStringLiteral("token"));
        const QByteArray token = test::randomToken();
        QVERIFY(test::writeSecretFile(tokenFile, token));
        QVERIFY(o.watch->start({QStringLiteral("--udp-port"), QStringLiteral("0"), QStringLiteral("--control-socket"),
                                o.socket(), QStringLiteral("--prom-addr"), QStringLiteral("127.0.0.1:0"),
                                QStringLiteral("--prom-token-file"), tokenFile,
                                QStringLiteral("--prom-rate-limit-per-sec"), QStringLiteral("0")},
                               3));
        const int fd = connectRaw(o.socket());
        QVERIFY(fd >= 0);
        const QByteArray request = "{\"cmd\":\"subscribe\"}\n";
        QCOMPARE(::send(fd, request.constData(), static_cast<size_t>(request.size()), MSG_NOSIGNAL), request.size());
        const int small = 4096;
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);

        const auto scrapeValue = [&](const QByteArray &series) {
            QTcpSocket http;
            const QString address = o.watch->stdoutLines.first();
            http.connectToHost(QStringLiteral("127.0.0.1"),
                               address.mid(address.lastIndexOf(QLatin1Char(':')) + 1).toUShort());
            if (!http.waitForConnected(5000))
                return qint64(-1);
            http.write("GET /metrics HTTP/1.0\r\nAuthorization: Bearer " + token + "\r\n\r\n");
            QByteArray all;
            while (http.waitForReadyRead(5000) || http.bytesAvailable())
                all += http.readAll();
            for (const QByteArray &line : all.split('\n'))
                if (line.startsWith(series + ' '))
                    return line.mid(series.size() + 1).toLongLong();
            return qint64(-1);
        };
        std::uint64_t nonce = 1;
        QElapsedTimer clock;
        clock.start();
        // Every beat flips the agents' status, so each goes out as a full row: beats alone
        // would be folded into one entry a second per agent.
        while (scrapeValue("varta_control_resyncs_total") < 1 && clock.elapsed() < 30000) {
            for (std::uint32_t pid = 30000; pid < 33000; ++pid)
                o.beat(pid, nonce, nonce % 2 == 0 ? vlp::Status::Degraded : vlp::Status::Ok);
            ++nonce;
            QTest::qWait(100);
            QCOMPARE(ctl(o.socket(), {QStringLiteral("status")}).exitCode, 0);
        }
        QCOMPARE(scrapeValue("varta_control_resyncs_total"), 1);  // skipped while it has not drained
        ::close(fd);
        QCOMPARE(o.watch->stop(), 0);
        QCOMPARE(o.watch->summaryValue(QStringLiteral("beats")), qint64((nonce - 1) * 3000));
    }
    // A console on "another host" (loopback here) over TLS: hello, a snapshot, a recover
    // audited under the token's name; a view token's recover refused.
    void aConsoleOverTlsActsWithAControlTokenOnly() {
        Observer o;
        const QString cert = o.dir.filePath(QStringLiteral("console.crt"));
        const QString key = o.dir.filePath(QStringLiteral("console.key"));
        QVERIFY(test::makeCertificate(cert, key));
        const QString tokens = o.dir.filePath(QStringLiteral("tokens"));
        const QByteArray opsSecret = test::randomToken();
        const QByteArray viewSecret = test::randomToken();
        QVERIFY(
            test::writeSecretFile(tokens, "# consoles\nops control " + opsSecret + "\nwall view " + viewSecret + "\n"));
        QVERIFY(o.watch->start(
            QStringList{QStringLiteral("--udp-port"), QStringLiteral("0"), QStringLiteral("--threshold-ms"),
                        QStringLiteral("5000"), QStringLiteral("--recovery-exec"), o.script() + " {pid}",
                        QStringLiteral("--recovery-audit-file"), o.audit(), QStringLiteral("--console-listen"),
                        QStringLiteral("127.0.0.1:0"), QStringLiteral("--console-cert"), cert,
                        QStringLiteral("--console-key"), key, QStringLiteral("--console-token-file"), tokens}
                + kUdpRecoveryOptIn,
            2));
        quint16 port = 0;
        static const QRegularExpression listening(QStringLiteral("console tls://127\\.0\\.0\\.1:(\\d+)"));
        for (const QString &line : o.watch->stdoutLines)
            if (const QRegularExpressionMatch m = listening.match(line); m.hasMatch())
                port = static_cast<quint16>(m.captured(1).toUInt());
        QVERIFY2(port != 0, qPrintable(o.watch->stdoutLines.join('\n')));
        const QString agent = QStringLiteral("udp:127.0.0.1/6001");
        o.beat(6001, 1);

        const std::unique_ptr<QSslSocket> ops = consoleClient(port, cert);
        QVERIFY(ops);
        const QJsonObject hello = request(*ops, 1, "\"cmd\":\"hello\",\"args\":{\"token\":\"" + opsSecret + "\"}");
        QCOMPARE(hello.value("result").toObject().value("role").toString(), QString("control"));
        QJsonObject snapshot;
        for (int attempt = 0; attempt < 50; ++attempt) {  // until the beat has been taken
            o.beat(6001, 2 + attempt);
            snapshot =
                request(*ops, 2, "\"cmd\":\"subscribe\"").value("result").toObject().value("snapshot").toObject();
            if (!snapshot.value("agents").toArray().isEmpty())
                break;
            QTest::qWait(100);
        }
        QCOMPARE(snapshot.value("agents").toArray().first().toObject().value("key").toString(), agent);
        const QJsonObject status = request(*ops, 3, "\"cmd\":\"status\"");
        QVERIFY(status.value("result")
                    .toObject()
                    .value("listeners")
                    .toArray()
                    .contains(QStringLiteral("console tls://127.0.0.1:%1").arg(port)));
        const QJsonObject recovered =
            request(*ops, 4, "\"cmd\":\"recover\",\"args\":{\"keys\":[\"" + agent.toUtf8() + "\"]}");
        QCOMPARE(recovered.value("ok").toBool(), true);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const QList<QByteArray> &row : auditRows(o.audit(), "operator"))
                    if (row.join('\t').contains("token ops (127.0.0.1)"))
                        return true;
                return false;
            }(),
            20000);

        const std::unique_ptr<QSslSocket> wall = consoleClient(port, cert);
        QVERIFY(wall);
        QCOMPARE(request(*wall, 1, "\"cmd\":\"hello\",\"args\":{\"token\":\"" + viewSecret + "\"}")
                     .value("result")
                     .toObject()
                     .value("role")
                     .toString(),
                 QString("view"));
        const QJsonObject refusedRecover =
            request(*wall, 2, "\"cmd\":\"recover\",\"args\":{\"keys\":[\"" + agent.toUtf8() + "\"]}");
        QCOMPARE(refusedRecover.value("code").toString(), QString("permission_denied"));
        QVERIFY2(refusedRecover.value("error").toString().contains("may only view"),
                 qPrintable(refusedRecover.value("error").toString()));
        QCOMPARE(request(*wall, 3, "\"cmd\":\"status\"").value("ok").toBool(), true);  // still open

        const std::unique_ptr<QSslSocket> stranger = consoleClient(port, cert);
        QVERIFY(stranger);
        QCOMPARE(request(*stranger, 1, "\"cmd\":\"hello\",\"args\":{\"token\":\"" + test::randomToken() + "\"}")
                     .value("code")
                     .toString(),
                 QString());  // the denial carries no id: nothing with id 1 comes back
        QCOMPARE(o.watch->stop(), 0);
    }

    void consoleFlagsAreCheckedAtStart() {
        QTemporaryDir dir;
        const QString tokens = dir.filePath(QStringLiteral("tokens"));
        QVERIFY(test::writeSecretFile(tokens, "ops control " + test::randomToken() + "\n"));
        const QString cert = dir.filePath(QStringLiteral("c.crt"));
        const QString key = dir.filePath(QStringLiteral("c.key"));
        QVERIFY(test::makeCertificate(cert, key));
        const QString badTokens = dir.filePath(QStringLiteral("bad-tokens"));
        QVERIFY(test::writeSecretFile(badTokens, "ops admin " + test::randomToken() + "\n"));
        const QString listen = QStringLiteral("127.0.0.1:0");
        struct Case {
            QStringList args;
            int exitCode;
            QString named;
        };
        const QList<Case> cases{
            {{"--console-listen", "0.0.0.0:0", "--console-token-file", tokens}, 2, "--console-listen"},
            {{"--console-listen", listen}, 2, "--console-listen"},
            {{"--console-listen", listen, "--console-token-file", tokens, "--console-cert", cert}, 2, "--console-cert"},
            {{"--console-listen", listen, "--console-token-file", tokens, "--console-key", key}, 2, "--console-key"},
            {{"--console-token-file", tokens}, 2, "--console-token-file"},
            {{"--console-listen", "localhost:80", "--console-token-file", tokens}, 2, "--console-listen"},
            {{"--console-listen", listen, "--console-token-file", badTokens}, 1, badTokens + ": line 1:"},
            {{"--console-listen", listen, "--console-token-file", tokens, "--console-cert", key, "--console-key", key},
             1,
             key + ": holds no PEM certificate"},
        };
        for (const Case &c : cases) {
            QProcess watch;
            watch.start(test::watchBinary(),
                        QStringList{QStringLiteral("--headless"), QStringLiteral("--udp-port"), QStringLiteral("0")}
                            + c.args);
            QVERIFY(watch.waitForFinished(15000));
            const QString err = QString::fromUtf8(watch.readAllStandardError()).trimmed();
            QVERIFY2(watch.exitCode() == c.exitCode, qPrintable(c.args.join(' ') + " -> " + err));
            QVERIFY2(err.contains(c.named), qPrintable(c.args.join(' ') + " -> " + err));
            QVERIFY2(!err.contains('\n'), qPrintable(err));
        }
    }
};

QTEST_GUILESS_MAIN(TestControlE2E)
#include "tst_control_e2e.moc"
