// The pid index of local-origin agents against a reference map under churn, its bound,
// and which keys are local origins at all.
#include "core/tracking/origin_pins.h"

#include <QHostAddress>
#include <QRandomGenerator>
#include <QTest>

#include <unordered_map>

using namespace varta;

class TestOriginPins : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesReferenceUnderChurn() {
        constexpr std::uint32_t capacity = 2048;
        OriginPins pins(capacity);
        std::unordered_map<std::uint32_t, Slot> reference;
        QRandomGenerator rng(11);
        for (int step = 0; step < 200000; ++step) {
            // A small pid space forces collisions and long probe runs.
            const auto pid = static_cast<std::uint32_t>(rng.bounded(2, 5000));
            const auto it = reference.find(pid);
            QCOMPARE(pins.find(pid), it == reference.end() ? kNoSlot : it->second);
            if (it != reference.end()) {
                if (rng.bounded(2) == 0) {
                    pins.unpin(pid);
                    reference.erase(it);
                }
            } else if (reference.size() < capacity) {
                const auto slot = static_cast<Slot>(rng.bounded(capacity));
                pins.pin(pid, slot);
                reference.emplace(pid, slot);
            }
            QCOMPARE(pins.size(), static_cast<std::uint32_t>(reference.size()));
        }
        for (const auto &[pid, slot] : reference)
            QCOMPARE(pins.find(pid), slot);
    }

    void unpinningAnAbsentPidChangesNothing() {
        OriginPins pins(16);
        pins.pin(42, 3);
        pins.unpin(43);
        QCOMPARE(pins.size(), 1u);
        QCOMPARE(pins.find(42), Slot{3});
    }

    void growsWithPinsUpToTwiceTheCapacity() {
        constexpr std::uint32_t capacity = 5000;
        OriginPins pins(capacity);
        QCOMPARE(pins.bucketCount(), OriginPins::kInitialBuckets);
        QCOMPARE(pins.maxBuckets(), std::size_t{16384});  // bit_ceil(2 x 5000)
        for (std::uint32_t i = 0; i < capacity; ++i) {
            pins.pin(i + 2, i);
            QVERIFY(pins.bucketCount() >= 2 * std::size_t{pins.size()});
        }
        QCOMPARE(pins.bucketCount(), pins.maxBuckets());
        for (std::uint32_t i = 0; i < capacity; ++i)
            QCOMPARE(pins.find(i + 2), Slot{i});
    }

    void localOrigins_data() {
        QTest::addColumn<int>("transport");
        QTest::addColumn<QString>("address");
        QTest::addColumn<bool>("local");
        const int udp = static_cast<int>(Transport::Udp);
        const int secure = static_cast<int>(Transport::SecureUdp);
        QTest::newRow("unix socket") << static_cast<int>(Transport::Uds) << QString() << true;
        QTest::newRow("127.0.0.1") << udp << QStringLiteral("127.0.0.1") << true;
        QTest::newRow("127.200.3.4") << udp << QStringLiteral("127.200.3.4") << true;
        QTest::newRow("secure 127.0.0.1") << secure << QStringLiteral("127.0.0.1") << true;
        QTest::newRow("::1") << udp << QStringLiteral("::1") << true;
        QTest::newRow("::ffff:127.0.0.1") << udp << QStringLiteral("::ffff:127.0.0.1") << true;
        QTest::newRow("128.0.0.1") << udp << QStringLiteral("128.0.0.1") << false;
        QTest::newRow("10.0.0.7") << udp << QStringLiteral("10.0.0.7") << false;
        QTest::newRow("::ffff:10.0.0.7") << udp << QStringLiteral("::ffff:10.0.0.7") << false;
        QTest::newRow("::2") << udp << QStringLiteral("::2") << false;
        QTest::newRow("::7f00:1 (IPv4-compatible, not loopback)") << udp << QStringLiteral("::127.0.0.1") << false;
        QTest::newRow("fe80::1") << udp << QStringLiteral("fe80::1") << false;
        QTest::newRow("0.0.0.0") << udp << QStringLiteral("0.0.0.0") << false;
    }
    void localOrigins() {
        QFETCH(int, transport);
        QFETCH(QString, address);
        QFETCH(bool, local);
        const auto t = static_cast<Transport>(transport);
        const AgentKey key =
            t == Transport::Uds ? AgentKey::local(77) : AgentKey::fromPeer(t, QHostAddress(address), 77);
        QCOMPARE(OriginPins::pinnable(key), local);
        QCOMPARE(key.isLoopbackPeer(), local && t != Transport::Uds);
    }

    void ranksAreUpstreamsOrigins() {
        QVERIFY(OriginPins::rank(Transport::Udp) < OriginPins::rank(Transport::SecureUdp));
        QVERIFY(OriginPins::rank(Transport::SecureUdp) < OriginPins::rank(Transport::Uds));
        QCOMPARE(OriginPins::rank(Transport::Udp), 0);
        QCOMPARE(OriginPins::rank(Transport::SecureUdp), 2);
        QCOMPARE(OriginPins::rank(Transport::Uds), 3);
    }
};

QTEST_GUILESS_MAIN(TestOriginPins)
#include "tst_origin_pins.moc"
