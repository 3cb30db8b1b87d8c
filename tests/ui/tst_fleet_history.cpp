// The fleet band's history: one sample per batch, merged to one per second with the
// peaks kept, unchanged counts adding nothing, and a named cap with a drop counter.
#include "tests/support/test_batches.h"
#include "ui/models/fleet_history.h"

#include <QTest>

using namespace varta;
using varta::ui::FleetCounts;
using varta::ui::FleetHistory;

namespace {
FleetCounts counts(std::uint32_t up, std::uint32_t stalled) {
    FleetCounts c{};
    c[std::size_t(AgentState::Up)] = up;
    c[std::size_t(AgentState::Stalled)] = stalled;
    return c;
}
constexpr auto kStalled = std::size_t(AgentState::Stalled);
}  // namespace

class TestFleetHistory : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void takesTheBatchStats() {
        FleetHistory history;
        EngineStats s = test::stats(5'000);
        s.agentsByState[int(AgentState::Up)] = 19'600;
        s.agentsByState[int(AgentState::Stalled)] = 400;
        history.append(s);
        QCOMPARE(history.size(), 1);
        QCOMPARE(history.at(0).atMs, EngineMs(5'000));
        QCOMPARE(history.current(), counts(19'600, 400));
        QVERIFY(history.seen(AgentState::Stalled));
        QVERIFY(!history.seen(AgentState::Exited));
    }

    // 20 batches a second make one sample a second; a stall that came and went within it
    // is kept as the sample's peak.
    void batchesWithinASecondMergeKeepingThePeak() {
        FleetHistory history;
        history.append(0, counts(100, 0));
        history.append(50, counts(97, 3));
        history.append(100, counts(100, 0));
        QCOMPARE(history.size(), 1);
        QCOMPARE(history.at(0).last, counts(100, 0));
        QCOMPARE(history.at(0).peak[kStalled], 3u);
        QVERIFY(history.seen(AgentState::Stalled));
        history.append(FleetHistory::kSampleSpacingMs, counts(100, 0));
        QCOMPARE(history.size(), 2);  // the peak ends with its second
        QCOMPARE(history.at(1).peak[kStalled], 0u);
    }

    void unchangedCountsAddNoSample() {
        FleetHistory history;
        for (EngineMs t = 0; t < 60'000; t += 50)
            history.append(t, counts(10, 2));
        QCOMPARE(history.size(), 1);
        history.append(60'000, counts(11, 1));
        QCOMPARE(history.size(), 2);
        QCOMPARE(history.sampleAt(59'999)->last, counts(10, 2));
        QCOMPARE(history.sampleAt(60'000)->last, counts(11, 1));
        QCOMPARE(history.indexAt(-1), qsizetype(-1));
        QVERIFY(!history.sampleAt(-1));
    }

    void boundedByTheCapAndCountsTheDropped() {
        FleetHistory history;
        const qsizetype extra = 123;
        for (qsizetype i = 0; i < FleetHistory::kMaxSamples + extra; ++i)
            history.append(EngineMs(i) * FleetHistory::kSampleSpacingMs, counts(1, std::uint32_t(i % 2)));
        QCOMPARE(history.size(), FleetHistory::kMaxSamples);
        QCOMPARE(history.droppedCount(), std::uint64_t(extra));
        QCOMPARE(history.at(0).atMs, EngineMs(extra) * FleetHistory::kSampleSpacingMs);
        // 24 hours of counts that change every second fit.
        QCOMPARE(FleetHistory::kMaxSamples * FleetHistory::kSampleSpacingMs, EngineMs(24) * 3'600'000);
    }

    // A state is seen while a kept sample has it: once dropped, its strip can go.
    void seenFollowsTheKeptSamples() {
        FleetHistory history;
        history.append(0, counts(1, 1));
        for (qsizetype i = 1; i <= FleetHistory::kMaxSamples; ++i)
            history.append(EngineMs(i) * FleetHistory::kSampleSpacingMs, counts(std::uint32_t(2 + i % 2), 0));
        QVERIFY(!history.seen(AgentState::Stalled));
        QVERIFY(history.seen(AgentState::Up));
    }
};

QTEST_GUILESS_MAIN(TestFleetHistory)
#include "tst_fleet_history.moc"
