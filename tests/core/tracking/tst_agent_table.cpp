// The agent table against a reference map under random inserts and erasures.
#include "core/tracking/agent_table.h"

#include <QRandomGenerator>
#include <QTest>

#include <unordered_map>

#include <arpa/inet.h>
#include <netinet/in.h>

using namespace varta;

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
};

QTEST_GUILESS_MAIN(TestAgentTable)
#include "tst_agent_table.moc"
