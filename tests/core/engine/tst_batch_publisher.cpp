// What the publisher puts in its batches: every agent once when publishing starts, then
// the agents that changed. Folding (consoles elsewhere): an agent whose only change is a
// beat goes out at most once per StreamEncoder::kBeatFoldMs, with its newest beat, and
// any other change at once. Without folding (a window in this process) every beat.
// The publisher runs on its real 50 ms timer and the engine clock, so the waits are real.
#include "core/base/engine_clock.h"
#include "core/engine/batch_publisher.h"
#include "core/engine/stream_encoder.h"

#include <QElapsedTimer>
#include <QTest>

using namespace varta;

namespace {

TrackerOptions options() {
    TrackerOptions o;
    o.thresholdMs = 600'000;
    o.capacity = 64;
    o.maxBeatRate = 0;
    return o;
}

struct Rig {
    explicit Rig(bool folding) : tracker(options(), counters), publisher(tracker, [] { return EngineStats{}; }) {
        QObject::connect(&publisher, &BatchPublisher::batchReady, [this](const EngineBatch &b) { batches.append(b); });
        publisher.setFoldingBeats(folding);
        publisher.setPublishing(true);
    }
    void beat(std::uint32_t pid, vlp::Status status = vlp::Status::Ok) {
        tracker.onBeat(AgentKey::local(pid), vlp::Frame{status, pid, 0, ++nonces[pid], 0}, engineNowNs());
    }
    // The agents of the batches published from now until `ms` have passed, and when.
    QList<std::pair<std::uint32_t, std::uint64_t>> publishedDuring(int ms) {
        batches.clear();
        QTest::qWait(ms);
        QList<std::pair<std::uint32_t, std::uint64_t>> out;  // pid, beats
        for (const EngineBatch &b : batches)
            for (const AgentSnapshot &a : b.agents)
                out.append({a.key.pid, a.beats});
        return out;
    }

    TrackerCounters counters;
    AgentTracker tracker;
    BatchPublisher publisher;
    QList<EngineBatch> batches;
    QHash<std::uint32_t, std::uint64_t> nonces;
};

}  // namespace

class TestBatchPublisher : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void withoutFoldingEveryBeatGoesOut() {
        Rig rig(false);
        rig.beat(1);
        QCOMPARE(rig.publishedDuring(120).size(), 1);
        for (int i = 0; i < 3; ++i) {
            rig.beat(1);
            QCOMPARE(rig.publishedDuring(120).size(), 1);
        }
    }

    void foldedBeatsGoOutOnceASecondWithTheNewest() {
        Rig rig(true);
        rig.beat(1);
        rig.beat(2);
        QCOMPARE(rig.publishedDuring(120).size(), 2);  // a first beat goes out at once
        QElapsedTimer clock;
        clock.start();
        QList<std::pair<std::uint32_t, std::uint64_t>> seen;
        std::uint64_t beats = 1;
        while (clock.elapsed() < 1500) {
            rig.beat(1);
            ++beats;
            seen += rig.publishedDuring(100);
        }
        // One entry for agent 1 after its second, carrying the beats up to then; agent 2
        // did not beat again.
        QCOMPARE(seen.size(), 1);
        QCOMPARE(seen[0].first, 1u);
        QVERIFY2(seen[0].second >= 3 && seen[0].second <= beats, qPrintable(QString::number(seen[0].second)));
        QVERIFY(rig.tracker.owedBeats() <= 1);
    }

    void aChangeOfStatusIsNeverHeldBack() {
        Rig rig(true);
        rig.beat(1);
        QCOMPARE(rig.publishedDuring(120).size(), 1);
        rig.beat(1);
        QCOMPARE(rig.publishedDuring(120).size(), 0);  // owed
        QCOMPARE(rig.tracker.owedBeats(), 1);
        rig.beat(1, vlp::Status::Degraded);
        const auto seen = rig.publishedDuring(120);
        QCOMPARE(seen.size(), 1);
        QCOMPARE(seen[0].second, 3u);
        QCOMPARE(rig.tracker.owedBeats(), 0);
        QCOMPARE(rig.publishedDuring(StreamEncoder::kBeatEveryMs + 100).size(), 0);  // nothing left owed
    }

    void anOwedBeatOfAnAgentGoneSinceIsDropped() {
        Rig rig(true);
        rig.beat(1);
        QCOMPARE(rig.publishedDuring(120).size(), 1);
        rig.beat(1);
        QCOMPARE(rig.publishedDuring(120).size(), 0);
        QVERIFY(rig.tracker.forget(AgentKey::local(1)));
        QCOMPARE(rig.publishedDuring(StreamEncoder::kBeatEveryMs + 100).size(), 0);
        QCOMPARE(rig.tracker.owedBeats(), 0);
    }
};

QTEST_GUILESS_MAIN(TestBatchPublisher)
#include "tst_batch_publisher.moc"
