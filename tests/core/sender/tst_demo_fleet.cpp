// DemoFleet against a real UDP socket: the agents --demo shows must behave like real
// ones, and the flaky agent must go quiet and come back as a new process.
#include "core/sender/demo_fleet.h"
#include "core/vlp/frame.h"
#include "tests/support/datagram_receiver.h"

#include <QHash>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

using namespace varta;
using varta::test::Datagram;
using varta::test::DatagramReceiver;

namespace {

constexpr int kCeilingMs = 20000;

// Frames per pid, with the source port each pid used.
struct Heard {
    QHash<quint32, QList<vlp::Frame>> frames;
    QHash<quint32, QSet<quint16>> ports;
    int invalid = 0;

    void take(const QList<Datagram> &datagrams) {
        for (const Datagram &datagram : datagrams) {
            const auto frame = datagram.frame();
            if (!frame) {
                ++invalid;
                continue;
            }
            frames[frame->pid].append(*frame);
            ports[frame->pid].insert(datagram.sourcePort);
        }
    }
    int count(quint32 pid) const { return int(frames.value(pid).size()); }
};

bool startsAtOneAndRises(const QList<vlp::Frame> &frames) {
    for (int i = 0; i < frames.size(); ++i)
        if (frames[i].nonce != std::uint64_t(i + 1) || (i > 0 && frames[i].timestamp < frames[i - 1].timestamp))
            return false;
    return true;
}

}  // namespace

class TestDemoFleet : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void fleetShowsEveryKindOfAgent();
    void runsOnTheThreadItLivesOn();
    void stopEndsTheFleet();
    void startFailsOnABadAddress();
};

void TestDemoFleet::fleetShowsEveryKindOfAgent() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    DemoFleet fleet;
    fleet.setTiming({20, 200, 300});
    QSignalSpy silenced(&fleet, &DemoFleet::agentSilenced);
    QSignalSpy restarted(&fleet, &DemoFleet::agentRestarted);
    QVERIFY2(fleet.start(QHostAddress::LocalHost, receiver.port()), qPrintable(fleet.errorString()));
    const QList<quint32> firstPids = fleet.pids();
    QCOMPARE(firstPids.size(), DemoFleet::kAgentCount);

    Heard heard;
    QTRY_VERIFY_WITH_TIMEOUT((heard.take(receiver.drain()), silenced.count() == 1), kCeilingMs);
    const quint32 flaky = silenced.at(0).at(0).value<quint32>();
    QVERIFY(firstPids.contains(flaky));
    heard.take(receiver.drain());  // everything sent before the silence has arrived by now
    const int beforeSilence = heard.count(flaky);
    QVERIFY(beforeSilence > 0);

    QTRY_VERIFY_WITH_TIMEOUT((heard.take(receiver.drain()), restarted.count() == 1), kCeilingMs);
    QCOMPARE(restarted.at(0).at(0).value<quint32>(), flaky);
    const quint32 reborn = restarted.at(0).at(1).value<quint32>();
    QVERIFY(!firstPids.contains(reborn));
    QVERIFY(fleet.pids().contains(reborn) && !fleet.pids().contains(flaky));
    QTRY_VERIFY_WITH_TIMEOUT((heard.take(receiver.drain()), heard.count(reborn) >= 3), kCeilingMs);

    QCOMPARE(heard.invalid, 0);
    QCOMPARE(heard.count(flaky), beforeSilence);  // silent means silent
    QCOMPARE(heard.frames.size(), DemoFleet::kAgentCount + 1);
    int degraded = 0;
    for (auto it = heard.frames.cbegin(); it != heard.frames.cend(); ++it) {
        // At the top of the pid range, few hosts reach it, yet not above it: the observer
        // drops pids no Linux host can have.
        QVERIFY2(it.key() >= DemoFleet::kFirstPid && it.key() <= vlp::kLinuxPidMaxLimit, "demo pid out of its range");
        QVERIFY2(startsAtOneAndRises(it.value()), qPrintable(QString::number(it.key())));
        QCOMPARE(heard.ports.value(it.key()).size(), 1);  // one socket per agent
        const vlp::Status status = it.value().constFirst().status;
        QVERIFY(status == vlp::Status::Ok || status == vlp::Status::Degraded);
        for (const vlp::Frame &frame : it.value())
            QCOMPARE(frame.status, status);
        degraded += status == vlp::Status::Degraded;
    }
    QCOMPARE(degraded, 1);
    // Restarted like a new process: another source port, the clock from zero again.
    QVERIFY(heard.ports.value(reborn) != heard.ports.value(flaky));
    QVERIFY(heard.frames.value(reborn).constFirst().timestamp < heard.frames.value(flaky).constLast().timestamp);
}

void TestDemoFleet::runsOnTheThreadItLivesOn() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    QThread thread;
    auto *fleet = new DemoFleet;
    fleet->setTiming({20, 60'000, 60'000});
    fleet->moveToThread(&thread);
    connect(&thread, &QThread::finished, fleet, &QObject::deleteLater);
    thread.start();
    bool started = false;
    QMetaObject::invokeMethod(
        fleet, [&] { started = fleet->start(QHostAddress::LocalHost, receiver.port()); }, Qt::BlockingQueuedConnection);
    QVERIFY(started);

    // This thread runs no event loop of the fleet's: beats arriving prove its timers
    // fire on its own thread.
    Heard heard;
    const auto everyoneBeatTwice = [&] {
        for (const quint32 pid : heard.frames.keys())
            if (heard.count(pid) < 2)
                return false;
        return heard.frames.size() == DemoFleet::kAgentCount;
    };
    heard.take(receiver.receive(2 * DemoFleet::kAgentCount, kCeilingMs));
    QTRY_VERIFY_WITH_TIMEOUT((heard.take(receiver.drain()), everyoneBeatTwice()), kCeilingMs);

    QMetaObject::invokeMethod(
        fleet, [fleet] { fleet->stop(); }, Qt::BlockingQueuedConnection);
    thread.quit();
    QVERIFY(thread.wait(kCeilingMs));
}

void TestDemoFleet::stopEndsTheFleet() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    DemoFleet fleet;
    fleet.setTiming({20, 60'000, 60'000});
    QVERIFY(fleet.start(QHostAddress::LocalHost, receiver.port()));
    QVERIFY(fleet.isRunning());
    QCOMPARE(receiver.receive(DemoFleet::kAgentCount).size(), DemoFleet::kAgentCount);
    fleet.stop();
    QVERIFY(!fleet.isRunning());
    QVERIFY(fleet.pids().isEmpty());

    // A second start is a new generation: fresh pids, so an observer never mistakes the
    // new beats for replays of the old ones.
    QVERIFY(fleet.start(QHostAddress::LocalHost, receiver.port()));
    QCOMPARE(fleet.pids().size(), DemoFleet::kAgentCount);
    QCOMPARE(fleet.pids().constFirst(), DemoFleet::kFirstPid + quint32(DemoFleet::kAgentCount));
}

void TestDemoFleet::startFailsOnABadAddress() {
    DemoFleet fleet;
    QVERIFY(!fleet.start(QHostAddress(), 9000));
    QVERIFY(!fleet.errorString().isEmpty());
    QVERIFY(!fleet.isRunning());
}

QTEST_GUILESS_MAIN(TestDemoFleet)
#include "tst_demo_fleet.moc"
