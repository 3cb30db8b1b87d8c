// KeyRing: which keys open which datagrams, and that the work done per datagram does not
// depend on which key matched.
#include "core/vlp/key_ring.h"
#include "core/vlp/secure_frame.h"

#include <QTest>

#include <array>

using namespace varta;

namespace {

using Key = std::array<std::uint8_t, vlp::kKeySize>;
using Plain = std::array<std::uint8_t, vlp::kFrameSize>;

Key keyFilledWith(std::uint8_t value) {
    Key key{};
    key.fill(value);
    return key;
}

QByteArray bytesOf(const Key &key) {
    return QByteArray(reinterpret_cast<const char *>(key.data()), static_cast<qsizetype>(key.size()));
}

// --key-file 0x11, --accepted-key-file 0x22 and 0x33, --master-key-file 0x44.
// The key files a listener loaded: shared keys, then perhaps a master key.
struct Keys {
    QList<QByteArray> keys;
    std::optional<QByteArray> masterKey;
};

Keys fullOptions() {
    Keys options;
    options.keys = {bytesOf(keyFilledWith(0x11)), bytesOf(keyFilledWith(0x22)), bytesOf(keyFilledWith(0x33))};
    options.masterKey = bytesOf(keyFilledWith(0x44));
    return options;
}

Plain plainFor(std::uint32_t pid) { return vlp::encode(vlp::Frame{vlp::Status::Ok, pid, 10, 1, 0}); }

const vlp::IvRandom kIv{9, 8, 7, 6, 5, 4, 3, 2};

std::array<std::uint8_t, 60> sealedShared(const Key &key, std::uint32_t pid = 500) {
    vlp::AeadContext aead;
    std::array<std::uint8_t, 60> wire{};
    if (!vlp::sealShared(aead, key, kIv, 1, plainFor(pid), wire))
        qFatal("seal failed");
    return wire;
}

std::array<std::uint8_t, 64> sealedMaster(const Key &master, std::uint32_t pid) {
    Key agentKey{};
    if (!vlp::deriveAgentKey(master, pid, agentKey))
        qFatal("derive failed");
    vlp::AeadContext aead;
    std::array<std::uint8_t, 64> wire{};
    if (!vlp::sealMaster(aead, agentKey, pid, kIv, 1, plainFor(pid), wire))
        qFatal("seal failed");
    return wire;
}

}  // namespace

class TestKeyRing : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void loadsKeys() {
        const Keys full = fullOptions();
        vlp::KeyRing ring(full.keys, full.masterKey);
        QCOMPARE(ring.keyCount(), std::size_t(3));
        QVERIFY(ring.hasMasterKey());
        QCOMPARE(ring.ignoredKeys(), std::size_t(0));
    }

    void ignoresKeysOfTheWrongSize() {
        Keys options;
        options.keys = {QByteArray(31, 'a'), bytesOf(keyFilledWith(0x11)), QByteArray(33, 'b')};
        options.masterKey = QByteArray(16, 'c');
        vlp::KeyRing ring(options.keys, options.masterKey);
        QCOMPARE(ring.keyCount(), std::size_t(1));
        QVERIFY(!ring.hasMasterKey());
        QCOMPARE(ring.ignoredKeys(), std::size_t(3));
        Plain out{};
        QVERIFY(ring.open(sealedShared(keyFilledWith(0x11)), out));
    }

    // Rotation: a frame sealed with any accepted key opens, whichever position it has.
    void everyLoadedKeyOpens_data() {
        QTest::addColumn<int>("fill");
        QTest::newRow("--key-file") << 0x11;
        QTest::newRow("first --accepted-key-file key") << 0x22;
        QTest::newRow("last --accepted-key-file key") << 0x33;
    }
    void everyLoadedKeyOpens() {
        QFETCH(int, fill);
        const Keys full = fullOptions();
        vlp::KeyRing ring(full.keys, full.masterKey);
        Plain out{};
        QVERIFY(ring.open(sealedShared(keyFilledWith(static_cast<std::uint8_t>(fill))), out));
        QCOMPARE(out, plainFor(500));
    }

    void unknownKeyDoesNotOpen() {
        const Keys full = fullOptions();
        vlp::KeyRing ring(full.keys, full.masterKey);
        Plain out{};
        QVERIFY(!ring.open(sealedShared(keyFilledWith(0x55)), out));
        // The master key itself is not a shared key.
        QVERIFY(!ring.open(sealedShared(keyFilledWith(0x44)), out));
    }

    // Constant work: the number of AEAD opens is the same whichever key matches, or none.
    void workDoesNotDependOnTheMatchingKey_data() {
        QTest::addColumn<int>("fill");
        QTest::newRow("first key matches") << 0x11;
        QTest::newRow("last key matches") << 0x33;
        QTest::newRow("no key matches") << 0x99;
    }
    void workDoesNotDependOnTheMatchingKey() {
        QFETCH(int, fill);
        const Keys full = fullOptions();
        vlp::KeyRing ring(full.keys, full.masterKey);
        Plain out{};
        ring.open(sealedShared(keyFilledWith(static_cast<std::uint8_t>(fill))), out);
        QCOMPARE(ring.aeadAttempts(), std::uint64_t(3));
        ring.open(sealedMaster(keyFilledWith(static_cast<std::uint8_t>(fill)), 700), out);
        QCOMPARE(ring.aeadAttempts(), std::uint64_t(3 + 4));
    }

    void masterKeyFrameOpens() {
        const Keys full = fullOptions();
        vlp::KeyRing ring(full.keys, full.masterKey);
        Plain out{};
        QVERIFY(ring.open(sealedMaster(keyFilledWith(0x44), 31337), out));
        QCOMPARE(out, plainFor(31337));
        QVERIFY(!ring.open(sealedMaster(keyFilledWith(0x45), 31337), out));
    }

    void masterKeyFrameNeedsAMasterKey() {
        Keys options;
        options.keys = {bytesOf(keyFilledWith(0x11))};
        vlp::KeyRing ring(options.keys, options.masterKey);
        Plain out{};
        QVERIFY(!ring.open(sealedMaster(keyFilledWith(0x11), 31337), out));
        QCOMPARE(ring.derivations(), std::uint64_t(0));
    }

    void claimedPidIsBoundToTheKey() {
        const Keys full = fullOptions();
        vlp::KeyRing ring(full.keys, full.masterKey);
        auto wire = sealedMaster(keyFilledWith(0x44), 31337);
        wire[0] ^= 0x02;  // claims pid 31339: another derived key, and the AAD differs
        Plain out{};
        QVERIFY(!ring.open(wire, out));
    }

    // Without a key from the caller, every 64-byte datagram costs a derivation.
    void openWithoutAnAgentKeyDerivesEachTime() {
        const Keys full = fullOptions();
        vlp::KeyRing ring(full.keys, full.masterKey);
        Plain out{};
        for (int i = 0; i < 5; ++i)
            QVERIFY(ring.open(sealedMaster(keyFilledWith(0x44), 4000), out));
        QCOMPARE(ring.derivations(), std::uint64_t(5));
        QVERIFY(ring.open(sealedShared(keyFilledWith(0x11)), out));  // shared frames derive nothing
        QCOMPARE(ring.derivations(), std::uint64_t(5));
    }

    // The caller's agent key (SecureReceiver keeps one per sender) opens without an HKDF;
    // a key derived for another pid does not open, and neither does none at all.
    void suppliedAgentKeyOpensWithoutDeriving() {
        const Keys full = fullOptions();
        vlp::KeyRing ring(full.keys, full.masterKey);
        vlp::KeyBytes key{};
        QVERIFY(ring.deriveAgentKey(4000, key));
        QCOMPARE(ring.derivations(), std::uint64_t(1));
        Plain out{};
        for (int i = 0; i < 5; ++i) {
            QVERIFY(ring.open(sealedMaster(keyFilledWith(0x44), 4000), out, &key));
            QCOMPARE(out, plainFor(4000));
        }
        QCOMPARE(ring.derivations(), std::uint64_t(1));
        QVERIFY(!ring.open(sealedMaster(keyFilledWith(0x44), 4001), out, &key));
        QVERIFY(!ring.open(sealedMaster(keyFilledWith(0x44), 4000), out, nullptr));
        QCOMPARE(ring.derivations(), std::uint64_t(1));
        QCOMPARE(ring.aeadAttempts(), std::uint64_t(5 * 4 + 4 + 3));  // 3 shared keys each, + the agent key
    }

    void noMasterKeyNoDerivation() {
        Keys options;
        options.keys = {bytesOf(keyFilledWith(0x11))};
        vlp::KeyRing ring(options.keys, options.masterKey);
        vlp::KeyBytes key{};
        QVERIFY(!ring.deriveAgentKey(4000, key));
        QCOMPARE(ring.derivations(), std::uint64_t(0));
    }

    void otherLengthsDoNoWork_data() {
        QTest::addColumn<int>("size");
        for (int size : {0, 32, 59, 61, 63, 65})
            QTest::newRow(qPrintable(QString::number(size))) << size;
    }
    void otherLengthsDoNoWork() {
        QFETCH(int, size);
        const Keys full = fullOptions();
        vlp::KeyRing ring(full.keys, full.masterKey);
        const QByteArray bytes(size, '\0');
        Plain out{};
        QVERIFY(!ring.open(
            std::span(reinterpret_cast<const std::uint8_t *>(bytes.constData()), static_cast<std::size_t>(size)), out));
        QCOMPARE(ring.aeadAttempts(), std::uint64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestKeyRing)
#include "tst_key_ring.moc"
