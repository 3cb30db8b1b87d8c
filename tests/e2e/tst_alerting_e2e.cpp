// The shipped observability bundle against real processes: two headless observers, a real
// Prometheus scraping both with observability/'s alert and recording rules, and a real
// Alertmanager with observability/alertmanager.yml (its webhook URLs pointed at a receiver
// this test runs, its waits shortened). An agent that stalls on observer B pages once,
// naming B's instance and the pid; `varta-watch ctl forget` resolves it. And every family
// the dashboard's queries name is in a live scrape.
#include "tests/support/local_processes.h"
#include "tests/support/secret_files.h"
#include "tests/support/watch_process.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSet>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QUrlQuery>

#include <memory>

using namespace varta;
using test::WatchProcess;

namespace {

const QString kBundle = QStringLiteral(VARTA_SOURCE_DIR "/observability");

QByteArray readFile(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &content) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

// Alertmanager's webhook receiver: keeps the JSON body of every POST.
class Webhook : public QTcpServer {
public:
    QList<QJsonObject> notifications;

    Webhook() {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                auto buffer = std::make_shared<QByteArray>();
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
                    *buffer += socket->readAll();
                    const qsizetype end = buffer->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    const auto m = QRegularExpression(QStringLiteral("(?i)content-length:\\s*(\\d+)"))
                                       .match(QString::fromLatin1(buffer->left(end)));
                    const qsizetype length = m.hasMatch() ? m.captured(1).toLongLong() : 0;
                    if (buffer->size() < end + 4 + length)
                        return;
                    notifications.append(QJsonDocument::fromJson(buffer->mid(end + 4, length)).object());
                    socket->write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    socket->disconnectFromHost();
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }

    // Notifications for `alertname` with `status` (firing / resolved), alert by alert.
    QList<QJsonObject> alerts(const QString &alertname, const QString &status) const {
        QList<QJsonObject> out;
        for (const QJsonObject &n : notifications)
            for (const QJsonValue &a : n.value(QLatin1String("alerts")).toArray()) {
                const QJsonObject alert = a.toObject();
                if (alert.value(QLatin1String("labels")).toObject().value(QLatin1String("alertname")).toString()
                        == alertname
                    && alert.value(QLatin1String("status")).toString() == status)
                    out.append(alert);
            }
        return out;
    }
};

struct Observer {
    WatchProcess watch;
    QString metrics;  // 127.0.0.1:PORT
    QString control;
};

}  // namespace

class TestAlertingE2E : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aStallOnOneObserverPagesOnceAndResolvesWhenForgotten() {
        QTemporaryDir dir;
        const QByteArray token = test::randomToken();
        const QString tokenFile = dir.filePath(QStringLiteral("token"));
        QVERIFY(test::writeSecretFile(tokenFile, token));

        Observer a, b;
        for (auto [observer, name] : {std::pair{&a, "a"}, std::pair{&b, "b"}}) {
            observer->control = dir.filePath(QStringLiteral("%1.sock").arg(QLatin1String(name)));
            QVERIFY(observer->watch.start(
                {QStringLiteral("--udp-port"), QStringLiteral("0"), QStringLiteral("--threshold-ms"),
                 QStringLiteral("500"), QStringLiteral("--prom-addr"), QStringLiteral("127.0.0.1:0"),
                 QStringLiteral("--prom-token-file"), tokenFile, QStringLiteral("--prom-rate-limit-per-sec"),
                 QStringLiteral("0"), QStringLiteral("--control-socket"), observer->control},
                3));
            observer->metrics = observer->watch.stdoutLines.first();
        }

        Webhook webhook;
        QVERIFY(webhook.listen(QHostAddress::LocalHost, 0));
        const QString hook = QStringLiteral("http://127.0.0.1:%1/hook").arg(webhook.serverPort());
        // The shipped Alertmanager config, its receivers pointed here and its waits short.
        QByteArray amConfig = readFile(kBundle + QStringLiteral("/alertmanager.yml"));
        QVERIFY(!amConfig.isEmpty());
        amConfig.replace("http://pager.example:9095/varta", hook.toUtf8());
        amConfig.replace("http://tickets.example:9096/varta", hook.toUtf8());
        amConfig.replace("group_wait: 30s", "group_wait: 1s");
        amConfig.replace("group_wait: 10s", "group_wait: 1s");
        amConfig.replace("group_interval: 5m", "group_interval: 1s");
        QVERIFY(writeFile(dir.filePath(QStringLiteral("alertmanager.yml")), amConfig));
        const quint16 amPort = test::freeTcpPort();
        QProcess alertmanager;
        alertmanager.setProcessChannelMode(QProcess::MergedChannels);
        alertmanager.start(QStringLiteral("/usr/bin/prometheus-alertmanager"),
                           {QStringLiteral("--config.file=") + dir.filePath(QStringLiteral("alertmanager.yml")),
                            QStringLiteral("--storage.path=") + dir.filePath(QStringLiteral("am")),
                            QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(amPort),
                            QStringLiteral("--cluster.listen-address="), QStringLiteral("--log.level=warn")});
        QVERIFY2(alertmanager.waitForStarted(), qPrintable(alertmanager.errorString()));

        // Prometheus with the shipped rule files, scraping both observers as job varta.
        const quint16 promPort = test::freeTcpPort();
        const QString promConfig =
            QStringLiteral(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - %1/varta-alerts.yml\n"
                "  - %1/varta-recording.yml\nalerting:\n  alertmanagers:\n    - static_configs:\n"
                "        - targets: ['127.0.0.1:%2']\nscrape_configs:\n  - job_name: varta\n"
                "    authorization:\n      type: Bearer\n      credentials_file: %3\n"
                "    static_configs:\n      - targets: ['%4', '%5']\n")
                .arg(kBundle)
                .arg(amPort)
                .arg(tokenFile, a.metrics, b.metrics);
        QVERIFY(writeFile(dir.filePath(QStringLiteral("prometheus.yml")), promConfig.toUtf8()));
        QProcess prometheus;
        prometheus.setProcessChannelMode(QProcess::MergedChannels);
        prometheus.start(QStringLiteral("/usr/bin/prometheus"),
                         {QStringLiteral("--config.file=") + dir.filePath(QStringLiteral("prometheus.yml")),
                          QStringLiteral("--storage.tsdb.path=") + dir.filePath(QStringLiteral("tsdb")),
                          QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(promPort),
                          QStringLiteral("--rules.alert.resend-delay=1s"), QStringLiteral("--log.level=warn")});
        QVERIFY2(prometheus.waitForStarted(), qPrintable(prometheus.errorString()));
        const auto cleanup = qScopeGuard([&] {
            test::stopProcess(prometheus);
            test::stopProcess(alertmanager);
        });

        // A keeps an agent beating; B's agent beats once and falls silent.
        std::uint64_t nonce = 1;
        b.watch.sendFrame(vlp::Frame{vlp::Status::Ok, 4242, 1, 1, 0});
        const auto firing = [&] {
            a.watch.sendFrame(vlp::Frame{vlp::Status::Ok, 77, 1, nonce++, 0});
            return webhook.alerts(QStringLiteral("VartaAgentStalled"), QStringLiteral("firing")).size();
        };
        // `for: 30s` in the shipped rule, plus scrapes, evaluation and grouping.
        QTRY_VERIFY2_WITH_TIMEOUT(firing() >= 1, prometheus.readAll().constData(), 90000);
        const QList<QJsonObject> pages = webhook.alerts(QStringLiteral("VartaAgentStalled"), QStringLiteral("firing"));
        QCOMPARE(pages.size(), 1);
        const QJsonObject labels = pages.first().value(QLatin1String("labels")).toObject();
        QCOMPARE(labels.value(QLatin1String("instance")).toString(), b.metrics);
        QCOMPARE(labels.value(QLatin1String("pid")).toString(), QStringLiteral("4242"));
        QCOMPARE(labels.value(QLatin1String("severity")).toString(), QStringLiteral("page"));
        QVERIFY(pages.first()
                    .value(QLatin1String("annotations"))
                    .toObject()
                    .value(QLatin1String("summary"))
                    .toString()
                    .contains(b.metrics));

        // The operator forgets the agent on B: its series ends and the page resolves.
        QProcess ctl;
        ctl.start(test::watchBinary(), {QStringLiteral("ctl"), QStringLiteral("--socket"), b.control,
                                        QStringLiteral("forget"), QStringLiteral("udp:127.0.0.1/4242")});
        QVERIFY(ctl.waitForFinished(10000));
        QCOMPARE(ctl.exitCode(), 0);
        const auto resolved = [&] {
            a.watch.sendFrame(vlp::Frame{vlp::Status::Ok, 77, 1, nonce++, 0});
            return webhook.alerts(QStringLiteral("VartaAgentStalled"), QStringLiteral("resolved")).size();
        };
        QTRY_VERIFY_WITH_TIMEOUT(resolved() >= 1, 60000);
        QCOMPARE(webhook.alerts(QStringLiteral("VartaAgentStalled"), QStringLiteral("resolved"))
                     .first()
                     .value(QLatin1String("labels"))
                     .toObject()
                     .value(QLatin1String("pid"))
                     .toString(),
                 QStringLiteral("4242"));
        // A's agent never stalled: no page named it.
        for (const QJsonObject &alert : webhook.alerts(QStringLiteral("VartaAgentStalled"), QStringLiteral("firing")))
            QVERIFY(alert.value(QLatin1String("labels")).toObject().value(QLatin1String("instance")).toString()
                    != a.metrics);

        // Every family the dashboard's queries (and the recording rules they read) name is
        // in a live scrape.
        QTcpSocket http;
        http.connectToHost(QStringLiteral("127.0.0.1"),
                           b.metrics.mid(b.metrics.lastIndexOf(QLatin1Char(':')) + 1).toUShort());
        QVERIFY(http.waitForConnected(5000));
        http.write("GET /metrics HTTP/1.0\r\nAuthorization: Bearer " + token + "\r\n\r\n");
        QByteArray body;
        while (http.waitForReadyRead(5000) || http.bytesAvailable())
            body += http.readAll();
        QSet<QString> exported;
        for (const QByteArray &line : body.split('\n'))
            if (line.startsWith("# TYPE "))
                exported.insert(QString::fromLatin1(line.split(' ').at(2)));
        QString queries;
        for (const QJsonValue &panel :
             QJsonDocument::fromJson(readFile(kBundle + QStringLiteral("/grafana-dashboard.json")))
                 .object()
                 .value(QLatin1String("panels"))
                 .toArray())
            for (const QJsonValue &target : panel.toObject().value(QLatin1String("targets")).toArray())
                queries += target.toObject().value(QLatin1String("expr")).toString() + QLatin1Char('\n');
        queries += QString::fromUtf8(readFile(kBundle + QStringLiteral("/varta-recording.yml")));
        // Families, not recording rules (level:name:operation).
        const QRegularExpression family(QStringLiteral("(?<![:\\w])varta_[a-z_]+(?![:\\w])"));
        int named = 0;
        for (auto it = family.globalMatch(queries); it.hasNext();) {
            QString name = it.next().captured();
            name.remove(QRegularExpression(QStringLiteral("_(bucket|sum|count)$")));
            ++named;
            QVERIFY2(exported.contains(name), qPrintable(name + QStringLiteral(" is not in a live scrape")));
        }
        QVERIFY(named >= 8);
        QCOMPARE(a.watch.stop(), 0);
        QCOMPARE(b.watch.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestAlertingE2E)
#include "tst_alerting_e2e.moc"
