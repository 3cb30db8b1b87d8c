// A snapshot's rows copied over several turns may meet an agent twice; the render shows
// it once, as its later row says.
#include "core/metrics/metrics_rows.h"

#include <QTest>

using namespace varta;

namespace {

MetricsAgentRow row(std::uint32_t pid, std::uint64_t beats) {
    MetricsAgentRow r;
    r.key = AgentKey::local(pid);
    r.beats = beats;
    return r;
}

}  // namespace

class TstMetricsRows : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rowsWithoutRepeatsAreLeftAlone() {
        std::vector<MetricsAgentRow> rows{row(10, 1), row(11, 2), row(12, 3)};
        keepLastRowOfEachAgent(rows);
        QCOMPARE(rows.size(), std::size_t(3));
        QCOMPARE(rows[0].key.pid, 10u);
        QCOMPARE(rows[2].key.pid, 12u);
    }

    void aRepeatedAgentKeepsItsLaterRowOnly() {
        // 11 was copied, erased, tracked again in a later slot and copied again.
        std::vector<MetricsAgentRow> rows{row(10, 1), row(11, 7), row(12, 3), row(11, 1)};
        keepLastRowOfEachAgent(rows);
        QCOMPARE(rows.size(), std::size_t(3));
        QCOMPARE(rows[0].key.pid, 10u);
        QCOMPARE(rows[1].key.pid, 12u);
        QCOMPARE(rows[2].key.pid, 11u);
        QCOMPARE(rows[2].beats, std::uint64_t(1));
    }

    void theSamePidFromAnotherOriginIsAnotherAgent() {
        std::vector<MetricsAgentRow> rows{row(10, 1), row(10, 2)};
        rows[1].key.transport = Transport::Udp;
        keepLastRowOfEachAgent(rows);
        QCOMPARE(rows.size(), std::size_t(2));
    }
};

QTEST_APPLESS_MAIN(TstMetricsRows)
#include "tst_metrics_rows.moc"
