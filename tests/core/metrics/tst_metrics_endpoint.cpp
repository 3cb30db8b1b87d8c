// /metrics over real HTTP on loopback, spoken byte by byte through a QTcpSocket so that
// methods, header-name case and the exact response headers are under the test's control.
#include "core/metrics/metrics_endpoint.h"
#include "core/metrics/metrics_registry.h"

#include <QEventLoop>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

using namespace varta;

namespace {

const QByteArray kToken = "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef";
constexpr int kCeilingMs = 10000;

struct HttpResponse {
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool complete = false;

    QByteArray header(const QByteArray &name) const {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
};

// Parses one response from the front of `data`; complete once Content-Length bytes of
// body are there. Returns the bytes consumed, or 0 while incomplete.
qsizetype parseResponse(const QByteArray &data, HttpResponse &out, bool headOnly) {
    const qsizetype end = data.indexOf("\r\n\r\n");
    if (end < 0)
        return 0;
    const QList<QByteArray> head = data.left(end).split('\n');
    out = HttpResponse{};
    out.status = head.at(0).split(' ').value(1).toInt();
    for (qsizetype i = 1; i < head.size(); ++i) {
        const qsizetype colon = head[i].indexOf(':');
        out.headers.append({head[i].left(colon).trimmed(), head[i].mid(colon + 1).trimmed()});
    }
    const qsizetype length = headOnly ? 0 : out.header("Content-Length").toLongLong();
    if (data.size() < end + 4 + length)
        return 0;
    out.body = data.mid(end + 4, length);
    out.complete = true;
    return end + 4 + length;
}

// Sends raw requests over one connection and collects one response per request. The
// server runs on this thread, so waiting means spinning the event loop, up to a ceiling.
QList<HttpResponse> exchange(quint16 port, const QList<QByteArray> &requests, bool headOnly = false) {
    QTcpSocket socket;
    QByteArray received;
    QList<HttpResponse> responses;
    QEventLoop loop;
    QTimer ceiling;
    ceiling.setSingleShot(true);
    QObject::connect(&ceiling, &QTimer::timeout, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::disconnected, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::readyRead, &loop, [&] {
        received += socket.readAll();
        HttpResponse response;
        while (const qsizetype used = parseResponse(received, response, headOnly)) {
            responses.append(response);
            received.remove(0, used);
        }
        if (responses.size() == requests.size())
            loop.quit();
    });
    QObject::connect(&socket, &QTcpSocket::connected, &loop, [&] {
        for (const QByteArray &request : requests)
            socket.write(request);
    });
    socket.connectToHost(QHostAddress::LocalHost, port);
    ceiling.start(kCeilingMs);
    loop.exec();
    return responses;
}

HttpResponse get(quint16 port, const QByteArray &method, const QByteArray &path, const QByteArray &extraHeaders) {
    const QByteArray request = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders
                               + "Content-Length: 0\r\nConnection: close\r\n\r\n";
    const QList<HttpResponse> responses = exchange(port, {request}, method == "HEAD");
    return responses.isEmpty() ? HttpResponse{} : responses.front();
}

PromOptions loopbackOptions(quint16 port = 0) {
    PromOptions options;
    options.address = QHostAddress::LocalHost;
    options.port = port;
    options.token = kToken;
    return options;
}

}  // namespace

class TestMetricsEndpoint : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void portZeroPicksAFreePort();
    void rightToken_data();
    void rightToken();
    void refused_data();
    void refused();
    void nonGetIs405_data();
    void nonGetIs405();
    void otherPathsRefuseWithoutToken_data();
    void otherPathsRefuseWithoutToken();
    void keepAliveServesSeveralScrapes();
    void authorizationMatches_data();
    void authorizationMatches();
    void listenFailsOnAPortInUse();
    void listenRefusesWithoutToken();
    void startupWarning_data();
    void startupWarning();

private:
    std::uint64_t m_beats = 0;
    std::unique_ptr<MetricsRegistry> m_registry;
    std::unique_ptr<MetricsEndpoint> m_endpoint;
};

void TestMetricsEndpoint::init() {
    m_beats = 1234;
    m_registry = std::make_unique<MetricsRegistry>();
    m_registry->counter("test_beats_total", "Beats.").addValue(&m_beats);
    m_endpoint = std::make_unique<MetricsEndpoint>(*m_registry, loopbackOptions());
    QString error;
    QVERIFY2(m_endpoint->listen(&error), qPrintable(error));
}

void TestMetricsEndpoint::cleanup() {
    m_endpoint.reset();
    m_registry.reset();
}

void TestMetricsEndpoint::portZeroPicksAFreePort() {
    QVERIFY(m_endpoint->port() != 0);
    QCOMPARE(m_endpoint->url(), QStringLiteral("http://127.0.0.1:%1/metrics").arg(m_endpoint->port()));
    const HttpResponse response =
        get(m_endpoint->port(), "GET", "/metrics", "Authorization: Bearer " + kToken + "\r\n");
    QCOMPARE(response.status, 200);
}

void TestMetricsEndpoint::rightToken_data() {
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("path");
    QTest::newRow("canonical") << "Authorization: Bearer " + kToken << QByteArray("/metrics");
    QTest::newRow("scheme lower") << "Authorization: bearer " + kToken << QByteArray("/metrics");
    QTest::newRow("scheme upper") << "Authorization: BEARER " + kToken << QByteArray("/metrics");
    QTest::newRow("scheme mixed") << "Authorization: bEaReR " + kToken << QByteArray("/metrics");
    QTest::newRow("header lower") << "authorization: Bearer " + kToken << QByteArray("/metrics");
    QTest::newRow("header upper") << "AUTHORIZATION: Bearer " + kToken << QByteArray("/metrics");
    QTest::newRow("extra blanks") << "Authorization:   Bearer   " + kToken + "  " << QByteArray("/metrics");
    QTest::newRow("query string") << "Authorization: Bearer " + kToken << QByteArray("/metrics?name[]=x");
    // As upstream: hex compares without regard to case, and every path serves the metrics.
    QTest::newRow("token upper-cased") << "Authorization: Bearer " + kToken.toUpper() << QByteArray("/metrics");
    QTest::newRow("token lower-cased") << "Authorization: Bearer " + kToken.toLower() << QByteArray("/metrics");
    QTest::newRow("root") << "Authorization: Bearer " + kToken << QByteArray("/");
    QTest::newRow("longer name") << "Authorization: Bearer " + kToken << QByteArray("/metricsx");
    QTest::newRow("below") << "Authorization: Bearer " + kToken << QByteArray("/metrics/extra");
    QTest::newRow("path case") << "Authorization: Bearer " + kToken << QByteArray("/METRICS");
}

void TestMetricsEndpoint::rightToken() {
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, path);
    const HttpResponse response = get(m_endpoint->port(), "GET", path, header + "\r\n");
    QVERIFY(response.complete);
    QCOMPARE(response.status, 200);
    QCOMPARE(response.header("Content-Type"), QByteArray("text/plain; version=0.0.4; charset=utf-8"));
    QCOMPARE(response.body, QByteArray("# HELP test_beats_total Beats.\n# TYPE test_beats_total counter\n"
                                       "test_beats_total 1234\n"));
    QVERIFY(response.header("WWW-Authenticate").isEmpty());
}

void TestMetricsEndpoint::refused_data() {
    QTest::addColumn<QByteArray>("header");
    QByteArray wrong = kToken;
    wrong[63] = 'e';
    QByteArray notHex = kToken;
    notHex[16] = 'G';  // folds to 'g', still no match for 'A': folding only ignores case
    QTest::newRow("missing") << QByteArray();
    QTest::newRow("wrong last byte") << "Authorization: Bearer " + wrong;
    QTest::newRow("a letter that is no hex digit") << "Authorization: Bearer " + notHex;
    QTest::newRow("prefix of token") << "Authorization: Bearer " + kToken.left(32);
    QTest::newRow("token plus more") << "Authorization: Bearer " + kToken + "00";
    QTest::newRow("scheme only") << QByteArray("Authorization: Bearer");
    QTest::newRow("no scheme") << "Authorization: " + kToken;
    QTest::newRow("basic scheme") << "Authorization: Basic " + kToken;
    QTest::newRow("scheme glued") << "Authorization: Bearer" + kToken;
    QTest::newRow("other header") << "X-Authorization: Bearer " + kToken;
    QTest::newRow("token as query") << QByteArray("X-Nothing: 1");
}

void TestMetricsEndpoint::refused() {
    QFETCH(QByteArray, header);
    const QByteArray path =
        QByteArray(QTest::currentDataTag()) == "token as query" ? "/metrics?token=" + kToken : QByteArray("/metrics");
    const HttpResponse response = get(m_endpoint->port(), "GET", path, header.isEmpty() ? header : header + "\r\n");
    QVERIFY(response.complete);
    QCOMPARE(response.status, 401);
    QCOMPARE(response.header("WWW-Authenticate"), QByteArray("Bearer realm=\"varta\""));
    QVERIFY(!response.body.contains("test_beats_total"));
}

void TestMetricsEndpoint::nonGetIs405_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<bool>("withToken");
    for (const char *method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"}) {
        QTest::addRow("%s with token", method) << QByteArray(method) << true;
        QTest::addRow("%s without token", method) << QByteArray(method) << false;
    }
}

void TestMetricsEndpoint::nonGetIs405() {
    QFETCH(QByteArray, method);
    QFETCH(bool, withToken);
    const QByteArray header = withToken ? "Authorization: Bearer " + kToken + "\r\n" : QByteArray();
    const HttpResponse response = get(m_endpoint->port(), method, "/metrics", header);
    QVERIFY(response.complete);
    QCOMPARE(response.status, 405);
    QCOMPARE(response.header("Allow"), QByteArray("GET"));
    QVERIFY(!response.body.contains("test_beats_total"));
}

void TestMetricsEndpoint::otherPathsRefuseWithoutToken_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<int>("status");
    QTest::newRow("GET / without a token") << QByteArray("GET") << QByteArray("/") << 401;
    QTest::newRow("POST elsewhere") << QByteArray("POST") << QByteArray("/api") << 405;
}

void TestMetricsEndpoint::otherPathsRefuseWithoutToken() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(int, status);
    const HttpResponse response = get(m_endpoint->port(), method, path, {});
    QVERIFY(response.complete);
    QCOMPARE(response.status, status);
    QVERIFY(!response.body.contains("test_beats_total"));
}

void TestMetricsEndpoint::keepAliveServesSeveralScrapes() {
    // Prometheus keeps its connection open between scrapes.
    const QByteArray request = "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kToken + "\r\n\r\n";
    const QList<HttpResponse> responses = exchange(m_endpoint->port(), {request, request, request});
    QCOMPARE(responses.size(), 3);
    for (const HttpResponse &response : responses) {
        QCOMPARE(response.status, 200);
        QVERIFY(response.body.contains("test_beats_total 1234\n"));
    }
}

void TestMetricsEndpoint::authorizationMatches_data() {
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<bool>("matches");
    QTest::newRow("exact") << QByteArray("Bearer abc") << QByteArray("abc") << true;
    QTest::newRow("tab separator") << QByteArray("bearer\tabc") << QByteArray("abc") << true;
    QTest::newRow("surrounding blanks") << QByteArray("  Bearer abc \t") << QByteArray("abc") << true;
    QTest::newRow("empty token never matches") << QByteArray("Bearer ") << QByteArray() << false;
    QTest::newRow("shorter") << QByteArray("Bearer ab") << QByteArray("abc") << false;
    QTest::newRow("longer") << QByteArray("Bearer abcd") << QByteArray("abc") << false;
    QTest::newRow("inner blank") << QByteArray("Bearer a c") << QByteArray("abc") << false;
    QTest::newRow("other scheme same length") << QByteArray("Beaver abc") << QByteArray("abc") << false;
    QTest::newRow("empty header") << QByteArray() << QByteArray("abc") << false;
}

void TestMetricsEndpoint::authorizationMatches() {
    QFETCH(QByteArray, authorization);
    QFETCH(QByteArray, token);
    QFETCH(bool, matches);
    QCOMPARE(MetricsEndpoint::authorizationMatches(authorization, token), matches);
}

void TestMetricsEndpoint::listenFailsOnAPortInUse() {
    MetricsEndpoint second(*m_registry, loopbackOptions(m_endpoint->port()));
    QString error;
    QVERIFY(!second.listen(&error));
    QVERIFY2(error.contains(QStringLiteral("127.0.0.1:%1").arg(m_endpoint->port())), qPrintable(error));
}

void TestMetricsEndpoint::listenRefusesWithoutToken() {
    PromOptions options = loopbackOptions();
    options.token.clear();
    MetricsEndpoint endpoint(*m_registry, options);
    QString error;
    QVERIFY(!endpoint.listen(&error));
    QVERIFY2(error.contains(QStringLiteral("token")), qPrintable(error));
}

void TestMetricsEndpoint::startupWarning_data() {
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("warns");
    QTest::newRow("127.0.0.1") << QStringLiteral("127.0.0.1") << false;
    QTest::newRow("127.1.2.3") << QStringLiteral("127.1.2.3") << false;
    QTest::newRow("::1") << QStringLiteral("::1") << false;
    QTest::newRow("0.0.0.0") << QStringLiteral("0.0.0.0") << true;
    QTest::newRow("::") << QStringLiteral("::") << true;
    QTest::newRow("10.0.0.5") << QStringLiteral("10.0.0.5") << true;
}

void TestMetricsEndpoint::startupWarning() {
    QFETCH(QString, address);
    QFETCH(bool, warns);
    PromOptions options = loopbackOptions(9464);
    options.address = QHostAddress(address);
    const MetricsEndpoint endpoint(*m_registry, options);
    const QString warning = endpoint.startupWarning();
    QCOMPARE(!warning.isEmpty(), warns);
    if (warns)
        QVERIFY2(warning.contains(QStringLiteral(":9464")) && warning.contains(options.address.toString()),
                 qPrintable(warning));
}

QTEST_GUILESS_MAIN(TestMetricsEndpoint)
#include "tst_metrics_endpoint.moc"
