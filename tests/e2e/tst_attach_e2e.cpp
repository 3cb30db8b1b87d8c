// One console, many observers: two real headless observers, one on its control socket
// and one over TLS with tokens, and a real console window (offscreen) attached to both.
// Both observers' agents appear with their Observer; Recover now runs the child on the
// agent's own observer, audited there under the token's name; an observer that goes away
// turns its rows grey and unknown, and comes back by itself when it is restarted. A view
// token, a wrong token and a wrong CA are refused with a reason the operator can read.
#include "core/attach/observer_fleet.h"
#include "tests/support/secret_files.h"
#include "tests/support/test_certificates.h"
#include "tests/support/watch_process.h"
#include "ui/models/agent_filter_proxy.h"
#include "ui/models/agent_table_model.h"
#include "ui/models/children_model.h"
#include "ui/models/event_log_model.h"
#include "ui/style/resources_init.h"
#include "ui/widgets/agent_actions.h"
#include "ui/widgets/console_wiring.h"
#include "ui/widgets/main_window.h"
#include "ui/widgets/status_bar_panel.h"

#include <QAbstractItemModelTester>
#include <QRegularExpression>
#include <QSettings>
#include <QSslCertificate>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace varta;
using namespace varta::ui;
using test::WatchProcess;

namespace {

constexpr int kWaitMs = 20000;

// A headless observer with UDP agents and a recovery script that says whom it restarts.
struct Observer {
    QTemporaryDir dir;
    std::unique_ptr<WatchProcess> watch = std::make_unique<WatchProcess>();
    QStringList tls;  // --console-listen and its files, for the TLS observer
    quint16 consolePort = 0;

    QString control() const { return dir.filePath(QStringLiteral("control.sock")); }
    QString audit() const { return dir.filePath(QStringLiteral("audit.log")); }
    QString cert() const { return dir.filePath(QStringLiteral("console.crt")); }
    QString key() const { return dir.filePath(QStringLiteral("console.key")); }
    QString tokens() const { return dir.filePath(QStringLiteral("tokens")); }

    QString script() {
        const QString path = dir.filePath(QStringLiteral("restart.sh"));
        QFile file(path);
        if (!file.exists() && file.open(QIODevice::WriteOnly)) {
            file.write("#!/bin/sh\necho \"restarting $1\"\nexit 0\n");
            file.close();
            file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        }
        return path;
    }

    bool start(const QStringList &transport, int listeners) {
        watch = std::make_unique<WatchProcess>();
        const bool started = watch->start(
            QStringList{QStringLiteral("--udp-port"), QStringLiteral("0"), QStringLiteral("--threshold-ms"),
                        QStringLiteral("60000"), QStringLiteral("--recovery-exec"), script() + QStringLiteral(" {pid}"),
                        QStringLiteral("--recovery-debounce-ms"), QStringLiteral("0"),
                        QStringLiteral("--recovery-audit-file"), audit(),
                        QStringLiteral("--plaintext-udp-i-accept-recovery-on-unauthenticated-transport")}
                + transport,
            listeners);
        static const QRegularExpression console(QStringLiteral("console tls://127\\.0\\.0\\.1:(\\d+)"));
        for (const QString &line : watch->stdoutLines)
            if (const QRegularExpressionMatch m = console.match(line); m.hasMatch())
                consolePort = static_cast<quint16>(m.captured(1).toUInt());
        return started;
    }
    bool startOnControlSocket() { return start({QStringLiteral("--control-socket"), control()}, 2); }
    // Its TLS listener on loopback, standing in for another host's address.
    bool startOverTls(const QByteArray &tokenLines) {
        if (!QFile::exists(cert()) && !test::makeCertificate(cert(), key()))
            return false;
        if (!test::writeSecretFile(tokens(), tokenLines))
            return false;
        return start({QStringLiteral("--console-listen"), QStringLiteral("127.0.0.1:0"),
                      QStringLiteral("--console-cert"), cert(), QStringLiteral("--console-key"), key(),
                      QStringLiteral("--console-token-file"), tokens()},
                     2);
    }

    void beat(std::uint32_t pid, std::uint64_t nonce) {
        watch->sendFrame(vlp::Frame{vlp::Status::Ok, pid, 1, nonce, 0});
    }

    QList<QByteArray> auditRows(const QByteArray &kind) const {
        QList<QByteArray> rows;
        QFile file(audit());
        if (file.open(QIODevice::ReadOnly))
            for (const QByteArray &line : file.readAll().split('\n'))
                if (const QList<QByteArray> columns = line.split('\t'); columns.size() > 4 && columns[3] == kind)
                    rows.append(line);
        return rows;
    }
};

RemoteEngineLink::Settings overTls(const Observer &o, const QByteArray &token, const QString &caFile) {
    RemoteEngineLink::Settings s;
    s.target.host = QStringLiteral("localhost");
    s.target.port = o.consolePort;
    s.token = token;
    s.caCertificates = QSslCertificate::fromPath(caFile);
    s.firstRetryMs = 200;
    s.maxRetryMs = 1000;
    return s;
}

RemoteEngineLink::Settings onControlSocket(const Observer &o) {
    RemoteEngineLink::Settings s;
    s.target.unixPath = o.control();
    s.firstRetryMs = 200;
    s.maxRetryMs = 1000;
    return s;
}

int rowOf(const AgentTableModel &model, std::uint16_t observer, std::uint32_t pid) {
    for (int row = 0; row < model.rowCount(); ++row)
        if (model.snapshot(row).key.observer == observer && model.snapshot(row).key.pid == pid)
            return row;
    return -1;
}

QString cell(const AgentTableModel &model, int row, int column) {
    return row < 0 ? QString() : model.index(row, column).data().toString();
}

QString eventTexts(const MainWindow &window) {
    QStringList texts;
    const EventLogModel *events = window.eventLogModel();
    for (int row = 0; row < events->rowCount(); ++row)
        texts << events->index(row, EventLogModel::MessageColumn).data().toString();
    return texts.join(QLatin1Char('\n'));
}

void selectAgent(MainWindow &window, int sourceRow) {
    const QModelIndex shown = window.agentProxy()->mapFromSource(window.agentModel()->index(sourceRow, 0));
    window.agentView()->selectRow(shown.row());
}

}  // namespace

class TestAttachE2e : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName(QStringLiteral("varta-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_attach_e2e"));
        QSettings().clear();
        QSettings().setValue(QLatin1String(AgentActions::kConfirmRecoverKey), false);
        initUiResources();
    }

    void oneConsoleShowsAndActsOnTwoObservers() {
        Observer local;   // observer 1: its control socket
        Observer remote;  // observer 2: TLS and a control token
        QVERIFY(local.startOnControlSocket());
        const QByteArray secret = test::randomToken();
        QVERIFY(remote.startOverTls("ops control " + secret + "\n"));
        QVERIFY(remote.consolePort != 0);
        std::uint64_t nonce = 1;
        const auto beatAll = [&] {
            local.beat(7001, nonce);
            local.beat(7002, nonce);
            remote.beat(8001, nonce);
            ++nonce;
        };
        beatAll();
        QTimer beats;
        connect(&beats, &QTimer::timeout, this, beatAll);
        beats.start(200);

        ObserverFleet fleet;
        fleet.add(onControlSocket(local));
        fleet.add(overTls(remote, secret, remote.cert()));
        MainWindow window;
        QAbstractItemModelTester tester(window.agentModel());
        connectObservers(window, fleet);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        const AgentTableModel &model = *window.agentModel();
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, kWaitMs);
        QVERIFY(!window.agentView()->isColumnHidden(AgentTableModel::ObserverColumn));
        QCOMPARE(cell(model, rowOf(model, 1, 7001), AgentTableModel::ObserverColumn), QStringLiteral("control.sock"));
        QCOMPARE(cell(model, rowOf(model, 2, 8001), AgentTableModel::ObserverColumn),
                 QStringLiteral("localhost:%1").arg(remote.consolePort));
        QTRY_VERIFY_WITH_TIMEOUT(window.statusPanel()->listenersText().count(QStringLiteral(": connected")) == 2,
                                 kWaitMs);

        // Recover now on the remote agent: its observer runs the child, audited as the token.
        selectAgent(window, rowOf(model, 2, 8001));
        QAction *recover = window.actions()->recoverNowAction();
        QTRY_VERIFY_WITH_TIMEOUT(recover->isEnabled(), kWaitMs);
        recover->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!remote.auditRows("operator").isEmpty(), kWaitMs);
        QVERIFY2(remote.auditRows("operator").first().contains("token ops (127.0.0.1)"),
                 remote.auditRows("operator").first().constData());
        QTRY_VERIFY_WITH_TIMEOUT(!remote.auditRows("spawn").isEmpty(), kWaitMs);
        QVERIFY(remote.auditRows("spawn").first().contains("8001"));
        QVERIFY(local.auditRows("operator").isEmpty());
        QVERIFY(local.auditRows("spawn").isEmpty());
        // The child and its output reach the console, under the remote observer.
        QTRY_COMPARE_WITH_TIMEOUT(window.childrenModel()->rowCount(), 1, kWaitMs);
        QCOMPARE(window.childrenModel()->child(0).agent.observer, 2);

        // The local observer goes away: its rows stay, grey and of unknown state.
        QCOMPARE(local.watch->stop(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(model.isUnknown(model.snapshot(rowOf(model, 1, 7001)).key), kWaitMs);
        QVERIFY(cell(model, rowOf(model, 1, 7002), AgentTableModel::StateColumn).startsWith("unknown since"));
        QVERIFY(!model.isUnknown(model.snapshot(rowOf(model, 2, 8001)).key));
        QVERIFY(window.statusPanel()->listenersText().contains(QStringLiteral("reconnecting in")));
        QVERIFY(eventTexts(window).contains(QStringLiteral("Lost observer")));

        // Restarted, it is found again without anyone asking.
        QVERIFY(local.startOnControlSocket());
        QTRY_VERIFY_WITH_TIMEOUT(!model.isUnknown(model.snapshot(rowOf(model, 1, 7001)).key), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(cell(model, rowOf(model, 1, 7001), AgentTableModel::StateColumn),
                                  QStringLiteral("up"), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(window.statusPanel()->listenersText().count(QStringLiteral(": connected")) == 2,
                                 kWaitMs);
    }

    void aViewTokenSeesButIsRefusedWithTheReason() {
        Observer remote;
        const QByteArray secret = test::randomToken();
        QVERIFY(remote.startOverTls("wall view " + secret + "\n"));
        remote.beat(8101, 1);
        ObserverFleet fleet;
        RemoteEngineLink *link = fleet.add(overTls(remote, secret, remote.cert()));
        MainWindow window;
        connectObservers(window, fleet);
        window.show();
        QTRY_COMPARE_WITH_TIMEOUT(window.agentModel()->rowCount(), 1, kWaitMs);
        QCOMPARE(link->role(), QStringLiteral("view"));
        QVERIFY(window.statusPanel()->listenersText().contains(QStringLiteral("view only")));
        selectAgent(window, 0);
        QTRY_VERIFY_WITH_TIMEOUT(window.actions()->recoverNowAction()->isEnabled(), kWaitMs);
        window.actions()->recoverNowAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(eventTexts(window).contains(QStringLiteral("may only view")), kWaitMs);
        QVERIFY(remote.auditRows("spawn").isEmpty());
    }

    void aWrongTokenOrAWrongCertificateIsAClearRefusal() {
        Observer remote;
        const QByteArray secret = test::randomToken();
        QVERIFY(remote.startOverTls("ops control " + secret + "\n"));
        Observer stranger;  // another pair: a CA the observer's certificate was not made by
        QVERIFY(test::makeCertificate(stranger.cert(), stranger.key()));

        RemoteEngineLink wrongToken(overTls(remote, test::randomToken(), remote.cert()));
        wrongToken.setPublishing(true);
        QTRY_COMPARE_WITH_TIMEOUT(wrongToken.status(), RemoteEngineLink::Status::Refused, kWaitMs);
        QVERIFY2(wrongToken.statusDetail().contains(QStringLiteral("not authorized")),
                 qPrintable(wrongToken.statusDetail()));

        RemoteEngineLink wrongCa(overTls(remote, test::randomToken(), stranger.cert()));
        wrongCa.setPublishing(true);
        QTRY_VERIFY_WITH_TIMEOUT(wrongCa.statusDetail().contains(QStringLiteral("TLS")), kWaitMs);
        QCOMPARE(wrongCa.status(), RemoteEngineLink::Status::Reconnecting);

        // The observer carries on for the consoles it does admit.
        remote.beat(8201, 1);
        RemoteEngineLink right(overTls(remote, secret, remote.cert()));
        right.setPublishing(true);
        QTRY_COMPARE_WITH_TIMEOUT(right.status(), RemoteEngineLink::Status::Connected, kWaitMs);
        QCOMPARE(remote.watch->process.state(), QProcess::Running);
    }
};

QTEST_MAIN(TestAttachE2e)
#include "tst_attach_e2e.moc"
