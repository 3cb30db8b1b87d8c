// StallScheduler on a real tracker: before it decides anyone is silent it reads what
// arrived before each deadline, one deadline at a time, oldest first, so a beat queued in
// time always counts, and the first stall due never waits for the whole backlog.
#include "core/base/engine_clock.h"
#include "core/engine/stall_scheduler.h"
#include "core/tracking/agent_tracker.h"

#include <QCoreApplication>
#include <QTest>

#include <vector>

using namespace varta;

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kThresholdMs = 2000;

TrackerOptions options() {
    TrackerOptions o;
    o.thresholdMs = kThresholdMs;
    o.capacity = 64;
    o.maxBeatRate = 0;
    return o;
}

vlp::Frame beat(std::uint32_t pid, std::uint64_t nonce) { return vlp::Frame{vlp::Status::Ok, pid, 0, nonce, 0}; }

// Plays the listeners: each read is recorded, and may deliver a beat that was queued.
class FakeListeners : public StallSink {
public:
    explicit FakeListeners(AgentTracker &tracker) : m_tracker(tracker) {}

    std::int64_t drainQueuedBeats(std::int64_t untilNs) override {
        asked.push_back(untilNs);
        if (stopShortOnce) {
            stopShortOnce = false;
            return untilNs - 1;  // as a read that hit its per-wakeup bound
        }
        for (auto queued = queuedBeats.begin(); queued != queuedBeats.end();)
            if (queued->second < untilNs) {
                m_tracker.onBeat(AgentKey::local(queued->first), beat(queued->first, 2), queued->second);
                queued = queuedBeats.erase(queued);
            } else {
                ++queued;
            }
        return untilNs;
    }
    void onStall(const AgentRecord &agent, std::int64_t) override { stalled.push_back(agent.key.pid); }
    void afterStalls() override { ++surfacings; }

    std::vector<std::int64_t> asked;
    std::vector<std::uint32_t> stalled;
    std::vector<std::pair<std::uint32_t, std::int64_t>> queuedBeats;  // pid, arrival
    bool stopShortOnce = false;
    int surfacings = 0;

private:
    AgentTracker &m_tracker;
};

struct Rig {
    TrackerCounters counters;
    AgentTracker tracker{options(), counters};
    FakeListeners listeners{tracker};
    StallScheduler scheduler{tracker, listeners};
    // Agents that beat once, `agoMs` before now each.
    void beatAgo(std::uint32_t pid, std::int64_t agoMs) {
        tracker.onBeat(AgentKey::local(pid), beat(pid, 1), engineNowNs() - agoMs * kMs);
    }
    std::int64_t deadlineOf(std::int64_t beatNs) const { return beatNs + kThresholdMs * kMs; }
};

}  // namespace

class TstStallScheduler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Three agents overdue by 30, 20 and 10 ms: the backlog is read up to each one's
    // deadline in turn, not up to now in one go.
    void theBacklogIsReadADeadlineAtATime() {
        Rig rig;
        const std::int64_t now = engineNowNs();
        const std::int64_t beats[] = {now - (kThresholdMs + 30) * kMs, now - (kThresholdMs + 20) * kMs,
                                      now - (kThresholdMs + 10) * kMs};
        for (std::uint32_t pid = 1; pid <= 3; ++pid)
            rig.tracker.onBeat(AgentKey::local(pid), beat(pid, 1), beats[pid - 1]);
        rig.scheduler.arm();
        QTRY_COMPARE(rig.listeners.stalled.size(), std::size_t(3));
        QCOMPARE(rig.listeners.stalled, (std::vector<std::uint32_t>{1, 2, 3}));
        QCOMPARE(rig.listeners.asked, (std::vector<std::int64_t>{rig.deadlineOf(beats[0]), rig.deadlineOf(beats[1]),
                                                                 rig.deadlineOf(beats[2])}));
        QCOMPARE(rig.listeners.surfacings, 1);
    }

    // A beat still queued that arrived before its agent's deadline counts: the agent moves
    // on, and only the one that really fell silent stalls.
    void aBeatQueuedInTimeIsNeverTakenForSilence() {
        Rig rig;
        const std::int64_t now = engineNowNs();
        const std::int64_t first = now - (kThresholdMs + 30) * kMs;
        rig.tracker.onBeat(AgentKey::local(1), beat(1, 1), first);
        rig.tracker.onBeat(AgentKey::local(2), beat(2, 1), now - (kThresholdMs + 20) * kMs);
        rig.listeners.queuedBeats.push_back({1, rig.deadlineOf(first) - 1});
        rig.scheduler.arm();
        QTRY_COMPARE(rig.listeners.stalled.size(), std::size_t(1));
        QCOMPARE(rig.listeners.stalled.front(), 2u);
        QVERIFY(rig.listeners.queuedBeats.empty());
        QCOMPARE(rig.tracker.record(rig.tracker.find(AgentKey::local(1))).beats, 2u);
    }

    // A read that stops at its bound before the deadline decides nobody; the next turn of
    // the event loop reads on and surfaces the stall.
    void aReadStoppedShortLeavesTheStallForTheNextTurn() {
        Rig rig;
        rig.beatAgo(1, kThresholdMs + 10);
        rig.listeners.stopShortOnce = true;
        rig.scheduler.arm();
        QTRY_COMPARE(rig.listeners.stalled.size(), std::size_t(1));
        QCOMPARE(rig.listeners.asked.size(), std::size_t(2));
        QCOMPARE(rig.listeners.asked[0], rig.listeners.asked[1]);
        QCOMPARE(rig.listeners.surfacings, 2);
    }

    // Agents not yet due are not read for.
    void nothingDueReadsNothing() {
        Rig rig;
        rig.beatAgo(1, 0);
        rig.scheduler.arm();
        QTest::qWait(50);
        QVERIFY(rig.listeners.asked.empty());
        QVERIFY(rig.listeners.stalled.empty());
    }
};

QTEST_GUILESS_MAIN(TstStallScheduler)
#include "tst_stall_scheduler.moc"
