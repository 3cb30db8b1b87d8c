// SecureReceiver: the whole secure-listener receive path for one datagram, its result and
// the one counter it bumps, for every way a datagram can be refused.
#include "core/ingest/secure_receiver.h"
#include "core/sender/secure_sealer.h"
#include "core/vlp/secure_frame.h"

#include <QTest>

#include <array>
#include <numeric>

using namespace varta;
using vlp::Frame;
using vlp::Status;
using Result = SecureReceiver::Result;

Q_DECLARE_METATYPE(SecureReceiver::Result)

namespace {

using Key = std::array<std::uint8_t, vlp::kKeySize>;

Key keyFilledWith(std::uint8_t value) {
    Key key{};
    key.fill(value);
    return key;
}

QByteArray bytesOf(const Key &key) {
    return QByteArray(reinterpret_cast<const char *>(key.data()), static_cast<qsizetype>(key.size()));
}

const Key kSharedKey = keyFilledWith(0x11);
const Key kAcceptedKey = keyFilledWith(0x22);
const Key kMasterKey = keyFilledWith(0x44);
const Key kUnknownKey = keyFilledWith(0x99);

SecureOptions options() {
    SecureOptions o;
    o.keys = {bytesOf(kSharedKey), bytesOf(kAcceptedKey)};
    o.masterKey = bytesOf(kMasterKey);
    return o;
}

vlp::IvRandom ivNamed(char name) {
    vlp::IvRandom iv{};
    iv.fill(static_cast<std::uint8_t>(name));
    return iv;
}

Frame beat(std::uint32_t pid, std::uint64_t nonce) { return Frame{Status::Ok, pid, nonce * 1000, nonce, 0}; }

QByteArray toBytes(std::span<const std::uint8_t> bytes) {
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), static_cast<qsizetype>(bytes.size()));
}

QByteArray sealPlainShared(const Key &key, char iv, std::uint32_t counter, const std::array<std::uint8_t, 32> &plain) {
    vlp::AeadContext aead;
    std::array<std::uint8_t, 60> wire{};
    if (!vlp::sealShared(aead, key, ivNamed(iv), counter, plain, wire))
        qFatal("seal failed");
    return toBytes(wire);
}

QByteArray sealShared(const Key &key, char iv, std::uint32_t counter, const Frame &frame) {
    return sealPlainShared(key, iv, counter, vlp::encode(frame));
}

// `clearPid` is the agent_pid the datagram claims and the key is derived for.
QByteArray sealMaster(const Key &master, std::uint32_t clearPid, char iv, std::uint32_t counter, const Frame &frame) {
    Key agentKey{};
    if (!vlp::deriveAgentKey(master, clearPid, agentKey))
        qFatal("derive failed");
    vlp::AeadContext aead;
    std::array<std::uint8_t, 64> wire{};
    if (!vlp::sealMaster(aead, agentKey, clearPid, ivNamed(iv), counter, vlp::encode(frame), wire))
        qFatal("seal failed");
    return toBytes(wire);
}

std::span<const std::uint8_t> span(const QByteArray &bytes) {
    return {reinterpret_cast<const std::uint8_t *>(bytes.constData()), static_cast<std::size_t>(bytes.size())};
}

std::uint64_t total(const IngestCounters &i, const SecureCounters &s) {
    return std::accumulate(i.decodeErrors.begin(), i.decodeErrors.end(), std::uint64_t(0)) + i.truncated
           + i.authFailures + i.datagrams + s.decryptFailures + s.replayRefused + s.senderStateFull;
}

// One receiver with its counters; receive() checks that a datagram moves exactly the
// counter its result names, and only that one.
struct Rig {
    IngestCounters ingest;
    SecureCounters secure;
    SecureReceiver receiver;
    explicit Rig(std::size_t capacity = ReplayGuard::kDefaultCapacity)
        : receiver(options(), ingest, secure, capacity) {}

    SecureReceiver::Outcome receive(const QByteArray &datagram, std::int64_t nowNs = 0) {
        const std::uint64_t before = total(ingest, secure);
        const SecureReceiver::Outcome outcome = receiver.receive(span(datagram), nowNs);
        const std::uint64_t expected = outcome.result == Result::Accepted ? 0 : 1;
        if (total(ingest, secure) - before != expected)
            qFatal("result %d moved %llu counters", int(outcome.result),
                   static_cast<unsigned long long>(total(ingest, secure) - before));
        return outcome;
    }
};

}  // namespace

class TestSecureReceiver : public QObject {
    Q_OBJECT
    std::vector<vlp::KeyBytes> agentKeys;  // hundredThousandSenders' master-key third

private Q_SLOTS:
    void acceptsSharedKeyFrame() {
        Rig rig;
        const auto outcome = rig.receive(sealShared(kSharedKey, 'A', 0, beat(4242, 1)));
        QCOMPARE(outcome.result, Result::Accepted);
        QCOMPARE(outcome.frame, beat(4242, 1));
        QCOMPARE(outcome.claimedPid, 0u);
    }

    void acceptsMasterKeyFrame() {
        Rig rig;
        const auto outcome = rig.receive(sealMaster(kMasterKey, 4242, 'A', 0, beat(4242, 1)));
        QCOMPARE(outcome.result, Result::Accepted);
        QCOMPARE(outcome.frame, beat(4242, 1));
        QCOMPARE(outcome.claimedPid, 4242u);
    }

    // Upstream's two sealed vectors carry the same frame under the same iv, so each gets
    // a receiver of its own (to the second one the first would be a replay).
    void upstreamVectorsAreAccepted_data() {
        QTest::addColumn<QByteArray>("wire");
        QTest::newRow("secure-shared-key-seal")
            << QByteArray::fromHex("112233445566778800000000bcba1b202190b688a08e0a7ac909da44a2023cb7a421fd6428453fd1"
                                   "2141c257b6fd638c55fddf5c621020de1327975a");
        QTest::newRow("secure-master-key-seal")
            << QByteArray::fromHex("02000000112233445566778800000000efe8fd8c226106641e01fc8fe649f79475e19b4f2093e063"
                                   "987f1c663a5d2f0b73ba429fadc4c494e2723baff86af9cc");
    }
    void upstreamVectorsAreAccepted() {
        QFETCH(QByteArray, wire);
        Key key{};
        std::iota(key.begin(), key.end(), std::uint8_t(0));
        SecureOptions vectorKeys;
        vectorKeys.keys = {bytesOf(key)};
        vectorKeys.masterKey = bytesOf(key);
        IngestCounters ingest;
        SecureCounters secure;
        SecureReceiver receiver(vectorKeys, ingest, secure);
        const auto outcome = receiver.receive(span(wire), 0);
        QCOMPARE(outcome.result, Result::Accepted);
        QCOMPARE(outcome.frame, (Frame{Status::Ok, 2, 1000, 1, 0}));
        QCOMPARE(receiver.receive(span(wire), 0).result, Result::Replayed);
    }

    // Key rotation: frames sealed with the --key-file key or an accepted key both open.
    void keyRotation_data() {
        QTest::addColumn<int>("fill");
        QTest::newRow("--key-file") << 0x11;
        QTest::newRow("--accepted-key-file") << 0x22;
    }
    void keyRotation() {
        QFETCH(int, fill);
        Rig rig;
        const Key key = keyFilledWith(static_cast<std::uint8_t>(fill));
        QCOMPARE(rig.receive(sealShared(key, 'A', 0, beat(50, 1))).result, Result::Accepted);
        QCOMPARE(rig.receive(sealShared(key, 'A', 1, beat(50, 2))).result, Result::Accepted);
    }

    void tamperedRegionIsADecryptFailure_data() {
        QTest::addColumn<bool>("master");
        QTest::addColumn<int>("offset");
        QTest::newRow("shared iv_random") << false << 0;
        QTest::newRow("shared iv_counter") << false << 10;
        QTest::newRow("shared ciphertext") << false << 12;
        QTest::newRow("shared ciphertext crc bytes") << false << 43;
        QTest::newRow("shared tag") << false << 50;
        QTest::newRow("master clear pid") << true << 1;
        QTest::newRow("master iv_random") << true << 4;
        QTest::newRow("master iv_counter") << true << 13;
        QTest::newRow("master ciphertext") << true << 30;
        QTest::newRow("master tag") << true << 63;
    }
    void tamperedRegionIsADecryptFailure() {
        QFETCH(bool, master);
        QFETCH(int, offset);
        Rig rig;
        QByteArray wire =
            master ? sealMaster(kMasterKey, 777, 'A', 3, beat(777, 1)) : sealShared(kSharedKey, 'A', 3, beat(777, 1));
        wire[offset] = static_cast<char>(wire[offset] ^ 0x40);
        QCOMPARE(rig.receive(wire).result, Result::DecryptFailed);
        QCOMPARE(rig.secure.decryptFailures, 1u);
        QCOMPARE(rig.ingest.decodeErrors[std::size_t(vlp::DecodeError::BadCrc)], 0u);
        // The untampered datagram is still fresh: nothing was recorded.
        wire[offset] = static_cast<char>(wire[offset] ^ 0x40);
        QCOMPARE(rig.receive(wire).result, Result::Accepted);
    }

    void unknownKeyIsADecryptFailure() {
        Rig rig;
        QCOMPARE(rig.receive(sealShared(kUnknownKey, 'A', 0, beat(50, 1))).result, Result::DecryptFailed);
        QCOMPARE(rig.receive(sealMaster(kUnknownKey, 50, 'A', 0, beat(50, 1))).result, Result::DecryptFailed);
        QCOMPARE(rig.secure.decryptFailures, 2u);
    }

    void plaintextFrameIsADecryptFailure() {
        Rig rig;
        const auto plain = vlp::encode(beat(50, 1));
        QCOMPARE(rig.receive(toBytes(plain)).result, Result::DecryptFailed);
        QCOMPARE(rig.secure.decryptFailures, 1u);
        QCOMPARE(rig.ingest.truncated, 0u);
    }

    void wrongLength_data() {
        QTest::addColumn<int>("size");
        for (int size : {0, 1, 31, 33, 59, 61, 63, 65, 1500})
            QTest::newRow(qPrintable(QString::number(size))) << size;
    }
    void wrongLength() {
        QFETCH(int, size);
        Rig rig;
        QCOMPARE(rig.receive(QByteArray(size, '\x56')).result, Result::WrongLength);
        QCOMPARE(rig.ingest.truncated, 1u);
        QCOMPARE(rig.receiver.keyRing().aeadAttempts(), 0u);
    }

    void masterFrameWithAnotherPidIsAnAuthFailure() {
        Rig rig;
        const auto outcome = rig.receive(sealMaster(kMasterKey, 600, 'A', 0, beat(601, 1)));
        QCOMPARE(outcome.result, Result::PidMismatch);
        QCOMPARE(outcome.claimedPid, 600u);
        QCOMPARE(rig.ingest.authFailures, 1u);
        QCOMPARE(rig.secure.decryptFailures, 0u);
    }

    void authenticatedButUndecodableFrame_data() {
        QTest::addColumn<QByteArray>("plain");
        QTest::addColumn<vlp::DecodeError>("error");
        auto withByte = [](int offset, char value) {
            auto bytes = vlp::encode(beat(70, 1));
            bytes[static_cast<std::size_t>(offset)] = static_cast<std::uint8_t>(value);
            return toBytes(bytes);
        };
        QTest::newRow("bad magic") << withByte(0, 'X') << vlp::DecodeError::BadMagic;
        QTest::newRow("bad crc") << withByte(24, 1) << vlp::DecodeError::BadCrc;
        QTest::newRow("stall on the wire")
            << toBytes(vlp::encode(Frame{Status::Stall, 70, 1, 1, 0})) << vlp::DecodeError::StallOnWire;
        QTest::newRow("pid 1") << toBytes(vlp::encode(beat(1, 1))) << vlp::DecodeError::BadPid;
    }
    void authenticatedButUndecodableFrame() {
        QFETCH(QByteArray, plain);
        QFETCH(vlp::DecodeError, error);
        std::array<std::uint8_t, 32> bytes{};
        std::copy(plain.begin(), plain.end(), bytes.begin());
        Rig rig;
        const auto outcome = rig.receive(sealPlainShared(kSharedKey, 'A', 0, bytes));
        QCOMPARE(outcome.result, Result::DecodeFailed);
        QCOMPARE(outcome.decodeFailure.kind, error);
        if (error == vlp::DecodeError::BadPid)
            QCOMPARE(outcome.decodeFailure.pid, 1u);  // the detail of the decode line
        QCOMPARE(rig.ingest.decodeErrors[static_cast<std::size_t>(error)], 1u);
    }

    void replays_data() {
        QTest::addColumn<QByteArray>("first");
        QTest::addColumn<QByteArray>("second");
        QTest::addColumn<Result>("expected");
        const QByteArray a5 = sealShared(kSharedKey, 'A', 5, beat(80, 5));
        QTest::newRow("same datagram again") << a5 << a5 << Result::Replayed;
        QTest::newRow("older counter") << a5 << sealShared(kSharedKey, 'A', 4, beat(80, 6)) << Result::Replayed;
        QTest::newRow("newer counter") << a5 << sealShared(kSharedKey, 'A', 6, beat(80, 6)) << Result::Accepted;
        QTest::newRow("unknown iv_random, stale nonce")
            << a5 << sealShared(kSharedKey, 'B', 0, beat(80, 5)) << Result::Replayed;
        QTest::newRow("unknown iv_random, newer nonce")
            << a5 << sealShared(kSharedKey, 'B', 0, beat(80, 6)) << Result::Accepted;
        QTest::newRow("same frame under another key is still a replay")
            << a5 << sealShared(kAcceptedKey, 'A', 5, beat(80, 5)) << Result::Replayed;
        QTest::newRow("master frame replayed") << sealMaster(kMasterKey, 80, 'C', 9, beat(80, 9))
                                               << sealMaster(kMasterKey, 80, 'C', 9, beat(80, 9)) << Result::Replayed;
    }
    void replays() {
        QFETCH(QByteArray, first);
        QFETCH(QByteArray, second);
        QFETCH(Result, expected);
        Rig rig;
        QCOMPARE(rig.receive(first).result, Result::Accepted);
        const auto outcome = rig.receive(second);
        QCOMPARE(outcome.result, expected);
        QCOMPARE(rig.secure.replayRefused, expected == Result::Replayed ? 1u : 0u);
        if (expected == Result::Replayed)
            QCOMPARE(outcome.frame.pid, 80u);
    }

    // A client rotated its prefix (or reconnected); datagrams sent just before still arrive.
    void previousIvRandomStillAccepted() {
        Rig rig;
        QCOMPARE(rig.receive(sealShared(kSharedKey, 'A', 7, beat(90, 7))).result, Result::Accepted);
        QCOMPARE(rig.receive(sealShared(kSharedKey, 'B', 0, beat(90, 9))).result, Result::Accepted);
        QCOMPARE(rig.receive(sealShared(kSharedKey, 'A', 8, beat(90, 8))).result, Result::Accepted);
        QCOMPARE(rig.receive(sealShared(kSharedKey, 'A', 8, beat(90, 8))).result, Result::Replayed);
        QCOMPARE(rig.receive(sealShared(kSharedKey, 'B', 1, beat(90, 10))).result, Result::Accepted);
    }

    void fullSenderTableFailsClosed() {
        Rig rig(2);
        QCOMPARE(rig.receive(sealShared(kSharedKey, 'A', 0, beat(100, 1)), 0).result, Result::Accepted);
        QCOMPARE(rig.receive(sealShared(kSharedKey, 'A', 0, beat(101, 1)), 0).result, Result::Accepted);
        const auto outcome = rig.receive(sealShared(kSharedKey, 'A', 0, beat(102, 1)), 10);
        QCOMPARE(outcome.result, Result::SenderTableFull);
        QCOMPARE(outcome.frame.pid, 102u);
        QCOMPARE(rig.secure.senderStateFull, 1u);
        QCOMPARE(rig.receive(sealShared(kSharedKey, 'A', 1, beat(101, 2)), 20).result, Result::Accepted);
    }

    void idleExpiryFreesASlot() {
        Rig rig(1);
        QCOMPARE(rig.receive(sealShared(kSharedKey, 'A', 0, beat(100, 1)), 0).result, Result::Accepted);
        const QByteArray newcomer = sealShared(kSharedKey, 'A', 0, beat(101, 1));
        QCOMPARE(rig.receive(newcomer, ReplayGuard::kIdleExpiryNs - 1).result, Result::SenderTableFull);
        QCOMPARE(rig.receive(newcomer, ReplayGuard::kIdleExpiryNs).result, Result::Accepted);
        QCOMPARE(rig.secure.senderStateFull, 1u);
    }

    // A master-key sender costs one derivation, on its first frame; after that its key is
    // the one kept with its replay entry, and each beat is one AEAD open per loaded key.
    void masterKeyIsDerivedOncePerSender() {
        Rig rig;
        for (std::uint32_t pid = 500; pid < 503; ++pid)
            for (std::uint32_t n = 1; n <= 10; ++n)
                QCOMPARE(rig.receive(sealMaster(kMasterKey, pid, 'A', n, beat(pid, n))).result, Result::Accepted);
        QCOMPARE(rig.receiver.keyRing().derivations(), std::uint64_t(3));
        QCOMPARE(rig.receiver.replayGuard().agentKeysHeld(), std::size_t(3));
        QCOMPARE(rig.receiver.keyRing().aeadAttempts(), std::uint64_t(30 * 3));  // two shared keys + the agent key
        // Replays and tampering with a kept key are refused as before.
        QCOMPARE(rig.receive(sealMaster(kMasterKey, 500, 'A', 10, beat(500, 10))).result, Result::Replayed);
        QByteArray tampered = sealMaster(kMasterKey, 500, 'A', 11, beat(500, 11));
        tampered[30] = static_cast<char>(tampered[30] ^ 0x01);
        QCOMPARE(rig.receive(tampered).result, Result::DecryptFailed);
        QCOMPARE(rig.receiver.keyRing().derivations(), std::uint64_t(3));
    }

    // Forgeries keep nothing: a datagram that does not open, claims another pid or is a
    // replay leaves no key behind, so each such pid is derived again next time.
    void refusedMasterFramesKeepNoKey() {
        Rig rig(2);
        QCOMPARE(rig.receive(sealMaster(kUnknownKey, 600, 'A', 0, beat(600, 1))).result, Result::DecryptFailed);
        QCOMPARE(rig.receive(sealMaster(kMasterKey, 601, 'A', 0, beat(602, 1))).result, Result::PidMismatch);
        QCOMPARE(rig.receiver.replayGuard().agentKeysHeld(), std::size_t(0));
        QCOMPARE(rig.receiver.keyRing().derivations(), std::uint64_t(2));
        QCOMPARE(rig.receive(sealShared(kSharedKey, 'A', 0, beat(700, 1))).result, Result::Accepted);
        QCOMPARE(rig.receive(sealShared(kSharedKey, 'A', 0, beat(701, 1))).result, Result::Accepted);
        QCOMPARE(rig.receive(sealMaster(kMasterKey, 702, 'A', 0, beat(702, 1)), 1).result, Result::SenderTableFull);
        QCOMPARE(rig.receiver.replayGuard().agentKeysHeld(), std::size_t(0));
        QCOMPARE(rig.receive(sealMaster(kMasterKey, 702, 'A', 0, beat(702, 1)), 2).result, Result::SenderTableFull);
        QCOMPARE(rig.receiver.keyRing().derivations(), std::uint64_t(4));
    }

    // The expiry frees the sender's slot and its key: a sender back after the expiry is
    // derived afresh, and a newcomer takes the slot.
    void expiryEvictsTheKeptKey() {
        Rig rig(1);
        QCOMPARE(rig.receive(sealMaster(kMasterKey, 800, 'A', 0, beat(800, 1)), 0).result, Result::Accepted);
        QCOMPARE(rig.receive(sealMaster(kMasterKey, 801, 'A', 0, beat(801, 1)), 1).result, Result::SenderTableFull);
        QCOMPARE(rig.receive(sealMaster(kMasterKey, 801, 'A', 0, beat(801, 1)), ReplayGuard::kIdleExpiryNs).result,
                 Result::Accepted);
        QCOMPARE(rig.receiver.replayGuard().agentKeysHeld(), std::size_t(1));
        QCOMPARE(rig.receiver.keyRing().derivations(), std::uint64_t(3));
        QCOMPARE(rig.receive(sealMaster(kMasterKey, 801, 'A', 1, beat(801, 2)), ReplayGuard::kIdleExpiryNs).result,
                 Result::Accepted);
        QCOMPARE(rig.receiver.keyRing().derivations(), std::uint64_t(3));
    }

    // The rules at full scale: 100,000 senders in a table of that size, a third each
    // under the --key-file key, the accepted (rotation) key and the master key. Every one
    // is accepted, its replay refused, a tampered datagram a decrypt failure, its next
    // counter accepted; the 100,001st sender fails closed; the master-key third cost one
    // derivation each.
    void hundredThousandSenders() {
        const std::uint32_t n = 100'000;
        const std::uint32_t base = 3'000'000;
        Rig rig(n);
        vlp::AeadContext aead;
        const auto sealFor = [&](std::uint32_t i, std::uint32_t counter) {
            const std::uint32_t pid = base + i;
            const Frame frame = beat(pid, counter + 1);
            const vlp::IvRandom iv = ivNamed(static_cast<char>('A' + i % 7));
            if (i % 3 == 2) {
                std::array<std::uint8_t, 64> wire{};
                if (!vlp::sealMaster(aead, agentKeys[i / 3], pid, iv, counter, vlp::encode(frame), wire))
                    qFatal("seal failed");
                return toBytes(wire);
            }
            std::array<std::uint8_t, 60> wire{};
            if (!vlp::sealShared(aead, i % 3 == 0 ? kSharedKey : kAcceptedKey, iv, counter, vlp::encode(frame), wire))
                qFatal("seal failed");
            return toBytes(wire);
        };
        agentKeys.resize(n / 3 + 1);
        for (std::uint32_t i = 2; i < n; i += 3)
            if (!vlp::deriveAgentKey(kMasterKey, base + i, agentKeys[i / 3]))
                qFatal("derive failed");
        for (std::uint32_t i = 0; i < n; ++i) {
            const QByteArray first = sealFor(i, 0);
            if (rig.receive(first, 1).result != Result::Accepted)
                QFAIL(qPrintable(QStringLiteral("sender %1: first frame refused").arg(i)));
            if (rig.receive(first, 2).result != Result::Replayed)
                QFAIL(qPrintable(QStringLiteral("sender %1: replay accepted").arg(i)));
        }
        QCOMPARE(rig.receive(sealShared(kSharedKey, 'A', 0, beat(base + n, 1)), 3).result, Result::SenderTableFull);
        for (std::uint32_t i = 0; i < n; ++i) {
            QByteArray next = sealFor(i, 1);
            next[20] = static_cast<char>(next[20] ^ 0x10);
            if (rig.receive(next, 4).result != Result::DecryptFailed)
                QFAIL(qPrintable(QStringLiteral("sender %1: tampered frame opened").arg(i)));
            next[20] = static_cast<char>(next[20] ^ 0x10);
            if (rig.receive(next, 4).result != Result::Accepted)
                QFAIL(qPrintable(QStringLiteral("sender %1: next counter refused").arg(i)));
        }
        const std::uint64_t masterSenders = n / 3;
        QCOMPARE(rig.receiver.keyRing().derivations(), masterSenders);
        QCOMPARE(rig.receiver.replayGuard().agentKeysHeld(), std::size_t(masterSenders));
        QCOMPARE(rig.secure.senderStateFull, 1u);
        QCOMPARE(rig.secure.replayRefused, std::uint64_t(n));
        QCOMPARE(rig.secure.decryptFailures, std::uint64_t(n));
        QCOMPARE(rig.receiver.replayGuard().size(), std::size_t(n));
    }

    // What a real client sends: our sealer's datagrams, in order, are all accepted, and
    // each is refused when delivered twice.
    void sealerStreamIsAccepted_data() {
        QTest::addColumn<bool>("master");
        QTest::newRow("shared key") << false;
        QTest::newRow("master key") << true;
    }
    void sealerStreamIsAccepted() {
        QFETCH(bool, master);
        Rig rig;
        SecureSealer sealer = master ? SecureSealer(kMasterKey, 3000) : SecureSealer(kSharedKey);
        QVERIFY(sealer.isValid());
        std::array<std::uint8_t, SecureSealer::kMaxDatagramSize> out{};
        for (std::uint64_t nonce = 1; nonce <= 20; ++nonce) {
            const std::size_t size = sealer.seal(beat(3000, nonce), out);
            QCOMPARE(size, master ? std::size_t(64) : std::size_t(60));
            const QByteArray datagram = toBytes(std::span(out.data(), size));
            QCOMPARE(rig.receive(datagram).result, Result::Accepted);
            QCOMPARE(rig.receive(datagram).result, Result::Replayed);
        }
    }
};

QTEST_GUILESS_MAIN(TestSecureReceiver)
#include "tst_secure_receiver.moc"
