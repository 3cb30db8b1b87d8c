// The pipeline's side of origin pinning, on real datagrams through to a real event file:
// the same local pid over the Unix socket and loopback UDP. A weaker origin's beat
// becomes a mismatch line and nothing else; a stronger one replaces the agent, tells
// the engine, and writes only its beat; a remote peer's pid is nobody's.
#include "core/ingest/ingest_pipeline.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>

using namespace varta;

namespace {

struct RecordingEvents final : IngestEvents {
    void onAgentResumed(Slot, std::int64_t) override {}
    void onAgentEvicted(const AgentKey &key) override { m_evicted.append(key); }
    void onAgentReplaced(const AgentKey &weaker, const AgentKey &stronger) override {
        m_replaced.append({weaker, stronger});
    }
    void onIngestBatchEnd() override {}
    void onIngestIoError(std::string_view) override {}
    void onForeignNamespaceBeat(std::uint32_t) override {}

    QList<AgentKey> m_evicted;
    QList<std::pair<AgentKey, AgentKey>> m_replaced;
};

sockaddr_storage ipv4Peer(const char *address) {
    sockaddr_storage storage{};
    auto &v4 = reinterpret_cast<sockaddr_in &>(storage);
    v4.sin_family = AF_INET;
    v4.sin_port = htons(40000);
    ::inet_pton(AF_INET, address, &v4.sin_addr);
    return storage;
}

class Rig {
public:
    explicit Rig(const QString &eventPath)
        : m_tracker(trackerOptions(), m_trackerCounters),
          m_eventFile(eventPath, 0, 0),
          m_pipeline(m_tracker, m_ingestCounters, &m_eventFile, false, m_events) {}

    bool open() {
        QString error;
        return m_eventFile.open(&error);
    }

    // A beat from this very process over the Unix socket: the kernel vouches for the pid.
    void sendUds(std::uint32_t pid, std::uint64_t nonce, std::int64_t nowNs) {
        const auto bytes = vlp::encode(vlp::Frame{vlp::Status::Ok, pid, nonce, nonce, 0});
        Datagram d;
        d.data = bytes.data();
        d.length = bytes.size();
        d.transport = Transport::Uds;
        d.kernelPid = static_cast<std::int32_t>(pid);
        d.receivedNs = nowNs;
        m_pipeline.onDatagram(d);
    }
    void sendUdp(const sockaddr_storage &peer, std::uint32_t pid, std::uint64_t nonce, std::int64_t nowNs) {
        const auto bytes = vlp::encode(vlp::Frame{vlp::Status::Ok, pid, nonce, nonce, 0});
        Datagram d;
        d.data = bytes.data();
        d.length = bytes.size();
        d.transport = Transport::Udp;
        d.peer = &peer;
        d.receivedNs = nowNs;
        m_pipeline.onDatagram(d);
    }
    // The event file's lines, split into their columns.
    QList<QList<QByteArray>> lines() {
        m_pipeline.onBatchEnd();
        QFile file(m_eventFile.path());
        if (!file.open(QIODevice::ReadOnly))
            return {};
        QList<QList<QByteArray>> out;
        for (const QByteArray &line : file.readAll().split('\n'))
            if (!line.isEmpty())
                out.append(line.split('\t'));
        return out;
    }

    TrackerCounters m_trackerCounters;
    IngestCounters m_ingestCounters;
    AgentTracker m_tracker;
    EventFile m_eventFile;
    RecordingEvents m_events;
    IngestPipeline m_pipeline;

private:
    static TrackerOptions trackerOptions() {
        TrackerOptions o;
        o.maxBeatRate = 0;
        return o;
    }
};

constexpr std::int64_t kMs = 1'000'000;
constexpr std::uint32_t kPid = 4321;

}  // namespace

class TestIngestPipeline : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void weakerOriginBecomesAMismatchLine() {
        QTemporaryDir dir;
        Rig rig(dir.filePath(QStringLiteral("events.tsv")));
        QVERIFY(rig.open());
        const sockaddr_storage loopback = ipv4Peer("127.0.0.1");
        rig.sendUds(kPid, 1, kMs);
        rig.sendUdp(loopback, kPid, 7, 2 * kMs);
        rig.sendUds(kPid, 2, 3 * kMs);
        const QList<QList<QByteArray>> lines = rig.lines();
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines[0][1], QByteArray("beat"));
        QCOMPARE(lines[1].size(), 6);
        QCOMPARE(lines[1].mid(1),
                 (QList<QByteArray>{"mismatch", QByteArray::number(kPid), "-", "-", "origin_conflict"}));
        QVERIFY(lines[1][0].toLongLong() > 0);
        QCOMPARE(lines[2][1], QByteArray("beat"));
        QCOMPARE(lines[2][3], QByteArray("2"));
        QCOMPARE(rig.m_trackerCounters.originConflicts, 1u);
        QCOMPARE(rig.m_tracker.table().size(), 1u);
        QVERIFY(rig.m_events.m_replaced.isEmpty());
    }

    void strongerOriginReplacesTheAgentAndWritesOnlyItsBeat() {
        QTemporaryDir dir;
        Rig rig(dir.filePath(QStringLiteral("events.tsv")));
        QVERIFY(rig.open());
        const sockaddr_storage loopback = ipv4Peer("127.0.0.1");
        rig.sendUdp(loopback, kPid, 5, kMs);
        rig.sendUds(kPid, 1, 2 * kMs);
        const QList<QList<QByteArray>> lines = rig.lines();
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines[0][1], QByteArray("beat"));
        QCOMPARE(lines[1][1], QByteArray("beat"));
        QCOMPARE(lines[1][3], QByteArray("1"));
        QCOMPARE(rig.m_events.m_replaced.size(), 1);
        QCOMPARE(rig.m_events.m_replaced.first().first, AgentKey::fromSockaddr(Transport::Udp, loopback, kPid));
        QCOMPARE(rig.m_events.m_replaced.first().second, AgentKey::local(kPid));
        QVERIFY(rig.m_events.m_evicted.isEmpty());
        QCOMPARE(rig.m_trackerCounters.originTakeovers, 1u);
        QCOMPARE(rig.m_trackerCounters.evicted, 0u);
    }

    void remotePeerIsNeverInConflict() {
        QTemporaryDir dir;
        Rig rig(dir.filePath(QStringLiteral("events.tsv")));
        QVERIFY(rig.open());
        const sockaddr_storage remote = ipv4Peer("192.0.2.10");
        rig.sendUds(kPid, 1, kMs);
        rig.sendUdp(remote, kPid, 1, 2 * kMs);
        const QList<QList<QByteArray>> lines = rig.lines();
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines[1][1], QByteArray("beat"));
        QCOMPARE(rig.m_tracker.table().size(), 2u);
        QCOMPARE(rig.m_trackerCounters.originConflicts, 0u);
        QVERIFY(rig.m_events.m_replaced.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestIngestPipeline)
#include "tst_ingest_pipeline.moc"
