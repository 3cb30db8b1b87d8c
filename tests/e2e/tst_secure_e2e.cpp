// Secure UDP end to end through the real binaries: varta-beat seals beats with a key
// file, varta-watch --headless opens them with its key files, and every refusal of
// docs/protocol.md section 2 (wrong key, replay, tampering, plaintext, pid mismatch) leaves no
// beat line and moves its own counter in the final totals line. Start-up refusals (an
// insecure key file, a non-loopback bind without the opt-in) exit as docs/compat.md says.
//
// Negative cases end with a "marker" beat sealed with the watch's key and sent after the
// datagrams under test: once its line is in the event file, everything sent before it
// has been read, so the test stops the watch and reads the totals without guessing.
#include "core/sender/secure_sealer.h"
#include "tests/support/watch_process.h"

#include <QFileInfo>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QUdpSocket>

#include <array>

#include <sys/stat.h>

using namespace varta;
using test::EventLine;
using test::WatchProcess;

namespace {

constexpr int kCeilingMs = 30000;
constexpr std::uint32_t kMarkerPid = 999'999;

using Key = std::array<std::uint8_t, vlp::kKeySize>;

QString beatBinary() { return QStringLiteral(VARTA_BINARY_DIR "/bin/varta-beat"); }

Key randomKey() {
    Key key{};
    QRandomGenerator::global()->generate(key.begin(), key.end());
    return key;
}

QByteArray hexOf(const Key &key) {
    return QByteArray(reinterpret_cast<const char *>(key.data()), static_cast<qsizetype>(key.size())).toHex();
}

// A key file as an operator makes one: `umask 077; openssl rand -hex 32 > FILE`.
QString writeKeyFile(const QTemporaryDir &dir, const QString &name, const QByteArray &contents, mode_t mode = 0600) {
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(contents + '\n');
    file.close();
    ::chmod(QFile::encodeName(path).constData(), mode);
    return path;
}

QByteArray seal(SecureSealer &sealer, const vlp::Frame &frame) {
    std::array<std::uint8_t, SecureSealer::kMaxDatagramSize> out{};
    const std::size_t size = sealer.seal(frame, out);
    return QByteArray(reinterpret_cast<const char *>(out.data()), static_cast<qsizetype>(size));
}

vlp::Frame beat(std::uint32_t pid, std::uint64_t nonce) {
    return vlp::Frame{vlp::Status::Ok, pid, nonce * 1000, nonce, 0};
}

QList<EventLine> beatsOf(const QString &events, std::uint32_t pid) {
    QList<EventLine> out;
    for (const EventLine &line : test::ofKind(test::readEventFile(events), QStringLiteral("beat")))
        if (line.pid == QString::number(pid))
            out.append(line);
    return out;
}

struct Finished {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Finished runToEnd(const QString &program, const QStringList &arguments) {
    QProcess process;
    process.start(program, arguments);
    Finished finished;
    if (!process.waitForStarted(kCeilingMs) || !process.waitForFinished(kCeilingMs)) {
        process.kill();
        process.waitForFinished(kCeilingMs);
        return finished;
    }
    finished.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    finished.out = process.readAllStandardOutput();
    finished.err = process.readAllStandardError();
    return finished;
}

// The watch under test with its event file, and a marker sender sealed with its key.
struct SecureWatch {
    QTemporaryDir dir;
    QString events = dir.filePath(QStringLiteral("events.tsv"));
    WatchProcess watch;
    std::unique_ptr<SecureSealer> marker;
    std::uint64_t markerNonce = 0;

    bool start(const QStringList &keyFlags, std::unique_ptr<SecureSealer> markerSealer) {
        marker = std::move(markerSealer);
        return watch.start(keyFlags + QStringList{"--udp-port", "0", "--export-file", events, "--max-beat-rate", "0"});
    }
    QString target() const { return QStringLiteral("127.0.0.1:%1").arg(watch.udpPort); }

    // Sends a marker beat and waits for its line: everything sent earlier has been read.
    bool sync() {
        watch.sendUdp(seal(*marker, beat(kMarkerPid, ++markerNonce)));
        const auto seen = [this] { return beatsOf(events, kMarkerPid).size() == qsizetype(markerNonce); };
        return QTest::qWaitFor(seen, kCeilingMs);
    }
    // Stops the watch; the totals line is then in watch.stdoutLines.
    bool stop() {
        const int code = watch.stop();
        if (code != 0)
            qWarning("varta-watch exited %d: %s", code, watch.process.readAllStandardError().constData());
        return code == 0 && watch.summaryValue(QStringLiteral("datagrams")) >= 0;
    }
    qint64 total(const char *name) const { return watch.summaryValue(QString::fromLatin1(name)); }
};

}  // namespace

class TestSecureE2E : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_keys;
    Key m_k1 = randomKey();
    Key m_k2 = randomKey();
    Key m_master = randomKey();
    QString m_k1File, m_k2File, m_acceptedFile, m_masterFile;

    // A varta-beat run that must succeed, sending to `target`.
    bool beatTo(const QString &target, const QStringList &flags) {
        const Finished run = runToEnd(beatBinary(), QStringList{"--udp", target} + flags);
        if (run.exitCode != 0)
            qWarning("varta-beat exited %d: %s", run.exitCode, run.err.constData());
        return run.exitCode == 0;
    }

    // One sealed datagram exactly as varta-beat sends it, caught on a test socket.
    QByteArray captureFromVartaBeat(const QStringList &flags) {
        QUdpSocket capture;
        if (!capture.bind(QHostAddress::LocalHost, 0))
            return {};
        if (!beatTo(QStringLiteral("127.0.0.1:%1").arg(capture.localPort()), flags + QStringList{"--count", "1"}))
            return {};
        if (!capture.hasPendingDatagrams() && !capture.waitForReadyRead(kCeilingMs))
            return {};
        QByteArray datagram(static_cast<qsizetype>(capture.pendingDatagramSize()), Qt::Uninitialized);
        capture.readDatagram(datagram.data(), datagram.size());
        return datagram;
    }

private Q_SLOTS:
    void initTestCase();
    void sealedBeatsBecomeBeatLines_data();
    void sealedBeatsBecomeBeatLines();
    void wrongKeyIsADecryptFailure();
    void replayedDatagramIsRefused();
    void tamperedBytesAreDecryptFailures();
    void plaintextFramesAreDecryptFailures();
    void masterFrameWithAnotherSealedPidIsAnAuthFailure();
    void insecureKeyFileStopsTheWatchAtStartUp();
    void insecureKeyFileStopsVartaBeat();
    void nonLoopbackSecureListenerNeedsTheOptIn();
    void replayTableFollowsTheTrackerCapacity_data();
    void replayTableFollowsTheTrackerCapacity();
    void fullReplayTableFailsClosed();
};

void TestSecureE2E::initTestCase() {
    QVERIFY(m_keys.isValid());
    QVERIFY2(QFileInfo(beatBinary()).isExecutable(), qPrintable(beatBinary()));
    QVERIFY2(QFileInfo(test::watchBinary()).isExecutable(), qPrintable(test::watchBinary()));
    m_k1File = writeKeyFile(m_keys, QStringLiteral("k1.key"), hexOf(m_k1));
    m_k2File = writeKeyFile(m_keys, QStringLiteral("k2.key"), hexOf(m_k2));
    m_acceptedFile = writeKeyFile(m_keys, QStringLiteral("accepted.keys"), "# rotated in\n" + hexOf(m_k2));
    m_masterFile = writeKeyFile(m_keys, QStringLiteral("master.key"), hexOf(m_master));
    QVERIFY(!m_k1File.isEmpty() && !m_k2File.isEmpty() && !m_acceptedFile.isEmpty() && !m_masterFile.isEmpty());
}

void TestSecureE2E::sealedBeatsBecomeBeatLines_data() {
    QTest::addColumn<QStringList>("watchKeys");
    QTest::addColumn<QStringList>("beatFlags");
    QTest::addColumn<int>("agents");
    QTest::addColumn<int>("beatsPerAgent");
    const QStringList one{"--count", "8", "--interval-ms", "2", "--pid", "4242"};
    const QStringList many{"--agents", "40", "--count", "5", "--rate", "0", "--base-pid", "60000"};
    QTest::newRow("shared key") << QStringList{"--key-file", m_k1File} << QStringList{"--key-file", m_k1File} + one << 1
                                << 8;
    QTest::newRow("master key") << QStringList{"--master-key-file", m_masterFile}
                                << QStringList{"--master-key-file", m_masterFile} + one << 1 << 8;
    QTest::newRow("rotation: the accepted key")
        << QStringList{"--key-file", m_k1File, "--accepted-key-file", m_acceptedFile}
        << QStringList{"--key-file", m_k2File} + one << 1 << 8;
    QTest::newRow("rotation: the current key still")
        << QStringList{"--key-file", m_k1File, "--accepted-key-file", m_acceptedFile}
        << QStringList{"--key-file", m_k1File} + one << 1 << 8;
    QTest::newRow("load mode, shared key")
        << QStringList{"--key-file", m_k1File} << QStringList{"--key-file", m_k1File} + many << 40 << 5;
    QTest::newRow("load mode, master key") << QStringList{"--master-key-file", m_masterFile, "--key-file", m_k2File}
                                           << QStringList{"--master-key-file", m_masterFile} + many << 40 << 5;
}

void TestSecureE2E::sealedBeatsBecomeBeatLines() {
    QFETCH(QStringList, watchKeys);
    QFETCH(QStringList, beatFlags);
    QFETCH(int, agents);
    QFETCH(int, beatsPerAgent);
    SecureWatch w;
    QVERIFY(w.start(watchKeys, nullptr));
    QVERIFY(w.watch.stdoutLines.join('\n').contains(QLatin1String("listening on secure-udp 127.0.0.1:")));
    QVERIFY(beatTo(w.target(), beatFlags));
    const int expected = agents * beatsPerAgent;
    QTRY_COMPARE_WITH_TIMEOUT(test::ofKind(test::readEventFile(w.events), QStringLiteral("beat")).size(), expected,
                              kCeilingMs);
    QVERIFY(w.stop());
    const QList<EventLine> beats = test::ofKind(test::readEventFile(w.events), QStringLiteral("beat"));
    QCOMPARE(beats.size(), expected);
    QHash<QString, int> perPid;
    for (const EventLine &line : beats)
        QCOMPARE(line.nonce, QString::number(++perPid[line.pid]));  // in order, none lost or doubled
    QCOMPARE(perPid.size(), agents);
    QCOMPARE(w.total("beats"), expected);
    QCOMPARE(w.total("datagrams"), expected);
    QCOMPARE(w.total("decrypt_failures"), 0);
    QCOMPARE(w.total("secure_replays"), 0);
}

void TestSecureE2E::wrongKeyIsADecryptFailure() {
    SecureWatch w;
    QVERIFY(w.start({"--key-file", m_k1File}, std::make_unique<SecureSealer>(m_k1)));
    QVERIFY(beatTo(w.target(), {"--key-file", m_k2File, "--count", "5", "--interval-ms", "1", "--pid", "4343"}));
    QVERIFY(beatTo(w.target(), {"--master-key-file", m_masterFile, "--count", "2", "--interval-ms", "1"}));
    QVERIFY(w.sync());
    QVERIFY(w.stop());
    QCOMPARE(beatsOf(w.events, 4343).size(), 0);
    QCOMPARE(test::ofKind(test::readEventFile(w.events), QStringLiteral("beat")).size(), 1);  // the marker
    QCOMPARE(w.total("decrypt_failures"), 7);
    QCOMPARE(w.total("bad_crc"), 0);  // never reported as corruption
    QCOMPARE(w.total("auth_failures"), 0);
}

void TestSecureE2E::replayedDatagramIsRefused() {
    const QByteArray sealed = captureFromVartaBeat({"--key-file", m_k1File, "--pid", "5151"});
    QCOMPARE(sealed.size(), qsizetype(vlp::kSharedSecureFrameSize));
    SecureWatch w;
    QVERIFY(w.start({"--key-file", m_k1File}, std::make_unique<SecureSealer>(m_k1)));
    w.watch.sendUdp(sealed);
    w.watch.sendUdp(sealed);
    QVERIFY(w.sync());
    w.watch.sendUdp(sealed);  // still a replay after other traffic
    QVERIFY(w.sync());
    QVERIFY(w.stop());
    const QList<EventLine> beats = beatsOf(w.events, 5151);
    QCOMPARE(beats.size(), 1);
    QCOMPARE(beats.first().nonce, QStringLiteral("1"));
    QCOMPARE(w.total("secure_replays"), 2);
    QCOMPARE(w.total("beats"), 1 + 2);  // the captured beat and two markers
}

void TestSecureE2E::tamperedBytesAreDecryptFailures() {
    const QByteArray shared = captureFromVartaBeat({"--key-file", m_k1File, "--pid", "6161"});
    const QByteArray master = captureFromVartaBeat({"--master-key-file", m_masterFile, "--pid", "6262"});
    QCOMPARE(shared.size(), qsizetype(vlp::kSharedSecureFrameSize));
    QCOMPARE(master.size(), qsizetype(vlp::kMasterSecureFrameSize));
    SecureWatch w;
    QVERIFY(w.start({"--key-file", m_k1File, "--master-key-file", m_masterFile}, std::make_unique<SecureSealer>(m_k1)));
    // iv_random, iv_counter, ciphertext and tag of the shared frame; the clear pid (the
    // AAD and the key derivation's input), ciphertext and tag of the master frame.
    int tampered = 0;
    for (const int offset : {0, 9, 12, 30, 43, 44, 59}) {
        QByteArray copy = shared;
        copy[offset] = static_cast<char>(copy[offset] ^ 0x01);
        w.watch.sendUdp(copy);
        ++tampered;
    }
    for (const int offset : {0, 3, 5, 20, 63}) {
        QByteArray copy = master;
        copy[offset] = static_cast<char>(copy[offset] ^ 0x80);
        w.watch.sendUdp(copy);
        ++tampered;
    }
    QVERIFY(w.sync());
    // The untouched originals still open: the copies were refused for their changed bytes.
    w.watch.sendUdp(shared);
    w.watch.sendUdp(master);
    QVERIFY(w.sync());
    QVERIFY(w.stop());
    QCOMPARE(w.total("decrypt_failures"), tampered);
    QCOMPARE(w.total("auth_failures"), 0);
    QCOMPARE(beatsOf(w.events, 6161).size(), 1);
    QCOMPARE(beatsOf(w.events, 6262).size(), 1);
    QCOMPARE(w.total("beats"), 2 + 2);
}

void TestSecureE2E::plaintextFramesAreDecryptFailures() {
    SecureWatch w;
    QVERIFY(w.start({"--key-file", m_k1File}, std::make_unique<SecureSealer>(m_k1)));
    w.watch.sendFrame(beat(7171, 1));       // a valid plaintext beat
    w.watch.sendUdp(QByteArray(32, '\0'));  // bad magic, as plain UDP would see it
    QVERIFY(beatTo(w.target(), {"--count", "3", "--interval-ms", "1", "--pid", "7272"}));  // an unsealed client
    QVERIFY(w.sync());
    QVERIFY(w.stop());
    QCOMPARE(beatsOf(w.events, 7171).size(), 0);
    QCOMPARE(beatsOf(w.events, 7272).size(), 0);
    QCOMPARE(w.total("decrypt_failures"), 5);
    QCOMPARE(w.total("bad_magic"), 0);
    QCOMPARE(w.total("truncated"), 0);
}

void TestSecureE2E::masterFrameWithAnotherSealedPidIsAnAuthFailure() {
    SecureWatch w;
    QVERIFY(w.start({"--master-key-file", m_masterFile}, std::make_unique<SecureSealer>(m_master, kMarkerPid)));
    // Sealed with pid 1000's agent key and carrying 1000 in the clear, but claiming 2000
    // inside: a holder of one agent key speaking for another agent.
    SecureSealer forger(m_master, 1000);
    w.watch.sendUdp(seal(forger, beat(2000, 1)));
    QVERIFY(w.sync());
    QVERIFY(w.stop());
    const QList<EventLine> lines = test::readEventFile(w.events);
    const QList<EventLine> mismatches = test::ofKind(lines, QStringLiteral("mismatch"));
    QCOMPARE(mismatches.size(), 1);
    QCOMPARE(mismatches.first().pid, QStringLiteral("1000"));
    QCOMPARE(mismatches.first().payload, QStringLiteral("auth_failure"));
    QCOMPARE(beatsOf(w.events, 2000).size(), 0);
    QCOMPARE(beatsOf(w.events, 1000).size(), 0);
    QCOMPARE(w.total("auth_failures"), 1);
    QCOMPARE(w.total("decrypt_failures"), 0);
}

void TestSecureE2E::insecureKeyFileStopsTheWatchAtStartUp() {
    QTemporaryDir dir;
    const QString open = writeKeyFile(dir, QStringLiteral("open.key"), hexOf(m_k1), 0644);
    const Finished watch = runToEnd(test::watchBinary(), {"--headless", "--udp-port", "0", "--key-file", open});
    QCOMPARE(watch.exitCode, 1);
    QVERIFY2(watch.err.contains(open.toLocal8Bit()), watch.err.constData());
    QVERIFY2(watch.err.contains("insecure permissions 644"), watch.err.constData());
    QVERIFY(!watch.out.contains("listening on"));

    const Finished accepted = runToEnd(
        test::watchBinary(), {"--headless", "--udp-port", "0", "--key-file", m_k1File, "--accepted-key-file", open});
    QCOMPARE(accepted.exitCode, 1);
    QVERIFY2(accepted.err.contains(("--accepted-key-file: " + open).toLocal8Bit()), accepted.err.constData());
}

void TestSecureE2E::insecureKeyFileStopsVartaBeat() {
    QTemporaryDir dir;
    const QString open = writeKeyFile(dir, QStringLiteral("open.key"), hexOf(m_k1), 0644);
    for (const char *flag : {"--key-file", "--master-key-file"}) {
        const Finished beat = runToEnd(beatBinary(), {"--udp", "127.0.0.1:9", flag, open, "--count", "1"});
        QCOMPARE(beat.exitCode, 1);
        const QByteArray named = QByteArray("varta-beat: ") + flag + ": " + open.toLocal8Bit();
        QVERIFY2(beat.err.startsWith(named), beat.err.constData());
        QVERIFY2(beat.err.contains("insecure permissions 644"), beat.err.constData());
    }
    const Finished empty = runToEnd(beatBinary(), {"--udp", "127.0.0.1:9", "--key-file="});
    QCOMPARE(empty.exitCode, 2);
    QVERIFY2(empty.err.contains("--key-file"), empty.err.constData());
}

void TestSecureE2E::nonLoopbackSecureListenerNeedsTheOptIn() {
    const QStringList base{"--headless", "--udp-port", "0", "--udp-bind-addr", "0.0.0.0", "--key-file", m_k1File};
    const Finished refused = runToEnd(test::watchBinary(), base);
    QCOMPARE(refused.exitCode, 2);
    QVERIFY2(refused.err.contains("--i-accept-secure-udp-non-loopback"), refused.err.constData());
    // The plain-UDP opt-in is a different decision and does not stand in for it.
    QCOMPARE(runToEnd(test::watchBinary(), base + QStringList{"--i-accept-plaintext-udp"}).exitCode, 2);

    WatchProcess watch;
    QVERIFY(watch.start(base.mid(1) + QStringList{"--i-accept-secure-udp-non-loopback"}));
    QVERIFY(watch.stdoutLines.join('\n').contains(QLatin1String("listening on secure-udp 0.0.0.0:")));
    const int code = watch.stop();
    const QString err = QString::fromUtf8(watch.process.readAllStandardError());
    QVERIFY2(code == 0, qPrintable(QStringLiteral("exit %1: %2").arg(code).arg(err)));
    QVERIFY(err.contains(QLatin1String("warning")));
}

// The replay table holds --tracker-capacity senders, not upstream's 1024: 3000 sealing
// agents are all tracked; with a master key each costs one key derivation however many
// beats it sends.
void TestSecureE2E::replayTableFollowsTheTrackerCapacity_data() {
    QTest::addColumn<bool>("master");
    QTest::newRow("shared key") << false;
    QTest::newRow("master key") << true;
}

void TestSecureE2E::replayTableFollowsTheTrackerCapacity() {
    QFETCH(bool, master);
    const int agents = 3000;
    const int beatsPerAgent = 3;
    const QString keyFlag = master ? QStringLiteral("--master-key-file") : QStringLiteral("--key-file");
    const QString keyFile = master ? m_masterFile : m_k1File;
    SecureWatch w;
    QVERIFY(w.start({keyFlag, keyFile, "--tracker-capacity", "4096"}, nullptr));
    QVERIFY(beatTo(w.target(), {keyFlag, keyFile, "--agents", QString::number(agents), "--count",
                                QString::number(beatsPerAgent), "--rate", "0", "--base-pid", "70000"}));
    const int expected = agents * beatsPerAgent;
    QTRY_COMPARE_WITH_TIMEOUT(test::ofKind(test::readEventFile(w.events), QStringLiteral("beat")).size(), expected,
                              kCeilingMs);
    QVERIFY(w.stop());
    QCOMPARE(w.total("agents"), agents);
    QCOMPARE(w.total("beats"), expected);
    QCOMPARE(w.total("sender_state_full"), 0);
    QCOMPARE(w.total("secure_replays"), 0);
    QCOMPARE(w.total("key_derivations"), master ? agents : 0);
}

// A table that is truly full refuses the next sender and counts it; senders already in
// it carry on. The marker takes the first of the 51 slots.
void TestSecureE2E::fullReplayTableFailsClosed() {
    SecureWatch w;
    QVERIFY(w.start({"--key-file", m_k1File, "--tracker-capacity", "51"}, std::make_unique<SecureSealer>(m_k1)));
    QVERIFY(w.sync());
    QVERIFY(beatTo(w.target(),
                   {"--key-file", m_k1File, "--agents", "60", "--count", "1", "--rate", "0", "--base-pid", "80000"}));
    QVERIFY(w.sync());
    QVERIFY(w.stop());
    QCOMPARE(w.total("sender_state_full"), 10);
    QCOMPARE(w.total("beats"), 50 + 2);
    QCOMPARE(w.total("agents"), 51);
    QCOMPARE(beatsOf(w.events, 80049).size(), 1);
    QCOMPARE(beatsOf(w.events, 80050).size(), 0);
}

QTEST_GUILESS_MAIN(TestSecureE2E)
#include "tst_secure_e2e.moc"
