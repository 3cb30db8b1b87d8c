// SecureSealer: what a secure client puts on the wire, datagram after datagram, including
// the prefix rotation when the counter space of a prefix is spent.
#include "core/sender/secure_sealer.h"
#include "core/vlp/secure_frame.h"

#include <QTest>

#include <array>
#include <limits>

using namespace varta;
using vlp::Frame;
using vlp::Status;

Q_DECLARE_METATYPE(SecureSealer::Session)

namespace {

using Key = std::array<std::uint8_t, vlp::kKeySize>;
using Datagram = std::array<std::uint8_t, SecureSealer::kMaxDatagramSize>;
constexpr std::uint32_t kMax = std::numeric_limits<std::uint32_t>::max();

Key keyFilledWith(std::uint8_t value) {
    Key key{};
    key.fill(value);
    return key;
}

SecureSealer::Session sessionAt(std::uint32_t prefixIndex, std::uint32_t counter) {
    SecureSealer::Session session;
    for (std::size_t i = 0; i < session.salt.size(); ++i)
        session.salt[i] = static_cast<std::uint8_t>(i + 1);  // upstream's kdf-iv-prefix salt
    session.prefixIndex = prefixIndex;
    session.counter = counter;
    return session;
}

vlp::IvRandom prefixOf(const SecureSealer::Session &session, std::uint32_t index) {
    return *vlp::deriveIvPrefix(session.salt, index);
}

Frame beat(std::uint64_t nonce) { return Frame{Status::Ok, 555, nonce, nonce, 0}; }

}  // namespace

class TestSecureSealer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ivRandomComesFromTheSessionSalt() {
        SecureSealer sealer(keyFilledWith(1), sessionAt(7, 0));
        QVERIFY(sealer.isValid());
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(sealer.ivRandom().data()), 8).toHex(),
                 QByteArray("9fee777f36be69ce"));
    }

    void freshSessionsDiffer() {
        SecureSealer a(keyFilledWith(1));
        SecureSealer b(keyFilledWith(1));
        QVERIFY(a.isValid() && b.isValid());
        QVERIFY(a.session().salt != b.session().salt);
        QVERIFY(a.ivRandom() != b.ivRandom());
        QCOMPARE(a.session().prefixIndex, 0u);
        QCOMPARE(a.session().counter, 0u);
    }

    // Sealers sharing one cipher context (the load generator's) put exactly the bytes on
    // the wire that sealers with their own do, however their calls interleave.
    void sharedContextSealsTheSameBytes_data() {
        QTest::addColumn<bool>("master");
        QTest::newRow("shared key") << false;
        QTest::newRow("master key") << true;
    }
    void sharedContextSealsTheSameBytes() {
        QFETCH(bool, master);
        const Key key = keyFilledWith(0x31);
        const Key other = keyFilledWith(0x32);
        vlp::AeadContext aead;
        SecureSealer owned = master ? SecureSealer(key, 4000, sessionAt(3, 0)) : SecureSealer(key, sessionAt(3, 0));
        SecureSealer shared =
            master ? SecureSealer(key, 4000, aead, sessionAt(3, 0)) : SecureSealer(key, aead, sessionAt(3, 0));
        SecureSealer neighbour = master ? SecureSealer(other, 4001, aead) : SecureSealer(other, aead);
        QVERIFY(owned.isValid() && shared.isValid() && neighbour.isValid());
        for (std::uint64_t nonce = 1; nonce <= 8; ++nonce) {
            Datagram a{};
            Datagram b{};
            Datagram c{};
            const std::size_t sizeA = owned.seal(beat(nonce), a);
            QVERIFY(neighbour.seal(beat(nonce), c) != 0);
            const std::size_t sizeB = shared.seal(beat(nonce), b);
            QCOMPARE(sizeA, master ? std::size_t(64) : std::size_t(60));
            QCOMPARE(sizeB, sizeA);
            QVERIFY(a == b);
            QVERIFY(a != c);
        }
    }

    void sharedKeyDatagrams() {
        const Key key = keyFilledWith(0x31);
        SecureSealer sealer(key);
        QCOMPARE(sealer.datagramSize(), std::size_t(60));
        vlp::AeadContext aead;
        for (std::uint32_t i = 0; i < 3; ++i) {
            Datagram out{};
            QCOMPARE(sealer.seal(beat(i + 1), out), std::size_t(60));
            const std::span<const std::uint8_t> wire(out.data(), 60);
            const auto header = vlp::readSecureHeader(wire);
            QCOMPARE(header->ivCounter, i);
            QCOMPARE(header->ivRandom, sealer.ivRandom());
            std::array<std::uint8_t, 32> plain{};
            QVERIFY(vlp::openSecure(aead, key, wire, plain));
            QCOMPARE(plain, vlp::encode(beat(i + 1)));
        }
        QCOMPARE(sealer.session().counter, 3u);
    }

    void masterKeyDatagrams() {
        const Key master = keyFilledWith(0x44);
        SecureSealer sealer(master, 9001);
        QCOMPARE(sealer.datagramSize(), std::size_t(64));
        Datagram out{};
        // The clear pid is the sealer's, even for a frame carrying another pid.
        QCOMPARE(sealer.seal(Frame{Status::Ok, 9002, 1, 1, 0}, out), std::size_t(64));
        QCOMPARE(vlp::readSecureHeader(out)->agentPid, 9001u);
        Key agentKey{};
        QVERIFY(vlp::deriveAgentKey(master, 9001, agentKey));
        vlp::AeadContext aead;
        std::array<std::uint8_t, 32> plain{};
        QVERIFY(vlp::openSecure(aead, agentKey, out, plain));
        QVERIFY(!vlp::openSecure(aead, master, out, plain));
    }

    // The last counter value is never sent: the next prefix index starts at counter 0, and
    // after the last prefix index a new salt starts over.
    void rotation_data() {
        QTest::addColumn<SecureSealer::Session>("start");
        QTest::addColumn<quint32>("firstCounter");
        QTest::addColumn<quint32>("secondIndex");
        QTest::addColumn<quint32>("secondCounter");
        QTest::addColumn<bool>("newSalt");
        QTest::newRow("counter 0 -> 1") << sessionAt(3, 0) << 0u << 3u << 1u << false;
        QTest::newRow("last usable counter, then next prefix")
            << sessionAt(3, kMax - 1) << kMax - 1 << 4u << 0u << false;
        QTest::newRow("spent prefix rotates at once") << sessionAt(3, kMax) << 0u << 4u << 1u << false;
        QTest::newRow("last prefix index, then a new salt")
            << sessionAt(kMax, kMax - 1) << kMax - 1 << 0u << 0u << true;
    }
    void rotation() {
        QFETCH(SecureSealer::Session, start);
        QFETCH(quint32, firstCounter);
        QFETCH(quint32, secondIndex);
        QFETCH(quint32, secondCounter);
        QFETCH(bool, newSalt);
        SecureSealer sealer(keyFilledWith(2), start);
        Datagram first{}, second{};
        QCOMPARE(sealer.seal(beat(1), first), std::size_t(60));
        QCOMPARE(sealer.seal(beat(2), second), std::size_t(60));
        QCOMPARE(vlp::readSecureHeader(std::span(first.data(), 60))->ivCounter, firstCounter);
        const auto header = vlp::readSecureHeader(std::span(second.data(), 60));
        QCOMPARE(header->ivCounter, secondCounter);
        QCOMPARE(sealer.session().prefixIndex, secondIndex);
        QCOMPARE(sealer.session().salt != start.salt, newSalt);
        QCOMPARE(header->ivRandom, prefixOf(sealer.session(), secondIndex));
        QCOMPARE(sealer.session().counter, secondCounter + 1);
    }
};

QTEST_GUILESS_MAIN(TestSecureSealer)
#include "tst_secure_sealer.moc"
