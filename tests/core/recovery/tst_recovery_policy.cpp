// RecoveryPolicy: every gate alone, which gate wins when several refuse, the debounce
// arming rules, the restart-loop window and its exact limit, GaveUp -> rearm, the bound on
// per-agent bookkeeping, pause details and their expiry, the change counter, and the
// operator state's export and restore across a restart. Pure logic: time is an argument,
// no event loop.
#include "core/recovery/recovery_policy.h"

#include <QTest>

using namespace varta;

namespace {

constexpr int kSpawn = -1;  // "expected verdict: spawn" in the tables

// Conditions the tables can put an agent in before the decision under test.
enum Setup : int {
    None = 0,
    Paused = 1 << 0,
    GaveUp = 1 << 1,             // attempts exhausted, then one refused attempt
    AttemptsExhausted = 1 << 2,  // maxAttempts starts inside the window, not yet refused
    RecentStart = 1 << 3,        // a child started 100 ms ago (inside the debounce)
    InFlight = 1 << 4,           // a child is outstanding
    CapacityFull = 1 << 5,       // other agents hold every slot
};

// debounce 1000, capacity 2, 3 attempts per 20 s; "now" in the tables is 9000.
constexpr std::int64_t kNow = 9000;
RecoveryPolicy::Limits testLimits() { return {1000, 2, 3, 20000}; }

AgentKey udpAgent(Transport transport, std::uint32_t pid) {
    return AgentKey::fromPeer(transport, QHostAddress(QStringLiteral("192.0.2.7")), pid);
}

void startAndEnd(RecoveryPolicy &policy, const AgentKey &agent, RecoveryTrigger trigger, std::int64_t at, bool end) {
    QVERIFY(policy.decide(agent, false, trigger, at).spawn());
    policy.childStarted(agent, trigger, at);
    if (end)
        policy.childEnded(agent);
}

// Builds the setup in an order in which every step is itself allowed.
void applySetup(RecoveryPolicy &policy, const AgentKey &agent, int setup) {
    if (setup & (AttemptsExhausted | GaveUp)) {
        for (std::int64_t at : {0, 2000, 4000})
            startAndEnd(policy, agent, RecoveryTrigger::Stall, at, true);
    }
    if (setup & GaveUp) {
        const RecoveryVerdict verdict = policy.decide(agent, false, RecoveryTrigger::Stall, 5000);
        QCOMPARE(verdict.refusal, std::optional(RefusalReason::GaveUp));
    }
    if (setup & (RecentStart | InFlight))
        startAndEnd(policy, agent, RecoveryTrigger::Manual, (setup & RecentStart) ? kNow - 100 : kNow - 2000,
                    !(setup & InFlight));
    if (setup & Paused)
        policy.pause(agent);
    for (std::uint32_t other = 100000; (setup & CapacityFull) && policy.outstanding() < 2; ++other)
        startAndEnd(policy, AgentKey::local(other), RecoveryTrigger::Manual, kNow - 5000, false);
}

}  // namespace

class TestRecoveryPolicy : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void gates_data();
    void gates();
    void crossNamespaceWithTheFlagRecovers();
    void trust_data();
    void trust();
    void debounceArming_data();
    void debounceArming();
    void restartLoopLimit();
    void aCrashLoopAcrossPidsOfOneUnitStillGivesUp();
    void aPauseGoesOnWithTheUnitsNewPid();
    void restartLoopWindow_data();
    void restartLoopWindow();
    void restartLoopCountsOnlyStartedAutomaticChildren();
    void rearmLeavesGaveUp();
    void pauseAndResume();
    void slotsAreReleased();
    void bookkeepingIsPruned();
    void bookkeepingStaysBoundedUnderManyAgents();
    void pauseKeepsItsDetails();
    void pauseExpiries();
    void changesAreCounted();
    void exportAndRestoreAcrossARestart();
    void restoreDropsAttemptsOutsideTheWindow();
    void restoreKeepsExpiredPauses();
    void pruneKeepsPausedAndGaveUp();
};

void TestRecoveryPolicy::gates_data() {
    QTest::addColumn<int>("transport");
    QTest::addColumn<bool>("crossNamespace");
    QTest::addColumn<bool>("manual");
    QTest::addColumn<int>("setup");
    QTest::addColumn<int>("expected");

    const int uds = int(Transport::Uds), udp = int(Transport::Udp);
    const int none = kSpawn;
    auto reason = [](RefusalReason r) { return int(r); };

    // Each gate alone.
    QTest::newRow("clear: spawn") << uds << false << false << int(None) << none;
    QTest::newRow("cross namespace") << uds << true << false << int(None) << reason(RefusalReason::CrossNamespaceAgent);
    QTest::newRow("untrusted udp") << udp << false << false << int(None)
                                   << reason(RefusalReason::UnauthenticatedTransport);
    QTest::newRow("paused") << uds << false << false << int(Paused) << reason(RefusalReason::Paused);
    QTest::newRow("gave up") << uds << false << false << int(GaveUp) << reason(RefusalReason::GaveUp);
    QTest::newRow("debounced") << uds << false << false << int(RecentStart) << reason(RefusalReason::Debounced);
    QTest::newRow("in flight") << uds << false << false << int(InFlight) << reason(RefusalReason::OutstandingInFlight);
    QTest::newRow("capacity") << uds << false << false << int(CapacityFull)
                              << reason(RefusalReason::OutstandingCapacity);
    QTest::newRow("restart loop") << uds << false << false << int(AttemptsExhausted) << reason(RefusalReason::GaveUp);

    // Order: when two gates would refuse, the earlier one names the reason.
    QTest::newRow("cross namespace before trust")
        << udp << true << false << int(None) << reason(RefusalReason::CrossNamespaceAgent);
    QTest::newRow("cross namespace even for manual")
        << uds << true << true << int(None) << reason(RefusalReason::CrossNamespaceAgent);
    QTest::newRow("trust before paused") << udp << false << false << int(Paused)
                                         << reason(RefusalReason::UnauthenticatedTransport);
    QTest::newRow("paused before gave up")
        << uds << false << false << int(Paused | GaveUp) << reason(RefusalReason::Paused);
    QTest::newRow("gave up before capacity")
        << uds << false << false << int(GaveUp | CapacityFull) << reason(RefusalReason::GaveUp);
    QTest::newRow("debounce before in flight")
        << uds << false << false << int(RecentStart | InFlight) << reason(RefusalReason::Debounced);
    QTest::newRow("in flight before capacity")
        << uds << false << false << int(InFlight | CapacityFull) << reason(RefusalReason::OutstandingInFlight);
    QTest::newRow("capacity before restart loop")
        << uds << false << false << int(CapacityFull | AttemptsExhausted) << reason(RefusalReason::OutstandingCapacity);

    // Manual: bypasses trust, debounce and the restart loop; nothing else.
    QTest::newRow("manual bypasses trust") << udp << false << true << int(None) << none;
    QTest::newRow("manual bypasses debounce") << uds << false << true << int(RecentStart) << none;
    QTest::newRow("manual bypasses restart loop") << uds << false << true << int(AttemptsExhausted) << none;
    QTest::newRow("manual stopped by paused") << udp << false << true << int(Paused) << reason(RefusalReason::Paused);
    QTest::newRow("manual stopped by gave up") << uds << false << true << int(GaveUp) << reason(RefusalReason::GaveUp);
    QTest::newRow("manual stopped by in flight")
        << udp << false << true << int(InFlight) << reason(RefusalReason::OutstandingInFlight);
    QTest::newRow("manual stopped by capacity")
        << uds << false << true << int(CapacityFull) << reason(RefusalReason::OutstandingCapacity);
}

void TestRecoveryPolicy::gates() {
    QFETCH(int, transport);
    QFETCH(bool, crossNamespace);
    QFETCH(bool, manual);
    QFETCH(int, setup);
    QFETCH(int, expected);

    RecoveryPolicy policy(testLimits(), RecoveryTrust{});
    const AgentKey agent = transport == int(Transport::Uds) ? AgentKey::local(42) : udpAgent(Transport(transport), 42);
    // Rows that need automatic attempts use a Unix-socket agent; the others build their
    // children manually, which the trust gate lets through.
    applySetup(policy, agent, setup);
    if (QTest::currentTestFailed())
        return;

    const int outstandingBefore = policy.outstanding();
    const RecoveryVerdict verdict =
        policy.decide(agent, crossNamespace, manual ? RecoveryTrigger::Manual : RecoveryTrigger::Stall, kNow);
    QCOMPARE(verdict.refusal ? int(*verdict.refusal) : kSpawn, expected);
    // A spawn verdict reserves a slot; a refusal takes nothing.
    QCOMPARE(policy.outstanding(), outstandingBefore + (verdict.spawn() ? 1 : 0));
    QCOMPARE(policy.inFlight(agent), verdict.spawn() || (setup & InFlight));
}

// --allow-cross-namespace-agents lets recovery run for the agents it lets in.
void TestRecoveryPolicy::crossNamespaceWithTheFlagRecovers() {
    RecoveryPolicy refusing(testLimits(), RecoveryTrust{});
    QCOMPARE(refusing.decide(AgentKey::local(42), true, RecoveryTrigger::Stall, kNow).refusal,
             std::optional(RefusalReason::CrossNamespaceAgent));
    RecoveryPolicy allowing(testLimits(), RecoveryTrust{false, false, true});
    QVERIFY(allowing.decide(AgentKey::local(42), true, RecoveryTrigger::Stall, kNow).spawn());
}

void TestRecoveryPolicy::trust_data() {
    QTest::addColumn<int>("transport");
    QTest::addColumn<bool>("udpAllowed");
    QTest::addColumn<bool>("secureAllowed");
    QTest::addColumn<bool>("manual");
    QTest::addColumn<bool>("spawns");

    const int uds = int(Transport::Uds), udp = int(Transport::Udp), sec = int(Transport::SecureUdp);
    QTest::newRow("uds, no opt-in") << uds << false << false << false << true;
    QTest::newRow("udp, no opt-in") << udp << false << false << false << false;
    QTest::newRow("udp, udp opt-in") << udp << true << false << false << true;
    QTest::newRow("udp, only secure opt-in") << udp << false << true << false << false;
    QTest::newRow("secure, no opt-in") << sec << false << false << false << false;
    QTest::newRow("secure, secure opt-in") << sec << false << true << false << true;
    QTest::newRow("secure, only udp opt-in") << sec << true << false << false << false;
    QTest::newRow("udp, no opt-in, manual") << udp << false << false << true << true;
    QTest::newRow("secure, no opt-in, manual") << sec << false << false << true << true;
}

void TestRecoveryPolicy::trust() {
    QFETCH(int, transport);
    QFETCH(bool, udpAllowed);
    QFETCH(bool, secureAllowed);
    QFETCH(bool, manual);
    QFETCH(bool, spawns);

    RecoveryPolicy policy(testLimits(), RecoveryTrust{udpAllowed, secureAllowed});
    const AgentKey agent = transport == int(Transport::Uds) ? AgentKey::local(7) : udpAgent(Transport(transport), 7);
    const RecoveryVerdict verdict =
        policy.decide(agent, false, manual ? RecoveryTrigger::Manual : RecoveryTrigger::Stall, 0);
    QCOMPARE(verdict.spawn(), spawns);
    if (!spawns)
        QCOMPARE(verdict.refusal, std::optional(RefusalReason::UnauthenticatedTransport));
}

void TestRecoveryPolicy::debounceArming_data() {
    QTest::addColumn<QString>("first");  // what happened to the first decision
    QTest::addColumn<std::int64_t>("after");
    QTest::addColumn<bool>("debounced");

    QTest::newRow("started child arms it") << QStringLiteral("started") << std::int64_t(1) << true;
    QTest::newRow("still armed 1 ms before the end") << QStringLiteral("started") << std::int64_t(999) << true;
    QTest::newRow("expires at debounceMs") << QStringLiteral("started") << std::int64_t(1000) << false;
    QTest::newRow("manual start arms it too") << QStringLiteral("manual") << std::int64_t(1) << true;
    QTest::newRow("failed spawn does not arm it") << QStringLiteral("failed") << std::int64_t(1) << false;
    QTest::newRow("refusal does not arm it") << QStringLiteral("refused") << std::int64_t(1) << false;
}

void TestRecoveryPolicy::debounceArming() {
    QFETCH(QString, first);
    QFETCH(std::int64_t, after);
    QFETCH(bool, debounced);

    RecoveryPolicy policy(testLimits(), RecoveryTrust{});
    const AgentKey agent = AgentKey::local(9);
    const std::int64_t t0 = 50000;
    if (first == QLatin1String("refused")) {
        startAndEnd(policy, AgentKey::local(1), RecoveryTrigger::Stall, t0 - 5000, false);
        startAndEnd(policy, AgentKey::local(2), RecoveryTrigger::Stall, t0 - 5000, false);
        QCOMPARE(policy.decide(agent, false, RecoveryTrigger::Stall, t0).refusal,
                 std::optional(RefusalReason::OutstandingCapacity));
        policy.childEnded(AgentKey::local(1));
    } else {
        const RecoveryTrigger trigger =
            first == QLatin1String("manual") ? RecoveryTrigger::Manual : RecoveryTrigger::Stall;
        QVERIFY(policy.decide(agent, false, trigger, t0).spawn());
        if (first == QLatin1String("failed")) {
            policy.spawnFailed(agent);
        } else {
            policy.childStarted(agent, trigger, t0);
            policy.childEnded(agent);
        }
    }
    const RecoveryVerdict verdict = policy.decide(agent, false, RecoveryTrigger::Stall, t0 + after);
    QCOMPARE(verdict.refusal == RefusalReason::Debounced, debounced);
    QCOMPARE(verdict.spawn(), !debounced);
}

void TestRecoveryPolicy::restartLoopLimit() {
    // maxAttempts = 3: attempts 1..3 run, the 4th inside the window is refused and is
    // the one that enters GaveUp; later ones are refused by the GaveUp gate itself.
    RecoveryPolicy policy(testLimits(), RecoveryTrust{});
    const AgentKey agent = AgentKey::local(5);
    for (std::int64_t at : {0, 2000, 4000}) {
        QVERIFY2(policy.decide(agent, false, RecoveryTrigger::Stall, at).spawn(), qPrintable(QString::number(at)));
        policy.childStarted(agent, RecoveryTrigger::Stall, at);
        policy.childEnded(agent);
        QVERIFY(!policy.hasGivenUp(agent));
    }
    const RecoveryVerdict fourth = policy.decide(agent, false, RecoveryTrigger::Stall, 6000);
    QCOMPARE(fourth.refusal, std::optional(RefusalReason::GaveUp));
    QVERIFY(fourth.enteredGaveUp);
    QVERIFY(policy.hasGivenUp(agent));
    QCOMPARE(policy.outstanding(), 0);

    // Long after the window: still GaveUp, and not "entered" again.
    const RecoveryVerdict later = policy.decide(agent, false, RecoveryTrigger::Stall, 1'000'000);
    QCOMPARE(later.refusal, std::optional(RefusalReason::GaveUp));
    QVERIFY(!later.enteredGaveUp);
}

// Each restart of a crashing unit is a new pid: carried over, its attempts still add up
// to --recovery-max-attempts, so the loop ends in gave_up instead of going on forever.
void TestRecoveryPolicy::aCrashLoopAcrossPidsOfOneUnitStillGivesUp() {
    RecoveryPolicy policy(testLimits(), RecoveryTrust{});
    std::uint32_t pid = 100;
    for (std::int64_t at : {0, 2000, 4000}) {
        const AgentKey agent = AgentKey::local(pid);
        QVERIFY2(policy.decide(agent, false, RecoveryTrigger::Stall, at).spawn(), qPrintable(QString::number(at)));
        policy.childStarted(agent, RecoveryTrigger::Stall, at);
        policy.childEnded(agent);
        policy.carryOver(agent, AgentKey::local(++pid));  // the unit came back under a new pid
    }
    const AgentKey fourth = AgentKey::local(pid);
    const RecoveryVerdict verdict = policy.decide(fourth, false, RecoveryTrigger::Stall, 6000);
    QCOMPARE(verdict.refusal, std::optional(RefusalReason::GaveUp));
    QVERIFY(policy.hasGivenUp(fourth));
    // A gave-up mark goes on too: the next pid waits for the operator's re-arm.
    policy.carryOver(fourth, AgentKey::local(pid + 1));
    QVERIFY(policy.hasGivenUp(AgentKey::local(pid + 1)));
    QVERIFY(!policy.hasGivenUp(fourth));
}

void TestRecoveryPolicy::aPauseGoesOnWithTheUnitsNewPid() {
    RecoveryPolicy policy(testLimits(), RecoveryTrust{});
    const AgentKey before = AgentKey::local(200);
    const AgentKey after = AgentKey::local(201);
    policy.pause(before, PauseInfo{QStringLiteral("alice (uid 1000)"), QStringLiteral("disk swap"), 1, 5000});
    policy.carryOver(before, after);
    QVERIFY(!policy.isPaused(before));
    QVERIFY(policy.isPaused(after));
    QCOMPARE(policy.pauseInfo(after)->reason, QStringLiteral("disk swap"));
    // Its end moved with it: the expiry names the new pid.
    QCOMPARE(policy.expiredPauses(6000), std::vector<AgentKey>{after});
    QCOMPARE(policy.decide(after, false, RecoveryTrigger::Stall, kNow).refusal, std::optional(RefusalReason::Paused));
}

void TestRecoveryPolicy::restartLoopWindow_data() {
    QTest::addColumn<std::int64_t>("at");
    QTest::addColumn<bool>("spawns");
    // Attempts at 0, 2000, 4000 with a 5000 ms window: the one at 0 leaves the window
    // at exactly 5000.
    QTest::newRow("inside the window") << std::int64_t(4999) << false;
    QTest::newRow("oldest attempt just left") << std::int64_t(5000) << true;
}

void TestRecoveryPolicy::restartLoopWindow() {
    QFETCH(std::int64_t, at);
    QFETCH(bool, spawns);
    RecoveryPolicy policy({0, 8, 3, 5000}, RecoveryTrust{});
    const AgentKey agent = AgentKey::local(5);
    for (std::int64_t start : {0, 2000, 4000})
        startAndEnd(policy, agent, RecoveryTrigger::Stall, start, true);
    QCOMPARE(policy.decide(agent, false, RecoveryTrigger::Stall, at).spawn(), spawns);
    QCOMPARE(policy.hasGivenUp(agent), !spawns);
}

void TestRecoveryPolicy::restartLoopCountsOnlyStartedAutomaticChildren() {
    RecoveryPolicy policy({0, 8, 2, 100000}, RecoveryTrust{});
    const AgentKey agent = AgentKey::local(6);
    // Failed spawns and manual children are not attempts.
    for (int i = 0; i < 5; ++i) {
        QVERIFY(policy.decide(agent, false, RecoveryTrigger::Stall, i).spawn());
        policy.spawnFailed(agent);
        startAndEnd(policy, agent, RecoveryTrigger::Manual, i, true);
    }
    QVERIFY(policy.decide(agent, false, RecoveryTrigger::Stall, 10).spawn());
    policy.childStarted(agent, RecoveryTrigger::Stall, 10);
    policy.childEnded(agent);
    QVERIFY(policy.decide(agent, false, RecoveryTrigger::Stall, 11).spawn());
    policy.childStarted(agent, RecoveryTrigger::Stall, 11);
    policy.childEnded(agent);
    QCOMPARE(policy.decide(agent, false, RecoveryTrigger::Stall, 12).refusal, std::optional(RefusalReason::GaveUp));
}

void TestRecoveryPolicy::rearmLeavesGaveUp() {
    RecoveryPolicy policy({0, 8, 1, 100000}, RecoveryTrust{});
    const AgentKey agent = AgentKey::local(8);
    startAndEnd(policy, agent, RecoveryTrigger::Stall, 0, true);
    QVERIFY(policy.decide(agent, false, RecoveryTrigger::Stall, 1).enteredGaveUp);
    QCOMPARE(policy.decide(agent, false, RecoveryTrigger::Manual, 2).refusal, std::optional(RefusalReason::GaveUp));

    policy.rearm(agent);
    QVERIFY(!policy.hasGivenUp(agent));
    // Re-arming also forgets the attempts that led there: a full budget again.
    QVERIFY(policy.decide(agent, false, RecoveryTrigger::Stall, 3).spawn());
    policy.childStarted(agent, RecoveryTrigger::Stall, 3);
    policy.childEnded(agent);
    QCOMPARE(policy.decide(agent, false, RecoveryTrigger::Stall, 4).refusal, std::optional(RefusalReason::GaveUp));
}

void TestRecoveryPolicy::pauseAndResume() {
    RecoveryPolicy policy(testLimits(), RecoveryTrust{});
    const AgentKey agent = AgentKey::local(11);
    policy.pause(agent);
    QVERIFY(policy.isPaused(agent));
    QCOMPARE(policy.decide(agent, false, RecoveryTrigger::Stall, 0).refusal, std::optional(RefusalReason::Paused));
    policy.resume(agent);
    QVERIFY(!policy.isPaused(agent));
    QVERIFY(policy.decide(agent, false, RecoveryTrigger::Stall, 1).spawn());
}

void TestRecoveryPolicy::slotsAreReleased() {
    RecoveryPolicy policy(testLimits(), RecoveryTrust{});
    const AgentKey a = AgentKey::local(1), b = AgentKey::local(2), c = AgentKey::local(3);
    QVERIFY(policy.decide(a, false, RecoveryTrigger::Stall, 0).spawn());
    QVERIFY(policy.decide(b, false, RecoveryTrigger::Stall, 0).spawn());
    QCOMPARE(policy.decide(c, false, RecoveryTrigger::Stall, 0).refusal,
             std::optional(RefusalReason::OutstandingCapacity));
    policy.spawnFailed(a);  // a failed start frees its slot at once
    QVERIFY(policy.decide(c, false, RecoveryTrigger::Stall, 0).spawn());
    policy.childStarted(b, RecoveryTrigger::Stall, 0);
    policy.childEnded(b);
    policy.childEnded(b);  // a second end must not free a slot it does not hold
    QCOMPARE(policy.outstanding(), 1);
    QVERIFY(!policy.inFlight(b));
}

void TestRecoveryPolicy::bookkeepingIsPruned() {
    RecoveryPolicy policy(testLimits(), RecoveryTrust{});
    for (std::uint32_t pid = 1; pid <= 50; ++pid)
        startAndEnd(policy, AgentKey::local(pid), RecoveryTrigger::Stall, 0, true);
    policy.pause(AgentKey::local(1000));
    QVERIFY(policy.decide(AgentKey::local(1001), false, RecoveryTrigger::Stall, 0).spawn());  // in flight

    policy.prune(19999);  // inside the attempt window: every record still matters
    QCOMPARE(policy.trackedAgents(), std::size_t(52));
    policy.prune(20000);  // past window and debounce: only the paused and the in-flight stay
    QCOMPARE(policy.trackedAgents(), std::size_t(2));
    QVERIFY(policy.isPaused(AgentKey::local(1000)));
    QVERIFY(policy.inFlight(AgentKey::local(1001)));
}

void TestRecoveryPolicy::bookkeepingStaysBoundedUnderManyAgents() {
    RecoveryPolicy policy(testLimits(), RecoveryTrust{});
    std::size_t peak = 0;
    for (std::uint32_t pid = 1; pid <= 200000; ++pid) {
        policy.decide(udpAgent(Transport::Udp, pid), false, RecoveryTrigger::Stall, 0);  // refused: untrusted
        peak = std::max(peak, policy.trackedAgents());
    }
    QVERIFY2(peak <= 2048, qPrintable(QString::number(peak)));
}

void TestRecoveryPolicy::pauseKeepsItsDetails() {
    RecoveryPolicy policy(testLimits(), RecoveryTrust{});
    const AgentKey agent = AgentKey::local(12);
    QCOMPARE(policy.pauseInfo(agent), nullptr);
    const PauseInfo info{QStringLiteral("alice (uid 1000)"), QStringLiteral("disk swap"), 1764600000000, 1764603600000};
    policy.pause(agent, info);
    QVERIFY(policy.isPaused(agent));
    QVERIFY(policy.pauseInfo(agent));
    QCOMPARE(*policy.pauseInfo(agent), info);

    // Pausing again replaces the details: a new reason, no end.
    const PauseInfo again{QStringLiteral("console"), QStringLiteral("longer"), 1764600001000, std::nullopt};
    policy.pause(agent, again);
    QCOMPARE(*policy.pauseInfo(agent), again);
    QCOMPARE(policy.nextPauseExpiryUnixMs(), std::nullopt);

    policy.resume(agent);
    QCOMPARE(policy.pauseInfo(agent), nullptr);

    // The old spelling still pauses, with no details.
    policy.pause(agent);
    QVERIFY(policy.isPaused(agent));
    QCOMPARE(*policy.pauseInfo(agent), PauseInfo{});
}

void TestRecoveryPolicy::pauseExpiries() {
    RecoveryPolicy policy(testLimits(), RecoveryTrust{});
    const AgentKey a = AgentKey::local(1), b = AgentKey::local(2), c = AgentKey::local(3);
    const AgentKey d = udpAgent(Transport::Udp, 2);
    QCOMPARE(policy.nextPauseExpiryUnixMs(), std::nullopt);
    policy.pause(a, {QString(), QString(), 0, 5000});
    policy.pause(b, {QString(), QString(), 0, 3000});
    policy.pause(c, {QString(), QString(), 0, std::nullopt});
    policy.pause(d, {QString(), QString(), 0, 5000});  // the same end as a
    QCOMPARE(policy.nextPauseExpiryUnixMs(), std::optional<std::int64_t>(3000));
    QVERIFY(policy.expiredPauses(2999).empty());
    QCOMPARE(policy.expiredPauses(3000), std::vector<AgentKey>{b});
    const std::vector<AgentKey> later = policy.expiredPauses(99999);
    QCOMPARE(later.size(), std::size_t(3));  // c never expires
    QCOMPARE(later[0], b);
    QVERIFY((later[1] == a && later[2] == d) || (later[1] == d && later[2] == a));
    QVERIFY(policy.isPaused(b));  // asking does not resume

    policy.resume(b);
    QCOMPARE(policy.nextPauseExpiryUnixMs(), std::optional<std::int64_t>(5000));
    policy.pause(a, {QString(), QString(), 0, 9000});  // a new end replaces the old one
    QCOMPARE(policy.expiredPauses(5000), std::vector<AgentKey>{d});
    policy.resume(d);
    QCOMPARE(policy.nextPauseExpiryUnixMs(), std::optional<std::int64_t>(9000));
    policy.pause(a, {});
    QCOMPARE(policy.nextPauseExpiryUnixMs(), std::nullopt);
    QVERIFY(policy.expiredPauses(99999).empty());
}

void TestRecoveryPolicy::changesAreCounted() {
    RecoveryPolicy policy({0, 8, 1, 100000}, RecoveryTrust{});
    const AgentKey agent = AgentKey::local(21);
    QVERIFY(!policy.takeChanged());
    const auto changedBy = [&](const auto &step) {
        const std::uint64_t before = policy.changes();
        step();
        return policy.changes() != before;
    };

    // A manual recovery is no fact to save; an automatic attempt is.
    QVERIFY(!changedBy([&] { startAndEnd(policy, agent, RecoveryTrigger::Manual, 0, true); }));
    QVERIFY(changedBy([&] { startAndEnd(policy, agent, RecoveryTrigger::Stall, 1, true); }));
    QVERIFY(policy.takeChanged());
    QVERIFY(!policy.takeChanged());

    QVERIFY(changedBy([&] { QVERIFY(policy.decide(agent, false, RecoveryTrigger::Stall, 2).enteredGaveUp); }));
    QVERIFY(!changedBy([&] { policy.decide(agent, false, RecoveryTrigger::Stall, 3); }));  // already given up
    QVERIFY(changedBy([&] { policy.rearm(agent); }));
    QVERIFY(!changedBy([&] { policy.rearm(agent); }));  // nothing left to forget
    QVERIFY(changedBy([&] { policy.pause(agent, {}); }));
    QVERIFY(!changedBy([&] { policy.decide(agent, false, RecoveryTrigger::Stall, 4); }));  // refused: paused
    QVERIFY(changedBy([&] { policy.resume(agent); }));
    QVERIFY(!changedBy([&] { policy.resume(agent); }));  // was not paused
    QVERIFY(!changedBy([&] { policy.resume(AgentKey::local(99)); }));
    QVERIFY(policy.takeChanged());

    OperatorState state;
    state.agents.push_back({AgentKey::local(22), PauseInfo{}, true, {}});
    QVERIFY(!changedBy([&] { policy.restore(state, 10, 10); }));  // it is what the file holds already
    QVERIFY(!changedBy([&] { policy.prune(1000000); }));
    QVERIFY(!policy.takeChanged());
}

void TestRecoveryPolicy::exportAndRestoreAcrossARestart() {
    // 3 attempts per 20 s. The first run's engine clock reads 10 s at Unix time T + 10 s.
    constexpr std::int64_t kT = 1764600000000;
    // UDP agents need their transport trusted to be recovered automatically at all.
    RecoveryPolicy first(testLimits(), RecoveryTrust{true, true, false});
    const AgentKey paused = AgentKey::local(4242);
    const AgentKey gaveUp = udpAgent(Transport::SecureUdp, 7);
    const AgentKey busy = AgentKey::local(100);
    const AgentKey idle = AgentKey::local(5);
    const PauseInfo info{QStringLiteral("alice (uid 1000)"), QStringLiteral("disk swap"), kT + 9000, kT + 3600000};
    for (std::int64_t at : {1000, 3000, 5000})
        startAndEnd(first, gaveUp, RecoveryTrigger::Stall, at, true);
    QVERIFY(first.decide(gaveUp, false, RecoveryTrigger::Stall, 6000).enteredGaveUp);
    first.pause(paused, info);
    startAndEnd(first, busy, RecoveryTrigger::Stall, 8000, true);
    startAndEnd(first, busy, RecoveryTrigger::Stall, 9500, true);
    startAndEnd(first, idle, RecoveryTrigger::Manual, 9000, true);  // manual: nothing to save

    const OperatorState saved = first.exportState(10000, kT + 10000);
    QCOMPARE(saved.agents.size(), std::size_t(3));
    QCOMPARE(saved.agents[0].key, busy);  // the Unix socket first, by pid; then UDP
    QCOMPARE(saved.agents[1].key, paused);
    QCOMPARE(saved.agents[2].key, gaveUp);
    QCOMPARE(saved.agents[0].attemptsUnixMs, (std::vector<std::int64_t>{kT + 8000, kT + 9500}));
    QVERIFY(!saved.agents[0].pause && !saved.agents[0].gaveUp);
    QCOMPARE(saved.agents[1].pause, std::optional(info));
    QVERIFY(saved.agents[1].attemptsUnixMs.empty());
    QVERIFY(saved.agents[2].gaveUp);
    QCOMPARE(saved.agents[2].attemptsUnixMs, (std::vector<std::int64_t>{kT + 1000, kT + 3000, kT + 5000}));

    // The next run starts 5 s later by the wall clock; its engine clock reads 200 ms.
    RecoveryPolicy second(testLimits(), RecoveryTrust{true, true, false});
    second.restore(saved, 200, kT + 15000);
    QVERIFY(second.isPaused(paused));
    QCOMPARE(*second.pauseInfo(paused), info);
    QCOMPARE(second.nextPauseExpiryUnixMs(), std::optional(kT + 3600000));
    QVERIFY(second.hasGivenUp(gaveUp));
    QCOMPARE(second.decide(gaveUp, false, RecoveryTrigger::Stall, 300).refusal, std::optional(RefusalReason::GaveUp));
    QCOMPARE(second.trackedAgents(), std::size_t(3));
    // busy's two attempts (5 s and 6.5 s ago) still count: one more fits, the next is refused.
    startAndEnd(second, busy, RecoveryTrigger::Stall, 2000, true);
    QCOMPARE(second.decide(busy, false, RecoveryTrigger::Stall, 4000).refusal, std::optional(RefusalReason::GaveUp));
    // Once 20 s have passed since the first of them (kT + 28000, engine 13200), it may run
    // again (a refusal would put it in GaveUp, so each instant is asked of its own copy).
    RecoveryPolicy third(testLimits(), RecoveryTrust{true, true, false});
    third.restore(saved, 200, kT + 15000);
    startAndEnd(third, busy, RecoveryTrigger::Stall, 2000, true);
    RecoveryPolicy justBefore = third;
    QCOMPARE(justBefore.decide(busy, false, RecoveryTrigger::Stall, 13199).refusal,
             std::optional(RefusalReason::GaveUp));
    QCOMPARE(third.decide(busy, false, RecoveryTrigger::Stall, 13200).refusal, std::nullopt);

    // What a restored policy exports again is what was saved (times are Unix times).
    RecoveryPolicy fourth(testLimits(), RecoveryTrust{});
    fourth.restore(saved, 200, kT + 15000);
    QCOMPARE(fourth.exportState(200, kT + 15000), saved);
}

void TestRecoveryPolicy::restoreDropsAttemptsOutsideTheWindow() {
    constexpr std::int64_t kT = 1764600000000;
    RecoveryPolicy policy(testLimits(), RecoveryTrust{});  // 3 attempts per 20 s
    const AgentKey agent = AgentKey::local(31);
    OperatorState state;
    // Out of order, one too old, one in the future (the wall clock stepped back), four
    // inside the window: the newest three are kept, the future one counted as now.
    state.agents.push_back(
        {agent, std::nullopt, false, {kT - 5000, kT - 30000, kT - 20000, kT - 19999, kT - 1000, kT + 60000}});
    state.agents.push_back({AgentKey::local(32), std::nullopt, false, {kT - 20000}});  // nothing left: no record
    policy.restore(state, 50000, kT);
    QCOMPARE(policy.trackedAgents(), std::size_t(1));
    const OperatorState again = policy.exportState(50000, kT);
    QCOMPARE(again.agents.size(), std::size_t(1));
    QCOMPARE(again.agents[0].attemptsUnixMs, (std::vector<std::int64_t>{kT - 5000, kT - 1000, kT}));

    // Without a restart-loop limit there are no attempts to keep.
    RecoveryPolicy unlimited({1000, 2, 0, 20000}, RecoveryTrust{});
    unlimited.restore(state, 50000, kT);
    QCOMPARE(unlimited.trackedAgents(), std::size_t(0));
    QVERIFY(unlimited.exportState(50000, kT).agents.empty());
}

void TestRecoveryPolicy::restoreKeepsExpiredPauses() {
    constexpr std::int64_t kT = 1764600000000;
    RecoveryPolicy policy(testLimits(), RecoveryTrust{});
    const AgentKey agent = AgentKey::local(41);
    OperatorState state;
    state.agents.push_back(
        {agent, PauseInfo{QStringLiteral("bob (uid 1001)"), QString(), kT - 7200000, kT - 1000}, false, {}});
    policy.restore(state, 0, kT);
    QVERIFY(policy.isPaused(agent));  // the caller ends it, with an event
    QCOMPARE(policy.nextPauseExpiryUnixMs(), std::optional(kT - 1000));
    QCOMPARE(policy.expiredPauses(kT), std::vector<AgentKey>{agent});
    policy.resume(agent);
    QVERIFY(policy.expiredPauses(kT).empty());
}

void TestRecoveryPolicy::pruneKeepsPausedAndGaveUp() {
    RecoveryPolicy policy({0, 8, 1, 100}, RecoveryTrust{});
    const AgentKey paused = AgentKey::local(1), gaveUp = AgentKey::local(2), restored = AgentKey::local(3);
    policy.pause(paused, {QStringLiteral("console"), QString(), 0, 50});  // even one already expired
    startAndEnd(policy, gaveUp, RecoveryTrigger::Stall, 0, true);
    QVERIFY(policy.decide(gaveUp, false, RecoveryTrigger::Stall, 1).enteredGaveUp);
    OperatorState state;
    state.agents.push_back({restored, std::nullopt, true, {}});
    policy.restore(state, 1, 1);
    for (std::uint32_t pid = 10; pid < 20; ++pid)
        startAndEnd(policy, AgentKey::local(pid), RecoveryTrigger::Stall, 0, true);

    policy.prune(1000000);
    QCOMPARE(policy.trackedAgents(), std::size_t(3));
    QVERIFY(policy.isPaused(paused));
    QCOMPARE(policy.nextPauseExpiryUnixMs(), std::optional<std::int64_t>(50));
    QVERIFY(policy.hasGivenUp(gaveUp));
    QVERIFY(policy.hasGivenUp(restored));
}

QTEST_GUILESS_MAIN(TestRecoveryPolicy)
#include "tst_recovery_policy.moc"
