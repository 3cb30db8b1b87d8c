// BeatClient against real sockets: what a receiver gets must be what upstream's clients
// send (docs/protocol.md sections 1 and 4).
#include "core/sender/beat_client.h"
#include "tests/support/datagram_receiver.h"

#include <QTemporaryDir>
#include <QTest>

#include <sys/wait.h>
#include <unistd.h>

using namespace varta;
using varta::test::Datagram;
using varta::test::DatagramReceiver;

Q_DECLARE_METATYPE(varta::vlp::Status)

namespace {

// Collects decoded frames; fails the test on anything that does not decode.
QList<vlp::Frame> framesOf(const QList<Datagram> &datagrams) {
    QList<vlp::Frame> frames;
    for (const Datagram &datagram : datagrams) {
        const auto frame = datagram.frame();
        if (!frame)
            qWarning("datagram of %lld bytes does not decode", static_cast<long long>(datagram.bytes.size()));
        else
            frames.append(*frame);
    }
    return frames;
}

}  // namespace

class TestBeatClient : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString socketPath(const char *name) const { return m_dir.filePath(QString::fromLatin1(name)); }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void beatsDecodeInOrder_data();
    void beatsDecodeInOrder();
    void unixReceiverSeesOurKernelPid_data();
    void unixReceiverSeesOurKernelPid();
    void fullUnixQueueDropsInsteadOfBlocking();
    void pidOverrideIsWhatTheKernelContradicts();
    void nonceOverridesReplayAndWrap();
    void panicFrameLeavesTheSequenceAlone();
    void sendRawKeepsMalformedDatagramsIntact_data();
    void sendRawKeepsMalformedDatagramsIntact();
    void reconnectStartsANewSession();
    void forkedChildStartsItsOwnSession();
    void connectFailuresSayWhy();
};

void TestBeatClient::beatsDecodeInOrder_data() {
    QTest::addColumn<bool>("overUnix");
    QTest::addColumn<int>("count");
    QTest::addColumn<vlp::Status>("status");
    QTest::addColumn<quint32>("payload");
    QTest::newRow("udp, one ok beat") << false << 1 << vlp::Status::Ok << 0u;
    QTest::newRow("udp, 25 degraded") << false << 25 << vlp::Status::Degraded << 7u;
    QTest::newRow("udp, 200 critical, max payload") << false << 200 << vlp::Status::Critical << 0xFFFFFFFFu;
    QTest::newRow("unix, one ok beat") << true << 1 << vlp::Status::Ok << 0u;
    QTest::newRow("unix, 25 degraded") << true << 25 << vlp::Status::Degraded << 42u;
    QTest::newRow("unix, 200 ok") << true << 200 << vlp::Status::Ok << 1u;
}

void TestBeatClient::beatsDecodeInOrder() {
    QFETCH(bool, overUnix);
    QFETCH(int, count);
    QFETCH(vlp::Status, status);
    QFETCH(quint32, payload);

    DatagramReceiver receiver;
    BeatClient client;
    if (overUnix) {
        const QString path = socketPath(QTest::currentDataTag());
        QVERIFY(receiver.openUnix(path));
        QVERIFY2(client.connectUnix(path), qPrintable(client.errorString()));
    } else {
        QVERIFY(receiver.openUdp());
        QVERIFY2(client.connectUdp(QHostAddress::LocalHost, receiver.port()), qPrintable(client.errorString()));
    }
    // Read as we go: a Unix socket's queue holds only max_dgram_qlen (often 10) datagrams
    // and the client never blocks, so an unread queue would drop beats.
    QList<Datagram> datagrams;
    for (int i = 0; i < count; ++i) {
        QVERIFY2(client.send(status, payload), qPrintable(client.errorString()));
        datagrams.append(receiver.receive(1));
    }
    const QList<vlp::Frame> frames = framesOf(datagrams);
    QCOMPARE(frames.size(), count);
    std::uint64_t lastTimestamp = 0;
    for (int i = 0; i < count; ++i) {
        QCOMPARE(frames[i].nonce, std::uint64_t(i + 1));
        QCOMPARE(frames[i].pid, std::uint32_t(::getpid()));
        QCOMPARE(frames[i].status, status);
        QCOMPARE(frames[i].payload, payload);
        QVERIFY(frames[i].timestamp >= lastTimestamp);
        lastTimestamp = frames[i].timestamp;
    }
    QCOMPARE(client.nextNonce(), std::uint64_t(count + 1));
}

void TestBeatClient::unixReceiverSeesOurKernelPid_data() {
    QTest::addColumn<int>("count");
    QTest::newRow("one beat") << 1;
    QTest::newRow("five beats") << 5;
}

void TestBeatClient::unixReceiverSeesOurKernelPid() {
    QFETCH(int, count);
    const QString path = socketPath(QTest::currentDataTag());
    DatagramReceiver receiver;
    QVERIFY(receiver.openUnix(path));
    BeatClient client;
    QVERIFY(client.connectUnix(path));
    for (int i = 0; i < count; ++i)
        QVERIFY(client.send(vlp::Status::Ok));

    const QList<Datagram> datagrams = receiver.receive(count);
    QCOMPARE(datagrams.size(), count);
    for (const Datagram &datagram : datagrams) {
        QVERIFY(datagram.kernelPid.has_value());
        QCOMPARE(*datagram.kernelPid, ::getpid());
        QCOMPARE(datagram.frame()->pid, std::uint32_t(*datagram.kernelPid));
    }
}

void TestBeatClient::fullUnixQueueDropsInsteadOfBlocking() {
    const QString path = socketPath("full");
    DatagramReceiver receiver;
    QVERIFY(receiver.openUnix(path));
    BeatClient client;
    QVERIFY(client.connectUnix(path));
    int sent = 0;
    int dropped = 0;
    // Nobody reads: a blocking client would hang here until the test times out.
    for (int i = 0; i < 100; ++i)
        client.send(vlp::Status::Ok) ? ++sent : ++dropped;
    QVERIFY(dropped > 0);
    QVERIFY(client.errorString().contains(QLatin1String("send")));

    const QList<vlp::Frame> frames = framesOf(receiver.drain());
    QCOMPARE(frames.size(), sent);
    for (int i = 1; i < frames.size(); ++i)
        QVERIFY(frames[i].nonce > frames[i - 1].nonce);
}

void TestBeatClient::pidOverrideIsWhatTheKernelContradicts() {
    const QString path = socketPath("spoof");
    DatagramReceiver receiver;
    QVERIFY(receiver.openUnix(path));
    BeatClient client;
    QVERIFY(client.connectUnix(path));
    client.setPidOverride(4242);
    QVERIFY(client.send(vlp::Status::Ok));
    client.setPidOverride(std::nullopt);
    QVERIFY(client.send(vlp::Status::Ok));

    const QList<Datagram> datagrams = receiver.receive(2);
    QCOMPARE(datagrams.size(), 2);
    QCOMPARE(datagrams[0].frame()->pid, 4242u);
    QCOMPARE(datagrams[0].kernelPid, std::optional<pid_t>(::getpid()));
    QCOMPARE(datagrams[1].frame()->pid, std::uint32_t(::getpid()));
}

void TestBeatClient::nonceOverridesReplayAndWrap() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    BeatClient client;
    QVERIFY(client.connectUdp(QHostAddress::LocalHost, receiver.port()));
    QVERIFY(client.send(vlp::Status::Ok));
    QVERIFY(client.send(vlp::Status::Ok));
    client.setNextNonce(1);  // a replay of the first beat
    QVERIFY(client.send(vlp::Status::Ok));
    client.setNextNonce(vlp::kNonceTerminal - 1);  // the last regular nonce, then the wrap
    QVERIFY(client.send(vlp::Status::Ok));
    QVERIFY(client.send(vlp::Status::Ok));
    QVERIFY(client.send(vlp::Status::Ok));

    const QList<vlp::Frame> frames = framesOf(receiver.receive(6));
    QList<std::uint64_t> nonces;
    for (const vlp::Frame &frame : frames)
        nonces.append(frame.nonce);
    const QList<std::uint64_t> expected{1, 2, 1, vlp::kNonceTerminal - 1, 0, 1};
    QCOMPARE(nonces, expected);
}

void TestBeatClient::panicFrameLeavesTheSequenceAlone() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    BeatClient client;
    QVERIFY(client.connectUdp(QHostAddress::LocalHost, receiver.port()));
    QVERIFY(client.send(vlp::Status::Ok));
    QVERIFY(client.sendPanic(99));
    QVERIFY(client.send(vlp::Status::Ok));

    const QList<vlp::Frame> frames = framesOf(receiver.receive(3));
    QCOMPARE(frames.size(), 3);
    QVERIFY(!frames[0].isPanic());
    QVERIFY(frames[1].isPanic());
    QCOMPARE(frames[1].payload, 99u);
    QCOMPARE(frames[1].pid, std::uint32_t(::getpid()));
    QCOMPARE(frames[2].nonce, std::uint64_t(2));
}

void TestBeatClient::sendRawKeepsMalformedDatagramsIntact_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("one byte") << QByteArray(1, 'x');
    QTest::newRow("31 bytes") << QByteArray(31, '\x56');
    QTest::newRow("33 bytes") << QByteArray(33, '\0');
    QTest::newRow("66 bytes") << QByteArray(66, '\xff');
    QTest::newRow("32 bytes, wrong magic") << QByteArray(32, 'A');
}

void TestBeatClient::sendRawKeepsMalformedDatagramsIntact() {
    QFETCH(QByteArray, bytes);
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    BeatClient client;
    QVERIFY(client.connectUdp(QHostAddress::LocalHost, receiver.port()));
    const auto *data = reinterpret_cast<const std::uint8_t *>(bytes.constData());
    QVERIFY(client.sendRaw(std::span<const std::uint8_t>(data, static_cast<std::size_t>(bytes.size()))));

    const QList<Datagram> datagrams = receiver.receive(1);
    QCOMPARE(datagrams.size(), 1);
    QCOMPARE(datagrams[0].bytes, bytes);
    QVERIFY(!datagrams[0].frame().has_value());
}

void TestBeatClient::reconnectStartsANewSession() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    BeatClient client;
    QVERIFY(client.connectUdp(QHostAddress::LocalHost, receiver.port()));
    QVERIFY(client.send(vlp::Status::Ok));
    QVERIFY(client.send(vlp::Status::Ok));
    QVERIFY(client.connectUdp(QHostAddress::LocalHost, receiver.port()));
    QVERIFY(client.send(vlp::Status::Ok));

    const QList<Datagram> datagrams = receiver.receive(3);
    QCOMPARE(datagrams.size(), 3);
    QCOMPARE(datagrams[2].frame()->nonce, std::uint64_t(1));
    QVERIFY(datagrams[0].sourcePort != 0);
    QCOMPARE(datagrams[1].sourcePort, datagrams[0].sourcePort);
    QVERIFY(datagrams[2].sourcePort != datagrams[0].sourcePort);
}

void TestBeatClient::forkedChildStartsItsOwnSession() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    BeatClient client;
    QVERIFY(client.connectUdp(QHostAddress::LocalHost, receiver.port()));
    QVERIFY(client.send(vlp::Status::Ok));
    QVERIFY(client.send(vlp::Status::Ok));

    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        // The same client object, now in another process: it must notice by itself.
        const bool ok = client.send(vlp::Status::Degraded) && client.send(vlp::Status::Degraded);
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    QVERIFY(client.send(vlp::Status::Ok));

    const QList<Datagram> datagrams = receiver.receive(5);
    QCOMPARE(datagrams.size(), 5);
    QCOMPARE(datagrams[2].frame()->pid, std::uint32_t(child));
    QCOMPARE(datagrams[2].frame()->nonce, std::uint64_t(1));
    QCOMPARE(datagrams[3].frame()->nonce, std::uint64_t(2));
    QVERIFY(datagrams[2].sourcePort != datagrams[0].sourcePort);
    QCOMPARE(datagrams[4].frame()->pid, std::uint32_t(::getpid()));
    QCOMPARE(datagrams[4].frame()->nonce, std::uint64_t(3));
    QCOMPARE(datagrams[4].sourcePort, datagrams[0].sourcePort);
}

void TestBeatClient::connectFailuresSayWhy() {
    BeatClient client;
    QVERIFY(!client.connectUnix(socketPath("nobody-listens")));
    QVERIFY(client.errorString().contains(QLatin1String("connect")));
    QVERIFY(!client.isConnected());
    QVERIFY(!client.send(vlp::Status::Ok));
    QVERIFY(!client.connectUdp(QHostAddress(), 9000));
    QVERIFY(!client.errorString().isEmpty());
}

QTEST_GUILESS_MAIN(TestBeatClient)
#include "tst_beat_client.moc"
