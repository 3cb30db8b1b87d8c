// The real varta-beat binary, driven through QProcess against real sockets.
#include "core/vlp/frame.h"
#include "tests/support/datagram_receiver.h"

#include <QFileInfo>
#include <QHash>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace varta;
using varta::test::Datagram;
using varta::test::DatagramReceiver;

Q_DECLARE_METATYPE(varta::vlp::Status)

namespace {

constexpr int kCeilingMs = 30000;

QString beatBinary() { return QStringLiteral(VARTA_BINARY_DIR "/bin/varta-beat"); }

QString udpTarget(const DatagramReceiver &receiver) { return QStringLiteral("127.0.0.1:%1").arg(receiver.port()); }

QList<vlp::Frame> decodeAll(const QList<Datagram> &datagrams) {
    QList<vlp::Frame> frames;
    for (const Datagram &datagram : datagrams)
        if (const auto frame = datagram.frame())
            frames.append(*frame);
    return frames;
}

// Runs varta-beat, collecting `expected` datagrams while it runs.
struct Run {
    int exitCode = -1;
    QProcess::ExitStatus exitStatus = QProcess::CrashExit;
    qint64 pid = 0;
    QByteArray out;
    QByteArray err;
    QList<Datagram> datagrams;
};

Run runBeat(const QStringList &arguments, DatagramReceiver *receiver = nullptr, int expected = 0) {
    Run run;
    QProcess process;
    process.start(beatBinary(), arguments);
    if (!process.waitForStarted(kCeilingMs))
        return run;
    run.pid = process.processId();
    if (receiver)
        run.datagrams = receiver->receive(expected, kCeilingMs);
    if (!process.waitForFinished(kCeilingMs))
        process.kill();
    process.waitForFinished(kCeilingMs);
    run.exitCode = process.exitCode();
    run.exitStatus = process.exitStatus();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    if (receiver)
        run.datagrams.append(receiver->drain());
    return run;
}

}  // namespace

class TestVartaBeat : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase();
    void udpBeatsCarryTheClaimedPid();
    void singleSenderFlagsShapeTheFrames_data();
    void singleSenderFlagsShapeTheFrames();
    void unixSocketBeatsCarryTheSendersPid();
    void panicSendsOneTerminalFrame();
    void loadModeSimulatesDistinctAgents();
    void loadModeStallSilencesTheChosenFraction();
    void sigtermEndsAnEndlessRunCleanly();
    void badFlagsExitTwoNamingTheFlag_data();
    void badFlagsExitTwoNamingTheFlag();
    void helpGoesToStdoutAndExitsZero();
    void unreachableSocketExitsOne();
};

void TestVartaBeat::initTestCase() {
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFileInfo(beatBinary()).isExecutable(), qPrintable(beatBinary()));
}

void TestVartaBeat::udpBeatsCarryTheClaimedPid() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    const Run run =
        runBeat({"--udp", udpTarget(receiver), "--count", "5", "--pid", "4242", "--interval-ms", "10"}, &receiver, 5);
    QCOMPARE(run.exitStatus, QProcess::NormalExit);
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.startsWith("varta-beat frames=5 failed=0 agents=1 "), run.out.constData());
    QCOMPARE(run.datagrams.size(), 5);
    const QList<vlp::Frame> frames = decodeAll(run.datagrams);
    QCOMPARE(frames.size(), 5);
    for (int i = 0; i < frames.size(); ++i) {
        QCOMPARE(frames[i].pid, 4242u);
        QCOMPARE(frames[i].nonce, std::uint64_t(i + 1));
        QCOMPARE(frames[i].status, vlp::Status::Ok);
        if (i > 0)
            QVERIFY(frames[i].timestamp >= frames[i - 1].timestamp);
    }
}

void TestVartaBeat::singleSenderFlagsShapeTheFrames_data() {
    QTest::addColumn<QStringList>("flags");
    QTest::addColumn<int>("count");
    QTest::addColumn<vlp::Status>("status");
    QTest::addColumn<quint32>("payload");
    QTest::addColumn<quint64>("firstNonce");
    QTest::newRow("degraded with payload") << QStringList{"--status", "degraded", "--payload", "77", "--count", "2"}
                                           << 2 << vlp::Status::Degraded << 77u << 1ull;
    QTest::newRow("critical") << QStringList{"--status", "critical", "--count", "1"} << 1 << vlp::Status::Critical << 0u
                              << 1ull;
    QTest::newRow("nonce start") << QStringList{"--nonce-start", "100", "--count", "3"} << 3 << vlp::Status::Ok << 0u
                                 << 100ull;
    QTest::newRow("--flag=value form") << QStringList{"--count=2", "--payload=5", "--status=ok"} << 2 << vlp::Status::Ok
                                       << 5u << 1ull;
}

void TestVartaBeat::singleSenderFlagsShapeTheFrames() {
    QFETCH(QStringList, flags);
    QFETCH(int, count);
    QFETCH(vlp::Status, status);
    QFETCH(quint32, payload);
    QFETCH(quint64, firstNonce);

    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    const Run run = runBeat(QStringList{"--udp", udpTarget(receiver), "--interval-ms", "5"} + flags, &receiver, count);
    QCOMPARE(run.exitCode, 0);
    const QList<vlp::Frame> frames = decodeAll(run.datagrams);
    QCOMPARE(frames.size(), count);
    for (int i = 0; i < count; ++i) {
        QCOMPARE(frames[i].status, status);
        QCOMPARE(frames[i].payload, payload);
        QCOMPARE(frames[i].nonce, firstNonce + quint64(i));
        QCOMPARE(qint64(frames[i].pid), run.pid);
    }
}

void TestVartaBeat::unixSocketBeatsCarryTheSendersPid() {
    const QString path = m_dir.filePath(QStringLiteral("observer.sock"));
    DatagramReceiver receiver;
    QVERIFY(receiver.openUnix(path));
    const Run run = runBeat({"--socket", path, "--count", "3", "--interval-ms", "10"}, &receiver, 3);
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.datagrams.size(), 3);
    for (int i = 0; i < 3; ++i) {
        const auto frame = run.datagrams[i].frame();
        QVERIFY(frame.has_value());
        QCOMPARE(frame->nonce, std::uint64_t(i + 1));
        QCOMPARE(qint64(frame->pid), run.pid);
        QCOMPARE(qint64(run.datagrams[i].kernelPid.value_or(0)), run.pid);
    }
}

void TestVartaBeat::panicSendsOneTerminalFrame() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    const Run run = runBeat({"--udp", udpTarget(receiver), "--panic", "--pid", "4243", "--payload", "9"}, &receiver, 1);
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.startsWith("varta-beat frames=1 failed=0 "));
    const QList<vlp::Frame> frames = decodeAll(run.datagrams);
    QCOMPARE(frames.size(), 1);
    QVERIFY(frames[0].isPanic());
    QCOMPARE(frames[0].pid, 4243u);
    QCOMPARE(frames[0].payload, 9u);
}

void TestVartaBeat::loadModeSimulatesDistinctAgents() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    const Run run = runBeat({"--udp", udpTarget(receiver), "--agents", "20", "--rate", "0", "--count", "3",
                             "--base-pid", "7000", "--batch-size", "8"},
                            &receiver, 60);
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.startsWith("varta-beat frames=60 failed=0 agents=20 stalled=0 "), run.out.constData());
    QHash<quint32, QList<std::uint64_t>> nonces;
    for (const vlp::Frame &frame : decodeAll(run.datagrams))
        nonces[frame.pid].append(frame.nonce);
    QCOMPARE(nonces.size(), 20);
    for (quint32 pid = 7000; pid < 7020; ++pid)
        QCOMPARE(nonces.value(pid), (QList<std::uint64_t>{1, 2, 3}));
}

void TestVartaBeat::loadModeStallSilencesTheChosenFraction() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    const Run run = runBeat({"--udp", udpTarget(receiver), "--agents", "10", "--rate", "0", "--count", "2",
                             "--stall-after-ms", "0", "--stall-fraction", "0.5"},
                            &receiver, 10);
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.startsWith("varta-beat frames=10 failed=0 agents=10 stalled=5 "), run.out.constData());
    QHash<quint32, int> beats;
    for (const vlp::Frame &frame : decodeAll(run.datagrams))
        ++beats[frame.pid];
    QCOMPARE(beats.size(), 5);
    for (const int count : beats)
        QCOMPARE(count, 2);
}

void TestVartaBeat::sigtermEndsAnEndlessRunCleanly() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    QProcess process;
    process.start(beatBinary(), {"--udp", udpTarget(receiver), "--interval-ms", "10"});
    QVERIFY(process.waitForStarted(kCeilingMs));
    QCOMPARE(receiver.receive(3, kCeilingMs).size(), 3);
    process.terminate();
    QVERIFY(process.waitForFinished(kCeilingMs));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    QVERIFY(process.readAllStandardOutput().startsWith("varta-beat frames="));
}

void TestVartaBeat::badFlagsExitTwoNamingTheFlag_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("named");
    QTest::newRow("no target") << QStringList{"--count", "1"} << "--udp";
    QTest::newRow("port out of range") << QStringList{"--udp", "127.0.0.1:70000"} << "--udp";
    QTest::newRow("status") << QStringList{"--udp", "127.0.0.1:9", "--status", "fine"} << "--status";
    QTest::newRow("interval zero") << QStringList{"--udp", "127.0.0.1:9", "--interval-ms", "0"} << "--interval-ms";
    QTest::newRow("unknown flag") << QStringList{"--udp", "127.0.0.1:9", "--colour"} << "colour";
    QTest::newRow("pid with agents") << QStringList{"--udp", "127.0.0.1:9", "--agents", "3", "--pid", "5"} << "--pid";
    QTest::newRow("stall fraction above 1")
        << QStringList{"--udp", "127.0.0.1:9", "--agents", "3", "--stall-after-ms", "5", "--stall-fraction", "2"}
        << "--stall-fraction";
    QTest::newRow("panic with count") << QStringList{"--udp", "127.0.0.1:9", "--panic", "--count", "2"} << "--count";
}

void TestVartaBeat::badFlagsExitTwoNamingTheFlag() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, named);
    const Run run = runBeat(arguments);
    QCOMPARE(run.exitStatus, QProcess::NormalExit);
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.out.isEmpty());
    const QString err = QString::fromLocal8Bit(run.err).trimmed();
    QVERIFY2(err.contains(named), qPrintable(err));
    QVERIFY2(!err.contains(QLatin1Char('\n')), qPrintable(err));
}

void TestVartaBeat::helpGoesToStdoutAndExitsZero() {
    const Run run = runBeat({"--help"});
    QCOMPARE(run.exitCode, 0);
    for (const char *flag : {"--udp", "--socket", "--panic", "--agents", "--stall-fraction"})
        QVERIFY2(run.out.contains(flag), flag);
}

void TestVartaBeat::unreachableSocketExitsOne() {
    const QString path = m_dir.filePath(QStringLiteral("nobody-listens.sock"));
    const Run run = runBeat({"--socket", path, "--count", "1"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(path.toLocal8Bit()), run.err.constData());
}

QTEST_GUILESS_MAIN(TestVartaBeat)
#include "tst_varta_beat.moc"
