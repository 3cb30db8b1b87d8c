// Which watchdog a run gets: systemd's pings every half WATCHDOG_USEC, the self-watchdog
// from --self-watchdog-secs or, under systemd's watchdog without the flag, 4 s.
#include "core/engine/engine_watchdog.h"

#include <QTest>

using namespace varta;

Q_DECLARE_METATYPE(std::optional<std::int64_t>)

class TestEngineWatchdog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void settings_data() {
        using Opt = std::optional<std::int64_t>;
        QTest::addColumn<Opt>("systemdIntervalNs");
        QTest::addColumn<Opt>("selfWatchdogSecs");
        QTest::addColumn<std::int64_t>("pingIntervalNs");
        QTest::addColumn<std::int64_t>("wedgeLimitNs");
        QTest::newRow("neither: off") << Opt{} << Opt{} << std::int64_t{0} << std::int64_t{0};
        QTest::newRow("systemd 8 s: pings every 4 s, self-watchdog 4 s")
            << Opt{8'000'000'000} << Opt{} << std::int64_t{4'000'000'000} << std::int64_t{4'000'000'000};
        QTest::newRow("systemd 8 s and the flag's 10 s")
            << Opt{8'000'000'000} << Opt{10} << std::int64_t{4'000'000'000} << std::int64_t{10'000'000'000};
        QTest::newRow("systemd 8 s and the flag's 0: pings only")
            << Opt{8'000'000'000} << Opt{0} << std::int64_t{4'000'000'000} << std::int64_t{0};
        QTest::newRow("the flag alone") << Opt{} << Opt{3} << std::int64_t{0} << std::int64_t{3'000'000'000};
    }
    void settings() {
        QFETCH(std::optional<std::int64_t>, systemdIntervalNs);
        QFETCH(std::optional<std::int64_t>, selfWatchdogSecs);
        QFETCH(std::int64_t, pingIntervalNs);
        QFETCH(std::int64_t, wedgeLimitNs);
        const EngineWatchdog::Settings s = EngineWatchdog::settingsFor(systemdIntervalNs, selfWatchdogSecs);
        QCOMPARE(s.pingIntervalNs, pingIntervalNs);
        QCOMPARE(s.wedgeLimitNs, wedgeLimitNs);
        // The engine ticks often enough that a fresh turn is always fresher than a ping.
        if (s.pingIntervalNs > 0)
            QVERIFY(std::int64_t{EngineWatchdog::turnTickMs(s)} * 1'000'000 < s.pingIntervalNs);
    }
};

QTEST_GUILESS_MAIN(TestEngineWatchdog)
#include "tst_engine_watchdog.moc"
