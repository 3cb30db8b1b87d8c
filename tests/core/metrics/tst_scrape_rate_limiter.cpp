// The per-source-IP token bucket of /metrics, on a clock the test moves by hand.
#include "core/metrics/scrape_rate_limiter.h"

#include <QTest>

using namespace varta;

namespace {

using Verdict = ScrapeRateLimiter::Verdict;

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSecond = 1000 * kMs;

QHostAddress ipv4(quint32 index) { return QHostAddress(0x0a000000u + index); }  // 10.0.0.0/8

// Admits from `peer` at `nowNs` until the first refusal; returns how many got in.
int admittedInARow(ScrapeRateLimiter &limiter, const QHostAddress &peer, std::int64_t nowNs, int ceiling = 1000) {
    int admitted = 0;
    while (admitted < ceiling && limiter.admit(peer, nowNs) == Verdict::Admit)
        ++admitted;
    return admitted;
}

}  // namespace

Q_DECLARE_METATYPE(Verdict)

class TestScrapeRateLimiter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void burstThenRefused();
    void refillsAtTheConfiguredRate();
    void refillStopsAtTheBurst();
    void zeroDisables_data();
    void zeroDisables();
    void addressesHaveBucketsOfTheirOwn();
    void ipv4AndItsMappedFormShareABucket();
    void aClockStepBackRefillsNothing();
    void fullTableRefusesWhenNothingCanGo();
    void fullTableEvictsAFullBucket();
    void fullTableEvictsAnIdleAddress();
    void refusalsLeaveTheTableAsItIs();
    void defaultCapacityIsUpstreams();
};

void TestScrapeRateLimiter::burstThenRefused() {
    ScrapeRateLimiter limiter(5, 10);
    QCOMPARE(admittedInARow(limiter, QHostAddress::LocalHost, 0), 10);
    QCOMPARE(limiter.admit(QHostAddress::LocalHost, 0), Verdict::RateLimited);
    // A refusal costs no token: the next one still needs a whole refill.
    QCOMPARE(limiter.admit(QHostAddress::LocalHost, 199 * kMs), Verdict::RateLimited);
    QCOMPARE(limiter.admit(QHostAddress::LocalHost, 200 * kMs), Verdict::Admit);
}

void TestScrapeRateLimiter::refillsAtTheConfiguredRate() {
    ScrapeRateLimiter limiter(5, 10);
    QCOMPARE(admittedInARow(limiter, QHostAddress::LocalHost, 0), 10);
    // 5 a second: one token every 200 ms, fractions carried over.
    QCOMPARE(admittedInARow(limiter, QHostAddress::LocalHost, 1 * kSecond), 5);
    QCOMPARE(admittedInARow(limiter, QHostAddress::LocalHost, 1 * kSecond + 300 * kMs), 1);
    QCOMPARE(admittedInARow(limiter, QHostAddress::LocalHost, 1 * kSecond + 400 * kMs), 1);
}

void TestScrapeRateLimiter::refillStopsAtTheBurst() {
    ScrapeRateLimiter limiter(5, 10);
    QCOMPARE(admittedInARow(limiter, QHostAddress::LocalHost, 0), 10);
    QCOMPARE(admittedInARow(limiter, QHostAddress::LocalHost, 3600 * kSecond), 10);
}

void TestScrapeRateLimiter::zeroDisables_data() {
    QTest::addColumn<quint32>("perSecond");
    QTest::addColumn<quint32>("burst");
    QTest::newRow("rate 0") << 0u << 10u;
    QTest::newRow("burst 0") << 5u << 0u;
    QTest::newRow("both 0") << 0u << 0u;
}

void TestScrapeRateLimiter::zeroDisables() {
    QFETCH(quint32, perSecond);
    QFETCH(quint32, burst);
    ScrapeRateLimiter limiter(perSecond, burst, 2);
    QVERIFY(!limiter.enabled());
    for (quint32 i = 0; i < 100; ++i)
        QCOMPARE(limiter.admit(ipv4(i % 7), 0), Verdict::Admit);
    QCOMPARE(limiter.trackedIps(), std::size_t{0});
}

void TestScrapeRateLimiter::addressesHaveBucketsOfTheirOwn() {
    ScrapeRateLimiter limiter(5, 10);
    QCOMPARE(admittedInARow(limiter, ipv4(1), 0), 10);
    QCOMPARE(admittedInARow(limiter, ipv4(2), 0), 10);
    QCOMPARE(admittedInARow(limiter, QHostAddress::LocalHostIPv6, 0), 10);
    QCOMPARE(limiter.trackedIps(), std::size_t{3});
}

void TestScrapeRateLimiter::ipv4AndItsMappedFormShareABucket() {
    // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d: still one source.
    ScrapeRateLimiter limiter(5, 10);
    QCOMPARE(admittedInARow(limiter, QHostAddress(QStringLiteral("192.0.2.7")), 0, 5), 5);
    QCOMPARE(admittedInARow(limiter, QHostAddress(QStringLiteral("::ffff:192.0.2.7")), 0), 5);
    QCOMPARE(limiter.trackedIps(), std::size_t{1});
}

void TestScrapeRateLimiter::aClockStepBackRefillsNothing() {
    ScrapeRateLimiter limiter(5, 10);
    QCOMPARE(admittedInARow(limiter, QHostAddress::LocalHost, 10 * kSecond), 10);
    QCOMPARE(limiter.admit(QHostAddress::LocalHost, 5 * kSecond), Verdict::RateLimited);
    QCOMPARE(limiter.admit(QHostAddress::LocalHost, 10 * kSecond + 200 * kMs), Verdict::Admit);
}

void TestScrapeRateLimiter::fullTableRefusesWhenNothingCanGo() {
    ScrapeRateLimiter limiter(5, 10, 3);
    for (quint32 i = 0; i < 3; ++i)
        QCOMPARE(limiter.admit(ipv4(i), 0), Verdict::Admit);  // each bucket now 9 of 10
    QCOMPARE(limiter.admit(ipv4(3), 100 * kMs), Verdict::TableFull);
    QCOMPARE(limiter.trackedIps(), std::size_t{3});
    // Addresses already known still get their tokens.
    QCOMPARE(limiter.admit(ipv4(0), 100 * kMs), Verdict::Admit);
}

void TestScrapeRateLimiter::fullTableEvictsAFullBucket() {
    ScrapeRateLimiter limiter(5, 10, 3);
    for (quint32 i = 0; i < 3; ++i)
        QCOMPARE(limiter.admit(ipv4(i), 0), Verdict::Admit);
    // ipv4(1) keeps scraping and stays below a full bucket; the others refill.
    QCOMPARE(admittedInARow(limiter, ipv4(1), 0), 9);
    QCOMPARE(limiter.admit(ipv4(3), 200 * kMs), Verdict::Admit);  // 0 and 2 are full again
    QCOMPARE(limiter.trackedIps(), std::size_t{3});
    QCOMPARE(limiter.admit(ipv4(4), 200 * kMs), Verdict::Admit);
    QCOMPARE(limiter.trackedIps(), std::size_t{3});
    // Now 1 (one token), 3 and 4 (9 of 10 each): nothing can go.
    QCOMPARE(limiter.admit(ipv4(5), 200 * kMs), Verdict::TableFull);
    // The limited address was kept: its bucket did not come back full.
    QCOMPARE(limiter.admit(ipv4(1), 200 * kMs), Verdict::Admit);
    QCOMPARE(limiter.admit(ipv4(1), 200 * kMs), Verdict::RateLimited);
}

void TestScrapeRateLimiter::fullTableEvictsAnIdleAddress() {
    // A burst this large takes longer than the idle limit to refill: age alone frees it.
    ScrapeRateLimiter limiter(1, 1000, 2);
    QCOMPARE(admittedInARow(limiter, ipv4(0), 0, 500), 500);
    QCOMPARE(admittedInARow(limiter, ipv4(1), 30 * kSecond, 500), 500);
    QCOMPARE(limiter.admit(ipv4(2), ScrapeRateLimiter::kIdleNs - 1), Verdict::TableFull);
    QCOMPARE(limiter.admit(ipv4(2), ScrapeRateLimiter::kIdleNs), Verdict::Admit);
    QCOMPARE(limiter.trackedIps(), std::size_t{2});
    // ipv4(0) was the one that went: it is back with a full bucket.
    QCOMPARE(limiter.admit(ipv4(1), ScrapeRateLimiter::kIdleNs), Verdict::Admit);
    QCOMPARE(limiter.admit(ipv4(0), ScrapeRateLimiter::kIdleNs), Verdict::TableFull);
}

void TestScrapeRateLimiter::refusalsLeaveTheTableAsItIs() {
    ScrapeRateLimiter limiter(5, 10, 1);
    QCOMPARE(limiter.admit(ipv4(0), 0), Verdict::Admit);
    for (quint32 i = 1; i < 50; ++i)
        QCOMPARE(limiter.admit(ipv4(i), 0), Verdict::TableFull);
    QCOMPARE(limiter.trackedIps(), std::size_t{1});
    QCOMPARE(admittedInARow(limiter, ipv4(0), 0), 9);
}

void TestScrapeRateLimiter::defaultCapacityIsUpstreams() {
    ScrapeRateLimiter limiter(5, 10);
    QCOMPARE(limiter.capacity(), std::size_t{1024});
    for (quint32 i = 0; i < 1024; ++i)
        QCOMPARE(limiter.admit(ipv4(i), 0), Verdict::Admit);
    QCOMPARE(limiter.admit(ipv4(1024), 0), Verdict::TableFull);
    QCOMPARE(limiter.trackedIps(), std::size_t{1024});
    // A tenth of a second later no bucket is full yet (9.5 of 10); at 0.2 s they all are.
    QCOMPARE(limiter.admit(ipv4(1024), 100 * kMs), Verdict::TableFull);
    QCOMPARE(limiter.admit(ipv4(1024), 200 * kMs), Verdict::Admit);
    QCOMPARE(limiter.trackedIps(), std::size_t{1024});
}

QTEST_GUILESS_MAIN(TestScrapeRateLimiter)
#include "tst_scrape_rate_limiter.moc"
