// The agent table against a reference map under random inserts and erasures, and its
// probes: short for keys chosen to collide under a fixed hash, bounded for keys that
// collide under this process's own.
#include "core/tracking/agent_table.h"
#include "tests/support/colliding_keys.h"

#include <QRandomGenerator>
#include <QTest>

#include <unordered_map>

#include <arpa/inet.h>
#include <netinet/in.h>

using namespace varta;

namespace {

AgentKey fromFlooder(std::uint32_t pid) {
    return AgentKey::fromPeer(Transport::Udp, QHostAddress(QStringLiteral("10.0.0.7")), pid);
}

}  // namespace

class TestAgentTable : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesReferenceUnderChurn() {
        constexpr std::uint32_t capacity = 4096;
        AgentTable table(capacity);
        std::unordered_map<AgentKey, Slot> reference;
        QRandomGenerator rng(7);
        for (int step = 0; step < 200000; ++step) {
            // A small pid space forces collisions, repeats and long probe runs.
            const auto pid = static_cast<std::uint32_t>(rng.bounded(2, 6000));
            const AgentKey key =
                rng.bounded(2) ? AgentKey::local(pid)
                               : AgentKey::fromPeer(Transport::Udp, QHostAddress(0x7f000001u + rng.bounded(3)), pid);
            const Slot found = table.find(key);
            const auto it = reference.find(key);
            QCOMPARE(found != kNoSlot, it != reference.end());
            if (it != reference.end()) {
                QCOMPARE(found, it->second);
                if (rng.bounded(3) == 0) {
                    table.erase(found);
                    reference.erase(it);
                }
            } else if (!table.full()) {
                reference.emplace(key, table.insert(key));
            }
            QCOMPARE(table.size(), static_cast<std::uint32_t>(reference.size()));
        }
        for (const auto &[key, slot] : reference) {
            QCOMPARE(table.find(key), slot);
            QCOMPARE(table.at(slot).key, key);
        }
    }

    void indexFollowsAgentsNotCapacity() {
        // Memory follows agents: a table sized for a million starts with a small index
        // and doubles it as agents arrive, every key still found across each doubling.
        AgentTable table(AgentTable::kMaxCapacity);
        QCOMPARE(table.bucketCount(), AgentTable::kInitialBuckets);
        constexpr std::uint32_t agents = 20000;
        for (std::uint32_t pid = 2; pid < agents + 2; ++pid) {
            table.insert(AgentKey::local(pid));
            QVERIFY(table.bucketCount() >= 2 * std::size_t{table.size()});
        }
        QCOMPARE(table.bucketCount(), std::size_t{65536});
        for (std::uint32_t pid = 2; pid < agents + 2; ++pid) {
            const Slot slot = table.find(AgentKey::local(pid));
            QVERIFY(slot != kNoSlot);
            QCOMPARE(table.at(slot).key.pid, pid);
        }
        QCOMPARE(table.find(AgentKey::local(agents + 2)), kNoSlot);
    }

    void neverGrowsPastCapacity() {
        AgentTable table(3);
        for (std::uint32_t pid = 2; pid < 5; ++pid)
            table.insert(AgentKey::local(pid));
        QVERIFY(table.full());
        QCOMPARE(table.size(), 3u);
    }

    void sameUdpPidFromTwoHostsIsTwoAgents() {
        AgentTable table(8);
        const AgentKey a = AgentKey::fromPeer(Transport::Udp, QHostAddress(QStringLiteral("10.0.0.1")), 42);
        const AgentKey b = AgentKey::fromPeer(Transport::Udp, QHostAddress(QStringLiteral("10.0.0.2")), 42);
        const AgentKey local = AgentKey::local(42);
        const Slot sa = table.insert(a);
        const Slot sb = table.insert(b);
        const Slot sl = table.insert(local);
        QVERIFY(sa != sb && sb != sl);
        QCOMPARE(table.find(a), sa);
        QCOMPARE(table.find(b), sb);
        QCOMPARE(table.find(local), sl);
        QCOMPARE(a.originLabel(), QStringLiteral("udp:10.0.0.1"));
        QCOMPARE(local.originLabel(), QStringLiteral("uds"));
        QCOMPARE(local.addressText(), QStringLiteral("local"));
    }

    void ipv4PeerFromSockaddrMatchesQHostAddress() {
        sockaddr_storage storage{};
        auto &v4 = reinterpret_cast<sockaddr_in &>(storage);
        v4.sin_family = AF_INET;
        v4.sin_addr.s_addr = htonl(0xC0A80105);  // 192.168.1.5
        v4.sin_port = htons(5555);
        const AgentKey fast = AgentKey::fromSockaddr(Transport::Udp, storage, 77);
        QCOMPARE(fast, AgentKey::fromPeer(Transport::Udp, QHostAddress(QStringLiteral("192.168.1.5")), 77));
        QCOMPARE(fast.addressText(), QStringLiteral("192.168.1.5"));
    }

    void keysChosenToCollideProbeShortRuns() {
        // 3,000 pids whose keys share 4 of 4,096 buckets under the unseeded hash: two runs of
        // 1,500 in the table's 8,192 buckets, walked by every look-up. Seeded, they spread.
        AgentTable table(4096);
        const std::vector<AgentKey> keys = test::collidingKeys(fromFlooder, test::unseededAgentKeyHash, 3000, 4, 4096);
        QCOMPARE(keys.size(), std::size_t{3000});
        for (const AgentKey &key : keys)
            QVERIFY(table.insert(key) != kNoSlot);
        QCOMPARE(table.bucketCount(), std::size_t{8192});
        QVERIFY2(table.longestProbe() <= 32, QByteArray::number(quint64{table.longestProbe()}).constData());
        for (const AgentKey &key : keys)
            QVERIFY(table.find(key) != kNoSlot);
    }

    void probingIsBoundedWhenKeysCollideAnyway() {
        // Keys that share one home under this process's seed, as a leaked seed would let
        // anyone choose: the run stops at kMaxProbe, the rest are refused, and a look-up,
        // there or not, walks no further.
        AgentTable table(512);  // 1,024 buckets from the start: it never grows
        const std::size_t buckets = table.bucketCount();
        const std::vector<AgentKey> keys = test::collidingKeys(
            fromFlooder, [](const AgentKey &key) { return hashAgentKey(key); }, AgentTable::kMaxProbe + 20, 1, buckets);
        QCOMPARE(keys.size(), AgentTable::kMaxProbe + 20);
        std::vector<AgentKey> kept;
        std::vector<AgentKey> refused;
        for (const AgentKey &key : keys)
            (table.insert(key) != kNoSlot ? kept : refused).push_back(key);
        QCOMPARE(kept.size(), AgentTable::kMaxProbe + 1);
        QCOMPARE(refused.size(), std::size_t{19});
        QCOMPARE(table.longestProbe(), AgentTable::kMaxProbe);
        QCOMPARE(table.bucketCount(), buckets);
        QCOMPARE(std::size_t{table.size()}, kept.size());
        for (const AgentKey &key : kept)
            QCOMPARE(table.at(table.find(key)).key, key);
        for (const AgentKey &key : refused)
            QCOMPARE(table.find(key), kNoSlot);
        // An erasure shortens the run: one more key fits, and every key is still found.
        table.erase(table.find(kept.front()));
        QCOMPARE(table.find(kept.front()), kNoSlot);
        QVERIFY(table.insert(refused.front()) != kNoSlot);
        QVERIFY(table.insert(refused.back()) == kNoSlot);
        for (std::size_t i = 1; i < kept.size(); ++i)
            QVERIFY(table.find(kept[i]) != kNoSlot);
        QVERIFY(table.find(refused.front()) != kNoSlot);
    }
};

QTEST_GUILESS_MAIN(TestAgentTable)
#include "tst_agent_table.moc"
