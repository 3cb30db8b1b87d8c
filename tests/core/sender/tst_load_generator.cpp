// LoadGenerator against a real UDP socket: every simulated agent must look like a real
// client (own pid, nonces 1..K with no gap or repeat), and stall injection must silence
// exactly the chosen agents.
#include "core/sender/load_generator.h"
#include "tests/support/datagram_receiver.h"

#include <QHash>
#include <QSet>
#include <QTest>

#include <thread>

using namespace varta;
using varta::test::Datagram;
using varta::test::DatagramReceiver;

namespace {

constexpr quint32 kBasePid = 7000;

struct Received {
    QHash<quint32, QList<vlp::Frame>> byPid;
    int frames = 0;
    int invalid = 0;
};

Received sortByPid(const QList<Datagram> &datagrams) {
    Received received;
    for (const Datagram &datagram : datagrams) {
        const auto frame = datagram.frame();
        if (!frame) {
            ++received.invalid;
            continue;
        }
        received.byPid[frame->pid].append(*frame);
        ++received.frames;
    }
    return received;
}

// Nonces 1..n in order with timestamps that never go back, as real clients send them.
bool isCleanSequence(const QList<vlp::Frame> &frames, int expectedCount = -1) {
    if (expectedCount >= 0 && frames.size() != expectedCount)
        return false;
    for (int i = 0; i < frames.size(); ++i) {
        if (frames[i].nonce != std::uint64_t(i + 1) || frames[i].status != vlp::Status::Ok)
            return false;
        if (i > 0 && frames[i].timestamp < frames[i - 1].timestamp)
            return false;
    }
    return true;
}

LoadGenerator::Config config(std::uint32_t agents, std::uint64_t beats, double rateHz = 0) {
    LoadGenerator::Config c;
    c.agents = agents;
    c.basePid = kBasePid;
    c.beatsPerAgent = beats;
    c.ratePerAgentHz = rateHz;
    return c;
}

}  // namespace

class TestLoadGenerator : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyAgentBeatsItsOwnSequence_data();
    void everyAgentBeatsItsOwnSequence();
    void stallSilencesExactlyTheChosenFraction_data();
    void stallSilencesExactlyTheChosenFraction();
    void resumedAgentsCarryOnWhereTheyStopped();
    void durationEndsAnUnlimitedRun();
    void aFleetCanStartPastTheNoncesItSentBefore();
    void stopFlagEndsTheRunFromAnotherThread();
    void refusedSendsAreRetriedNotLost();
};

void TestLoadGenerator::everyAgentBeatsItsOwnSequence_data() {
    QTest::addColumn<quint32>("agents");
    QTest::addColumn<int>("beats");
    QTest::addColumn<double>("rateHz");
    QTest::addColumn<int>("batch");
    QTest::newRow("1 agent, unpaced") << 1u << 10 << 0.0 << 64;
    QTest::newRow("50 agents x 20, unpaced") << 50u << 20 << 0.0 << 64;
    QTest::newRow("7 agents, batch of 3") << 7u << 9 << 0.0 << 3;
    QTest::newRow("3 agents, batch larger than the fleet") << 3u << 40 << 0.0 << 64;
    QTest::newRow("batch of 1") << 5u << 5 << 0.0 << 1;
    QTest::newRow("20 agents paced at 500 Hz") << 20u << 5 << 500.0 << 16;
    QTest::newRow("200 agents paced at 50 Hz") << 200u << 2 << 50.0 << 64;
    QTest::newRow("1000 agents x 2, batch 1024") << 1000u << 2 << 0.0 << 1024;
}

// --nonce-start with --agents: a run that follows another, to an observer that kept the
// fleet, carries every agent's sequence on from there.
void TestLoadGenerator::aFleetCanStartPastTheNoncesItSentBefore() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    LoadGenerator::Config c = config(5, 3);
    c.nonceStart = 1000;
    LoadGenerator generator(c);
    QVERIFY2(generator.connectUdp(QHostAddress::LocalHost, receiver.port()), qPrintable(generator.errorString()));
    const std::atomic<bool> stop{false};
    generator.run(stop);
    const Received received = sortByPid(receiver.receive(15));
    QCOMPARE(received.frames, 15);
    for (quint32 i = 0; i < 5; ++i) {
        const QList<vlp::Frame> frames = received.byPid.value(kBasePid + i);
        QCOMPARE(frames.size(), 3);
        QCOMPARE(frames[0].nonce, std::uint64_t(1000));
        QCOMPARE(frames[2].nonce, std::uint64_t(1002));
    }
}

void TestLoadGenerator::everyAgentBeatsItsOwnSequence() {
    QFETCH(quint32, agents);
    QFETCH(int, beats);
    QFETCH(double, rateHz);
    QFETCH(int, batch);

    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    LoadGenerator::Config c = config(agents, std::uint64_t(beats), rateHz);
    c.batchSize = std::size_t(batch);
    LoadGenerator generator(c);
    QVERIFY2(generator.connectUdp(QHostAddress::LocalHost, receiver.port()), qPrintable(generator.errorString()));
    const std::atomic<bool> stop{false};
    generator.run(stop);

    const int expected = int(agents) * beats;
    QCOMPARE(generator.framesSent(), std::uint64_t(expected));
    QCOMPARE(generator.sendFailures(), std::uint64_t(0));
    QVERIFY(generator.errorString().isEmpty());
    const Received received = sortByPid(receiver.receive(expected));
    QCOMPARE(received.invalid, 0);
    QCOMPARE(received.frames, expected);
    QCOMPARE(received.byPid.size(), int(agents));
    for (quint32 i = 0; i < agents; ++i)
        QVERIFY2(isCleanSequence(received.byPid.value(kBasePid + i), beats), qPrintable(QString::number(i)));
}

void TestLoadGenerator::stallSilencesExactlyTheChosenFraction_data() {
    QTest::addColumn<quint32>("agents");
    QTest::addColumn<double>("fraction");
    QTest::addColumn<int>("stalled");
    QTest::newRow("none") << 10u << 0.0 << 0;
    QTest::newRow("a tenth of 10") << 10u << 0.1 << 1;
    QTest::newRow("30% of 10") << 10u << 0.3 << 3;
    QTest::newRow("a quarter of 40") << 40u << 0.25 << 10;
    QTest::newRow("0.29 of 100 (no float truncation)") << 100u << 0.29 << 29;
    QTest::newRow("half of 7 rounds to 4") << 7u << 0.5 << 4;
    QTest::newRow("all") << 5u << 1.0 << 5;
}

void TestLoadGenerator::stallSilencesExactlyTheChosenFraction() {
    QFETCH(quint32, agents);
    QFETCH(double, fraction);
    QFETCH(int, stalled);
    constexpr int kBeats = 4;

    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    LoadGenerator::Config c = config(agents, kBeats);
    c.stallFraction = fraction;
    c.stallAfterMs = 0;  // stalled from the start: those agents never beat
    LoadGenerator generator(c);
    QVERIFY(generator.connectUdp(QHostAddress::LocalHost, receiver.port()));
    const std::atomic<bool> stop{false};
    generator.run(stop);  // returns: everyone not stalled for good has finished

    QCOMPARE(generator.stalledAgentCount(), quint32(stalled));
    const int beating = int(agents) - stalled;
    QCOMPARE(generator.framesSent(), std::uint64_t(beating * kBeats));
    const Received received = sortByPid(receiver.receive(beating * kBeats));
    QCOMPARE(received.frames, beating * kBeats);
    QCOMPARE(received.byPid.size(), beating);
    int silent = 0;
    for (quint32 i = 0; i < agents; ++i) {
        const QList<vlp::Frame> frames = received.byPid.value(kBasePid + i);
        QCOMPARE(frames.isEmpty(), generator.stallsAgent(i));
        silent += frames.isEmpty();
        if (!frames.isEmpty())
            QVERIFY(isCleanSequence(frames, kBeats));
    }
    QCOMPARE(silent, stalled);
}

void TestLoadGenerator::resumedAgentsCarryOnWhereTheyStopped() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    LoadGenerator::Config c = config(10, 5);
    c.stallFraction = 0.5;
    c.stallAfterMs = 0;
    c.resumeAfterMs = 30;
    LoadGenerator generator(c);
    QVERIFY(generator.connectUdp(QHostAddress::LocalHost, receiver.port()));
    const std::atomic<bool> stop{false};
    generator.run(stop);  // returns once the resumed agents have sent their beats too

    QCOMPARE(generator.stalledAgentCount(), 5u);
    const Received received = sortByPid(receiver.receive(50));
    QCOMPARE(received.frames, 50);
    QCOMPARE(received.byPid.size(), 10);
    for (quint32 i = 0; i < 10; ++i)
        QVERIFY(isCleanSequence(received.byPid.value(kBasePid + i), 5));
}

void TestLoadGenerator::durationEndsAnUnlimitedRun() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    LoadGenerator::Config c = config(10, 0, 100.0);
    c.durationMs = 150;
    LoadGenerator generator(c);
    QVERIFY(generator.connectUdp(QHostAddress::LocalHost, receiver.port()));
    const std::atomic<bool> stop{false};
    generator.run(stop);

    const int sent = int(generator.framesSent());
    QVERIFY(sent > 0);
    const Received received = sortByPid(receiver.receive(sent));
    QCOMPARE(received.frames, sent);
    for (const QList<vlp::Frame> &frames : received.byPid)
        QVERIFY(isCleanSequence(frames));
}

void TestLoadGenerator::stopFlagEndsTheRunFromAnotherThread() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    LoadGenerator generator(config(10, 0, 1000.0));  // no count, no duration: runs until stopped
    QVERIFY(generator.connectUdp(QHostAddress::LocalHost, receiver.port()));
    std::atomic<bool> stop{false};
    std::thread runner([&] { generator.run(stop); });

    QList<Datagram> datagrams = receiver.receive(100);
    stop.store(true);
    runner.join();
    QVERIFY(datagrams.size() >= 100);
    datagrams.append(receiver.drain());
    const Received received = sortByPid(datagrams);
    QCOMPARE(std::uint64_t(received.frames), generator.framesSent());
    QCOMPARE(received.byPid.size(), 10);
    for (const QList<vlp::Frame> &frames : received.byPid)
        QVERIFY(isCleanSequence(frames));
}

void TestLoadGenerator::refusedSendsAreRetriedNotLost() {
    quint16 closedPort = 0;
    {
        DatagramReceiver gone;
        QVERIFY(gone.openUdp());
        closedPort = gone.port();
    }
    // Every datagram to a closed loopback port draws an ICMP error that fails the next
    // send; the generator must retry that frame, not skip its nonce or give up.
    LoadGenerator generator(config(3, 4));
    QVERIFY(generator.connectUdp(QHostAddress::LocalHost, closedPort));
    const std::atomic<bool> stop{false};
    generator.run(stop);
    QVERIFY(generator.errorString().isEmpty());
    QCOMPARE(generator.framesSent(), std::uint64_t(12));
    QVERIFY(generator.sendFailures() > 0);
}

QTEST_GUILESS_MAIN(TestLoadGenerator)
#include "tst_load_generator.moc"
