// The tracker's rules: nonces and replays, the panic frame, stalls surfaced exactly once
// at their deadline, capacity with both eviction policies, both rate limits, and origin
// pinning of local pids.
// Time is passed in explicitly, so every deadline is tested to the nanosecond.
#include "core/tracking/agent_tracker.h"
#include "tests/support/colliding_keys.h"

#include <QRandomGenerator>
#include <QTest>

#include <tuple>

using namespace varta;

Q_DECLARE_METATYPE(varta::EvictionPolicy)

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kThresholdMs = 2000;
constexpr std::int64_t kThreshold = kThresholdMs * kMs;

TrackerOptions options(std::uint32_t capacity = 64, EvictionPolicy policy = EvictionPolicy::Strict) {
    TrackerOptions o;
    o.thresholdMs = kThresholdMs;
    o.capacity = capacity;
    o.eviction = policy;
    o.maxBeatRate = 0;
    return o;
}

vlp::Frame beat(std::uint32_t pid, std::uint64_t nonce, vlp::Status status = vlp::Status::Ok,
                std::uint64_t timestamp = 0) {
    return vlp::Frame{status, pid, timestamp, nonce, 0};
}

struct Rig {
    explicit Rig(const TrackerOptions &o) : tracker(o, counters) {}
    TrackerCounters counters;
    AgentTracker tracker;
    QList<std::pair<Slot, std::int64_t>> stalls;
    std::uint32_t surface(std::int64_t now) {
        return tracker.surfaceDue(now, [this](Slot s, std::int64_t deadline) { stalls.append({s, deadline}); });
    }
};

// Transport plus an address that only UDP keys use.
AgentKey localKey(Transport transport, const QString &address, std::uint32_t pid) {
    return transport == Transport::Uds ? AgentKey::local(pid)
                                       : AgentKey::fromPeer(transport, QHostAddress(address), pid);
}

}  // namespace

class TestAgentTracker : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void acceptsAndCounts() {
        Rig rig(options());
        for (std::uint64_t n = 1; n <= 5; ++n)
            QCOMPARE(rig.tracker.onBeat(AgentKey::local(100), beat(100, n), static_cast<std::int64_t>(n) * kMs).verdict,
                     BeatVerdict::Accepted);
        const Slot slot = rig.tracker.find(AgentKey::local(100));
        QVERIFY(slot != kNoSlot);
        QCOMPARE(rig.tracker.record(slot).beats, 5u);
        QCOMPARE(rig.tracker.record(slot).lastNonce, 5u);
        QCOMPARE(rig.counters.beatsAccepted, 5u);
    }

    void replayIsDroppedAndDoesNotRefreshTheTimer() {
        Rig rig(options());
        const AgentKey key = AgentKey::local(7);
        rig.tracker.onBeat(key, beat(7, 10), 0);
        QCOMPARE(rig.tracker.onBeat(key, beat(7, 10), 1500 * kMs).verdict, BeatVerdict::Replay);
        QCOMPARE(rig.tracker.onBeat(key, beat(7, 3), 1600 * kMs).verdict, BeatVerdict::Replay);
        QCOMPARE(rig.counters.replays, 2u);
        // The deadline is still the first beat's.
        QCOMPARE(rig.tracker.nextDeadlineNs(), kThreshold);
        QCOMPARE(rig.surface(kThreshold), 1u);
    }

    void nonceRules_data() {
        QTest::addColumn<quint64>("last");
        QTest::addColumn<quint64>("next");
        QTest::addColumn<bool>("accepted");
        QTest::addColumn<bool>("wrap");
        const quint64 max = vlp::kNonceTerminal;
        const quint64 window = AgentTracker::kNonceWrapWindow;
        QTest::newRow("strictly greater") << quint64(5) << quint64(6) << true << false;
        QTest::newRow("equal") << quint64(5) << quint64(5) << false << false;
        QTest::newRow("older") << quint64(5) << quint64(4) << false << false;
        QTest::newRow("wrap from max-1 to 0") << max - 1 << quint64(0) << true << true;
        QTest::newRow("wrap at the window's edges") << max - window << window << true << true;
        QTest::newRow("old nonce just outside the window") << max - window - 1 << quint64(0) << false << false;
        QTest::newRow("new nonce just outside the window") << max - 1 << window + 1 << false << false;
        QTest::newRow("small old nonce is no wrap") << quint64(100) << quint64(0) << false << false;
    }
    void nonceRules() {
        QFETCH(quint64, last);
        QFETCH(quint64, next);
        QFETCH(bool, accepted);
        QFETCH(bool, wrap);
        Rig rig(options());
        const AgentKey key = AgentKey::local(9);
        QCOMPARE(rig.tracker.onBeat(key, beat(9, last), 0).verdict, BeatVerdict::Accepted);
        QCOMPARE(rig.tracker.onBeat(key, beat(9, next), kMs).verdict,
                 accepted ? BeatVerdict::Accepted : BeatVerdict::Replay);
        QCOMPARE(rig.counters.nonceWraps, wrap ? 1u : 0u);
    }

    void panicFrameOncePerNewerTimestamp() {
        Rig rig(options());
        const AgentKey key = AgentKey::local(11);
        rig.tracker.onBeat(key, beat(11, 1, vlp::Status::Ok, 100), 0);
        const vlp::Frame panic = beat(11, vlp::kNonceTerminal, vlp::Status::Critical, 200);
        QCOMPARE(rig.tracker.onBeat(key, panic, kMs).verdict, BeatVerdict::Accepted);
        const Slot slot = rig.tracker.find(key);
        QVERIFY(rig.tracker.record(slot).terminating);
        QCOMPARE(rig.tracker.record(slot).state, AgentState::Critical);
        QCOMPARE(rig.tracker.record(slot).lastBeatNs, kMs);  // refreshed the timer
        QCOMPARE(rig.tracker.onBeat(key, panic, 2 * kMs).verdict, BeatVerdict::Replay);
        vlp::Frame later = panic;
        later.timestamp = 201;
        QCOMPARE(rig.tracker.onBeat(key, later, 3 * kMs).verdict, BeatVerdict::Accepted);
        // Ordinary nonces keep their own order after a panic frame.
        QCOMPARE(rig.tracker.onBeat(key, beat(11, 2, vlp::Status::Ok, 300), 4 * kMs).verdict, BeatVerdict::Accepted);
    }

    void stallSurfacesExactlyOnceAtTheDeadlineAndReArms() {
        Rig rig(options());
        const AgentKey key = AgentKey::local(20);
        rig.tracker.onBeat(key, beat(20, 1), 1000 * kMs);
        QCOMPARE(rig.surface(1000 * kMs + kThreshold - 1), 0u);  // one ns early: nothing
        QCOMPARE(rig.surface(1000 * kMs + kThreshold), 1u);      // at the deadline: the stall
        QCOMPARE(rig.stalls.first().second, 1000 * kMs + kThreshold);
        QCOMPARE(rig.surface(1000 * kMs + 10 * kThreshold), 0u);  // never twice per silence
        const Slot slot = rig.tracker.find(key);
        QCOMPARE(rig.tracker.record(slot).state, AgentState::Stalled);
        QCOMPARE(rig.tracker.record(slot).stalls, 1u);

        const BeatOutcome resumed = rig.tracker.onBeat(key, beat(20, 2), 30000 * kMs);
        QVERIFY(resumed.resumed);
        QCOMPARE(rig.tracker.record(slot).state, AgentState::Up);
        QCOMPARE(rig.surface(30000 * kMs + kThreshold), 1u);  // re-armed by the beat
        QCOMPARE(rig.tracker.record(slot).stalls, 2u);
        QCOMPARE(rig.counters.stallsSurfaced, 2u);
    }

    // Down since its last beat, through its recovery, until it beats again; paused is not down.
    void downSinceIsTheLastBeatAndLastsThroughRecovery() {
        Rig rig(options());
        const AgentKey key = AgentKey::local(21);
        rig.tracker.onBeat(key, beat(21, 1), 1000 * kMs);
        const Slot slot = rig.tracker.find(key);
        QCOMPARE(rig.tracker.record(slot).downSinceNs, 0);
        QCOMPARE(rig.surface(1000 * kMs + kThreshold), 1u);
        QCOMPARE(rig.tracker.record(slot).downSinceNs, 1000 * kMs);
        rig.tracker.setMark(slot, RecoveryMark::Recovering, 1000 * kMs + 2 * kThreshold);
        QCOMPARE(rig.tracker.record(slot).state, AgentState::Recovering);
        QCOMPARE(rig.tracker.record(slot).downSinceNs, 1000 * kMs);
        rig.tracker.setMark(slot, RecoveryMark::None, 1000 * kMs + 3 * kThreshold);
        QCOMPARE(rig.tracker.record(slot).state, AgentState::Stalled);
        QCOMPARE(rig.tracker.record(slot).downSinceNs, 1000 * kMs);
        rig.tracker.setMark(slot, RecoveryMark::Paused, 1000 * kMs + 4 * kThreshold);
        QCOMPARE(rig.tracker.record(slot).downSinceNs, 0);
        rig.tracker.setMark(slot, RecoveryMark::None, 1000 * kMs + 5 * kThreshold);
        QCOMPARE(rig.tracker.record(slot).downSinceNs, 1000 * kMs);  // silent since that beat still
        rig.tracker.onBeat(key, beat(21, 2), 9000 * kMs);
        QCOMPARE(rig.tracker.record(slot).state, AgentState::Up);
        QCOMPARE(rig.tracker.record(slot).downSinceNs, 0);
    }

    void stallsSurfaceInDeadlineOrder() {
        Rig rig(options());
        // Interleaved beats: agent 3's last beat is the oldest, then 5, then 4.
        rig.tracker.onBeat(AgentKey::local(3), beat(3, 1), 0);
        rig.tracker.onBeat(AgentKey::local(4), beat(4, 1), 10 * kMs);
        rig.tracker.onBeat(AgentKey::local(5), beat(5, 1), 20 * kMs);
        rig.tracker.onBeat(AgentKey::local(4), beat(4, 2), 30 * kMs);
        QCOMPARE(rig.tracker.nextDeadlineNs(), kThreshold);
        QCOMPARE(rig.surface(kThreshold + 25 * kMs), 2u);
        QCOMPARE(rig.tracker.record(rig.stalls[0].first).key.pid, 3u);
        QCOMPARE(rig.tracker.record(rig.stalls[1].first).key.pid, 5u);
        QCOMPARE(rig.tracker.nextDeadlineNs(), 30 * kMs + kThreshold);
    }

    void capacityAndEviction_data() {
        QTest::addColumn<EvictionPolicy>("policy");
        QTest::addColumn<bool>("victimStalled");  // let the old agent's stall surface
        QTest::addColumn<bool>("victimRecovering");
        QTest::addColumn<bool>("victimPaused");
        QTest::addColumn<std::int64_t>("silenceMs");  // how long the old agent was silent
        QTest::addColumn<bool>("evicted");
        const std::int64_t old = 10 * kThresholdMs + 1;
        const std::int64_t young = 10 * kThresholdMs;
        QTest::newRow("strict: stalled and old → evicted")
            << EvictionPolicy::Strict << true << false << false << old << true;
        QTest::newRow("strict: stalled but not old enough")
            << EvictionPolicy::Strict << true << false << false << young << false;
        QTest::newRow("strict: paused is kept") << EvictionPolicy::Strict << true << false << true << old << false;
        QTest::newRow("strict: recovering is kept") << EvictionPolicy::Strict << true << true << false << old << false;
        QTest::newRow("balanced: paused and old → evicted")
            << EvictionPolicy::Balanced << true << false << true << old << true;
        QTest::newRow("balanced: recovering is kept")
            << EvictionPolicy::Balanced << true << true << false << old << false;
        QTest::newRow("balanced: paused while its child runs is kept")
            << EvictionPolicy::Balanced << true << true << true << old << false;
        QTest::newRow("balanced: not old enough")
            << EvictionPolicy::Balanced << true << false << false << young << false;
    }
    void capacityAndEviction() {
        QFETCH(EvictionPolicy, policy);
        QFETCH(bool, victimStalled);
        QFETCH(bool, victimRecovering);
        QFETCH(bool, victimPaused);
        QFETCH(std::int64_t, silenceMs);
        QFETCH(bool, evicted);
        Rig rig(options(2, policy));
        const AgentKey victim = AgentKey::local(30);
        const AgentKey alive = AgentKey::local(31);
        rig.tracker.onBeat(victim, beat(30, 1), 0);
        if (victimStalled)
            QCOMPARE(rig.surface(kThreshold), 1u);
        const Slot victimSlot = rig.tracker.find(victim);
        if (victimRecovering) {
            rig.tracker.setMark(victimSlot, RecoveryMark::Recovering, kThreshold);
            rig.tracker.setEvictionGuard([victim](const AgentKey &key) { return key == victim; });
        }
        if (victimPaused)
            rig.tracker.setMark(victimSlot, RecoveryMark::Paused, kThreshold);
        const std::int64_t now = silenceMs * kMs;
        rig.tracker.onBeat(alive, beat(31, 1), now);  // keeps beating; never a candidate
        const BeatOutcome outcome = rig.tracker.onBeat(AgentKey::local(32), beat(32, 1), now);
        if (evicted) {
            QCOMPARE(outcome.verdict, BeatVerdict::Accepted);
            QCOMPARE(outcome.evicted, std::optional(victim));
            QCOMPARE(rig.tracker.find(victim), kNoSlot);
            QCOMPARE(rig.counters.evicted, 1u);
        } else {
            QCOMPARE(outcome.verdict, BeatVerdict::CapacityExceeded);
            QCOMPARE(rig.tracker.find(AgentKey::local(32)), kNoSlot);
            QCOMPARE(rig.counters.capacityExceeded, 1u);
        }
        QCOMPARE(rig.tracker.table().size(), 2u);  // refused, never grown
    }

    // As upstream, the per-agent limit is a minimum spacing of 1e9 / rate ns between
    // accepted beats: at 3 per second, 333.33 ms.
    void perAgentRateLimit() {
        TrackerOptions o = options();
        o.maxBeatRate = 3;
        Rig rig(o);
        const AgentKey key = AgentKey::local(40);
        const std::int64_t t0 = 5000 * kMs;
        int accepted = 0;
        for (std::uint64_t n = 1; n <= 5; ++n)
            accepted += rig.tracker.onBeat(key, beat(40, n), t0 + static_cast<std::int64_t>(n - 1) * kMs).verdict
                        == BeatVerdict::Accepted;
        QCOMPARE(accepted, 1);
        QCOMPARE(rig.counters.rateLimitedPerPid, 4u);
        // The limited nonces were never recorded; the spacing counts from the last accepted beat.
        QCOMPARE(rig.tracker.onBeat(key, beat(40, 2), t0 + 333 * kMs).verdict, BeatVerdict::RateLimitedPerPid);
        QCOMPARE(rig.tracker.onBeat(key, beat(40, 2), t0 + 334 * kMs).verdict, BeatVerdict::Accepted);
        QCOMPARE(rig.tracker.onBeat(key, beat(40, 3), t0 + 600 * kMs).verdict, BeatVerdict::RateLimitedPerPid);
        QCOMPARE(rig.tracker.onBeat(key, beat(40, 3), t0 + 668 * kMs).verdict, BeatVerdict::Accepted);
        // Another agent has its own spacing.
        QCOMPARE(rig.tracker.onBeat(AgentKey::local(41), beat(41, 1), t0 + 669 * kMs).verdict, BeatVerdict::Accepted);
    }

    // An agent's first panic frame is its last word: no limit drops it. A second one is
    // an ordinary frame again.
    void firstPanicFrameIsExemptFromLimits() {
        TrackerOptions o = options();
        o.maxBeatRate = 1;
        o.globalBeatRate = 1;
        o.globalBeatBurst = 1;
        Rig rig(o);
        const vlp::Frame panic = beat(50, vlp::kNonceTerminal, vlp::Status::Critical, 7);
        const vlp::Frame laterPanic = beat(50, vlp::kNonceTerminal, vlp::Status::Critical, 8);
        const AgentKey local = AgentKey::local(50);
        QCOMPARE(rig.tracker.onBeat(local, beat(50, 1), 0).verdict, BeatVerdict::Accepted);  // takes the one token
        QCOMPARE(rig.tracker.onBeat(local, panic, kMs).verdict, BeatVerdict::Accepted);
        QCOMPARE(rig.tracker.onBeat(local, laterPanic, 2 * kMs).verdict, BeatVerdict::RateLimitedGlobal);
        // Over UDP the global bucket still applies to it (a UDP pid is only a claim).
        const AgentKey remote = AgentKey::fromPeer(Transport::Udp, QHostAddress::LocalHost, 51);
        const vlp::Frame remotePanic = beat(51, vlp::kNonceTerminal, vlp::Status::Critical, 7);
        QCOMPARE(rig.tracker.onBeat(remote, remotePanic, 3 * kMs).verdict, BeatVerdict::RateLimitedGlobal);
        QCOMPARE(rig.tracker.onBeat(remote, beat(51, 1), 2000 * kMs).verdict, BeatVerdict::Accepted);
        QCOMPARE(rig.tracker.onBeat(remote, remotePanic, 3000 * kMs + kMs).verdict, BeatVerdict::Accepted);
    }

    void globalRateLimit() {
        TrackerOptions o = options();
        o.globalBeatRate = 5;
        o.globalBeatBurst = 5;
        Rig rig(o);
        int accepted = 0;
        for (std::uint32_t pid = 100; pid < 110; ++pid)
            accepted += rig.tracker.onBeat(AgentKey::local(pid), beat(pid, 1), 0).verdict == BeatVerdict::Accepted;
        QCOMPARE(accepted, 5);
        QCOMPARE(rig.counters.rateLimitedGlobal, 5u);
        QCOMPARE(rig.tracker.table().size(), 5u);  // refused before the table is touched
        // 5 per second refills one token every 200 ms.
        QCOMPARE(rig.tracker.onBeat(AgentKey::local(200), beat(200, 1), 199 * kMs).verdict,
                 BeatVerdict::RateLimitedGlobal);
        QCOMPARE(rig.tracker.onBeat(AgentKey::local(201), beat(201, 1), 200 * kMs).verdict, BeatVerdict::Accepted);
    }

    void transitionsAreReportedOnce() {
        Rig rig(options());
        QList<std::pair<AgentState, AgentState>> seen;
        rig.tracker.setTransitionObserver([&](Slot, AgentState from, AgentState to, std::int64_t) {
            seen.append({from, to});
        });
        const AgentKey key = AgentKey::local(50);
        rig.tracker.onBeat(key, beat(50, 1), 0);
        rig.tracker.onBeat(key, beat(50, 2), kMs);  // Up → Up: nothing
        rig.tracker.onBeat(key, beat(50, 3, vlp::Status::Degraded), 2 * kMs);
        rig.surface(2 * kMs + kThreshold);
        rig.tracker.onBeat(key, beat(50, 4), 3 * kThreshold);
        const QList<std::pair<AgentState, AgentState>> expected{{AgentState::Up, AgentState::Degraded},
                                                                {AgentState::Degraded, AgentState::Stalled},
                                                                {AgentState::Stalled, AgentState::Up}};
        QCOMPARE(seen, expected);
    }

    // Paused hides whether the agent beats: its silence, and its coming back, are told as a
    // transition to the same state, with the record's silence to read.
    void silenceUnderAnOverlayIsReportedToo() {
        Rig rig(options());
        QList<std::tuple<AgentState, AgentState, bool>> seen;
        rig.tracker.setTransitionObserver([&](Slot slot, AgentState from, AgentState to, std::int64_t) {
            seen.append({from, to, rig.tracker.record(slot).silent});
        });
        const AgentKey key = AgentKey::local(51);
        rig.tracker.onBeat(key, beat(51, 1), 0);
        const Slot slot = rig.tracker.find(key);
        rig.tracker.setMark(slot, RecoveryMark::Paused, kMs);
        rig.surface(kThreshold);                               // silent, still paused
        rig.tracker.onBeat(key, beat(51, 2), 2 * kThreshold);  // beats again, still paused
        const QList<std::tuple<AgentState, AgentState, bool>> expected{{AgentState::Up, AgentState::Paused, false},
                                                                       {AgentState::Paused, AgentState::Paused, true},
                                                                       {AgentState::Paused, AgentState::Paused, false}};
        QCOMPARE(seen, expected);
        QVERIFY(!rig.tracker.record(slot).silent);
    }

    // Origin pinning: a local pid is one process, held by the strongest local origin.
    void weakerLocalOriginIsRefused_data() {
        QTest::addColumn<int>("holder");
        QTest::addColumn<int>("claimant");
        QTest::addColumn<QString>("claimantAddress");
        const int uds = static_cast<int>(Transport::Uds);
        const int udp = static_cast<int>(Transport::Udp);
        const int secure = static_cast<int>(Transport::SecureUdp);
        QTest::newRow("uds, then plain 127.0.0.1") << uds << udp << QStringLiteral("127.0.0.1");
        QTest::newRow("uds, then plain ::1") << uds << udp << QStringLiteral("::1");
        QTest::newRow("uds, then secure 127.0.0.1") << uds << secure << QStringLiteral("127.0.0.1");
        QTest::newRow("secure, then plain 127.0.0.1") << secure << udp << QStringLiteral("127.0.0.1");
        QTest::newRow("plain 127.0.0.1, then plain 127.0.0.2 (same rank)") << udp << udp << QStringLiteral("127.0.0.2");
    }
    void weakerLocalOriginIsRefused() {
        QFETCH(int, holder);
        QFETCH(int, claimant);
        QFETCH(QString, claimantAddress);
        Rig rig(options());
        const AgentKey held = localKey(static_cast<Transport>(holder), QStringLiteral("127.0.0.1"), 500);
        const AgentKey weaker = localKey(static_cast<Transport>(claimant), claimantAddress, 500);
        QCOMPARE(rig.tracker.onBeat(held, beat(500, 1), 0).verdict, BeatVerdict::Accepted);
        for (std::uint64_t n = 1; n <= 3; ++n) {
            const BeatOutcome outcome =
                rig.tracker.onBeat(weaker, beat(500, n + 10), static_cast<std::int64_t>(n) * 100 * kMs);
            QCOMPARE(outcome.verdict, BeatVerdict::OriginConflict);
            QVERIFY(!outcome.replaced);
        }
        QCOMPARE(rig.counters.originConflicts, 3u);
        QCOMPARE(rig.counters.beatsAccepted, 1u);
        QCOMPARE(rig.tracker.find(weaker), kNoSlot);
        QCOMPARE(rig.tracker.table().size(), 1u);
        // The holder is untouched: its deadline is still its own last beat's.
        QCOMPARE(rig.tracker.nextDeadlineNs(), kThreshold);
        QCOMPARE(rig.tracker.onBeat(held, beat(500, 2), kMs).verdict, BeatVerdict::Accepted);
        QCOMPARE(rig.tracker.pins().find(500), rig.tracker.find(held));
    }

    void strongerLocalOriginTakesOver_data() {
        QTest::addColumn<bool>("weakerStalled");
        QTest::newRow("weaker agent beating") << false;
        QTest::newRow("weaker agent stalled") << true;
    }
    void strongerLocalOriginTakesOver() {
        QFETCH(bool, weakerStalled);
        Rig rig(options());
        rig.tracker.setTrackDirty(true);
        const AgentKey weaker = AgentKey::fromPeer(Transport::Udp, QHostAddress::LocalHost, 600);
        const AgentKey stronger = AgentKey::local(600);
        QCOMPARE(rig.tracker.onBeat(weaker, beat(600, 5), 0).verdict, BeatVerdict::Accepted);
        const std::int64_t now = weakerStalled ? 2 * kThreshold : kMs;
        if (weakerStalled)
            QCOMPARE(rig.surface(kThreshold), 1u);
        QCOMPARE(rig.tracker.agentsInState(weakerStalled ? AgentState::Stalled : AgentState::Up), 1u);
        const BeatOutcome outcome = rig.tracker.onBeat(stronger, beat(600, 1), now);
        QCOMPARE(outcome.verdict, BeatVerdict::Accepted);
        QVERIFY(outcome.newAgent);
        QCOMPARE(outcome.replaced, std::optional(weaker));
        QVERIFY(!outcome.evicted);
        QCOMPARE(rig.counters.originTakeovers, 1u);
        QCOMPARE(rig.counters.evicted, 0u);
        QCOMPARE(rig.tracker.find(weaker), kNoSlot);
        const Slot slot = rig.tracker.find(stronger);
        QVERIFY(slot != kNoSlot);
        QCOMPARE(rig.tracker.pins().find(600), slot);
        QCOMPARE(rig.tracker.table().size(), 1u);
        QCOMPARE(rig.tracker.agentsInState(AgentState::Up), 1u);
        QCOMPARE(rig.tracker.agentsInState(AgentState::Stalled), 0u);
        // The removed agent's deadline went with it: only the new agent stalls, at its own.
        QCOMPARE(rig.tracker.nextDeadlineNs(), now + kThreshold);
        rig.stalls.clear();
        QCOMPARE(rig.surface(now + kThreshold), 1u);
        QCOMPARE(rig.stalls.first().first, slot);
        int visits = 0;
        rig.tracker.drainDirty(now + kThreshold, [&](Slot visited, const AgentRecord &record) {
            ++visits;
            QCOMPARE(visited, slot);
            QCOMPARE(record.key, stronger);
        });
        QCOMPARE(visits, 1);
        // Now the weaker origin is the one refused.
        QCOMPARE(rig.tracker.onBeat(weaker, beat(600, 6), now + kThreshold + kMs).verdict, BeatVerdict::OriginConflict);
    }

    void secureTakesOverFromPlainAndUdsFromSecure() {
        Rig rig(options());
        const AgentKey plain = AgentKey::fromPeer(Transport::Udp, QHostAddress::LocalHost, 610);
        const AgentKey secure = AgentKey::fromPeer(Transport::SecureUdp, QHostAddress::LocalHostIPv6, 610);
        const AgentKey uds = AgentKey::local(610);
        rig.tracker.onBeat(plain, beat(610, 1), 0);
        QCOMPARE(rig.tracker.onBeat(secure, beat(610, 1), kMs).replaced, std::optional(plain));
        QCOMPARE(rig.tracker.onBeat(uds, beat(610, 1), 2 * kMs).replaced, std::optional(secure));
        QCOMPARE(rig.counters.originTakeovers, 2u);
        QCOMPARE(rig.tracker.table().size(), 1u);
        QCOMPARE(rig.tracker.pins().size(), 1u);
    }

    // Another host's pid names another process: never pinned, never pinning.
    void remotePeersAreNeverPinned() {
        Rig rig(options());
        const AgentKey uds = AgentKey::local(700);
        const AgentKey remote = AgentKey::fromPeer(Transport::Udp, QHostAddress(QStringLiteral("10.1.2.3")), 700);
        const AgentKey remoteV6 =
            AgentKey::fromPeer(Transport::SecureUdp, QHostAddress(QStringLiteral("2001:db8::7")), 701);
        const AgentKey loopback = AgentKey::fromPeer(Transport::SecureUdp, QHostAddress::LocalHost, 701);
        QCOMPARE(rig.tracker.onBeat(remote, beat(700, 1), 0).verdict, BeatVerdict::Accepted);
        const BeatOutcome local = rig.tracker.onBeat(uds, beat(700, 1), kMs);
        QCOMPARE(local.verdict, BeatVerdict::Accepted);
        QVERIFY(!local.replaced);
        QCOMPARE(rig.tracker.onBeat(remote, beat(700, 2), 2 * kMs).verdict, BeatVerdict::Accepted);
        QCOMPARE(rig.tracker.onBeat(loopback, beat(701, 1), 3 * kMs).verdict, BeatVerdict::Accepted);
        QCOMPARE(rig.tracker.onBeat(remoteV6, beat(701, 1), 4 * kMs).verdict, BeatVerdict::Accepted);
        QCOMPARE(rig.tracker.table().size(), 4u);
        QCOMPARE(rig.tracker.pins().size(), 2u);  // the Unix-socket and the loopback agent
        QCOMPARE(rig.counters.originConflicts, 0u);
        QCOMPARE(rig.counters.originTakeovers, 0u);
    }

    // An evicted local agent's pin goes with it: the pid is free for any origin again.
    void evictionReleasesThePin() {
        Rig rig(options(1, EvictionPolicy::Balanced));
        const AgentKey uds = AgentKey::local(800);
        rig.tracker.onBeat(uds, beat(800, 1), 0);
        const std::int64_t old = (10 * kThresholdMs + 1) * kMs;
        QCOMPARE(rig.surface(old), 1u);  // only surfaced stalls are eviction candidates
        QCOMPARE(rig.tracker.onBeat(AgentKey::local(801), beat(801, 1), old).evicted, std::optional(uds));
        QCOMPARE(rig.tracker.pins().find(800), kNoSlot);
        QCOMPARE(rig.tracker.pins().size(), 1u);
        const AgentKey loopback = AgentKey::fromPeer(Transport::Udp, QHostAddress::LocalHost, 800);
        QCOMPARE(rig.surface(2 * old), 1u);
        const BeatOutcome outcome = rig.tracker.onBeat(loopback, beat(800, 1), 2 * old);
        QCOMPARE(outcome.verdict, BeatVerdict::Accepted);
        QCOMPARE(outcome.evicted, std::optional(AgentKey::local(801)));
        QVERIFY(!outcome.replaced);
        QCOMPARE(rig.tracker.pins().find(800), rig.tracker.find(loopback));
        QCOMPARE(rig.tracker.pins().size(), 1u);
    }

    // A takeover frees the weaker agent's slot, so a full table needs no eviction for it.
    void takeoverInAFullTableEvictsNobody() {
        Rig rig(options(2));
        rig.tracker.onBeat(AgentKey::fromPeer(Transport::Udp, QHostAddress::LocalHost, 810), beat(810, 1), 0);
        rig.tracker.onBeat(AgentKey::local(811), beat(811, 1), 0);
        const BeatOutcome outcome = rig.tracker.onBeat(AgentKey::local(810), beat(810, 1), kMs);
        QCOMPARE(outcome.verdict, BeatVerdict::Accepted);
        QVERIFY(outcome.replaced);
        QVERIFY(!outcome.evicted);
        QCOMPARE(rig.tracker.table().size(), 2u);
        QCOMPARE(rig.counters.capacityExceeded, 0u);
    }

    // Under churn of beats, stalls, takeovers and evictions, the pins always name exactly
    // the tracked local agents, one per pid.
    void pinsStayConsistentUnderChurn() {
        Rig rig(options(64, EvictionPolicy::Balanced));
        QRandomGenerator rng(3);
        const QHostAddress addresses[] = {QHostAddress::LocalHost, QHostAddress(QStringLiteral("127.0.0.9")),
                                          QHostAddress::LocalHostIPv6, QHostAddress(QStringLiteral("10.0.0.1"))};
        std::int64_t now = 0;
        std::uint64_t nonce = 1;
        for (int step = 0; step < 20000; ++step) {
            now += static_cast<std::int64_t>(rng.bounded(1, 400)) * kMs;
            const auto pid = static_cast<std::uint32_t>(rng.bounded(2, 90));
            const auto transport = static_cast<Transport>(rng.bounded(3));
            const AgentKey key = transport == Transport::Uds
                                     ? AgentKey::local(pid)
                                     : AgentKey::fromPeer(transport, addresses[rng.bounded(4)], pid);
            rig.tracker.onBeat(key, beat(pid, ++nonce), now);
            rig.surface(now);
            std::uint32_t local = 0;
            std::uint32_t tracked = 0;
            rig.tracker.table().forEach([&](const AgentRecord &record) {
                ++tracked;
                if (!OriginPins::pinnable(record.key))
                    return;
                ++local;
                QCOMPARE(rig.tracker.pins().find(record.key.pid), rig.tracker.find(record.key));
            });
            QCOMPARE(rig.tracker.pins().size(), local);
            std::uint32_t inStates = 0;
            for (int i = 0; i < kAgentStateCount; ++i)
                inStates += rig.tracker.agentsInState(static_cast<AgentState>(i));
            QCOMPARE(inStates, tracked);
        }
        QVERIFY(rig.counters.originConflicts > 0);
        QVERIFY(rig.counters.originTakeovers > 0);
        QVERIFY(rig.counters.evicted > 0);
    }

    // The kernel says a local agent's process ended: it is surfaced at once, as its
    // stall would be at the deadline, and counted once.
    void anExitSurfacesTheAgentBeforeItsDeadline() {
        Rig rig(options());
        const AgentKey key = AgentKey::local(300);
        rig.tracker.onBeat(key, beat(300, 1), 0);
        const Slot slot = rig.tracker.find(key);
        QVERIFY(rig.tracker.surfaceExit(slot, 100 * kMs));
        QCOMPARE(rig.tracker.record(slot).state, AgentState::Exited);
        QCOMPARE(rig.tracker.record(slot).stalls, 1u);
        QCOMPARE(rig.counters.stallsSurfaced, 1u);
        QCOMPARE(rig.counters.exitsSeen, 1u);
        QCOMPARE(rig.tracker.agentsInState(AgentState::Exited), 1u);
        // It left the beating order: its deadline never surfaces it a second time.
        QCOMPARE(rig.tracker.nextDeadlineNs(), std::numeric_limits<std::int64_t>::max());
        QCOMPARE(rig.surface(kThreshold), 0u);
    }

    void anExitAfterTheStallChangesOnlyTheState() {
        Rig rig(options());
        const AgentKey key = AgentKey::local(301);
        rig.tracker.onBeat(key, beat(301, 1), 0);
        QCOMPARE(rig.surface(kThreshold), 1u);
        const Slot slot = rig.tracker.find(key);
        QVERIFY(!rig.tracker.surfaceExit(slot, kThreshold + kMs));
        QCOMPARE(rig.tracker.record(slot).state, AgentState::Exited);
        QCOMPARE(rig.tracker.record(slot).stalls, 1u);
        QCOMPARE(rig.counters.stallsSurfaced, 1u);
    }

    // A pid whose process exited can only beat again as another process: a new agent.
    void aBeatFromAnExitedPidIsANewAgent() {
        Rig rig(options());
        const AgentKey key = AgentKey::local(302);
        rig.tracker.onBeat(key, beat(302, 50), 0);
        rig.tracker.setGeneration(rig.tracker.find(key), 777);
        rig.tracker.surfaceExit(rig.tracker.find(key), kMs);
        const BeatOutcome outcome = rig.tracker.onBeat(key, beat(302, 1), 2 * kMs);  // its nonce starts over
        QCOMPARE(outcome.verdict, BeatVerdict::Accepted);
        QVERIFY(outcome.recycled);
        QVERIFY(outcome.newAgent);
        const AgentRecord &record = rig.tracker.record(outcome.slot);
        QCOMPARE(record.state, AgentState::Up);
        QCOMPARE(record.beats, 1u);
        QCOMPARE(record.generation, 0u);
        QCOMPARE(record.firstSeenNs, 2 * kMs);
        QCOMPARE(rig.counters.pidRecycles, 1u);
        QCOMPARE(rig.tracker.agentsInState(AgentState::Exited), 0u);
        QCOMPARE(rig.tracker.table().size(), 1u);
    }

    // A silent local agent that beats again is asked about (the engine compares start
    // times); a beating one never is, so the beat path pays nothing.
    void aSilentLocalAgentIsCheckedForANewProcess() {
        Rig rig(options());
        int asked = 0;
        bool answer = false;
        rig.tracker.setNewProcessCheck([&](const AgentRecord &) {
            ++asked;
            return answer;
        });
        const AgentKey key = AgentKey::local(303);
        rig.tracker.onBeat(key, beat(303, 1), 0);
        rig.tracker.onBeat(key, beat(303, 2), 10 * kMs);
        QCOMPARE(asked, 0);
        rig.surface(kThreshold + 10 * kMs);
        QVERIFY(!rig.tracker.onBeat(key, beat(303, 3), kThreshold + 20 * kMs).recycled);  // the same process, back
        QCOMPARE(asked, 1);
        rig.surface(2 * kThreshold + 20 * kMs);
        answer = true;
        const BeatOutcome outcome = rig.tracker.onBeat(key, beat(303, 1), 2 * kThreshold + 30 * kMs);
        QCOMPARE(asked, 2);
        QVERIFY(outcome.recycled);
        QCOMPARE(rig.counters.pidRecycles, 1u);
        // UDP agents are never asked: their pid is a claim about another host.
        const AgentKey udp = localKey(Transport::Udp, QStringLiteral("192.0.2.1"), 303);
        rig.tracker.onBeat(udp, beat(303, 1), 0);
        rig.surface(5 * kThreshold);
        rig.tracker.onBeat(udp, beat(303, 2), 5 * kThreshold + kMs);
        QCOMPARE(asked, 2);
    }

    // A unit's new pid took over: the old agent leaves the stalled count as replaced.
    void aReplacedAgentLeavesTheStalledSet() {
        Rig rig(options());
        const AgentKey key = AgentKey::local(304);
        rig.tracker.onBeat(key, beat(304, 1), 0);
        rig.surface(kThreshold);
        QCOMPARE(rig.tracker.agentsInState(AgentState::Stalled), 1u);
        rig.tracker.markReplaced(rig.tracker.find(key), kThreshold + kMs);
        QCOMPARE(rig.tracker.agentsInState(AgentState::Stalled), 0u);
        QCOMPARE(rig.tracker.agentsInState(AgentState::Replaced), 1u);
        QCOMPARE(rig.counters.restarts, 1u);
        // Should its pid beat again, that is a new agent.
        QVERIFY(rig.tracker.onBeat(key, beat(304, 2), kThreshold + 2 * kMs).recycled);
        QCOMPARE(rig.counters.pidRecycles, 0u);
    }

    void dirtyAgentsAreVisitedOncePerDrain() {
        Rig rig(options());
        rig.tracker.setTrackDirty(true);
        for (std::uint64_t n = 1; n <= 3; ++n) {
            rig.tracker.onBeat(AgentKey::local(60), beat(60, n), static_cast<std::int64_t>(n));
            rig.tracker.onBeat(AgentKey::local(61), beat(61, n), static_cast<std::int64_t>(n));
        }
        int visits = 0;
        rig.tracker.drainDirty(4, [&](Slot, const AgentRecord &) { ++visits; });
        QCOMPARE(visits, 2);
        rig.tracker.drainDirty(5, [&](Slot, const AgentRecord &) { ++visits; });
        QCOMPARE(visits, 2);
    }

    // Folding (consoles elsewhere): after its visit an agent's beats are owed, not dirty,
    // until the window has passed; then the first drain visits it once, with its newest
    // beat. A change of status is dirty at once.
    void foldedBeatsAreVisitedOncePerWindow() {
        Rig rig(options());
        rig.tracker.setTrackDirty(true);
        rig.tracker.setBeatFolding(1000 * kMs);
        const AgentKey key = AgentKey::local(62);
        QList<std::uint64_t> seen;  // beats at each visit
        const auto drain = [&](std::int64_t at) {
            rig.tracker.drainDirty(at, [&](Slot, const AgentRecord &r) { seen.append(r.beats); });
        };
        rig.tracker.onBeat(key, beat(62, 1), 0);  // a first beat: dirty
        drain(1 * kMs);
        QCOMPARE(seen, QList<std::uint64_t>{1});
        std::uint64_t nonce = 1;
        for (std::int64_t t = 100; t < 1000; t += 100) {
            rig.tracker.onBeat(key, beat(62, ++nonce), t * kMs);
            drain(t * kMs + 1);
        }
        QCOMPARE(seen.size(), 1);
        QCOMPARE(rig.tracker.owedBeats(), 1u);
        drain(1001 * kMs);  // the window after its visit at 1 ms
        QCOMPARE(seen, (QList<std::uint64_t>{1, nonce}));
        QCOMPARE(rig.tracker.owedBeats(), 0u);
        drain(3000 * kMs);
        QCOMPARE(seen.size(), 2);  // nothing owed, nothing dirty

        rig.tracker.onBeat(key, beat(62, ++nonce), 3100 * kMs);  // a window after its last visit: dirty
        drain(3101 * kMs);
        QCOMPARE(seen.size(), 3);
        rig.tracker.onBeat(key, beat(62, ++nonce), 3200 * kMs);
        QCOMPARE(rig.tracker.owedBeats(), 1u);
        rig.tracker.onBeat(key, beat(62, ++nonce, vlp::Status::Degraded), 3300 * kMs);
        drain(3301 * kMs);
        QCOMPARE(seen.size(), 4);
        QCOMPARE(rig.tracker.owedBeats(), 0u);
        drain(4500 * kMs);
        QCOMPARE(seen.size(), 4);  // the stale entry was skipped
    }

    // A fleet first seen together is spread over drains, and stays spread while it beats
    // on: its first sights fall due at kFirstSightsPerSecond, a drain takes at most its
    // budget of what is due, and a beat of an agent still owed leaves it owed, with its
    // newest beat.
    void aFleetSeenTogetherIsSpreadOverDrainsWhileItBeats() {
        constexpr std::uint32_t kFleet = 20'000;
        constexpr std::int64_t kStart = 10'000 * kMs;  // long after any publication a window ago
        Rig rig(options(32'768));
        rig.tracker.setTrackDirty(true);
        rig.tracker.setBeatFolding(1000 * kMs);
        for (std::uint64_t nonce = 1; nonce <= 2; ++nonce)
            for (std::uint32_t pid = 1; pid <= kFleet; ++pid)
                rig.tracker.onBeat(AgentKey::local(pid), beat(pid, nonce),
                                   kStart + static_cast<std::int64_t>(nonce) * kMs);
        QCOMPARE(rig.tracker.owedBeats(), std::size_t(kFleet));
        std::size_t visited = 0;
        std::uint64_t newest = 0;
        const auto drain = [&](std::int64_t at) {
            rig.tracker.drainDirty(at, [&](Slot, const AgentRecord &r) {
                ++visited;
                newest = std::max(newest, r.beats);
            });
        };
        drain(kStart + 11 * kMs);  // 10 ms after the first sights began
        QCOMPARE(visited, std::size_t(AgentTracker::kFirstSightsPerSecond / 100 + 1));
        QCOMPARE(newest, std::uint64_t(2));
        const std::size_t first = visited;
        drain(kStart + 2000 * kMs);  // all due now: one drain's budget
        QCOMPARE(visited,
                 first + AgentTracker::kMinOwedPerDrain + (kFleet - first) / AgentTracker::kOwedShareDenominator);
        for (int drains = 0; rig.tracker.owedBeats() > 0 && drains < 1000; ++drains)
            drain(kStart + 2000 * kMs);
        QCOMPARE(visited, std::size_t(kFleet));
    }

    void anOwedAgentRemovedIsNeverVisited() {
        Rig rig(options());
        rig.tracker.setTrackDirty(true);
        rig.tracker.setBeatFolding(1000 * kMs);
        const AgentKey key = AgentKey::local(63);
        rig.tracker.onBeat(key, beat(63, 1), 0);
        int visits = 0;
        rig.tracker.drainDirty(1, [&](Slot, const AgentRecord &) { ++visits; });
        rig.tracker.onBeat(key, beat(63, 2), 100 * kMs);
        QCOMPARE(rig.tracker.owedBeats(), 1u);
        QVERIFY(rig.tracker.forget(key));
        QCOMPARE(rig.tracker.owedBeats(), 0u);
        rig.tracker.drainDirty(2000 * kMs, [&](Slot, const AgentRecord &) { ++visits; });
        QCOMPARE(visits, 1);
    }

    void keysCollidingPastTheProbeLimitAreRefusedAndCounted() {
        // Beats of new agents whose keys share one home under this process's seed (a leaked
        // seed): refused past AgentTable::kMaxProbe as a full tracker refuses, and counted.
        Rig rig(options(512));  // an index of 1,024 buckets that never grows
        const std::size_t buckets = rig.tracker.table().bucketCount();
        const auto fromFlooder = [](std::uint32_t pid) {
            return AgentKey::fromPeer(Transport::Udp, QHostAddress(QStringLiteral("10.0.0.7")), pid);
        };
        const std::vector<AgentKey> keys = test::collidingKeys(
            fromFlooder, [](const AgentKey &key) { return hashAgentKey(key); }, AgentTable::kMaxProbe + 11, 1, buckets);
        std::size_t accepted = 0;
        for (const AgentKey &key : keys) {
            const BeatOutcome outcome = rig.tracker.onBeat(key, beat(key.pid, 1), kMs);
            accepted += outcome.verdict == BeatVerdict::Accepted ? 1 : 0;
            QVERIFY(outcome.verdict == BeatVerdict::Accepted || outcome.verdict == BeatVerdict::CapacityExceeded);
        }
        QCOMPARE(accepted, AgentTable::kMaxProbe + 1);
        QCOMPARE(rig.counters.probeLimited, 10u);
        QCOMPARE(rig.counters.capacityExceeded, 10u);
        QCOMPARE(rig.tracker.agentsInState(AgentState::Up), std::uint32_t(accepted));
        // Their next beats find nothing, after a bounded walk, and are refused again.
        QCOMPARE(rig.tracker.onBeat(keys.back(), beat(keys.back().pid, 2), 2 * kMs).verdict,
                 BeatVerdict::CapacityExceeded);
        QCOMPARE(rig.counters.probeLimited, 11u);

        // Full, and everyone old enough to evict: a key refused at the probe limit costs
        // nobody their place; a key that fits takes one.
        const auto other = [](std::uint32_t pid) {
            return AgentKey::fromPeer(Transport::Udp, QHostAddress(QStringLiteral("10.0.0.8")), pid);
        };
        for (std::uint32_t pid = 2; rig.tracker.table().size() < 512; ++pid)
            rig.tracker.onBeat(other(pid), beat(pid, 1), 2 * kMs);
        const std::int64_t later = 2 * kMs + (AgentTracker::kEvictionSilenceThresholds + 1) * kThreshold;
        rig.surface(later);
        const std::uint64_t limited = rig.counters.probeLimited;
        const AgentKey &late = keys[AgentTable::kMaxProbe + 1];
        const BeatOutcome refused = rig.tracker.onBeat(late, beat(late.pid, 3), later);
        QCOMPARE(refused.verdict, BeatVerdict::CapacityExceeded);
        QVERIFY(!refused.evicted);
        QCOMPARE(rig.counters.evicted, 0u);
        QCOMPARE(rig.counters.probeLimited, limited + 1);
        QCOMPARE(rig.tracker.table().size(), 512u);
        std::uint32_t fits = 100000;
        while (!rig.tracker.table().placeable(other(fits)))
            ++fits;
        const BeatOutcome admitted = rig.tracker.onBeat(other(fits), beat(fits, 1), later);
        QCOMPARE(admitted.verdict, BeatVerdict::Accepted);
        QVERIFY(admitted.evicted);
        QCOMPARE(rig.counters.evicted, 1u);
    }
};

QTEST_GUILESS_MAIN(TestAgentTracker)
#include "tst_agent_tracker.moc"
