// The exposition format as Prometheus parses it: HELP/TYPE, labels and their escaping,
// numbers, histograms, row writers, and the one-second render cache.
#include "core/base/histogram.h"
#include "core/metrics/metrics_registry.h"
#include "core/metrics/metrics_text_writer.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace varta;

namespace {

std::string_view view(const QByteArray &bytes) {
    return std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size()));
}

// A clock the test moves by hand, so cache expiry is exact and needs no waiting.
struct FakeClock {
    std::int64_t now = 5'000'000'000;
    MetricsRegistry::Clock function() {
        return [this] { return now; };
    }
};

}  // namespace

class TestMetricsRegistry : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void labelValueEscaping_data();
    void labelValueEscaping();
    void helpEscaping();
    void numbers_data();
    void numbers();
    void names_data();
    void names();
    void familiesRenderInOrderWithHelpAndType();
    void valuesAreReadAtRenderTime();
    void rowWriterAppendsRowsAfterFixedSamples();
    void histogramBuckets_data();
    void histogramBuckets();
    void histogramRender();
    void cacheHoldsForOneSecond();
    void invalidateForcesRender();
    void clockGoingBackwardsForcesRender();
    void renderNeverWritesIntoABodyStillHeld();
    void reusedMemoryLeavesNoStaleTail();
};

void TestMetricsRegistry::labelValueEscaping_data() {
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("plain") << QByteArray("udp:10.0.0.1") << QByteArray(R"({l="udp:10.0.0.1"})");
    QTest::newRow("empty") << QByteArray("") << QByteArray(R"({l=""})");
    QTest::newRow("backslash") << QByteArray(R"(a\b)") << QByteArray(R"({l="a\\b"})");
    QTest::newRow("quote") << QByteArray(R"(say "hi")") << QByteArray(R"({l="say \"hi\""})");
    QTest::newRow("newline") << QByteArray("two\nlines") << QByteArray(R"({l="two\nlines"})");
    QTest::newRow("all three at the ends") << QByteArray("\"\\\n") << QByteArray(R"({l="\"\\\n"})");
    QTest::newRow("utf-8 kept") << QByteArray("caf\xc3\xa9") << QByteArray("{l=\"caf\xc3\xa9\"}");
    QTest::newRow("tab kept") << QByteArray("a\tb") << QByteArray("{l=\"a\tb\"}");
}

void TestMetricsRegistry::labelValueEscaping() {
    QFETCH(QByteArray, value);
    QFETCH(QByteArray, expected);
    QCOMPARE(MetricsTextWriter::renderLabels({{"l", view(value)}}), expected);

    MetricsTextWriter writer;
    writer.beginRow("m");
    writer.label("l", view(value));
    writer.endRow(std::uint64_t{1});
    QCOMPARE(writer.take(), QByteArray("m") + expected + " 1\n");
}

void TestMetricsRegistry::helpEscaping() {
    MetricsTextWriter writer;
    // In HELP only backslash and newline are escaped; quotes stay as they are.
    writer.familyHeader("m_total", "counter", "a \"quoted\" back\\slash\nand more");
    QCOMPARE(writer.take(), QByteArray("# HELP m_total a \"quoted\" back\\\\slash\\nand more\n"
                                       "# TYPE m_total counter\n"));
}

void TestMetricsRegistry::numbers_data() {
    QTest::addColumn<double>("value");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("zero") << 0.0 << QByteArray("0");
    QTest::newRow("integer") << 42.0 << QByteArray("42");
    QTest::newRow("half") << 0.5 << QByteArray("0.5");
    QTest::newRow("small") << 0.0005 << QByteArray("0.0005");
    QTest::newRow("negative") << -1.25 << QByteArray("-1.25");
    QTest::newRow("uptime-like") << 123456.789 << QByteArray("123456.789");
    QTest::newRow("tiny") << 0.000001 << QByteArray("1e-06");
    QTest::newRow("huge") << 1e20 << QByteArray("1e+20");
    QTest::newRow("+Inf") << std::numeric_limits<double>::infinity() << QByteArray("+Inf");
    QTest::newRow("-Inf") << -std::numeric_limits<double>::infinity() << QByteArray("-Inf");
    QTest::newRow("NaN") << std::numeric_limits<double>::quiet_NaN() << QByteArray("NaN");
}

void TestMetricsRegistry::numbers() {
    QFETCH(double, value);
    QFETCH(QByteArray, expected);
    MetricsTextWriter writer;
    writer.sample("g", "", value);
    QCOMPARE(writer.take(), "g " + expected + "\n");
}

void TestMetricsRegistry::names_data() {
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("validMetric");
    QTest::addColumn<bool>("validLabel");
    QTest::newRow("snake") << QByteArray("varta_beats_total") << true << true;
    QTest::newRow("leading underscore") << QByteArray("_x") << true << true;
    QTest::newRow("colon") << QByteArray("job:rate5m") << true << false;
    QTest::newRow("digit inside") << QByteArray("a1") << true << true;
    QTest::newRow("leading digit") << QByteArray("1a") << false << false;
    QTest::newRow("dash") << QByteArray("a-b") << false << false;
    QTest::newRow("dot") << QByteArray("a.b") << false << false;
    QTest::newRow("empty") << QByteArray("") << false << false;
}

void TestMetricsRegistry::names() {
    QFETCH(QByteArray, name);
    QFETCH(bool, validMetric);
    QFETCH(bool, validLabel);
    QCOMPARE(MetricsTextWriter::isValidMetricName(view(name)), validMetric);
    QCOMPARE(MetricsTextWriter::isValidLabelName(view(name)), validLabel);
}

void TestMetricsRegistry::familiesRenderInOrderWithHelpAndType() {
    FakeClock clock;
    MetricsRegistry registry(clock.function());
    const std::uint64_t hits = 7;
    const std::uint64_t get = 3;
    const std::uint64_t put = 18446744073709551615ull;
    registry.counter("app_hits_total", "Hits.").addValue(&hits);
    registry.gauge("app_temperature", "Degrees.").addReal([] { return 21.5; });
    registry.counter("app_requests_total", "Requests by method.")
        .addValue(&get, {{"method", "GET"}})
        .addValue(&put, {{"method", "PUT"}, {"path", "/x"}});
    registry.counter("app_empty_total", "Nothing yet.");

    QCOMPARE(registry.familyCount(), std::size_t{4});
    QVERIFY(registry.family("app_temperature"));
    QCOMPARE(registry.family("app_temperature")->type(), MetricType::Gauge);
    QVERIFY(!registry.family("app_missing"));

    QCOMPARE(registry.render(), QByteArray("# HELP app_hits_total Hits.\n"
                                           "# TYPE app_hits_total counter\n"
                                           "app_hits_total 7\n"
                                           "# HELP app_temperature Degrees.\n"
                                           "# TYPE app_temperature gauge\n"
                                           "app_temperature 21.5\n"
                                           "# HELP app_requests_total Requests by method.\n"
                                           "# TYPE app_requests_total counter\n"
                                           "app_requests_total{method=\"GET\"} 3\n"
                                           "app_requests_total{method=\"PUT\",path=\"/x\"} 18446744073709551615\n"
                                           "# HELP app_empty_total Nothing yet.\n"
                                           "# TYPE app_empty_total counter\n"));
}

void TestMetricsRegistry::valuesAreReadAtRenderTime() {
    FakeClock clock;
    MetricsRegistry registry(clock.function());
    std::uint64_t pointed = 1;
    std::uint64_t called = 10;
    registry.counter("a_total", "A.").addValue(&pointed);
    registry.gauge("b", "B.").addInteger([&called] { return called; });
    QVERIFY(registry.render().contains("a_total 1\n"));
    pointed = 2;
    called = 20;
    clock.now += MetricsRegistry::kRenderCacheNs;
    const QByteArray body = registry.render();
    QVERIFY2(body.contains("a_total 2\n"), body.constData());
    QVERIFY2(body.contains("b 20\n"), body.constData());
}

void TestMetricsRegistry::rowWriterAppendsRowsAfterFixedSamples() {
    FakeClock clock;
    MetricsRegistry registry(clock.function());
    const std::uint64_t fixed = 5;
    const std::vector<std::pair<std::uint32_t, std::string>> rows{{42, "uds"}, {7, "a\"b"}};
    registry.gauge("per_row", "Rows.")
        .addValue(&fixed, {{"pid", "0"}})
        .setRowWriter([&rows](MetricsTextWriter &out, std::string_view name) {
            for (const auto &[pid, origin] : rows) {
                out.beginRow(name);
                out.label("pid", std::uint64_t{pid});
                out.label("origin", origin);
                out.endRow(std::uint64_t{pid} * 2);
            }
        });
    QCOMPARE(registry.render(), QByteArray("# HELP per_row Rows.\n"
                                           "# TYPE per_row gauge\n"
                                           "per_row{pid=\"0\"} 5\n"
                                           "per_row{pid=\"42\",origin=\"uds\"} 84\n"
                                           "per_row{pid=\"7\",origin=\"a\\\"b\"} 14\n"));
}

void TestMetricsRegistry::histogramBuckets_data() {
    QTest::addColumn<QList<double>>("observations");
    QTest::addColumn<QList<quint64>>("cumulative");  // le=0.001, 0.01, 0.1, +Inf
    QTest::newRow("none") << QList<double>{} << QList<quint64>{0, 0, 0, 0};
    QTest::newRow("one per bucket") << QList<double>{0.0005, 0.005, 0.05, 5.0} << QList<quint64>{1, 2, 3, 4};
    QTest::newRow("bounds are inclusive") << QList<double>{0.001, 0.01, 0.1} << QList<quint64>{1, 2, 3, 3};
    QTest::newRow("just above a bound") << QList<double>{0.0010001} << QList<quint64>{0, 1, 1, 1};
    QTest::newRow("negative counts as zero") << QList<double>{-0.002} << QList<quint64>{1, 1, 1, 1};
    QTest::newRow("NaN ignored") << QList<double>{std::nan(""), 0.02} << QList<quint64>{0, 0, 1, 1};
    QTest::newRow("infinity in +Inf") << QList<double>{std::numeric_limits<double>::infinity()}
                                      << QList<quint64>{0, 0, 0, 1};
}

void TestMetricsRegistry::histogramBuckets() {
    QFETCH(QList<double>, observations);
    QFETCH(QList<quint64>, cumulative);
    Histogram histogram({0.001, 0.01, 0.1});
    for (const double seconds : observations)
        histogram.observe(seconds);
    QCOMPARE(histogram.upperBounds().size(), std::size_t{3});
    for (qsizetype i = 0; i < cumulative.size(); ++i)
        QCOMPARE(histogram.cumulativeCount(static_cast<std::size_t>(i)), cumulative[i]);
    QCOMPARE(histogram.count(), cumulative.back());
}

void TestMetricsRegistry::histogramRender() {
    FakeClock clock;
    MetricsRegistry registry(clock.function());
    Histogram lag = Histogram::forStallLag();
    registry.histogram("lag_seconds", "Lag.", &lag);
    // Powers of two, so the sum is exact.
    lag.observe(0.000244140625);
    lag.observe(0.001953125);
    lag.observe(0.00390625);
    lag.observe(2.0);
    QCOMPARE(registry.render(), QByteArray("# HELP lag_seconds Lag.\n"
                                           "# TYPE lag_seconds histogram\n"
                                           "lag_seconds_bucket{le=\"0.0005\"} 1\n"
                                           "lag_seconds_bucket{le=\"0.001\"} 1\n"
                                           "lag_seconds_bucket{le=\"0.0025\"} 2\n"
                                           "lag_seconds_bucket{le=\"0.005\"} 3\n"
                                           "lag_seconds_bucket{le=\"0.01\"} 3\n"
                                           "lag_seconds_bucket{le=\"0.025\"} 3\n"
                                           "lag_seconds_bucket{le=\"0.05\"} 3\n"
                                           "lag_seconds_bucket{le=\"0.1\"} 3\n"
                                           "lag_seconds_bucket{le=\"0.25\"} 3\n"
                                           "lag_seconds_bucket{le=\"0.5\"} 3\n"
                                           "lag_seconds_bucket{le=\"1\"} 3\n"
                                           "lag_seconds_bucket{le=\"+Inf\"} 4\n"
                                           "lag_seconds_sum 2.006103515625\n"
                                           "lag_seconds_count 4\n"));
}

void TestMetricsRegistry::cacheHoldsForOneSecond() {
    QCOMPARE(MetricsRegistry::kRenderCacheNs, std::int64_t{1'000'000'000});
    FakeClock clock;
    MetricsRegistry registry(clock.function());
    std::uint64_t value = 1;
    int reads = 0;
    registry.counter("c_total", "C.").addInteger([&] {
        ++reads;
        return value;
    });
    const QByteArray first = registry.render();
    QCOMPARE(reads, 1);
    value = 2;
    clock.now += MetricsRegistry::kRenderCacheNs - 1;
    QCOMPARE(registry.render(), first);
    QCOMPARE(reads, 1);
    clock.now += 1;
    QVERIFY(registry.render().contains("c_total 2\n"));
    QCOMPARE(reads, 2);
}

void TestMetricsRegistry::invalidateForcesRender() {
    FakeClock clock;
    MetricsRegistry registry(clock.function());
    std::uint64_t value = 1;
    registry.counter("c_total", "C.").addValue(&value);
    QVERIFY(registry.render().contains("c_total 1\n"));
    value = 9;
    QVERIFY(registry.render().contains("c_total 1\n"));
    registry.invalidate();
    QVERIFY(registry.render().contains("c_total 9\n"));
}

void TestMetricsRegistry::clockGoingBackwardsForcesRender() {
    FakeClock clock;
    MetricsRegistry registry(clock.function());
    std::uint64_t value = 1;
    registry.counter("c_total", "C.").addValue(&value);
    registry.render();
    value = 3;
    clock.now -= 1;
    QVERIFY(registry.render().contains("c_total 3\n"));
}

void TestMetricsRegistry::renderNeverWritesIntoABodyStillHeld() {
    FakeClock clock;
    MetricsRegistry registry(clock.function());
    std::uint64_t value = 1;
    registry.counter("c_total", "C.").addValue(&value);
    const QByteArray held = registry.render();  // e.g. a response still being sent
    const QByteArray copy(held.constData(), held.size());
    value = 2;
    clock.now += MetricsRegistry::kRenderCacheNs;
    QVERIFY(registry.render().contains("c_total 2\n"));
    QCOMPARE(held, copy);
}

void TestMetricsRegistry::reusedMemoryLeavesNoStaleTail() {
    FakeClock clock;
    MetricsRegistry registry(clock.function());
    std::vector<std::uint64_t> rows(1000, 123456789);
    registry.gauge("g", "G.").setRowWriter([&rows](MetricsTextWriter &out, std::string_view name) {
        for (std::size_t i = 0; i < rows.size(); ++i) {
            out.beginRow(name);
            out.label("i", std::uint64_t{i});
            out.endRow(rows[i]);
        }
    });
    const qsizetype longSize = registry.render().size();  // not held: its memory is reused
    rows.resize(2);
    clock.now += MetricsRegistry::kRenderCacheNs;
    const QByteArray shorter = registry.render();
    QVERIFY(shorter.size() < longSize);
    QCOMPARE(shorter, QByteArray("# HELP g G.\n# TYPE g gauge\ng{i=\"0\"} 123456789\ng{i=\"1\"} 123456789\n"));
}

QTEST_GUILESS_MAIN(TestMetricsRegistry)
#include "tst_metrics_registry.moc"
