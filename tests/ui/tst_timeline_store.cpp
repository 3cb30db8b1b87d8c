// Timeline history: bounded per agent and in total, and turned into the segments a lane
// draws.
#include "tests/support/test_batches.h"
#include "ui/models/timeline_store.h"

#include <QTest>

using namespace varta;
using namespace varta::test;
using varta::ui::TimelineSegment;
using varta::ui::TimelineStore;

Q_DECLARE_METATYPE(QList<varta::StateTransition>)
Q_DECLARE_METATYPE(QList<varta::ui::TimelineSegment>)

namespace {
StateTransition transition(const AgentKey &key, EngineMs at, AgentState from, AgentState to) {
    return {key, at, from, to};
}
}  // namespace

class TestTimelineStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void keepsNewestPerAgent() {
        TimelineStore store;
        QList<StateTransition> many;
        for (int i = 0; i < TimelineStore::kMaxPerAgent + 88; ++i)
            many.append(transition(AgentKey::local(1), i, AgentState::Up, AgentState::Stalled));
        many.append(transition(AgentKey::local(2), 5, AgentState::Up, AgentState::Paused));
        store.append(many);
        QCOMPARE(store.history(AgentKey::local(1)).size(), TimelineStore::kMaxPerAgent);
        QCOMPARE(store.history(AgentKey::local(1)).front().atMs, EngineMs(88));
        QCOMPARE(store.history(AgentKey::local(2)).size(), 1);
        QCOMPARE(store.totalCount(), TimelineStore::kMaxPerAgent + 1);
        QCOMPARE(store.droppedCount(), 88u);
    }

    void totalBoundDropsLeastRecentlyChangedAgent() {
        TimelineStore store;
        const int agents = int(TimelineStore::kMaxTotal / TimelineStore::kMaxPerAgent);
        for (int a = 0; a < agents; ++a) {
            QList<StateTransition> full;
            for (int i = 0; i < TimelineStore::kMaxPerAgent; ++i)
                full.append(transition(AgentKey::local(std::uint32_t(a)), i, AgentState::Up, AgentState::Degraded));
            store.append(full);
        }
        QCOMPARE(store.totalCount(), TimelineStore::kMaxTotal);
        // Agent 0 changes again, so agent 1 is now the least recently changed.
        store.append({transition(AgentKey::local(0), 10'000, AgentState::Degraded, AgentState::Up)});
        store.append({transition(AgentKey::local(9999), 1, AgentState::Up, AgentState::Stalled)});
        QVERIFY(store.totalCount() <= TimelineStore::kMaxTotal);
        QVERIFY(store.history(AgentKey::local(1)).isEmpty());
        QVERIFY(!store.history(AgentKey::local(0)).isEmpty());
        QCOMPARE(store.history(AgentKey::local(9999)).size(), 1);
    }

    void removeForgetsAgent() {
        TimelineStore store;
        store.append({transition(AgentKey::local(1), 1, AgentState::Up, AgentState::Stalled),
                      transition(AgentKey::local(2), 1, AgentState::Up, AgentState::Stalled)});
        store.remove({AgentKey::local(1)});
        QVERIFY(store.history(AgentKey::local(1)).isEmpty());
        QCOMPARE(store.totalCount(), 1);
        QCOMPARE(store.agentCount(), 1);
    }

    void lateTransitionIsPutInPlace() {
        TimelineStore store;
        const AgentKey k = AgentKey::local(1);
        store.append({transition(k, 10, AgentState::Up, AgentState::Stalled),
                      transition(k, 30, AgentState::Recovering, AgentState::Up),
                      transition(k, 20, AgentState::Stalled, AgentState::Recovering)});
        const auto &h = store.history(k);
        QCOMPARE(h.size(), 3);
        QCOMPARE(h[1].atMs, EngineMs(20));
    }

    // A restarted unit keeps one lane: the old pid's segments go on under the new key,
    // from when the old pid was first seen.
    void continuedLaneKeepsItsHistory() {
        TimelineStore store;
        const AgentKey a = AgentKey::local(1);
        const AgentKey b = AgentKey::local(2);
        store.append({transition(a, 200, AgentState::Up, AgentState::Stalled),
                      transition(a, 300, AgentState::Stalled, AgentState::Exited)});
        store.continueAs(a, b, EngineMs(50));
        QVERIFY(store.history(a).isEmpty());
        QCOMPARE(store.history(b).size(), 2);
        QCOMPARE(store.history(b).front().key, b);
        QCOMPARE(store.agentCount(), 1);
        QCOMPARE(store.totalCount(), 2);
        store.append({transition(b, 600, AgentState::Up, AgentState::Degraded)});
        const QList<TimelineSegment> expected{{50, 200, AgentState::Up},
                                              {200, 300, AgentState::Stalled},
                                              {300, 600, AgentState::Exited},
                                              {600, 1000, AgentState::Degraded}};
        // The new pid was first seen at 400; the lane starts with the old one.
        QCOMPARE(store.segments(b, 400, AgentState::Degraded, 1000, false), expected);
        store.remove({a});
        QCOMPARE(store.history(b).size(), 3);
        store.remove({b});
        QCOMPARE(store.totalCount(), 0);
        QCOMPARE(store.agentCount(), 0);
    }

    void continuedLaneMergesWithTheNewKeysHistory() {
        TimelineStore store;
        const AgentKey a = AgentKey::local(1);
        const AgentKey b = AgentKey::local(2);
        QList<StateTransition> old;
        for (int i = 0; i < TimelineStore::kMaxPerAgent; ++i)
            old.append(transition(a, i, AgentState::Up, AgentState::Stalled));
        store.append(old);
        store.append({transition(b, 10'000, AgentState::Up, AgentState::Degraded)});
        store.continueAs(a, b);
        const QList<StateTransition> &h = store.history(b);
        QCOMPARE(h.size(), TimelineStore::kMaxPerAgent);
        QCOMPARE(h.front().atMs, EngineMs(1));  // the oldest went to make room
        QCOMPARE(h.back().atMs, EngineMs(10'000));
        QCOMPARE(store.totalCount(), TimelineStore::kMaxPerAgent);
        QCOMPARE(store.droppedCount(), 1u);
        // The least-recently-changed order knows the lane under its new key only.
        store.remove({b});
        QCOMPARE(store.agentCount(), 0);
        QCOMPARE(store.totalCount(), 0);
    }

    void segments_data() {
        const AgentKey k = AgentKey::local(1);
        QTest::addColumn<QList<StateTransition>>("history");
        QTest::addColumn<EngineMs>("firstSeen");
        QTest::addColumn<AgentState>("current");
        QTest::addColumn<bool>("currentSilent");
        QTest::addColumn<QList<TimelineSegment>>("expected");
        QTest::newRow("no history: current state since first seen")
            << QList<StateTransition>{} << EngineMs(100) << AgentState::Paused << false
            << QList<TimelineSegment>{{100, 1000, AgentState::Paused}};
        QTest::newRow("stall and recovery")
            << QList<StateTransition>{transition(k, 200, AgentState::Up, AgentState::Stalled),
                                      transition(k, 300, AgentState::Stalled, AgentState::Recovering),
                                      transition(k, 500, AgentState::Recovering, AgentState::Up)}
            << EngineMs(0) << AgentState::Up << false
            << QList<TimelineSegment>{{0, 200, AgentState::Up},
                                      {200, 300, AgentState::Stalled},
                                      {300, 500, AgentState::Recovering},
                                      {500, 1000, AgentState::Up}};
        QTest::newRow("current state wins after the last transition")
            << QList<StateTransition>{transition(k, 400, AgentState::Up, AgentState::Stalled)} << EngineMs(0)
            << AgentState::GaveUp << true
            << QList<TimelineSegment>{{0, 400, AgentState::Up}, {400, 1000, AgentState::GaveUp, true}};
        QTest::newRow("silence under an overlay splits it")
            << QList<StateTransition>{transition(k, 200, AgentState::Up, AgentState::Paused),
                                      {k, 500, AgentState::Paused, AgentState::Paused, true}}
            << EngineMs(0) << AgentState::Paused << true
            << QList<TimelineSegment>{{0, 200, AgentState::Up},
                                      {200, 500, AgentState::Paused, false},
                                      {500, 1000, AgentState::Paused, true}};
        // The tail began with the last transition into the current state: its silence, not
        // the snapshot's, which may already be the next transition's (in the same batch).
        QTest::newRow("the tail's silence is the last transition's")
            << QList<StateTransition>{transition(k, 200, AgentState::Up, AgentState::Paused),
                                      {k, 500, AgentState::Paused, AgentState::Paused, true}}
            << EngineMs(0) << AgentState::Paused << false
            << QList<TimelineSegment>{{0, 200, AgentState::Up},
                                      {200, 500, AgentState::Paused, false},
                                      {500, 1000, AgentState::Paused, true}};
        QTest::newRow("same-state neighbours merge")
            << QList<StateTransition>{transition(k, 400, AgentState::Up, AgentState::Up)} << EngineMs(0)
            << AgentState::Up << false << QList<TimelineSegment>{{0, 1000, AgentState::Up}};
    }
    void segments() {
        QFETCH(QList<StateTransition>, history);
        QFETCH(EngineMs, firstSeen);
        QFETCH(AgentState, current);
        QFETCH(bool, currentSilent);
        QFETCH(QList<TimelineSegment>, expected);
        TimelineStore store;
        store.append(history);
        QCOMPARE(store.segments(AgentKey::local(1), firstSeen, current, 1000, currentSilent), expected);
    }
};

QTEST_MAIN(TestTimelineStore)
#include "tst_timeline_store.moc"
