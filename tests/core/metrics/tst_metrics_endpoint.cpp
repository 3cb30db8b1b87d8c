// /metrics over real HTTP on loopback, spoken byte by byte through a QTcpSocket so that
// methods, header-name case, the exact response headers and when the connection closes
// are under the test's control.
#include "core/metrics/endpoint_metrics.h"
#include "core/metrics/metrics_endpoint.h"
#include "core/metrics/metrics_registry.h"
#include "tests/support/descriptor_exhaustion.h"
#include "tests/support/sanitizers.h"

#include <QDir>
#include <QEventLoop>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <memory>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace varta;

namespace {

const QByteArray kToken = "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef";
constexpr int kCeilingMs = 10000;

struct HttpResponse {
    QByteArray statusLine;
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
    out.statusLine = head.at(0).trimmed();
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

// What came back on one connection: every byte, and whether the server closed it.
struct Conversation {
    QByteArray received;
    bool closed = false;  // the server ended the connection (EOF or reset) within the ceiling
};

// Sends raw bytes over one connection and reads until the server closes it. The server
// runs on this thread, so waiting means spinning the event loop, up to a ceiling.
Conversation converse(quint16 port, const QByteArray &bytes, const QHostAddress &from = {}) {
    QTcpSocket socket;
    if (!from.isNull())
        socket.bind(from);
    Conversation out;
    QEventLoop loop;
    QTimer ceiling;
    ceiling.setSingleShot(true);
    QObject::connect(&ceiling, &QTimer::timeout, &loop, &QEventLoop::quit);
    const auto ended = [&] {
        out.received += socket.readAll();
        out.closed = true;
        loop.quit();
    };
    QObject::connect(&socket, &QTcpSocket::disconnected, &loop, ended);
    QObject::connect(&socket, &QTcpSocket::errorOccurred, &loop, ended);
    QObject::connect(&socket, &QTcpSocket::readyRead, &loop, [&] { out.received += socket.readAll(); });
    QObject::connect(&socket, &QTcpSocket::connected, &loop, [&] { socket.write(bytes); });
    socket.connectToHost(QHostAddress::LocalHost, port);
    ceiling.start(kCeilingMs);
    loop.exec();
    return out;
}

// The responses in one conversation, in order.
QList<HttpResponse> responsesIn(QByteArray received, bool headOnly = false) {
    QList<HttpResponse> responses;
    HttpResponse response;
    while (const qsizetype used = parseResponse(received, response, headOnly)) {
        responses.append(response);
        received.remove(0, used);
    }
    return responses;
}

HttpResponse get(quint16 port, const QByteArray &method, const QByteArray &path, const QByteArray &extraHeaders) {
    const QByteArray request = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders
                               + "Content-Length: 0\r\nConnection: close\r\n\r\n";
    const QList<HttpResponse> responses = responsesIn(converse(port, request).received, method == "HEAD");
    return responses.isEmpty() ? HttpResponse{} : responses.front();
}

QByteArray scrapeRequest(const QByteArray &version = "HTTP/1.1", const QByteArray &extraHeaders = {}) {
    return "GET /metrics " + version + "\r\nHost: x\r\nAuthorization: Bearer " + kToken + "\r\n" + extraHeaders
           + "\r\n";
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
    void everyAnswerIsHttp10AndCloses_data();
    void everyAnswerIsHttp10AndCloses();
    void onlyOneRequestPerConnection();
    void aRequestIsJudgedOnWhatArrivedInTime();
    void aLongHeadIsCutAtTheLimit();
    void authFailuresAreCounted();
    void rateLimitClosesUnanswered();
    void zeroRateLimitDisablesIt();
    void connectionLimitDrains();
    void oneSourceHoldsAtMostItsShare();
    void aFailedAcceptPausesThenResumes();
    void servePendingTimesEachScrape_data();
    void servePendingTimesEachScrape();
    void cachedBodiesAreCountedAsSkipped();
    void familiesAreRegistered();
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
    QCOMPARE(response.header("Content-Type"), QByteArray("text/plain; version=0.0.4"));
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

void TestMetricsEndpoint::everyAnswerIsHttp10AndCloses_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::newRow("HTTP/1.1 scrape") << scrapeRequest() << 200;
    QTest::newRow("HTTP/1.0 scrape") << scrapeRequest("HTTP/1.0") << 200;
    QTest::newRow("HTTP/1.1 keep-alive") << scrapeRequest("HTTP/1.1", "Connection: keep-alive\r\n") << 200;
    QTest::newRow("HTTP/1.0 keep-alive") << scrapeRequest("HTTP/1.0", "Connection: Keep-Alive\r\n") << 200;
    QTest::newRow("no version") << QByteArray("GET /metrics\r\nAuthorization: Bearer " + kToken + "\r\n\r\n") << 200;
    QTest::newRow("bare line feeds") << QByteArray("GET / HTTP/1.0\nAuthorization: Bearer " + kToken + "\n\n") << 200;
    QTest::newRow("401") << QByteArray("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") << 401;
    QTest::newRow("405") << QByteArray("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n") << 405;
}

void TestMetricsEndpoint::everyAnswerIsHttp10AndCloses() {
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    const Conversation conversation = converse(m_endpoint->port(), request);
    QVERIFY2(conversation.closed, "the endpoint did not close the connection");
    const QList<HttpResponse> responses = responsesIn(conversation.received);
    QCOMPARE(responses.size(), 1);
    const HttpResponse &response = responses.front();
    QVERIFY2(response.statusLine.startsWith("HTTP/1.0 " + QByteArray::number(status) + ' '),
             response.statusLine.constData());
    QCOMPARE(response.header("Connection"), QByteArray("close"));
    QCOMPARE(response.header("Content-Length").toLongLong(), response.body.size());
    if (status == 200) {
        QCOMPARE(response.header("Content-Type"), QByteArray("text/plain; version=0.0.4"));
        QVERIFY(response.body.contains("test_beats_total 1234\n"));
    }
}

void TestMetricsEndpoint::onlyOneRequestPerConnection() {
    // A client that pipelines (or expects keep-alive) gets one answer, then the close.
    const QByteArray request = scrapeRequest();
    const Conversation conversation = converse(m_endpoint->port(), request + request + request);
    QVERIFY(conversation.closed);
    const QList<HttpResponse> responses = responsesIn(conversation.received);
    QCOMPARE(responses.size(), 1);
    QCOMPARE(responses.front().status, 200);
    QCOMPARE(conversation.received.count("HTTP/1.0"), 1);
}

void TestMetricsEndpoint::aRequestIsJudgedOnWhatArrivedInTime() {
    // As upstream: no blank line in time, and what did arrive decides.
    const Conversation partial =
        converse(m_endpoint->port(), "GET / HTTP/1.1\r\nAuthorization: Bearer " + kToken + "\r\n");
    QVERIFY(partial.closed);
    QCOMPARE(responsesIn(partial.received).value(0).status, 200);
    const Conversation silent = converse(m_endpoint->port(), {});
    QVERIFY(silent.closed);
    QCOMPARE(responsesIn(silent.received).value(0).status, 405);
    QCOMPARE(m_endpoint->counters().authFailures, std::uint64_t{0});
    QCOMPARE(m_endpoint->openConnections(), 0);
}

void TestMetricsEndpoint::aLongHeadIsCutAtTheLimit() {
    const QByteArray padding = "X-Padding: " + QByteArray(MetricsEndpoint::kMaxRequestBytes, 'p') + "\r\n";
    const QByteArray authorization = "Authorization: Bearer " + kToken + "\r\n";
    const Conversation late = converse(m_endpoint->port(), "GET / HTTP/1.1\r\n" + padding + authorization + "\r\n");
    QVERIFY(late.closed);
    QCOMPARE(responsesIn(late.received).value(0).status, 401);
    QCOMPARE(m_endpoint->counters().authFailures, std::uint64_t{1});
    const Conversation early = converse(m_endpoint->port(), "GET / HTTP/1.1\r\n" + authorization + padding + "\r\n");
    QVERIFY(early.closed);
    QCOMPARE(responsesIn(early.received).value(0).status, 200);
}

void TestMetricsEndpoint::authFailuresAreCounted() {
    QCOMPARE(get(m_endpoint->port(), "GET", "/metrics", {}).status, 401);
    QCOMPARE(get(m_endpoint->port(), "GET", "/", "Authorization: Bearer 00\r\n").status, 401);
    QCOMPARE(get(m_endpoint->port(), "GET", "/x", "Authorization: Basic " + kToken + "\r\n").status, 401);
    QCOMPARE(get(m_endpoint->port(), "POST", "/metrics", {}).status, 405);  // no token was asked for
    QCOMPARE(get(m_endpoint->port(), "GET", "/metrics", "Authorization: Bearer " + kToken + "\r\n").status, 200);
    QCOMPARE(m_endpoint->counters().authFailures, std::uint64_t{3});
}

void TestMetricsEndpoint::rateLimitClosesUnanswered() {
    // The endpoint's clock stands still: no token comes back during the test.
    MetricsEndpoint endpoint(*m_registry, loopbackOptions(), [] { return std::int64_t{5'000'000'000}; });
    QVERIFY(endpoint.listen(nullptr));
    int answered = 0;
    int closedUnanswered = 0;
    for (int i = 0; i < 12; ++i) {
        const Conversation conversation = converse(endpoint.port(), scrapeRequest());
        QVERIFY(conversation.closed);
        if (conversation.received.isEmpty()) {
            ++closedUnanswered;
        } else {
            QCOMPARE(responsesIn(conversation.received).value(0).status, 200);
            ++answered;
        }
    }
    QCOMPARE(answered, 10);
    QCOMPARE(closedUnanswered, 2);
    QCOMPARE(endpoint.counters().droppedFor(ScrapeDropReason::RateLimit), std::uint64_t{2});
    QCOMPARE(endpoint.counters().droppedFor(ScrapeDropReason::IpTableFull), std::uint64_t{0});
    QCOMPARE(endpoint.counters().droppedFor(ScrapeDropReason::Drain), std::uint64_t{0});
}

void TestMetricsEndpoint::zeroRateLimitDisablesIt() {
    PromOptions options = loopbackOptions();
    options.rateLimitPerSec = 0;
    MetricsEndpoint endpoint(*m_registry, options, [] { return std::int64_t{5'000'000'000}; });
    QVERIFY(endpoint.listen(nullptr));
    for (int i = 0; i < 30; ++i)
        QCOMPARE(responsesIn(converse(endpoint.port(), scrapeRequest()).received).value(0).status, 200);
    QCOMPARE(endpoint.counters().droppedFor(ScrapeDropReason::RateLimit), std::uint64_t{0});
}

void TestMetricsEndpoint::connectionLimitDrains() {
    PromOptions options = loopbackOptions();
    options.rateLimitBurst = 0;  // so that one address may open them all
    MetricsEndpoint endpoint(*m_registry, options);
    QVERIFY(endpoint.listen(nullptr));
    // Idle peers, in groups the listen backlog takes whole (a connection it drops is tried
    // again only a second later, when the first ones have reached their request deadline),
    // each group from its own address as one address may hold only so many.
    const auto fill = [&](std::vector<std::unique_ptr<QTcpSocket>> &idle) {
        constexpr int kGroup = MetricsEndpoint::kMaxConnectionsPerSource;
        while (static_cast<int>(idle.size()) < MetricsEndpoint::kMaxOpenConnections) {
            const QHostAddress from(0x7f00000au + static_cast<quint32>(idle.size() / kGroup));  // 127.0.0.10, …
            for (int i = 0; i < kGroup; ++i) {
                idle.push_back(std::make_unique<QTcpSocket>());
                idle.back()->bind(from);
                idle.back()->connectToHost(QHostAddress::LocalHost, endpoint.port());
            }
            QTRY_COMPARE_WITH_TIMEOUT(endpoint.openConnections(), static_cast<int>(idle.size()), kCeilingMs);
        }
    };
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    fill(idle);
    for (int i = 0; i < 2; ++i) {
        const Conversation refused = converse(endpoint.port(), scrapeRequest());
        QVERIFY(refused.closed);
        QVERIFY(refused.received.isEmpty());
    }
    QCOMPARE(endpoint.counters().droppedFor(ScrapeDropReason::Drain), std::uint64_t{2});
    QCOMPARE(endpoint.counters().scrapeBudgetExhausted, std::uint64_t{1});  // one episode

    idle.clear();  // the idle peers leave: their slots come back
    QTRY_COMPARE_WITH_TIMEOUT(endpoint.openConnections(), 0, kCeilingMs);
    QCOMPARE(responsesIn(converse(endpoint.port(), scrapeRequest()).received).value(0).status, 200);
    fill(idle);
    QVERIFY(converse(endpoint.port(), scrapeRequest()).received.isEmpty());
    QCOMPARE(endpoint.counters().droppedFor(ScrapeDropReason::Drain), std::uint64_t{3});
    QCOMPARE(endpoint.counters().scrapeBudgetExhausted, std::uint64_t{2});
}

void TestMetricsEndpoint::oneSourceHoldsAtMostItsShare() {
    PromOptions options = loopbackOptions();
    options.rateLimitBurst = 0;
    MetricsEndpoint endpoint(*m_registry, options);
    QVERIFY(endpoint.listen(nullptr));
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    for (int i = 0; i < MetricsEndpoint::kMaxConnectionsPerSource; ++i) {
        idle.push_back(std::make_unique<QTcpSocket>());
        idle.back()->connectToHost(QHostAddress::LocalHost, endpoint.port());
    }
    QTRY_COMPARE_WITH_TIMEOUT(endpoint.openConnections(), MetricsEndpoint::kMaxConnectionsPerSource, kCeilingMs);
    const Conversation refused = converse(endpoint.port(), scrapeRequest());
    QVERIFY(refused.closed);
    QVERIFY(refused.received.isEmpty());
    QCOMPARE(endpoint.counters().refusedFor(ScrapeRefusalReason::PerSourceLimit), std::uint64_t{1});
    QCOMPARE(endpoint.counters().droppedFor(ScrapeDropReason::Drain), std::uint64_t{0});

    // Another address is served beside them; the first gets its share back as they leave.
    const QHostAddress other(QStringLiteral("127.0.0.2"));
    QCOMPARE(responsesIn(converse(endpoint.port(), scrapeRequest(), other).received).value(0).status, 200);
    idle.pop_back();
    QTRY_COMPARE_WITH_TIMEOUT(endpoint.openConnections(), MetricsEndpoint::kMaxConnectionsPerSource - 1, kCeilingMs);
    QCOMPARE(responsesIn(converse(endpoint.port(), scrapeRequest()).received).value(0).status, 200);
}

void TestMetricsEndpoint::aFailedAcceptPausesThenResumes() {
    if (test::kSanitizersNeedDescriptors)
        QSKIP(test::kSanitizersNeedDescriptorsWhy);
    MetricsEndpoint endpoint(*m_registry, loopbackOptions());
    QVERIFY(endpoint.listen(nullptr));
    // One scrape first: a listener that has accepted before (and so has seen accept() say
    // EAGAIN) must still pause on EMFILE. QTcpServer in Qt 6.4 does not.
    QCOMPARE(get(endpoint.port(), "GET", "/metrics", "Authorization: Bearer " + kToken + "\r\n").status, 200);
    constexpr int kPeers = 4;
    std::vector<std::unique_ptr<QTcpSocket>> peers;
    for (int i = 0; i < kPeers; ++i) {
        peers.push_back(std::make_unique<QTcpSocket>());
        peers.back()->connectToHost(QHostAddress::LocalHost, endpoint.port());
        QVERIFY(peers.back()->waitForConnected(kCeilingMs));  // in the backlog, not yet accepted
    }
    // Every descriptor this process may open taken: accept() fails with EMFILE.
    test::DescriptorExhaustion exhaustion;
    constexpr int kWaitMs = 600;
    QTest::qWait(kWaitMs);
    const std::uint64_t failures = endpoint.counters().acceptErrors;
    const bool exhausted = exhaustion.exhausted();
    exhaustion.release();
    QVERIFY(exhausted);
    // Tried again once per kAcceptRetryMs, never in a loop.
    QVERIFY2(failures >= 1 && failures <= kWaitMs / MetricsEndpoint::kAcceptRetryMs + 2,
             qPrintable(QString::number(failures)));
    QCOMPARE(endpoint.openConnections(), 0);
    // Room again: the waiting peers are taken without anyone restarting the listener.
    QTRY_COMPARE_WITH_TIMEOUT(endpoint.openConnections(), kPeers, kCeilingMs);
}

void TestMetricsEndpoint::servePendingTimesEachScrape_data() {
    QTest::addColumn<qint64>("budgetMs");
    QTest::addColumn<int>("exceeded");
    QTest::newRow("budget 250 ms") << qint64(250) << 3;
    QTest::newRow("budget 300 ms: exactly on it") << qint64(300) << 0;
    QTest::newRow("budget 1000 ms") << qint64(1000) << 0;
}

void TestMetricsEndpoint::servePendingTimesEachScrape() {
    QFETCH(qint64, budgetMs);
    QFETCH(int, exceeded);
    // Every reading of the endpoint's clock is 300 ms after the last, so each scrape (one
    // reading before the render, one after the send) takes exactly 300 ms.
    std::int64_t now = 0;
    PromOptions options = loopbackOptions();
    options.scrapeBudgetMs = budgetMs;
    MetricsEndpoint endpoint(*m_registry, options, [&now] { return now += 300'000'000; });
    QVERIFY(endpoint.listen(nullptr));
    for (int i = 0; i < 3; ++i)
        QCOMPARE(responsesIn(converse(endpoint.port(), scrapeRequest()).received).value(0).status, 200);
    QCOMPARE(get(endpoint.port(), "GET", "/", {}).status, 401);  // not a scrape: not timed
    const Histogram &serve = endpoint.counters().servePending;
    QCOMPARE(serve.count(), std::uint64_t{3});
    QCOMPARE(serve.sum(), 0.9);
    QCOMPARE(serve.cumulativeCount(5), std::uint64_t{0});  // le="0.25"
    QCOMPARE(serve.cumulativeCount(6), std::uint64_t{3});  // le="0.5"
    QCOMPARE(endpoint.counters().scrapeBudgetExceeded, std::uint64_t(exceeded));
}

void TestMetricsEndpoint::cachedBodiesAreCountedAsSkipped() {
    // The registry's clock stands still: after the first render, every body is the cached one.
    MetricsRegistry registry([] { return std::int64_t{0}; });
    registry.counter("test_beats_total", "Beats.").addValue(&m_beats);
    MetricsEndpoint endpoint(registry, loopbackOptions());
    QVERIFY(endpoint.listen(nullptr));
    for (int i = 0; i < 3; ++i)
        QCOMPARE(responsesIn(converse(endpoint.port(), scrapeRequest()).received).value(0).status, 200);
    QCOMPARE(endpoint.counters().scrapeSkipped, std::uint64_t{2});
    registry.invalidate();
    QCOMPARE(responsesIn(converse(endpoint.port(), scrapeRequest()).received).value(0).status, 200);
    QCOMPARE(endpoint.counters().scrapeSkipped, std::uint64_t{2});
}

void TestMetricsEndpoint::familiesAreRegistered() {
    MetricsRegistry registry([] { return std::int64_t{0}; });
    MetricsEndpoint endpoint(registry, loopbackOptions());
    registerEndpointFamilies(registry, endpoint.counters());
    QVERIFY(endpoint.listen(nullptr));
    QCOMPARE(get(endpoint.port(), "GET", "/", {}).status, 401);
    const QByteArray body = responsesIn(converse(endpoint.port(), scrapeRequest()).received).value(0).body;
    // Rendered before this scrape was timed: one 401 so far, no scrape yet.
    for (const char *line : {
             "# TYPE varta_prom_auth_failures_total counter\nvarta_prom_auth_failures_total 1\n",
             "varta_prom_connections_dropped_total{reason=\"drain\"} 0\n"
             "varta_prom_connections_dropped_total{reason=\"rate_limit\"} 0\n"
             "varta_prom_connections_dropped_total{reason=\"ip_table_full\"} 0\n",
             "varta_prom_connections_refused_total{reason=\"per_source_limit\"} 0\n"
             "varta_prom_connections_refused_total{reason=\"descriptor_reserve\"} 0\n",
             "# TYPE varta_prom_accept_errors_total counter\nvarta_prom_accept_errors_total 0\n",
             "# TYPE varta_observer_serve_pending_seconds histogram\n"
             "varta_observer_serve_pending_seconds_bucket{le=\"0.001\"} 0\n"
             "varta_observer_serve_pending_seconds_bucket{le=\"0.005\"} 0\n"
             "varta_observer_serve_pending_seconds_bucket{le=\"0.01\"} 0\n"
             "varta_observer_serve_pending_seconds_bucket{le=\"0.05\"} 0\n"
             "varta_observer_serve_pending_seconds_bucket{le=\"0.1\"} 0\n"
             "varta_observer_serve_pending_seconds_bucket{le=\"0.25\"} 0\n"
             "varta_observer_serve_pending_seconds_bucket{le=\"0.5\"} 0\n"
             "varta_observer_serve_pending_seconds_bucket{le=\"1\"} 0\n"
             "varta_observer_serve_pending_seconds_bucket{le=\"+Inf\"} 0\n"
             "varta_observer_serve_pending_seconds_sum 0\n"
             "varta_observer_serve_pending_seconds_count 0\n",
             "varta_observer_scrape_budget_exceeded_total 0\n",
             "varta_scrape_skipped_total 0\n",
             "varta_scrape_budget_exhausted_total 0\n",
             "# TYPE varta_prom_ip_state_probe_exhausted_total counter\nvarta_prom_ip_state_probe_exhausted_total 0\n",
             "# TYPE varta_prom_pid_row_refused_total counter\nvarta_prom_pid_row_refused_total 0\n",
         })
        QVERIFY2(body.contains(line), line);
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
