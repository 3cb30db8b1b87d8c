// A real Prometheus server scrapes /metrics with a bearer token from a credentials file,
// and the value comes back through its query API. First against a MetricsEndpoint in
// this process (proves the format, the token and the scrape), then against the real
// varta-watch binary fed with real VLP beats over UDP.
#include "core/identity/agent_key.h"
#include "core/ingest/ingest_counters.h"
#include "core/metrics/metrics_endpoint.h"
#include "core/metrics/metrics_registry.h"
#include "core/metrics/varta_metrics.h"
#include "core/vlp/frame.h"
#include "tests/support/local_processes.h"
#include "tests/support/secret_files.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUdpSocket>
#include <QUrlQuery>

using namespace varta;
using varta::test::randomToken;
using varta::test::writeSecretFile;

namespace {

constexpr const char *kPrometheus = "/usr/bin/prometheus";
constexpr int kRequestCeilingMs = 5000;
constexpr int kPrometheusReadyMs = 30000;
constexpr int kScrapedCeilingMs = 60000;
constexpr int kMetricsLineCeilingMs = 10000;

quint16 freeUdpPort() {
    QUdpSocket probe;
    return probe.bind(QHostAddress::LocalHost, 0) ? probe.localPort() : 0;
}

struct HttpResult {
    int status = 0;
    QByteArray body;
};

// A GET that spins the event loop (the in-process endpoint must keep serving meanwhile).
HttpResult httpGet(QNetworkAccessManager &network, const QUrl &url, const QByteArray &bearer = {}) {
    QNetworkRequest request(url);
    if (!bearer.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + bearer);
    request.setTransferTimeout(kRequestCeilingMs);
    QNetworkReply *reply = network.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    HttpResult result{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
    reply->deleteLater();
    return result;
}

// The value of an unlabelled sample in a /metrics body, or -1.
double sample(const QByteArray &body, const QByteArray &family) {
    for (const QByteArray &line : body.split('\n'))
        if (line.startsWith(family + ' '))
            return line.mid(family.size() + 1).toDouble();
    return -1;
}

class PrometheusServer {
public:
    explicit PrometheusServer(QNetworkAccessManager &network) : m_network(network) {}
    ~PrometheusServer() { test::stopProcess(m_process); }

    // Writes the config (one job per {name, credentials file} against `target`) and starts
    // the server. Returns an error text, empty on success; the caller waits for ready().
    QString start(const QString &dir, const QString &target, const QList<QPair<QString, QString>> &jobs) {
        m_port = test::freeTcpPort();
        QString config = QStringLiteral("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n");
        for (const auto &[job, credentials] : jobs)
            config += QStringLiteral("  - job_name: %1\n    authorization:\n      type: Bearer\n"
                                     "      credentials_file: %2\n    static_configs:\n"
                                     "      - targets: ['%3']\n")
                          .arg(job, credentials, target);
        QFile file(dir + QStringLiteral("/prometheus.yml"));
        if (!file.open(QIODevice::WriteOnly) || file.write(config.toUtf8()) < 0)
            return QStringLiteral("cannot write the Prometheus config");
        file.close();
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(QString::fromLatin1(kPrometheus),
                        {QStringLiteral("--config.file=") + file.fileName(),
                         QStringLiteral("--storage.tsdb.path=") + dir + QStringLiteral("/tsdb"),
                         QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(m_port),
                         QStringLiteral("--log.level=warn")});
        return m_process.waitForStarted() ? QString() : m_process.errorString();
    }

    bool ready() {
        return m_process.state() == QProcess::Running
               && httpGet(m_network, QUrl(base() + QStringLiteral("/-/ready"))).status == 200;
    }

    // The first sample's value of an instant query, or empty while there is none.
    QString query(const QString &promql) {
        QUrl url(base() + QStringLiteral("/api/v1/query"));
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("query"), promql);
        url.setQuery(query);
        const HttpResult result = httpGet(m_network, url);
        const QJsonArray samples = QJsonDocument::fromJson(result.body)["data"]["result"].toArray();
        return samples.isEmpty() ? QString() : samples.first()["value"][1].toString();
    }

    QString output() { return QString::fromUtf8(m_process.readAll()); }

private:
    QString base() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }

    QNetworkAccessManager &m_network;
    QProcess m_process;
    quint16 m_port = 0;
};

}  // namespace

class TestPrometheusE2e : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void prometheusScrapesInProcessEndpoint();
    void prometheusScrapesVartaWatch();
    void aWedgedEngineStopsTheUptime();

private:
    QNetworkAccessManager m_network;
};

void TestPrometheusE2e::initTestCase() {
    QVERIFY2(QFileInfo(QString::fromLatin1(kPrometheus)).isExecutable(),
             "prometheus missing: run scripts/install-deps.sh (Debian package prometheus)");
    m_network.setProxy(QNetworkProxy::NoProxy);
}

void TestPrometheusE2e::prometheusScrapesInProcessEndpoint() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray token = randomToken();
    const QString tokenFile = dir.filePath(QStringLiteral("token"));
    const QString wrongFile = dir.filePath(QStringLiteral("wrong-token"));
    QVERIFY(writeSecretFile(tokenFile, token + '\n'));
    QVERIFY(writeSecretFile(wrongFile, randomToken() + '\n'));

    // One agent with known counts behind the full set of families.
    const AgentKey key = AgentKey::fromPeer(Transport::Udp, QHostAddress::LocalHost, 4242);
    AgentMetricsRow row{&key, 7, 1, vlp::Status::Degraded};
    IngestCounters ingest;
    ingest.decodeErrors[static_cast<std::size_t>(vlp::DecodeError::BadCrc)] = 3;
    MetricSources sources;
    sources.ingest = &ingest;
    sources.forEachAgent = [&row](const MetricSources::AgentVisitor &visit) { visit(row); };
    MetricsRegistry registry;
    registerVartaMetrics(registry, sources);

    MetricsEndpoint endpoint(registry, PromOptions{QHostAddress::LocalHost, 0, token});
    QString error;
    QVERIFY2(endpoint.listen(&error), qPrintable(error));

    PrometheusServer prometheus(m_network);
    const QString target = QStringLiteral("127.0.0.1:%1").arg(endpoint.port());
    error = prometheus.start(dir.path(), target,
                             {{QStringLiteral("varta"), tokenFile}, {QStringLiteral("varta_wrong_token"), wrongFile}});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_VERIFY2_WITH_TIMEOUT(prometheus.ready(), qPrintable(prometheus.output()), kPrometheusReadyMs);

    const QString beats = QStringLiteral(R"(varta_beats_total{job="varta",pid="4242",origin="udp:127.0.0.1"})");
    QTRY_COMPARE_WITH_TIMEOUT(prometheus.query(beats), QStringLiteral("7"), kScrapedCeilingMs);
    QCOMPARE(prometheus.query(QStringLiteral(R"(varta_status{job="varta",pid="4242"})")), QStringLiteral("1"));
    QCOMPARE(prometheus.query(QStringLiteral(R"(varta_decode_errors_total{job="varta",kind="bad_crc"})")),
             QStringLiteral("3"));
    QCOMPARE(prometheus.query(QStringLiteral(R"(up{job="varta"})")), QStringLiteral("1"));
    // The same target with the wrong token is refused, so the token really is checked.
    QTRY_COMPARE_WITH_TIMEOUT(prometheus.query(QStringLiteral(R"(up{job="varta_wrong_token"})")), QStringLiteral("0"),
                              kScrapedCeilingMs);
    QVERIFY(prometheus.query(QStringLiteral(R"(varta_beats_total{job="varta_wrong_token"})")).isEmpty());

    // Later scrapes see later values (once the one-second render cache has expired).
    row.beats = 9;
    QTRY_COMPARE_WITH_TIMEOUT(prometheus.query(beats), QStringLiteral("9"), kScrapedCeilingMs);
}

void TestPrometheusE2e::prometheusScrapesVartaWatch() {
    const QString binary = QStringLiteral(VARTA_BINARY_DIR "/bin/varta-watch");
    if (!QFileInfo(binary).isExecutable())
        QFAIL("varta-watch is not built");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray token = randomToken();
    const QString tokenFile = dir.filePath(QStringLiteral("token"));
    QVERIFY(writeSecretFile(tokenFile, token));
    const quint16 udpPort = freeUdpPort();
    QVERIFY(udpPort != 0);

    QProcess watch;
    watch.start(binary, {QStringLiteral("--headless"), QStringLiteral("--udp-port"), QString::number(udpPort),
                         QStringLiteral("--prom-addr"), QStringLiteral("127.0.0.1:0"),
                         QStringLiteral("--prom-token-file"), tokenFile, QStringLiteral("--threshold-ms"),
                         QStringLiteral("2000"), QStringLiteral("--shutdown-after-secs"), QStringLiteral("60"),
                         // the beats below go out back to back: no per-agent spacing
                         QStringLiteral("--max-beat-rate"), QStringLiteral("0")});
    QVERIFY2(watch.waitForStarted(), qPrintable(watch.errorString()));
    const auto cleanup = qScopeGuard([&watch] { test::stopProcess(watch); });

    const QRegularExpression metricsLine(
        QStringLiteral(R"(^varta-watch: listening on metrics http://127\.0\.0\.1:(\d+)/metrics\s*$)"),
        QRegularExpression::MultilineOption);
    QByteArray stdoutSoFar;
    QRegularExpressionMatch match;
    const bool printed = QTest::qWaitFor(
        [&] {
            stdoutSoFar += watch.readAllStandardOutput();
            match = metricsLine.match(QString::fromUtf8(stdoutSoFar));
            return match.hasMatch() || watch.state() == QProcess::NotRunning;
        },
        kMetricsLineCeilingMs);
    if (!printed || !match.hasMatch()) {
        const QByteArray why = "varta-watch printed no 'listening on metrics http://127.0.0.1:PORT/metrics' line "
                               "within 10 s; stderr: "
                               + watch.readAllStandardError().left(300);
        QFAIL(why.constData());
    }
    const quint16 metricsPort = match.captured(1).toUShort();
    // As upstream, the first stdout line is the bound address alone (scripts read it for port 0).
    QCOMPARE(QString::fromUtf8(stdoutSoFar).section(QLatin1Char('\n'), 0, 0),
             QStringLiteral("127.0.0.1:%1").arg(metricsPort));
    const QUrl metricsUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(metricsPort));
    QTRY_COMPARE_WITH_TIMEOUT(httpGet(m_network, metricsUrl, token).status, 200, kMetricsLineCeilingMs);

    constexpr std::uint64_t kBeats = 5;
    const auto pid = static_cast<std::uint32_t>(QCoreApplication::applicationPid());
    QUdpSocket sender;
    for (std::uint64_t nonce = 1; nonce <= kBeats; ++nonce) {
        const auto frame = vlp::encode(vlp::Frame{vlp::Status::Ok, pid, nonce * 1000, nonce, 0});
        const auto sent = sender.writeDatagram(reinterpret_cast<const char *>(frame.data()),
                                               static_cast<qint64>(frame.size()), QHostAddress::LocalHost, udpPort);
        QCOMPARE(sent, qint64(vlp::kFrameSize));
    }

    PrometheusServer prometheus(m_network);
    const QString error = prometheus.start(dir.path(), QStringLiteral("127.0.0.1:%1").arg(metricsPort),
                                           {{QStringLiteral("varta"), tokenFile}});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_VERIFY2_WITH_TIMEOUT(prometheus.ready(), qPrintable(prometheus.output()), kPrometheusReadyMs);
    const QString beats = QStringLiteral(R"(varta_beats_total{pid="%1",origin="udp:127.0.0.1"})").arg(pid);
    QTRY_COMPARE_WITH_TIMEOUT(prometheus.query(beats), QString::number(kBeats), kScrapedCeilingMs);
    QCOMPARE(prometheus.query(QStringLiteral(R"(up{job="varta"})")), QStringLiteral("1"));
    // The scrape side's own families parse too, the histogram included, and scraping once
    // a second stays within the per-IP limit.
    QTRY_VERIFY_WITH_TIMEOUT(prometheus.query(QStringLiteral("varta_observer_serve_pending_seconds_count")).toDouble()
                                 >= 1,
                             kScrapedCeilingMs);
    QCOMPARE(prometheus.query(QStringLiteral(R"(varta_prom_connections_dropped_total{reason="rate_limit"})")),
             QStringLiteral("0"));
    // One query, so both come from the same scrape (".Inf": a '+' in the query string would
    // reach Prometheus as a blank).
    QCOMPARE(prometheus.query(QStringLiteral(R"(varta_observer_serve_pending_seconds_count - ignoring(le) )"
                                             R"(varta_observer_serve_pending_seconds_bucket{le=~".Inf"})")),
             QStringLiteral("0"));
}

// The metrics thread keeps serving while the engine thread is wedged (a test hook blocks
// it), but uptime and the last-turn timestamp come from the engine: they stop, so
// upstream's VartaWatchStalled rule fires.
void TestPrometheusE2e::aWedgedEngineStopsTheUptime() {
    QTemporaryDir dir;
    const QByteArray token = randomToken();
    const QString tokenFile = dir.filePath(QStringLiteral("token"));
    QVERIFY(writeSecretFile(tokenFile, token));
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("VARTA_WATCH_TEST_WEDGE_AFTER_MS"), QStringLiteral("2500"));
    QProcess watch;
    watch.setProcessEnvironment(environment);
    watch.start(QStringLiteral(VARTA_BINARY_DIR "/bin/varta-watch"),
                {QStringLiteral("--headless"), QStringLiteral("--udp-port"), QStringLiteral("0"),
                 QStringLiteral("--prom-addr"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--prom-token-file"),
                 tokenFile,
                 // the waits below scrape faster than the per-IP limit refills
                 QStringLiteral("--prom-rate-limit-per-sec"), QStringLiteral("0")});
    const auto cleanup = qScopeGuard([&watch] {
        watch.kill();  // its engine is blocked: SIGTERM would wait for it
        watch.waitForFinished(5000);
    });
    QVERIFY(watch.waitForReadyRead(kMetricsLineCeilingMs));
    const QString address = QString::fromUtf8(watch.readLine()).trimmed();  // the first line: IP:PORT
    const QUrl url(QStringLiteral("http://%1/metrics").arg(address));
    QVERIFY2(url.port() > 0, qPrintable(address));

    // While the engine turns, its uptime advances.
    double turning = -1;
    QTRY_VERIFY_WITH_TIMEOUT((turning = sample(httpGet(m_network, url, token).body, "varta_watch_uptime_seconds")) > 1,
                             kMetricsLineCeilingMs);
    QVERIFY(sample(httpGet(m_network, url, token).body, "varta_watch_last_poll_loop_timestamp_seconds") > 1.7e9);
    // Wedged from 2.5 s on: give the last hand-over time to land, then it must not move.
    QTest::qWait(3500);
    const HttpResult wedged = httpGet(m_network, url, token);
    QCOMPARE(wedged.status, 200);
    QTest::qWait(1500);
    const HttpResult later = httpGet(m_network, url, token);
    QCOMPARE(later.status, 200);
    QCOMPARE(sample(later.body, "varta_watch_uptime_seconds"), sample(wedged.body, "varta_watch_uptime_seconds"));
    QVERIFY(sample(later.body, "varta_watch_uptime_seconds") < 3.6);
    QCOMPARE(sample(later.body, "varta_watch_last_poll_loop_timestamp_seconds"),
             sample(wedged.body, "varta_watch_last_poll_loop_timestamp_seconds"));
}

QTEST_GUILESS_MAIN(TestPrometheusE2e)
#include "tst_prometheus_e2e.moc"
