// BatchReader on real sockets: every datagram handed on with its real length, its sender
// (UDP: the address; Unix socket: the pid the kernel vouches for) and the time the kernel
// received it, not the time it was read; reads pause to gather a batch only where the
// socket can queue enough, and a drain before a deadline reads what a pause is holding back.
#include "core/base/engine_clock.h"
#include "core/ingest/batch_reader.h"
#include "core/vlp/frame.h"
#include "tests/support/descriptor_passing.h"

#include <QCoreApplication>
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace varta;

namespace {

struct Received {
    QByteArray bytes;
    std::size_t length = 0;
    bool hasPeer = false;
    std::int32_t kernelPid = -1;
    std::int64_t receivedNs = 0;
    std::int64_t handedOnNs = 0;
    bool controlTruncated = false;
};

class RecordingSink : public DatagramSink {
public:
    void onDatagram(const Datagram &d) override {
        received.push_back(
            {QByteArray(reinterpret_cast<const char *>(d.data), qsizetype(std::min(d.length, vlp::kReceiveBufferSize))),
             d.length, d.peer != nullptr, d.kernelPid, d.receivedNs, engineNowNs(), d.controlTruncated});
    }
    void onBatchEnd() override { ++batches; }
    void onIoError(std::string_view what) override {
        ++ioErrors;
        lastIoError = QString::fromUtf8(what.data(), qsizetype(what.size()));
    }

    std::vector<Received> received;
    int batches = 0;
    int ioErrors = 0;
    QString lastIoError;
};

// A bound UDP socket on loopback, and a sender aimed at it.
struct UdpPair {
    int receiver = -1;
    int sender = -1;
    UdpPair() {
        receiver = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(receiver, reinterpret_cast<sockaddr *>(&address), sizeof address);
        socklen_t length = sizeof address;
        ::getsockname(receiver, reinterpret_cast<sockaddr *>(&address), &length);
        sender = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ::connect(sender, reinterpret_cast<sockaddr *>(&address), sizeof address);
    }
    ~UdpPair() { ::close(sender); }  // the reader closes the receiver, or the test
};

// A bound Unix datagram socket with credentials on, and a sender aimed at it.
struct UdsPair {
    QTemporaryDir dir;
    int receiver = -1;
    int sender = -1;
    UdsPair() {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const QByteArray path = dir.filePath(QStringLiteral("s")).toLocal8Bit();
        std::memcpy(address.sun_path, path.constData(), std::size_t(path.size()));
        receiver = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const int on = 1;
        ::setsockopt(receiver, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
        ::bind(receiver, reinterpret_cast<sockaddr *>(&address), sizeof address);
        sender = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ::connect(sender, reinterpret_cast<sockaddr *>(&address), sizeof address);
    }
    ~UdsPair() { ::close(sender); }
};

void sendBytes(int fd, std::size_t length, char fill) {
    const std::vector<char> bytes(length, fill);
    QCOMPARE(::send(fd, bytes.data(), bytes.size(), 0), ssize_t(length));
}

}  // namespace

// Reads everything queued now (up to a wakeup's worth), as the engine does before a
// deadline that has just come. Returns how many were read.
unsigned drainNow(BatchReader &reader) { return reader.drainArrivedBefore(engineNowNs()).read; }

// More than one recvmmsg batch, and within what a default receive buffer holds.
constexpr int kBacklog = 400;
static_assert(kBacklog > int(BatchReader::kBatch));

bool holdsBacklog(const BatchReader &reader) {
    return reader.receiveBufferBytes() >= kBacklog * BatchReader::kQueuedDatagramBytes;
}

// Sends one datagram, leaves it in the socket for 50 ms (no event loop runs), then reads
// it as the engine does before a deadline. Returns when it was sent.
std::int64_t sendAndReadLate(int sender, BatchReader &reader) {
    const std::int64_t sentNs = engineNowNs();
    sendBytes(sender, 32, 'a');
    QTest::qSleep(50);
    const unsigned read = drainNow(reader);
    if (read != 1)
        qWarning("the drain read %u datagrams, expected 1", read);
    return sentNs;
}

// True when a datagram that waited 20 ms in the socket is stamped with its arrival.
bool stampsOlderThanRead(const UdpPair &pair) {
    sendBytes(pair.sender, 32, 'p');
    QTest::qSleep(20);
    char data[64];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    iovec iov{data, sizeof data};
    msghdr h{};
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = control;
    h.msg_controllen = sizeof control;
    if (::recvmsg(pair.receiver, &h, MSG_DONTWAIT) < 0)
        return false;
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    for (cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
            const std::int64_t ageNs = (now.tv_sec - ts.tv_sec) * 1'000'000'000LL + (now.tv_nsec - ts.tv_nsec);
            return ageNs >= 15'000'000;
        }
    }
    return false;
}

class TestBatchReader : public QObject {
    Q_OBJECT

    int m_keepTimestampsOn = -1;

private Q_SLOTS:
    // Linux turns receive timestamps on a moment after the first socket asks for them
    // (and off once the last one closes); until then a datagram is stamped when it is
    // read. The test keeps one timestamping socket open throughout and waits for them.
    void initTestCase() {
        engineEpochNs();
        UdpPair probe;
        const int on = 1;
        QCOMPARE(::setsockopt(probe.receiver, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on), 0);
        m_keepTimestampsOn = probe.receiver;
        QVERIFY(QTest::qWaitFor([&] { return stampsOlderThanRead(probe); }, 5000));
    }
    void cleanupTestCase() { ::close(m_keepTimestampsOn); }

    void udpDatagramsKeepTheirLengthAndSender() {
        UdpPair pair;
        RecordingSink sink;
        BatchReader reader(Transport::Udp, sink);
        reader.start(pair.receiver, 0);
        QVERIFY(reader.receiveBufferBytes() > 0);
        sendBytes(pair.sender, 32, 'a');
        sendBytes(pair.sender, 200, 'b');  // over-long: its real length, not the buffer's
        QTRY_COMPARE(sink.received.size(), std::size_t(2));
        QCOMPARE(sink.received[0].bytes, QByteArray(32, 'a'));
        QCOMPARE(sink.received[1].length, std::size_t(200));
        QCOMPARE(sink.received[1].bytes.size(), qsizetype(vlp::kReceiveBufferSize));
        QVERIFY(sink.received[0].hasPeer);
        QCOMPARE(sink.received[0].kernelPid, -1);
        QCOMPARE(sink.ioErrors, 0);
    }

    // A datagram read late carries the time it arrived.
    void aDatagramIsTimedByItsArrival() {
        UdpPair pair;
        RecordingSink sink;
        BatchReader reader(Transport::Udp, sink);
        reader.start(pair.receiver, 0);
        const std::int64_t sentNs = sendAndReadLate(pair.sender, reader);
        QCOMPARE(sink.received.size(), std::size_t(1));
        const Received &r = sink.received[0];
        QVERIFY2(r.receivedNs >= sentNs - 1'000'000 && r.receivedNs < sentNs + 25'000'000,
                 qPrintable(QStringLiteral("arrived %1 ns after sending, read %2 ns after")
                                .arg(r.receivedNs - sentNs)
                                .arg(r.handedOnNs - sentNs)));
        QVERIFY(r.receivedNs <= r.handedOnNs);
    }

    void unixDatagramsCarryTheSendersPidAndArrival() {
        UdsPair pair;
        RecordingSink sink;
        BatchReader reader(Transport::Uds, sink);
        reader.start(pair.receiver, 512);
        const std::int64_t sentNs = sendAndReadLate(pair.sender, reader);
        QCOMPARE(sink.received.size(), std::size_t(1));
        const Received &r = sink.received[0];
        QCOMPARE(r.kernelPid, std::int32_t(::getpid()));
        QVERIFY(!r.hasPeer);
        QVERIFY(r.receivedNs < sentNs + 25'000'000);
    }

    // A sender that passes a descriptor makes the kernel cut the control messages: the
    // datagram is handed on marked so, without a sender pid, and no descriptor lands in
    // the reader's process.
    void passedDescriptorsTruncateTheControlMessages() {
        UdsPair pair;
        RecordingSink sink;
        BatchReader reader(Transport::Uds, sink);
        reader.start(pair.receiver, 512);
        const qsizetype openBefore = QDir(QStringLiteral("/proc/self/fd")).count();
        QVERIFY(test::sendPassingDescriptor(pair.sender, QByteArray(32, 'a'), pair.sender));
        sendBytes(pair.sender, 32, 'b');
        QCOMPARE(drainNow(reader), 2u);
        QCOMPARE(QDir(QStringLiteral("/proc/self/fd")).count(), openBefore);
        QVERIFY(sink.received[0].controlTruncated);
        QCOMPARE(sink.received[0].kernelPid, -1);
        QCOMPARE(sink.received[0].bytes, QByteArray(32, 'a'));
        QVERIFY(!sink.received[1].controlTruncated);
        QCOMPARE(sink.received[1].kernelPid, std::int32_t(::getpid()));
        QCOMPARE(sink.ioErrors, 0);
    }

    // After a read, the reader pauses to gather the next datagrams into one batch; the
    // observer still reads them before it decides a stall.
    void readsPauseToGatherAndDrainPendingReadsThrough() {
        UdpPair pair;
        RecordingSink sink;
        BatchReader reader(Transport::Udp, sink);
        reader.start(pair.receiver, 0);
        QVERIFY(reader.gathersReads());
        sendBytes(pair.sender, 32, 'a');
        QTRY_COMPARE(sink.received.size(), std::size_t(1));
        QVERIFY(reader.paused());
        sendBytes(pair.sender, 32, 'b');
        sendBytes(pair.sender, 32, 'c');
        QCOMPARE(drainNow(reader), 2u);
        QCOMPARE(sink.received[2].bytes, QByteArray(32, 'c'));
    }

    // Before a stall is decided, what arrived before its deadline is read, and no more:
    // the socket is a queue in arrival order, so the read stops with the first batch that
    // reaches past the deadline, and under a flood it reads a backlog, not the flood.
    void aDrainBeforeADeadlineStopsPastIt() {
        UdpPair pair;
        RecordingSink sink;
        BatchReader reader(Transport::Udp, sink);
        reader.start(pair.receiver, 0);
        QVERIFY(holdsBacklog(reader));
        for (int i = 0; i < kBacklog / 2; ++i)
            sendBytes(pair.sender, 32, 'a');
        QTest::qSleep(20);
        const std::int64_t deadlineNs = engineNowNs();
        QTest::qSleep(2);
        for (int i = 0; i < kBacklog / 2; ++i)
            sendBytes(pair.sender, 32, 'b');
        const BatchReader::Drained drained = reader.drainArrivedBefore(deadlineNs);
        QCOMPARE(drained.read, BatchReader::kBatch);  // all from before, and the rest of one batch
        const Received &lastBefore = sink.received[kBacklog / 2 - 1];
        const Received &firstAfter = sink.received[kBacklog / 2];
        QCOMPARE(lastBefore.bytes, QByteArray(32, 'a'));
        QCOMPARE(firstAfter.bytes, QByteArray(32, 'b'));
        QVERIFY(lastBefore.receivedNs < deadlineNs);
        QVERIFY(firstAfter.receivedNs >= deadlineNs);
        // Read through the last datagram of the batch, past the deadline.
        QCOMPARE(drained.readThroughNs, sink.received.back().receivedNs);
        QVERIFY(drained.readThroughNs >= deadlineNs);
        // A deadline before that needs no read at all.
        const BatchReader::Drained again = reader.drainArrivedBefore(drained.readThroughNs);
        QCOMPARE(again.read, 0u);
        QCOMPARE(again.readThroughNs, drained.readThroughNs);
        QCOMPARE(sink.batches, 1);
        // Asked again later, it reads the rest, and the socket ran dry after the ask.
        const std::int64_t laterNs = engineNowNs();
        const BatchReader::Drained rest = reader.drainArrivedBefore(laterNs);
        QCOMPARE(rest.read, unsigned(kBacklog) - BatchReader::kBatch);
        QVERIFY(rest.readThroughNs >= laterNs);
        QVERIFY(!rest.more);
    }

    // A wakeup reading a flood yields to the event loop once the next stall deadline has
    // come, after the recvmmsg batch in hand; with no deadline near it reads on.
    void aWakeupYieldsAtTheNextDeadline_data() {
        QTest::addColumn<bool>("deadlinePassed");
        QTest::addColumn<int>("wakeups");
        QTest::newRow("no deadline near: one wakeup") << false << 1;
        QTest::newRow("a deadline passed: a wakeup a batch") << true << 2;
    }
    void aWakeupYieldsAtTheNextDeadline() {
        QFETCH(bool, deadlinePassed);
        QFETCH(int, wakeups);
        UdpPair pair;
        RecordingSink sink;
        BatchReader reader(Transport::Udp, sink);
        reader.start(pair.receiver, 0);
        QVERIFY(holdsBacklog(reader));
        if (deadlinePassed)
            reader.yieldAt(engineNowNs());
        for (int i = 0; i < kBacklog; ++i)
            sendBytes(pair.sender, 32, 'a');
        QTRY_COMPARE(sink.received.size(), std::size_t(kBacklog));
        QCOMPARE(sink.batches, wakeups);
    }

    // An empty socket has been read through the moment it was asked.
    void anEmptySocketIsReadThroughAtOnce() {
        UdpPair pair;
        RecordingSink sink;
        BatchReader reader(Transport::Udp, sink);
        reader.start(pair.receiver, 0);
        const std::int64_t askedNs = engineNowNs();
        const BatchReader::Drained drained = reader.drainArrivedBefore(askedNs);
        QCOMPARE(drained.read, 0u);
        QVERIFY(drained.readThroughNs >= askedNs);
    }

    // A pause is sized by the rate datagrams arrive at, counting what the stall deadlines'
    // reads took between two wakeups: a wakeup that finds little because a deadline's read
    // just took the rest is no lull.
    void aPauseCountsWhatDeadlineReadsTook() {
        constexpr int kBurst = 2000;
        UdpPair pair;
        RecordingSink sink;
        BatchReader reader(Transport::Udp, sink);
        reader.start(pair.receiver, 0);
        if (reader.receiveBufferBytes() < kBurst * BatchReader::kQueuedDatagramBytes)
            QSKIP("the receive buffer granted holds too little for the burst");
        sendBytes(pair.sender, 32, 'a');
        QTRY_COMPARE(sink.received.size(), std::size_t(1));  // a first wakeup, then a first pause
        QVERIFY(reader.paused());
        for (int i = 0; i < kBurst; ++i)
            sendBytes(pair.sender, 32, 'b');
        QCOMPARE(drainNow(reader), unsigned(kBurst));  // a deadline came during the pause
        sendBytes(pair.sender, 32, 'c');
        // The next wakeup finds one. The event loop is turned by hand, to see its pause begin.
        for (const std::int64_t giveUpNs = engineNowNs() + 1'000'000'000;
             sink.received.size() < std::size_t(kBurst + 2) && engineNowNs() < giveUpNs;)
            QCoreApplication::processEvents();
        QCOMPARE(sink.received.size(), std::size_t(kBurst + 2));
        // kBurst + 1 datagrams arrived between the two wakeups: the next pause gathers at
        // most the gather limit at that rate. Counting the one datagram alone, it would be
        // the longest pause there is.
        const std::int64_t cycleMs =
            (sink.received.back().handedOnNs - sink.received.front().handedOnNs) / 1'000'000 + 1;
        QVERIFY(cycleMs * reader.gatherLimit() / (kBurst + 1) < BatchReader::kCoalesceMs);
        QVERIFY(reader.paused());
        QVERIFY2(reader.pauseRemainingMs() <= cycleMs * reader.gatherLimit() / (kBurst + 1),
                 qPrintable(QStringLiteral("%1 ms after a %2 ms cycle").arg(reader.pauseRemainingMs()).arg(cycleMs)));
    }

    // However far the socket could hold, a pause under a flood gathers a bounded batch.
    void aPauseGathersABoundedBatch() {
        UdpPair pair;
        RecordingSink sink;
        BatchReader reader(Transport::Udp, sink);
        reader.start(pair.receiver, 0);
        QVERIFY(reader.gathersReads());
        QVERIFY(reader.gatherLimit() <= BatchReader::kMaxGather);
    }

    // A Unix socket that queues few datagrams (the kernel's default, 10) makes senders
    // wait or fail when full: its reads are never paused.
    void aShortQueueIsNeverPaused() {
        UdsPair pair;
        RecordingSink sink;
        BatchReader reader(Transport::Uds, sink);
        reader.start(pair.receiver, 10);
        QVERIFY(!reader.gathersReads());
        for (std::size_t n = 1; n <= 3; ++n) {
            sendBytes(pair.sender, 32, 'a');
            QTRY_COMPARE(sink.received.size(), n);
            QVERIFY(!reader.paused());
        }
    }

    // A socket error is handed on as upstream's event file spells it. A connected UDP
    // socket that sent to a closed port gets the ICMP refusal back on its next read.
    void aReadErrorIsSpelledAsUpstreamDoes() {
        UdpPair closedPort;
        sockaddr_in address{};
        socklen_t length = sizeof address;
        ::getsockname(closedPort.receiver, reinterpret_cast<sockaddr *>(&address), &length);
        ::close(closedPort.receiver);
        UdpPair pair;
        QCOMPARE(::connect(pair.receiver, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
        RecordingSink sink;
        BatchReader reader(Transport::Udp, sink);
        reader.start(pair.receiver, 0);
        QCOMPARE(::send(pair.receiver, "x", 1, 0), ssize_t(1));
        QTRY_VERIFY(drainNow(reader) == 0 && sink.ioErrors > 0);
        QCOMPARE(sink.lastIoError, QStringLiteral("Connection refused (os error %1)").arg(ECONNREFUSED));
        QVERIFY(sink.received.empty());
    }

    void stopClosesAndStopsReading() {
        UdpPair pair;
        RecordingSink sink;
        BatchReader reader(Transport::Udp, sink);
        reader.start(pair.receiver, 0);
        QVERIFY(reader.isReading());
        reader.stop();
        QVERIFY(!reader.isReading());
        QCOMPARE(drainNow(reader), 0u);
        QVERIFY(::fcntl(pair.receiver, F_GETFD) == -1);  // closed
    }
};

QTEST_GUILESS_MAIN(TestBatchReader)
#include "tst_batch_reader.moc"
