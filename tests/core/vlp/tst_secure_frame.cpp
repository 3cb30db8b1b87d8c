// Secure UDP frames and their key derivations: upstream's five secure conformance vectors
// byte for byte, then the layout rules (every byte of a sealed frame is authenticated).
#include "core/vlp/aead_context.h"
#include "core/vlp/hkdf.h"
#include "core/vlp/secure_frame.h"
#include "tests/support/test_vectors.h"

#include <QJsonObject>
#include <QTest>

#include <algorithm>
#include <array>
#include <thread>

using namespace varta;

namespace {

using Key = std::array<std::uint8_t, vlp::kKeySize>;
using Plain = std::array<std::uint8_t, vlp::kFrameSize>;

template <std::size_t N>
std::array<std::uint8_t, N> fixedFromHex(const QJsonValue &value) {
    const QByteArray bytes = test::fromHex(value);
    std::array<std::uint8_t, N> out{};
    if (bytes.size() != static_cast<qsizetype>(N))
        qFatal("vector field has %lld bytes, expected %zu", static_cast<long long>(bytes.size()), N);
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

template <std::size_t N>
QByteArray hexOf(const std::array<std::uint8_t, N> &bytes) {
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), N).toHex();
}

std::uint32_t u32Of(const QJsonObject &o, const char *name) {
    return static_cast<std::uint32_t>(o.value(QLatin1String(name)).toInteger());
}

QString str(const QJsonObject &o, const char *name) { return o.value(QLatin1String(name)).toString(); }

Plain samplePlain() { return vlp::encode(vlp::Frame{vlp::Status::Degraded, 4242, 99, 7, 5}); }

Key sampleKey(std::uint8_t first) {
    Key key{};
    for (std::size_t i = 0; i < key.size(); ++i)
        key[i] = static_cast<std::uint8_t>(first + i);
    return key;
}

}  // namespace

class TestSecureFrame : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // --- upstream's conformance vectors -------------------------------------------------
    void upstreamVectors_data() {
        QTest::addColumn<QJsonObject>("vector");
        QStringList kinds;
        for (const QJsonValue &v : test::vectorGroup("secure_frame_vectors")) {
            const QJsonObject o = v.toObject();
            kinds << str(o, "kind");
            QTest::newRow(qPrintable(str(o, "id"))) << o;
        }
        kinds.sort();
        QCOMPARE(kinds, (QStringList{QStringLiteral("kdf_agent_key"), QStringLiteral("kdf_epoch_key"),
                                     QStringLiteral("kdf_iv_prefix"), QStringLiteral("master_key_seal"),
                                     QStringLiteral("shared_key_seal")}));
    }
    void upstreamVectors() {
        QFETCH(QJsonObject, vector);
        const QString kind = str(vector, "kind");
        if (kind == QLatin1String("shared_key_seal"))
            checkSharedSeal(vector);
        else if (kind == QLatin1String("master_key_seal"))
            checkMasterSeal(vector);
        else if (kind == QLatin1String("kdf_agent_key"))
            checkAgentKey(vector);
        else if (kind == QLatin1String("kdf_iv_prefix"))
            checkIvPrefix(vector);
        else if (kind == QLatin1String("kdf_epoch_key"))
            checkEpochKey(vector);
        else
            QFAIL(qPrintable(QStringLiteral("unknown vector kind ") + kind));
    }

    // --- layout: every region is authenticated ------------------------------------------
    void tamperedRegionFailsToOpen_data() {
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("offset");
        QTest::newRow("shared iv_random") << 60 << 3;
        QTest::newRow("shared iv_counter") << 60 << 8;
        QTest::newRow("shared ciphertext") << 60 << 20;
        QTest::newRow("shared tag") << 60 << 59;
        QTest::newRow("master agent_pid (AAD)") << 64 << 0;
        QTest::newRow("master iv_random") << 64 << 11;
        QTest::newRow("master iv_counter") << 64 << 15;
        QTest::newRow("master ciphertext") << 64 << 47;
        QTest::newRow("master tag") << 64 << 48;
    }
    void tamperedRegionFailsToOpen() {
        QFETCH(int, size);
        QFETCH(int, offset);
        vlp::AeadContext aead;
        const Key key = sampleKey(9);
        std::array<std::uint8_t, 64> wire{};
        const std::span<std::uint8_t> datagram(wire.data(), static_cast<std::size_t>(size));
        QVERIFY(sealSample(aead, key, datagram));
        Plain out{};
        QVERIFY(vlp::openSecure(aead, key, datagram, out));
        QCOMPARE(out, samplePlain());
        wire[static_cast<std::size_t>(offset)] ^= 0x01;
        QVERIFY(!vlp::openSecure(aead, key, datagram, out));
    }

    void wrongKeyFailsToOpen() {
        vlp::AeadContext aead;
        std::array<std::uint8_t, 60> wire{};
        QVERIFY(sealSample(aead, sampleKey(1), wire));
        Plain out{};
        QVERIFY(!vlp::openSecure(aead, sampleKey(2), wire, out));
        QVERIFY(vlp::openSecure(aead, sampleKey(1), wire, out));
    }

    void headerFields() {
        vlp::AeadContext aead;
        const Key key = sampleKey(3);
        const vlp::IvRandom iv{1, 2, 3, 4, 5, 6, 7, 8};
        std::array<std::uint8_t, 64> master{};
        QVERIFY(vlp::sealMaster(aead, key, 0xA1B2C3D4u, iv, 0x01020304u, samplePlain(), master));
        const auto header = vlp::readSecureHeader(master);
        QVERIFY(header.has_value());
        QCOMPARE(header->agentPid, 0xA1B2C3D4u);
        QCOMPARE(header->ivRandom, iv);
        QCOMPARE(header->ivCounter, 0x01020304u);

        std::array<std::uint8_t, 60> shared{};
        QVERIFY(vlp::sealShared(aead, key, iv, 77, samplePlain(), shared));
        const auto sharedHeader = vlp::readSecureHeader(shared);
        QVERIFY(sharedHeader.has_value());
        QCOMPARE(sharedHeader->agentPid, 0u);
        QCOMPARE(sharedHeader->ivRandom, iv);
        QCOMPARE(sharedHeader->ivCounter, 77u);
    }

    void otherLengthsAreNotSecureFrames_data() {
        QTest::addColumn<int>("size");
        for (int size : {0, 1, 32, 59, 61, 63, 65, 200})
            QTest::newRow(qPrintable(QString::number(size))) << size;
    }
    void otherLengthsAreNotSecureFrames() {
        QFETCH(int, size);
        const QByteArray bytes(size, '\x5a');
        vlp::AeadContext aead;
        Plain out{};
        QVERIFY(!vlp::readSecureHeader(test::bytesOf(bytes)).has_value());
        QVERIFY(!vlp::openSecure(aead, sampleKey(0), test::bytesOf(bytes), out));
    }

    void derivationsSeparateInputs() {
        const Key master = sampleKey(0x40);
        Key a{}, b{}, c{};
        QVERIFY(vlp::deriveAgentKey(master, 100, a));
        QVERIFY(vlp::deriveAgentKey(master, 101, b));
        QVERIFY(vlp::deriveEpochKey(master, 100, c));
        QVERIFY(a != b);
        QVERIFY(a != c);
        const std::array<std::uint8_t, 16> salt{};
        QVERIFY(vlp::deriveIvPrefix(salt, 0) != vlp::deriveIvPrefix(salt, 1));
    }

    // A thread reuses one derivation context: nothing of one derivation (key, info or
    // output length) may leak into the next.
    void derivationsDoNotDependOnTheOneBefore() {
        const Key master = sampleKey(0x40);
        const Key other = sampleKey(0x90);
        Key first{}, again{}, unrelated{};
        QVERIFY(vlp::deriveAgentKey(master, 100, first));
        QVERIFY(vlp::deriveAgentKey(other, 7, unrelated));
        const std::array<std::uint8_t, 16> salt{};
        const auto prefix = vlp::deriveIvPrefix(salt, 3);
        QVERIFY(prefix.has_value());
        QVERIFY(vlp::deriveEpochKey(other, 1ULL << 40, unrelated));
        QVERIFY(vlp::deriveAgentKey(master, 100, again));
        QCOMPARE(again, first);
        QCOMPARE(vlp::deriveIvPrefix(salt, 3), prefix);
    }

    // Each thread has its own context; derivations on another thread agree with this one's.
    // The kept-PRK deriver gives HKDF's bytes for every pid, one after another, including
    // the ends of the range, under two master keys.
    void agentKeyDeriverMatchesHkdf() {
        for (const std::uint8_t fill : {std::uint8_t(0x00), std::uint8_t(0xA7)}) {
            Key master{};
            master.fill(fill);
            vlp::AgentKeyDeriver deriver(master);
            QVERIFY(deriver.isValid());
            for (const std::uint32_t pid : {0u, 1u, 2u, 4242u, 3'000'000u, 0xFFFFFFFEu, 0xFFFFFFFFu}) {
                Key expected{};
                Key got{};
                QVERIFY(vlp::deriveAgentKey(master, pid, expected));
                QVERIFY(deriver.derive(pid, got));
                QCOMPARE(hexOf(got), hexOf(expected));
            }
            for (std::uint32_t pid = 100; pid < 1100; ++pid) {
                Key expected{};
                Key got{};
                QVERIFY(vlp::deriveAgentKey(master, pid, expected));
                QVERIFY(deriver.derive(pid, got));
                if (got != expected)
                    QFAIL(qPrintable(QStringLiteral("pid %1 differs").arg(pid)));
            }
        }
    }

    void derivationsAgreeAcrossThreads() {
        const Key master = sampleKey(0x40);
        Key here{}, there{};
        QVERIFY(vlp::deriveAgentKey(master, 4242, here));
        bool ok = false;
        std::thread worker([&] { ok = vlp::deriveAgentKey(master, 4242, there); });
        worker.join();
        QVERIFY(ok);
        QCOMPARE(there, here);
    }

private:
    static bool sealSample(vlp::AeadContext &aead, const Key &key, std::span<std::uint8_t> datagram) {
        const vlp::IvRandom iv{0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7};
        if (datagram.size() == 60)
            return vlp::sealShared(aead, key, iv, 5, samplePlain(), datagram.first<60>());
        return vlp::sealMaster(aead, key, 4242, iv, 5, samplePlain(), datagram.first<64>());
    }

    void checkSharedSeal(const QJsonObject &v) {
        const Key key = fixedFromHex<32>(v.value(QLatin1String("key_hex")));
        const auto iv = fixedFromHex<8>(v.value(QLatin1String("iv_random_hex")));
        const Plain plain = fixedFromHex<32>(v.value(QLatin1String("plaintext_hex")));
        vlp::AeadContext aead;
        std::array<std::uint8_t, 60> wire{};
        QVERIFY(vlp::sealShared(aead, key, iv, u32Of(v, "iv_counter"), plain, wire));
        QCOMPARE(hexOf(wire), str(v, "expected_wire_hex").toLatin1());
        checkOpens(aead, key, wire, plain);
    }

    void checkMasterSeal(const QJsonObject &v) {
        const Key master = fixedFromHex<32>(v.value(QLatin1String("master_key_hex")));
        const std::uint32_t pid = u32Of(v, "agent_pid");
        Key agentKey{};
        QVERIFY(vlp::deriveAgentKey(master, pid, agentKey));
        QCOMPARE(hexOf(agentKey), str(v, "derived_agent_key_hex").toLatin1());
        const auto iv = fixedFromHex<8>(v.value(QLatin1String("iv_random_hex")));
        const Plain plain = fixedFromHex<32>(v.value(QLatin1String("plaintext_hex")));
        vlp::AeadContext aead;
        std::array<std::uint8_t, 64> wire{};
        QVERIFY(vlp::sealMaster(aead, agentKey, pid, iv, u32Of(v, "iv_counter"), plain, wire));
        QCOMPARE(hexOf(wire), str(v, "expected_wire_hex").toLatin1());
        checkOpens(aead, agentKey, wire, plain);
        QCOMPARE(vlp::readSecureHeader(wire)->agentPid, pid);
    }

    void checkOpens(vlp::AeadContext &aead, const Key &key, std::span<const std::uint8_t> wire, const Plain &plain) {
        Plain out{};
        QVERIFY(vlp::openSecure(aead, key, wire, out));
        QCOMPARE(hexOf(out), hexOf(plain));
        vlp::Frame frame;
        QCOMPARE(vlp::decode(out, frame), std::nullopt);
    }

    void checkAgentKey(const QJsonObject &v) {
        const Key master = fixedFromHex<32>(v.value(QLatin1String("master_key_hex")));
        const QByteArray expectedInfo = QByteArray("varta-agent-v1", 15) + QByteArray::fromHex("2a000000");
        QCOMPARE(str(v, "info_hex").toLatin1(), expectedInfo.toHex());
        Key okm{};
        QVERIFY(vlp::deriveAgentKey(master, u32Of(v, "agent_id"), okm));
        QCOMPARE(hexOf(okm), str(v, "expected_okm_hex").toLatin1());
        vlp::AgentKeyDeriver deriver(master);
        Key fast{};
        QVERIFY(deriver.derive(u32Of(v, "agent_id"), fast));
        QCOMPARE(hexOf(fast), str(v, "expected_okm_hex").toLatin1());
    }

    void checkIvPrefix(const QJsonObject &v) {
        const auto salt = fixedFromHex<16>(v.value(QLatin1String("session_salt_hex")));
        const auto prefix = vlp::deriveIvPrefix(salt, u32Of(v, "prefix_index"));
        QVERIFY(prefix.has_value());
        QCOMPARE(hexOf(*prefix), str(v, "expected_iv_prefix_hex").toLatin1());
    }

    void checkEpochKey(const QJsonObject &v) {
        const Key agentKey = fixedFromHex<32>(v.value(QLatin1String("agent_key_hex")));
        Key okm{};
        QVERIFY(vlp::deriveEpochKey(agentKey, static_cast<std::uint64_t>(v.value(QLatin1String("epoch")).toInteger()),
                                    okm));
        QCOMPARE(hexOf(okm), str(v, "expected_okm_hex").toLatin1());
    }
};

QTEST_GUILESS_MAIN(TestSecureFrame)
#include "tst_secure_frame.moc"
