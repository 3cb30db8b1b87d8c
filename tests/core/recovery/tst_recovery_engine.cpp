// RecoveryEngine end to end with real children and a real audit file: stall -> spawn ->
// complete, each refusal reason, skipped_agent_resumed, manual recovery, pause/resume/
// rearm, failed spawns, timeouts, operator kills, and a shutdown that completes and
// audits every child, and every kind of bad recovery command ending in exactly one
// audit row. The audit file is the witness throughout.
#include "core/base/engine_clock.h"
#include "core/recovery/recovery_engine.h"
#include "tests/support/engine_harness.h"
#include "tests/support/recovery_test_support.h"

#include <QFile>
#include <QSignalSpy>
#include <QTest>

#include <sys/prctl.h>

using namespace varta;
using varta::test::helper;
using varta::test::processGone;

namespace {

constexpr int kCeilingMs = varta::test::kEngineCeilingMs;
using Harness = varta::test::EngineHarness;
using Row = varta::test::AuditRow;

AgentKey udp(std::uint32_t pid) {
    return AgentKey::fromPeer(Transport::Udp, QHostAddress(QStringLiteral("192.0.2.9")), pid);
}

}  // namespace

class TestRecoveryEngine : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void stallSpawnsAndCompletes();
    void immediateRefusals_data();
    void immediateRefusals();
    void debounceRefuses();
    void oneChildPerAgent();
    void capacityRefuses();
    void burstStartsOneChildPerTurn();
    void gaveUpAfterAttemptsThenRearm();
    void skippedWhenAgentResumes();
    void manualBypassesDebounceAndTrustButNotOnePerAgent();
    void pauseAndResume();
    void spawnFailureIsRefusedAndDoesNotDebounce();
    void crashIsReapedNonzero();
    void timeoutKillsAndAudits();
    void operatorKill();
    void shutdownCompletesAndAuditsEveryChild();
    void notConfiguredDoesNothing();
    void startFailsOnUnusableAuditFile();
    void badInputEndsInExactlyOneRow_data();
    void badInputEndsInExactlyOneRow();

private:
    QList<qint64> m_grandchildren;  // reaped by cleanup() if a failed test left one behind
};

void TestRecoveryEngine::initTestCase() {
    engineEpochNs();
    // Orphaned grandchildren become ours, so a test can see how they died.
    QCOMPARE(::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
}

void TestRecoveryEngine::cleanup() { varta::test::killAndReap(std::exchange(m_grandchildren, {})); }

void TestRecoveryEngine::stallSpawnsAndCompletes() {
    Harness h({helper("argv"), QStringLiteral("{pid}"), QStringLiteral("{addr}")});
    QVERIFY(h.start());
    const AgentKey agent = AgentKey::local(4242);
    h.engine->onStall(agent, false);
    // Decided on the next turn, not inside onStall.
    QCOMPARE(h.engine->pendingStalls(), std::size_t(1));
    QCOMPARE(h.rows().size(), 1);  // boot only
    QCOMPARE(h.engine->mark(agent), RecoveryMark::None);

    QTRY_COMPARE_WITH_TIMEOUT(h.ended(), 1, kCeilingMs);
    const ChildInfo done = *h.child(1);
    QCOMPARE(done.state, ChildState::Exited);
    QCOMPARE(done.exitCode, 0);
    QCOMPARE(done.agent, agent);
    QVERIFY(!done.manual);
    QVERIFY(processGone(done.pid));
    QCOMPARE(h.changes.first().state, ChildState::Running);  // published when it started
    QCOMPARE(h.changes.first().pid, done.pid);

    QByteArray out;
    for (const OutputChunk &chunk : h.output)
        out += chunk.data;
    QCOMPARE(out, QByteArray("4242\0local\0", 11));

    QTRY_COMPARE_WITH_TIMEOUT(h.rows().size(), 3, kCeilingMs);  // written on the audit thread
    const QList<Row> rows = h.rows();
    // As upstream: the mode `exec`, never the command line; its length in bytes.
    const QByteArray commandLine = (helper("argv") + QStringLiteral(" 4242 local")).toUtf8();
    QCOMPARE(rows[1].mid(3, 7), (Row{"spawn", "4242", QByteArray::number(done.pid), "exec", helper("argv").toUtf8(),
                                     "inline", QByteArray::number(commandLine.size())}));
    QCOMPARE(rows[2].mid(3, 5), (Row{"complete", "4242", QByteArray::number(done.pid), "reaped", "0"}));
    QCOMPARE(rows[2].mid(8, 1), Row{"-"});
    // Without --recovery-capture-stdio the sizes are not audited (the output was still shown).
    QCOMPARE(rows[2].mid(10, 3), (Row{"0", "0", "false"}));

    QCOMPARE(h.outcome(RecoveryOutcome::Spawned), 1u);
    QCOMPARE(h.outcome(RecoveryOutcome::ReapedZero), 1u);
    QCOMPARE(h.engine->counters().childrenRunning, 0u);
    // Recovering while it ran, nothing after: two mark changes.
    QCOMPARE(h.markChanges, (QList<AgentKey>{agent, agent}));
    QCOMPARE(h.engine->mark(agent), RecoveryMark::None);
}

void TestRecoveryEngine::immediateRefusals_data() {
    QTest::addColumn<AgentKey>("agent");
    QTest::addColumn<bool>("crossNamespace");
    QTest::addColumn<bool>("paused");
    QTest::addColumn<bool>("udpTrusted");
    QTest::addColumn<QByteArray>("reason");  // empty: it spawns
    QTest::addColumn<int>("outcome");

    QTest::newRow("untrusted udp") << udp(10) << false << false << false << QByteArray("unauthenticated_transport")
                                   << int(RecoveryOutcome::RefusedUnauthenticatedTransport);
    QTest::newRow("trusted udp") << udp(10) << false << false << true << QByteArray() << int(RecoveryOutcome::Spawned);
    QTest::newRow("secure udp, only plain trusted")
        << AgentKey::fromPeer(Transport::SecureUdp, QHostAddress(QStringLiteral("192.0.2.9")), 10) << false << false
        << true << QByteArray("unauthenticated_transport") << int(RecoveryOutcome::RefusedUnauthenticatedTransport);
    QTest::newRow("cross namespace") << AgentKey::local(10) << true << false << false
                                     << QByteArray("cross_namespace_agent")
                                     << int(RecoveryOutcome::RefusedCrossNamespace);
    QTest::newRow("paused") << AgentKey::local(10) << false << true << false << QByteArray("paused")
                            << int(RecoveryOutcome::RefusedPaused);
}

void TestRecoveryEngine::immediateRefusals() {
    QFETCH(AgentKey, agent);
    QFETCH(bool, crossNamespace);
    QFETCH(bool, paused);
    QFETCH(bool, udpTrusted);
    QFETCH(QByteArray, reason);
    QFETCH(int, outcome);

    Harness h({helper("exit"), QStringLiteral("0")});
    QVERIFY(h.start(RecoveryTrust{udpTrusted, false}));
    if (paused)
        h.engine->pause(agent);
    h.engine->onStall(agent, crossNamespace);
    if (reason.isEmpty()) {
        QTRY_COMPARE_WITH_TIMEOUT(h.rows("complete").size(), 1, kCeilingMs);
        QVERIFY(h.refusals().isEmpty());
    } else {
        QTRY_COMPARE_WITH_TIMEOUT(h.refusals(), QList<QByteArray>{reason}, kCeilingMs);
        QCOMPARE(h.rows("refused").first()[4], QByteArray::number(agent.pid));
        QVERIFY(h.rows("spawn").isEmpty());
        QCOMPARE(h.events.last().category, EventCategory::Refused);
    }
    QCOMPARE(h.outcome(RecoveryOutcome(outcome)), 1u);
}

void TestRecoveryEngine::debounceRefuses() {
    Harness h({helper("exit"), QStringLiteral("0")});
    h.options.debounceMs = 3600000;
    QVERIFY(h.start());
    const AgentKey agent = AgentKey::local(20);
    h.engine->onStall(agent, false);
    QTRY_COMPARE_WITH_TIMEOUT(h.ended(), 1, kCeilingMs);
    h.engine->onStall(agent, false);
    QTRY_COMPARE_WITH_TIMEOUT(h.refusals(), QList<QByteArray>{"debounced"}, kCeilingMs);
    QCOMPARE(h.outcome(RecoveryOutcome::Debounced), 1u);
    // Another agent is not affected by this one's debounce.
    h.engine->onStall(AgentKey::local(21), false);
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("complete").size(), 2, kCeilingMs);
}

void TestRecoveryEngine::oneChildPerAgent() {
    Harness h({helper("hang")});
    QVERIFY(h.start());
    const AgentKey agent = AgentKey::local(30);
    h.engine->onStall(agent, false);
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("spawn").size(), 1, kCeilingMs);
    QCOMPARE(h.engine->mark(agent), RecoveryMark::Recovering);
    h.engine->onStall(agent, false);
    QTRY_COMPARE_WITH_TIMEOUT(h.refusals(), QList<QByteArray>{"outstanding_in_flight"}, kCeilingMs);
    QCOMPARE(h.refusedCount(RefusalReason::OutstandingInFlight), 1u);
}

void TestRecoveryEngine::capacityRefuses() {
    Harness h({helper("hang")});
    h.options.maxConcurrent = 2;
    QVERIFY(h.start());
    for (std::uint32_t pid : {40u, 41u, 42u, 43u})
        h.engine->onStall(AgentKey::local(pid), false);
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("spawn").size(), 2, kCeilingMs);
    QCOMPARE(h.refusals(), (QList<QByteArray>{"outstanding_capacity", "outstanding_capacity"}));
    QCOMPARE(h.outcome(RecoveryOutcome::RefusedOutstandingCapacity), 2u);
    QCOMPARE(h.engine->counters().childrenRunning, 2u);
    // The refused ones were not debounced: once a slot frees up they can recover.
    h.engine->killChild(1);
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("complete").size(), 1, kCeilingMs);
    h.engine->onStall(AgentKey::local(42), false);
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("spawn").size(), 3, kCeilingMs);
}

// A spawn blocks the engine thread for its fork and exec, so a burst of stalls starts one
// child per event-loop turn; refusals cost next to nothing and do not wait for a turn each.
void TestRecoveryEngine::burstStartsOneChildPerTurn() {
    Harness h({helper("hang")});
    h.options.maxConcurrent = 2;
    QVERIFY(h.start());
    for (std::uint32_t pid = 50; pid < 55; ++pid)
        h.engine->onStall(AgentKey::local(pid), false);
    QCOMPARE(h.engine->pendingStalls(), std::size_t(5));
    const auto oneTurn = [&] { QCoreApplication::sendPostedEvents(h.engine.get(), QEvent::MetaCall); };
    oneTurn();
    QCOMPARE(h.engine->pendingStalls(), std::size_t(4));
    QCOMPARE(h.engine->counters().childrenRunning, 1u);
    oneTurn();
    QCOMPARE(h.engine->pendingStalls(), std::size_t(3));
    QCOMPARE(h.engine->counters().childrenRunning, 2u);
    oneTurn();  // the cap is reached: the other three are refused in this one turn
    QCOMPARE(h.engine->pendingStalls(), std::size_t(0));
    QCOMPARE(h.outcome(RecoveryOutcome::RefusedOutstandingCapacity), 3u);
}

void TestRecoveryEngine::gaveUpAfterAttemptsThenRearm() {
    Harness h({helper("exit"), QStringLiteral("1")});
    h.options.maxAttempts = 2;
    QVERIFY(h.start());
    const AgentKey agent = AgentKey::local(50);
    for (int attempt = 1; attempt <= 2; ++attempt) {
        h.engine->onStall(agent, false);
        QTRY_COMPARE_WITH_TIMEOUT(h.rows("complete").size(), attempt, kCeilingMs);
    }
    QCOMPARE(h.outcome(RecoveryOutcome::ReapedNonzero), 2u);
    h.markChanges.clear();
    h.engine->onStall(agent, false);  // the third within the window
    QTRY_COMPARE_WITH_TIMEOUT(h.refusals(), QList<QByteArray>{"gave_up"}, kCeilingMs);
    QCOMPARE(h.engine->mark(agent), RecoveryMark::GaveUp);
    QCOMPARE(h.markChanges, QList<AgentKey>{agent});
    QVERIFY(std::any_of(h.events.begin(), h.events.end(),
                        [](const EventLogEntry &e) { return e.severity == EventSeverity::Error; }));

    QString whyNot;
    QVERIFY(!h.engine->recoverNow(agent, &whyNot));  // re-arm first
    QCOMPARE(whyNot, QStringLiteral("gave_up"));
    QCOMPARE(h.outcome(RecoveryOutcome::RefusedGaveUp), 2u);

    h.engine->rearm(agent);
    QCOMPARE(h.engine->mark(agent), RecoveryMark::None);
    QCOMPARE(h.markChanges.size(), 2);
    h.engine->onStall(agent, false);
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("complete").size(), 3, kCeilingMs);
}

void TestRecoveryEngine::skippedWhenAgentResumes() {
    Harness h({helper("exit"), QStringLiteral("0")});
    QVERIFY(h.start());
    const AgentKey resumed = AgentKey::local(60), other = AgentKey::local(61);
    h.engine->onStall(resumed, false);
    h.engine->onStall(other, false);
    h.engine->onAgentResumed(resumed);              // a beat in the same turn
    h.engine->onAgentResumed(AgentKey::local(62));  // nothing queued for it: no row
    QCOMPARE(h.engine->pendingStalls(), std::size_t(1));
    QTRY_COMPARE_WITH_TIMEOUT(h.refusals(), QList<QByteArray>{"skipped_agent_resumed"}, kCeilingMs);
    // Once the other stall has run its course, the resumed one has certainly not.
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("complete").size(), 1, kCeilingMs);
    QCOMPARE(h.rows("spawn").size(), 1);
    QCOMPARE(h.rows("spawn").first()[4], QByteArray("61"));
    QCOMPARE(h.outcome(RecoveryOutcome::SkippedAgentResumed), 1u);
}

void TestRecoveryEngine::manualBypassesDebounceAndTrustButNotOnePerAgent() {
    Harness h({helper("hang")});
    h.options.debounceMs = 3600000;
    QVERIFY(h.start());  // no UDP trust
    const AgentKey agent = udp(70);
    QString whyNot;
    QVERIFY2(h.engine->recoverNow(agent, &whyNot), qPrintable(whyNot));
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("spawn").size(), 1, kCeilingMs);
    QCOMPARE(h.rows("spawn").first()[8], QByteArray("manual"));
    QVERIFY(h.child(1)->manual);
    QCOMPARE(h.outcome(RecoveryOutcome::Manual), 1u);

    QVERIFY(!h.engine->recoverNow(agent, &whyNot));
    QCOMPARE(whyNot, QStringLiteral("outstanding_in_flight"));
    h.engine->onStall(agent, false);  // automatic: still untrusted
    QTRY_COMPARE_WITH_TIMEOUT(h.refusals(), (QList<QByteArray>{"outstanding_in_flight", "unauthenticated_transport"}),
                              kCeilingMs);

    h.engine->killChild(1);
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("complete").size(), 1, kCeilingMs);
    // Debounced for automatic recovery (an hour), yet the operator may go again.
    QVERIFY2(h.engine->recoverNow(agent, &whyNot), qPrintable(whyNot));
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("spawn").size(), 2, kCeilingMs);
}

void TestRecoveryEngine::pauseAndResume() {
    Harness h({helper("exit"), QStringLiteral("0")});
    QVERIFY(h.start());
    const AgentKey agent = AgentKey::local(80);
    h.engine->pause(agent);
    QCOMPARE(h.engine->mark(agent), RecoveryMark::Paused);
    QCOMPARE(h.markChanges, QList<AgentKey>{agent});
    h.engine->pause(agent);  // no change, no signal
    QCOMPARE(h.markChanges.size(), 1);
    QString whyNot;
    QVERIFY(!h.engine->recoverNow(agent, &whyNot));
    QCOMPARE(whyNot, QStringLiteral("paused"));
    h.engine->onStall(agent, false);
    QTRY_COMPARE_WITH_TIMEOUT(h.refusals(), (QList<QByteArray>{"paused", "paused"}), kCeilingMs);

    h.engine->resume(agent);
    QCOMPARE(h.engine->mark(agent), RecoveryMark::None);
    QCOMPARE(h.markChanges.size(), 2);
    h.engine->onStall(agent, false);
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("complete").size(), 1, kCeilingMs);
}

void TestRecoveryEngine::spawnFailureIsRefusedAndDoesNotDebounce() {
    Harness h({QStringLiteral("/nonexistent/varta-recover"), QStringLiteral("{pid}")});
    h.options.debounceMs = 3600000;
    QVERIFY(h.start());
    const AgentKey agent = AgentKey::local(90);
    h.engine->onStall(agent, false);
    QTRY_COMPARE_WITH_TIMEOUT(h.refusals(), QList<QByteArray>{"spawn_failed"}, kCeilingMs);
    QCOMPARE(h.child(1)->state, ChildState::FailedToStart);
    QVERIFY(!h.child(1)->error.isEmpty());
    QCOMPARE(h.engine->mark(agent), RecoveryMark::None);
    h.engine->onStall(agent, false);  // a failed spawn did not arm the debounce
    QTRY_COMPARE_WITH_TIMEOUT(h.refusals(), (QList<QByteArray>{"spawn_failed", "spawn_failed"}), kCeilingMs);
    QVERIFY(h.rows("spawn").isEmpty());
    QCOMPARE(h.outcome(RecoveryOutcome::SpawnFailed), 2u);
    QCOMPARE(h.engine->counters().childrenRunning, 0u);
}

void TestRecoveryEngine::crashIsReapedNonzero() {
    Harness h({helper("crash"), QStringLiteral("11")});
    QVERIFY(h.start());
    h.engine->onStall(AgentKey::local(95), false);
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("complete").size(), 1, kCeilingMs);
    QCOMPARE(h.rows("complete").first().mid(6, 3), (Row{"reaped", "-", "11"}));
    QCOMPARE(h.child(1)->state, ChildState::Killed);
    QCOMPARE(h.child(1)->signal, 11);
    QCOMPARE(h.outcome(RecoveryOutcome::ReapedNonzero), 1u);
}

void TestRecoveryEngine::timeoutKillsAndAudits() {
    Harness h({helper("ignore_term")});
    h.options.timeoutMs = 500;
    h.options.killGraceMs = 100;
    QVERIFY(h.start());
    h.engine->onStall(AgentKey::local(100), false);
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("complete").size(), 1, kCeilingMs);
    QCOMPARE(h.rows("complete").first().mid(6, 3), (Row{"killed", "-", "9"}));
    QCOMPARE(h.child(1)->state, ChildState::TimedOut);
    QCOMPARE(h.outcome(RecoveryOutcome::Killed), 1u);
    QVERIFY(processGone(h.child(1)->pid));
}

void TestRecoveryEngine::operatorKill() {
    Harness h({helper("hang")});
    QVERIFY(h.start());
    h.engine->onStall(AgentKey::local(110), false);
    QTRY_COMPARE_WITH_TIMEOUT(h.changes.size(), 1, kCeilingMs);
    QCOMPARE(h.engine->children().size(), 1);
    h.engine->killChild(1);
    h.engine->killChild(999);  // unknown: ignored
    QTRY_COMPARE_WITH_TIMEOUT(h.rows("complete").size(), 1, kCeilingMs);
    QCOMPARE(h.rows("complete").first().mid(6, 3), (Row{"killed", "-", "15"}));
    QCOMPARE(h.child(1)->state, ChildState::Killed);
    QVERIFY(h.engine->children().isEmpty());
}

void TestRecoveryEngine::shutdownCompletesAndAuditsEveryChild() {
    // Children that ignore SIGTERM: only the SIGKILL after the grace ends them.
    Harness h({helper("ignore_term")});
    QVERIFY(h.start(RecoveryTrust{}, 300));
    h.engine->onStall(AgentKey::local(122), false);
    h.engine->onStall(AgentKey::local(123), false);
    QTRY_COMPARE_WITH_TIMEOUT(h.output.size(), 2, kCeilingMs);  // both said "ready": SIGTERM ignored from here
    h.engine->onStall(AgentKey::local(124), false);             // handed over in the very turn of the shutdown
    h.engine->shutdown();
    h.engine->onStall(AgentKey::local(125), false);  // after shutdown: never reaches recovery
    QCOMPARE(h.shutdowns, 0);                        // only from the event loop
    QTRY_COMPARE_WITH_TIMEOUT(h.shutdowns, 1, kCeilingMs);

    const QList<Row> spawns = h.rows("spawn"), completes = h.rows("complete");
    QCOMPARE(spawns.size(), 3);
    QCOMPARE(completes.size(), 3);
    QVERIFY(h.refusals().isEmpty());
    for (const Row &spawn : spawns) {
        const auto match =
            std::find_if(completes.begin(), completes.end(), [&](const Row &c) { return c[5] == spawn[5]; });
        QVERIFY(match != completes.end());
        QCOMPARE((*match)[6], QByteArray("killed"));
        if (spawn[4] != "124")  // the last may die of the SIGTERM before it could ignore it
            QCOMPARE((*match)[8], QByteArray("9"));
        QVERIFY(processGone(spawn[5].toLongLong()));
    }
    QCOMPARE(h.engine->counters().childrenRunning, 0u);
    QCOMPARE(h.outcome(RecoveryOutcome::Killed), 3u);
    QVERIFY(std::none_of(h.changes.begin(), h.changes.end(), [](const ChildInfo &c) { return c.agent.pid == 125; }));
    QString whyNot;
    QVERIFY(!h.engine->recoverNow(AgentKey::local(126), &whyNot));
}

void TestRecoveryEngine::notConfiguredDoesNothing() {
    Harness h(QStringList{});
    QVERIFY(h.start());
    QVERIFY(!h.engine->configured());
    h.engine->onStall(AgentKey::local(130), false);
    QCOMPARE(h.engine->pendingStalls(), std::size_t(0));
    QString whyNot;
    QVERIFY(!h.engine->recoverNow(AgentKey::local(130), &whyNot));
    QVERIFY(!whyNot.isEmpty());
    QVERIFY(!QFile::exists(h.options.auditFile));
    h.engine->shutdown();
    QTRY_COMPARE_WITH_TIMEOUT(h.shutdowns, 1, kCeilingMs);
}

void TestRecoveryEngine::startFailsOnUnusableAuditFile() {
    Harness h({helper("exit")});
    h.options.auditFile = h.dir.filePath(QStringLiteral("missing-dir/audit.log"));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^start: .*missing-dir")));
    QVERIFY(!h.start());
}

void TestRecoveryEngine::badInputEndsInExactlyOneRow_data() {
    QTest::addColumn<QStringList>("exec");
    QTest::addColumn<qint64>("timeoutMs");      // 0: none
    QTest::addColumn<Row>("expected");          // the one closing row, from its kind on, up to truncated
    QTest::addColumn<int>("grandchildSignal");  // 0: no grandchild

    const QByteArray cap = "65536";
    QTest::newRow("program does not exist")
        << QStringList{"/nonexistent/varta-recover"} << qint64(0) << Row{"refused", "200", "spawn_failed"} << 0;
    QTest::newRow("crashes") << QStringList{helper("crash"), "11"} << qint64(0)
                             << Row{"complete", "200", "*", "reaped", "-", "11", "*", "0", "0", "false"} << 0;
    QTest::newRow("hangs past its timeout")
        << QStringList{helper("hang")} << qint64(300)
        << Row{"complete", "200", "*", "killed", "-", "15", "*", "6", "0", "false"} << 0;
    QTest::newRow("ignores SIGTERM") << QStringList{helper("ignore_term")} << qint64(1000)
                                     << Row{"complete", "200", "*", "killed", "-", "9", "*", "6", "0", "false"} << 0;
    QTest::newRow("grandchild keeps the pipes")
        << QStringList{helper("grandchild"), "exit"} << qint64(0)
        << Row{"complete", "200", "*", "reaped", "0", "-", "*", "*", "0", "false"} << SIGKILL;
    QTest::newRow("hangs with a grandchild")
        << QStringList{helper("grandchild"), "hang"} << qint64(300)
        << Row{"complete", "200", "*", "killed", "-", "15", "*", "*", "0", "false"} << SIGTERM;
    QTest::newRow("writes 1 GiB") << QStringList{helper("output"), QStringLiteral("o:%1").arg(1LL << 30)} << qint64(0)
                                  << Row{"complete", "200", "*", "reaped", "0", "-", "*", cap, "0", "true"} << 0;
}

void TestRecoveryEngine::badInputEndsInExactlyOneRow() {
    QFETCH(QStringList, exec);
    QFETCH(qint64, timeoutMs);
    QFETCH(Row, expected);
    QFETCH(int, grandchildSignal);

    Harness h(exec);
    if (timeoutMs > 0)
        h.options.timeoutMs = timeoutMs;
    h.options.killGraceMs = 200;
    h.options.captureStdio = true;  // the rows carry the kept sizes and the truncation flag
    QVERIFY(h.start());
    // Waits in the event loop proper (QTRY's polling would throttle the 1 GiB child).
    QSignalSpy changes(h.engine.get(), &RecoveryEngine::childChanged);
    QVERIFY(changes.isValid());
    h.engine->onStall(AgentKey::local(200), false);
    while (h.ended() == 0 && changes.wait(4 * kCeilingMs)) {}
    QCOMPARE(h.ended(), 1);
    h.engine->shutdown();  // flushes the audit thread: nothing more can come
    QTRY_COMPARE_WITH_TIMEOUT(h.shutdowns, 1, kCeilingMs);

    const QList<Row> spawns = h.rows("spawn"), refused = h.rows("refused"), completes = h.rows("complete");
    QCOMPARE(spawns.size() + refused.size(), 1);  // the stall: exactly one spawn or refused
    QCOMPARE(completes.size(), spawns.size());    // every spawn: exactly one complete
    const Row closing = refused.isEmpty() ? completes.first() : refused.first();
    const Row got = closing.mid(3, expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        if (expected[i] != "*")
            QVERIFY2(got.value(i) == expected[i],
                     qPrintable(QStringLiteral("column %1: %2 in %3")
                                    .arg(i + 3)
                                    .arg(QString::fromUtf8(got.value(i)), QString::fromUtf8(closing.join(' ')))));
    }
    if (!spawns.isEmpty()) {
        QCOMPARE(completes.first()[5], spawns.first()[5]);
        QVERIFY(processGone(spawns.first()[5].toLongLong()));  // reaped: no zombie
    }
    if (grandchildSignal) {
        QByteArray out;
        for (const OutputChunk &chunk : h.output)
            out += chunk.data;
        const qint64 grandchild = varta::test::grandchildPidIn(out);
        QVERIFY(grandchild > 0);
        m_grandchildren.append(grandchild);
        int killedBy = 0;  // no orphan: it died with its parent's group
        QTRY_VERIFY_WITH_TIMEOUT(killedBy || (killedBy = varta::test::reapedBySignal(grandchild)), kCeilingMs);
        QCOMPARE(killedBy, grandchildSignal);
    }
}

QTEST_GUILESS_MAIN(TestRecoveryEngine)
#include "tst_recovery_engine.moc"
