// The engine thread's iterations and stages: the outermost scope is one iteration, nested
// scopes are stages within it, a slow one is counted against the budget, and a thread
// without installed stats records nothing.
#include "core/base/loop_stats.h"

#include <QTest>

#include <thread>

using namespace varta;

class TestLoopStats : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void outermostScopeIsOneIteration() {
        LoopStats stats(1'000'000'000);
        LoopStats::install(&stats);
        {
            const LoopStats::Scope poll(LoopStage::Poll);
            const LoopStats::Scope drain(LoopStage::DrainPending);  // a stall pass inside a read
        }
        LoopStats::install(nullptr);
        QCOMPARE(stats.counters().iterations, std::uint64_t{1});
        QCOMPARE(stats.counters().iteration.count(), std::uint64_t{1});
        QCOMPARE(stats.counters().stages[std::size_t(LoopStage::Poll)].count(), std::uint64_t{1});
        QCOMPARE(stats.counters().stages[std::size_t(LoopStage::DrainPending)].count(), std::uint64_t{1});
        QCOMPARE(stats.counters().stages[std::size_t(LoopStage::Housekeeping)].count(), std::uint64_t{0});
    }

    void aSlowIterationIsCounted() {
        LoopStats stats(5'000'000);  // 5 ms
        LoopStats::install(&stats);
        { const LoopStats::Scope quick(LoopStage::Housekeeping); }
        {
            const LoopStats::Scope slow(LoopStage::RecoveryReap);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        LoopStats::install(nullptr);
        QCOMPARE(stats.counters().iterations, std::uint64_t{2});
        QCOMPARE(stats.counters().iterationBudgetExceeded, std::uint64_t{1});
        QVERIFY(stats.counters().iteration.sum() >= 0.02);
    }

    void otherThreadsRecordNothing() {
        LoopStats stats(1'000'000'000);
        LoopStats::install(&stats);
        std::thread([] { const LoopStats::Scope elsewhere(LoopStage::Poll); }).join();
        LoopStats::install(nullptr);
        QCOMPARE(stats.counters().iterations, std::uint64_t{0});
    }

    void upstreamStageLabels() {
        const QStringList expected{"drain_pending", "poll",          "maintenance",
                                   "recovery_reap", "serve_pending", "housekeeping"};
        for (std::size_t i = 0; i < kLoopStageCount; ++i)
            QCOMPARE(QString(loopStageLabel(LoopStage(i))), expected[qsizetype(i)]);
    }
};

QTEST_GUILESS_MAIN(TestLoopStats)
#include "tst_loop_stats.moc"
