// /metrics of the real varta-watch binary, spoken to byte by byte over real TCP: the
// HTTP/1.0 answer and the close after it, the per-source-IP rate limit and the scrape
// side's own families. Counters are read from a second source address (127.0.0.2) so that
// reading them costs the limited address no token, and no faster than its refill.
#include "tests/support/secret_files.h"
#include "tests/support/watch_process.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <vector>

using namespace varta;
using namespace varta::test;

namespace {

constexpr int kCeilingMs = 10000;
// Slower than the default refill (a token every 200 ms): a poller is never limited itself.
constexpr int kPollIntervalMs = 300;
const QHostAddress kOtherSource(QStringLiteral("127.0.0.2"));

struct Exchange {
    QByteArray received;
    bool closed = false;  // the server ended the connection (EOF or reset) within the ceiling
    QByteArray statusLine() const { return received.left(received.indexOf("\r\n")); }
    QByteArray header(const QByteArray &name) const {
        const QByteArray head = received.left(received.indexOf("\r\n\r\n"));
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }
    QByteArray body() const { return received.mid(received.indexOf("\r\n\r\n") + 4); }
};

// A socket that has sent its request; finish() reads until the server closes it.
class Client {
public:
    Client(quint16 port, const QHostAddress &from) {
        if (!from.isNull())
            m_socket.bind(from);
        m_socket.connectToHost(QHostAddress::LocalHost, port);
    }

    bool send(const QByteArray &request) {
        if (!m_socket.waitForConnected(kCeilingMs))
            return false;
        m_socket.write(request);
        m_socket.flush();
        return true;
    }

    Exchange finish() {
        Exchange out;
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < kCeilingMs && m_socket.state() == QAbstractSocket::ConnectedState) {
            if (m_socket.waitForReadyRead(static_cast<int>(kCeilingMs - clock.elapsed())))
                out.received += m_socket.readAll();
        }
        out.received += m_socket.readAll();
        out.closed = m_socket.state() != QAbstractSocket::ConnectedState;
        return out;
    }

private:
    QTcpSocket m_socket;
};

Exchange talk(quint16 port, const QByteArray &request, const QHostAddress &from = {}) {
    Client client(port, from);
    if (!client.send(request))
        return {};
    return client.finish();
}

QByteArray scrapeRequest(const QByteArray &token, const QByteArray &version = "HTTP/1.1",
                         const QByteArray &extraHeaders = {}) {
    return "GET /metrics " + version + "\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n" + extraHeaders
           + "\r\n";
}

// The value of one sample (name with its labels, as rendered) in a body, or -1.
double sample(const QByteArray &body, const QByteArray &series) {
    for (const QByteArray &line : body.split('\n'))
        if (line.startsWith(series + ' '))
            return line.mid(series.size() + 1).toDouble();
    return -1;
}

}  // namespace

class TestMetricsHttpE2e : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void http10RequestGetsHttp10AndEof();
    void keepAliveRequestStillGetsClose();
    void unauthorizedIsHttp10AndCounted();
    void aBurstOfTwelveGetsTenAnswers();
    void zeroRateDisablesTheLimit();
    void serveHistogramCountsEachScrape();

private:
    // Starts varta-watch with /metrics on a free loopback port; returns that port or 0.
    quint16 start(WatchProcess &watch, const QStringList &extra = {});
    // Scrapes from 127.0.0.2, kPollIntervalMs apart, until `series` shows at least `value`;
    // returns the body that did, or an empty one.
    QByteArray waitFor(quint16 port, const QByteArray &series, double value);

    QTemporaryDir m_dir;
    QByteArray m_token;
    QString m_tokenFile;
};

void TestMetricsHttpE2e::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_token = randomToken();
    m_tokenFile = m_dir.filePath(QStringLiteral("token"));
    QVERIFY(writeSecretFile(m_tokenFile, m_token + '\n'));
    // The counters are read from a second loopback address: it must be usable here.
    QTcpSocket probe;
    QVERIFY2(probe.bind(kOtherSource), "cannot bind 127.0.0.2");
}

quint16 TestMetricsHttpE2e::start(WatchProcess &watch, const QStringList &extra) {
    const QStringList args = QStringList{QStringLiteral("--udp-port"),
                                         QStringLiteral("0"),
                                         QStringLiteral("--prom-addr"),
                                         QStringLiteral("127.0.0.1:0"),
                                         QStringLiteral("--prom-token-file"),
                                         m_tokenFile,
                                         QStringLiteral("--shutdown-after-secs"),
                                         QStringLiteral("120")}
                             + extra;
    // Two listeners (UDP and /metrics); the first stdout line is /metrics' address alone.
    if (!watch.start(args, 2) || watch.stdoutLines.isEmpty())
        return 0;
    return static_cast<quint16>(watch.stdoutLines.first().section(QLatin1Char(':'), -1).toUInt());
}

QByteArray TestMetricsHttpE2e::waitFor(quint16 port, const QByteArray &series, double value) {
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < kCeilingMs) {
        const QByteArray body = talk(port, scrapeRequest(m_token), kOtherSource).body();
        if (sample(body, series) >= value)
            return body;
        QTest::qWait(kPollIntervalMs);
    }
    return {};
}

void TestMetricsHttpE2e::http10RequestGetsHttp10AndEof() {
    WatchProcess watch;
    const quint16 port = start(watch);
    QVERIFY(port != 0);
    const Exchange exchange = talk(port, scrapeRequest(m_token, "HTTP/1.0"));
    QVERIFY2(exchange.closed, "the connection stayed open after the answer");
    QCOMPARE(exchange.statusLine(), QByteArray("HTTP/1.0 200 OK"));
    QCOMPARE(exchange.header("Connection"), QByteArray("close"));
    QCOMPARE(exchange.header("Content-Type"), QByteArray("text/plain; version=0.0.4"));
    QCOMPARE(exchange.header("Content-Length").toLongLong(), exchange.body().size());
    QVERIFY(exchange.body().contains("# TYPE varta_beats_total counter\n"));
}

void TestMetricsHttpE2e::keepAliveRequestStillGetsClose() {
    WatchProcess watch;
    const quint16 port = start(watch);
    QVERIFY(port != 0);
    // Two requests on one keep-alive connection: one answer, then the end of the stream.
    const QByteArray request = scrapeRequest(m_token, "HTTP/1.1", "Connection: keep-alive\r\n");
    const Exchange exchange = talk(port, request + request);
    QVERIFY2(exchange.closed, "the connection stayed open after the answer");
    QCOMPARE(exchange.statusLine(), QByteArray("HTTP/1.0 200 OK"));
    QCOMPARE(exchange.header("Connection"), QByteArray("close"));
    QCOMPARE(exchange.received.count("HTTP/1.0 "), 1);
    QCOMPARE(exchange.header("Content-Length").toLongLong(), exchange.body().size());
}

void TestMetricsHttpE2e::unauthorizedIsHttp10AndCounted() {
    WatchProcess watch;
    const quint16 port = start(watch);
    QVERIFY(port != 0);
    QByteArray wrong = m_token;
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    const QList<QByteArray> refused = {
        "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        scrapeRequest(wrong),
        scrapeRequest(wrong, "HTTP/1.0", "Connection: keep-alive\r\n"),
    };
    for (const QByteArray &request : refused) {
        const Exchange exchange = talk(port, request);
        QVERIFY2(exchange.closed, "the connection stayed open after the 401");
        QCOMPARE(exchange.statusLine(), QByteArray("HTTP/1.0 401 Unauthorized"));
        QCOMPARE(exchange.header("WWW-Authenticate"), QByteArray("Bearer realm=\"varta\""));
        QCOMPARE(exchange.header("Connection"), QByteArray("close"));
        QVERIFY(!exchange.body().contains("varta_"));
    }
    // A 405 is no authentication failure.
    QCOMPARE(talk(port, "POST /metrics HTTP/1.0\r\n\r\n").statusLine(), QByteArray("HTTP/1.0 405 Method Not Allowed"));
    const QByteArray body = waitFor(port, "varta_prom_auth_failures_total", 3);
    QVERIFY2(!body.isEmpty(), "varta_prom_auth_failures_total never showed the three 401s");
    QCOMPARE(sample(body, "varta_prom_auth_failures_total"), 3.0);
}

void TestMetricsHttpE2e::aBurstOfTwelveGetsTenAnswers() {
    WatchProcess watch;
    const quint16 port = start(watch);  // the defaults: 5 a second, a burst of 10
    QVERIFY(port != 0);
    // All twelve connect before any asks, so the bucket sees them together.
    std::vector<std::unique_ptr<Client>> clients;
    clients.reserve(12);
    for (int i = 0; i < 12; ++i)
        clients.push_back(std::make_unique<Client>(port, QHostAddress()));
    for (auto &client : clients)
        client->send(scrapeRequest(m_token));
    int answered = 0;
    int closedUnanswered = 0;
    for (auto &client : clients) {
        const Exchange exchange = client->finish();
        QVERIFY2(exchange.closed, "a connection stayed open");
        if (exchange.received.isEmpty()) {
            ++closedUnanswered;
        } else {
            QCOMPARE(exchange.statusLine(), QByteArray("HTTP/1.0 200 OK"));
            ++answered;
        }
    }
    QCOMPARE(answered, 10);
    QCOMPARE(closedUnanswered, 2);

    const QByteArray body = waitFor(port, R"(varta_prom_connections_dropped_total{reason="rate_limit"})", 2);
    QVERIFY2(!body.isEmpty(), "the two refusals were never counted");
    QCOMPARE(sample(body, R"(varta_prom_connections_dropped_total{reason="rate_limit"})"), 2.0);
    QCOMPARE(sample(body, R"(varta_prom_connections_dropped_total{reason="ip_table_full"})"), 0.0);
    QCOMPARE(sample(body, R"(varta_prom_connections_dropped_total{reason="drain"})"), 0.0);
    // Two tokens' worth of time later (one every 200 ms), the limited address is served again.
    QTest::qWait(400);
    QCOMPARE(talk(port, scrapeRequest(m_token)).statusLine(), QByteArray("HTTP/1.0 200 OK"));
}

void TestMetricsHttpE2e::zeroRateDisablesTheLimit() {
    WatchProcess watch;
    const quint16 port = start(watch, {QStringLiteral("--prom-rate-limit-per-sec"), QStringLiteral("0")});
    QVERIFY(port != 0);
    constexpr int kScrapes = 20;
    std::vector<std::unique_ptr<Client>> clients;
    clients.reserve(kScrapes);
    for (int i = 0; i < kScrapes; ++i)
        clients.push_back(std::make_unique<Client>(port, QHostAddress()));
    for (auto &client : clients)
        client->send(scrapeRequest(m_token));
    for (auto &client : clients)
        QCOMPARE(client->finish().statusLine(), QByteArray("HTTP/1.0 200 OK"));
    // A body rendered after all of them (each counted once) shows no refusal.
    const QByteArray body = waitFor(port, "varta_observer_serve_pending_seconds_count", kScrapes);
    QVERIFY2(!body.isEmpty(), "no body showed the twenty scrapes");
    QCOMPARE(sample(body, R"(varta_prom_connections_dropped_total{reason="rate_limit"})"), 0.0);
}

void TestMetricsHttpE2e::serveHistogramCountsEachScrape() {
    WatchProcess watch;
    const quint16 port = start(watch);
    QVERIFY(port != 0);
    // One scrape after another. A body is rendered at most once a second, so some scrapes
    // get the previous body again; a fresh one shows exactly the scrapes answered before it
    // and, as skipped, those that got a repeat.
    QList<QByteArray> bodies;
    int repeats = 0;
    bool sawFreshAfterFive = false;
    QElapsedTimer clock;
    clock.start();
    while (!sawFreshAfterFive && clock.elapsed() < 2 * kCeilingMs) {
        const Exchange exchange = talk(port, scrapeRequest(m_token));
        QCOMPARE(exchange.statusLine(), QByteArray("HTTP/1.0 200 OK"));
        const QByteArray body = exchange.body();
        const bool repeat = !bodies.isEmpty() && body == bodies.last();
        if (!repeat) {
            const auto answeredBefore = static_cast<double>(bodies.size());
            QCOMPARE(sample(body, "varta_observer_serve_pending_seconds_count"), answeredBefore);
            QCOMPARE(sample(body, R"(varta_observer_serve_pending_seconds_bucket{le="+Inf"})"), answeredBefore);
            QCOMPARE(sample(body, "varta_scrape_skipped_total"), static_cast<double>(repeats));
            sawFreshAfterFive = bodies.size() >= 5;
        }
        repeats += repeat ? 1 : 0;
        bodies.append(body);
        QTest::qWait(kPollIntervalMs);
    }
    QVERIFY2(sawFreshAfterFive, "no fresh body after five scrapes");
    const QByteArray &last = bodies.last();
    QVERIFY(sample(last, "varta_observer_serve_pending_seconds_sum") > 0);
    QVERIFY(sample(last, "varta_observer_scrape_budget_exceeded_total") >= 0);
    for (const char *le : {"0.001", "0.005", "0.01", "0.05", "0.1", "0.25", "0.5", "1", "+Inf"})
        QVERIFY2(sample(last, QByteArray(R"(varta_observer_serve_pending_seconds_bucket{le=")") + le + "\"}") >= 0, le);
    for (const char *family : {"varta_prom_auth_failures_total", "varta_scrape_budget_exhausted_total",
                               "varta_prom_ip_state_probe_exhausted_total", "varta_prom_pid_row_refused_total"})
        QCOMPARE(sample(last, family), 0.0);
}

QTEST_GUILESS_MAIN(TestMetricsHttpE2e)
#include "tst_metrics_http_e2e.moc"
