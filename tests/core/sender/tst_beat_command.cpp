// BeatCommand's secure sending against a real UDP socket: the key file is read under the
// secret-file rules (a bad one stops the run with exit 1 and nothing sent), and every
// datagram is what an upstream secure client sends: sealed with the key, one session per
// sender (random salt, fixed iv_random, counter from 0 per datagram), 64-byte frames
// carrying the sealed pid in the clear for master keys.
#include "core/sender/beat_command.h"
#include "core/sender/beat_options.h"
#include "core/vlp/hkdf.h"
#include "core/vlp/secure_frame.h"
#include "tests/support/datagram_receiver.h"

#include <QFile>
#include <QMap>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <array>

#include <sys/stat.h>
#include <unistd.h>

using namespace varta;
using test::Datagram;
using test::DatagramReceiver;

namespace {

using Key = std::array<std::uint8_t, vlp::kKeySize>;

Key keyFilledWith(std::uint8_t first) {
    Key key{};
    for (std::size_t i = 0; i < key.size(); ++i)
        key[i] = static_cast<std::uint8_t>(first + i);
    return key;
}

QByteArray hexOf(const Key &key) {
    return QByteArray(reinterpret_cast<const char *>(key.data()), static_cast<qsizetype>(key.size())).toHex();
}

bool writeFile(const QString &path, const QByteArray &contents, mode_t mode = 0600) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(contents) != contents.size())
        return false;
    file.close();
    return ::chmod(QFile::encodeName(path).constData(), mode) == 0;
}

BeatOptions options(const QStringList &flags) {
    const BeatOptionsParse parsed = parseBeatOptions(QStringList{QStringLiteral("varta-beat")} + flags);
    if (parsed.outcome != BeatOptionsParse::Outcome::Run)
        qWarning("%s", qPrintable(parsed.text));
    return parsed.options;
}

// A received secure datagram, opened: the clear header and the frame inside.
struct Opened {
    vlp::SecureHeader header;
    vlp::Frame frame;
};

std::optional<Opened> open(const Datagram &datagram, const Key &key, bool master) {
    const auto bytes = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t *>(datagram.bytes.constData()),
                                                     static_cast<std::size_t>(datagram.bytes.size()));
    const std::size_t expected = master ? vlp::kMasterSecureFrameSize : vlp::kSharedSecureFrameSize;
    const auto header = vlp::readSecureHeader(bytes);
    if (bytes.size() != expected || !header)
        return std::nullopt;
    Key openWith = key;
    if (master && !vlp::deriveAgentKey(key, header->agentPid, openWith))
        return std::nullopt;
    vlp::AeadContext aead;
    std::array<std::uint8_t, vlp::kFrameSize> plain{};
    Opened opened{*header, {}};
    if (!vlp::openSecure(aead, openWith, bytes, plain) || vlp::decode(plain, opened.frame))
        return std::nullopt;
    return opened;
}

constexpr int kQuickMs = 2000;

}  // namespace

class TestBeatCommand : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_sharedKeyFile;
    QString m_masterKeyFile;
    const Key m_shared = keyFilledWith(0x10);
    const Key m_master = keyFilledWith(0x80);

    QString target(const DatagramReceiver &receiver) const {
        return QStringLiteral("127.0.0.1:%1").arg(receiver.port());
    }

private Q_SLOTS:
    void initTestCase();
    void loadKeyReadsTheKey_data();
    void loadKeyReadsTheKey();
    void loadKeyRefusesUnusableFiles_data();
    void loadKeyRefusesUnusableFiles();
    void unusableKeyFileStopsTheRunBeforeSending();
    void singleSenderSealsEveryBeatInOneSession();
    void everyRunIsANewSession();
    void masterSenderSealsForThePidItClaims();
    void panicFrameIsSealedToo();
    void loadModeSealsEachAgentInASessionOfItsOwn_data();
    void loadModeSealsEachAgentInASessionOfItsOwn();
};

void TestBeatCommand::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_sharedKeyFile = m_dir.filePath(QStringLiteral("shared.key"));
    m_masterKeyFile = m_dir.filePath(QStringLiteral("master.key"));
    QVERIFY(writeFile(m_sharedKeyFile, hexOf(m_shared) + '\n'));
    QVERIFY(writeFile(m_masterKeyFile, hexOf(m_master).toUpper()));
}

void TestBeatCommand::loadKeyReadsTheKey_data() {
    QTest::addColumn<QString>("flag");
    QTest::addColumn<bool>("master");
    QTest::newRow("--key-file") << "--key-file" << false;
    QTest::newRow("--master-key-file") << "--master-key-file" << true;
}

void TestBeatCommand::loadKeyReadsTheKey() {
    QFETCH(QString, flag);
    QFETCH(bool, master);
    const QString path = master ? m_masterKeyFile : m_sharedKeyFile;
    QString error;
    const auto key = BeatCommand::loadKey(options({"--udp", "127.0.0.1:9", flag, path}), error);
    QVERIFY2(key.has_value(), qPrintable(error));
    const Key &expected = master ? m_master : m_shared;
    QCOMPARE(*key, QByteArray(reinterpret_cast<const char *>(expected.data()), vlp::kKeySize));
}

void TestBeatCommand::loadKeyRefusesUnusableFiles_data() {
    QTest::addColumn<QString>("flag");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<int>("mode");
    QTest::addColumn<QString>("problem");
    const QByteArray key = QByteArray(64, 'a');
    QTest::newRow("group readable") << "--key-file"
                                    << "g.key" << key << 0640 << "insecure permissions 640";
    QTest::newRow("world readable") << "--master-key-file"
                                    << "w.key" << key << 0644 << "insecure permissions 644";
    QTest::newRow("missing") << "--key-file"
                             << "" << QByteArray() << 0 << "cannot open";
    QTest::newRow("symbolic link") << "--key-file"
                                   << "link" << QByteArray() << 0 << "symbolic link";
    QTest::newRow("directory") << "--key-file"
                               << "." << QByteArray() << 0 << "not a regular file";
    QTest::newRow("short key") << "--key-file"
                               << "s.key" << QByteArray(62, 'a') << 0600 << "64 hex characters";
    QTest::newRow("not hex") << "--master-key-file"
                             << "x.key" << QByteArray(64, 'g') << 0600 << "64 hex characters";
    QTest::newRow("two keys") << "--key-file"
                              << "2.key" << key + '\n' + key << 0600 << "64 hex characters";
    QTest::newRow("empty") << "--key-file"
                           << "e.key" << QByteArray() << 0600 << "64 hex characters";
}

void TestBeatCommand::loadKeyRefusesUnusableFiles() {
    QFETCH(QString, flag);
    QFETCH(QString, name);
    QFETCH(QByteArray, contents);
    QFETCH(int, mode);
    QFETCH(QString, problem);
    QString path = m_dir.filePath(name.isEmpty() ? QStringLiteral("no-such.key") : name);
    if (name == QLatin1String("link")) {
        QFile::remove(path);
        QVERIFY(QFile::link(m_sharedKeyFile, path));
    } else if (name == QLatin1String(".")) {
        path = m_dir.path();
    } else if (mode != 0) {
        QVERIFY(writeFile(path, contents, static_cast<mode_t>(mode)));
    }
    QString error;
    QVERIFY(!BeatCommand::loadKey(options({"--udp", "127.0.0.1:9", flag, path}), error));
    QVERIFY2(error.startsWith(flag + QStringLiteral(": ") + path + QStringLiteral(": ")), qPrintable(error));
    QVERIFY2(error.contains(problem), qPrintable(error));
    QVERIFY(!error.contains(QLatin1Char('\n')));
}

void TestBeatCommand::unusableKeyFileStopsTheRunBeforeSending() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    const QString path = m_dir.filePath(QStringLiteral("open.key"));
    QVERIFY(writeFile(path, hexOf(m_shared), 0644));
    const std::atomic<bool> stop{false};
    const BeatReport report =
        BeatCommand(options({"--udp", target(receiver), "--key-file", path, "--count", "3", "--interval-ms", "1"}))
            .run(stop);
    QCOMPARE(report.exitCode, 1);
    QVERIFY2(report.error.startsWith(QStringLiteral("varta-beat: --key-file: ") + path + QStringLiteral(": insecure")),
             qPrintable(report.error));
    // run() is synchronous: anything it sent over loopback is queued by now.
    QCOMPARE(receiver.drain().size(), 0);

    const BeatReport load = BeatCommand(options({"--udp", target(receiver), "--agents", "2", "--count", "1", "--rate",
                                                 "0", "--master-key-file", path}))
                                .run(stop);
    QCOMPARE(load.exitCode, 1);
    QVERIFY2(load.error.contains(QStringLiteral("--master-key-file: ") + path), qPrintable(load.error));
    QCOMPARE(receiver.drain().size(), 0);
}

void TestBeatCommand::singleSenderSealsEveryBeatInOneSession() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    const std::atomic<bool> stop{false};
    const BeatReport report =
        BeatCommand(options({"--udp", target(receiver), "--key-file", m_sharedKeyFile, "--count", "5", "--interval-ms",
                             "1", "--pid", "4242", "--payload", "7", "--status", "degraded"}))
            .run(stop);
    QCOMPARE(report.exitCode, 0);
    QVERIFY2(report.summary.startsWith(QLatin1String("varta-beat frames=5 failed=0 ")), qPrintable(report.summary));
    const QList<Datagram> datagrams = receiver.receive(5, kQuickMs);
    QCOMPARE(datagrams.size(), 5);
    for (int i = 0; i < datagrams.size(); ++i) {
        QCOMPARE(datagrams[i].bytes.size(), qsizetype(vlp::kSharedSecureFrameSize));
        QVERIFY(!datagrams[i].frame());  // no plaintext frame on the wire
        const auto opened = open(datagrams[i], m_shared, false);
        QVERIFY2(opened, "a beat does not open with the shared key");
        QCOMPARE(opened->header.ivCounter, std::uint32_t(i));
        QCOMPARE(opened->header.ivRandom, open(datagrams[0], m_shared, false)->header.ivRandom);
        QCOMPARE(opened->frame.pid, 4242u);
        QCOMPARE(opened->frame.nonce, std::uint64_t(i + 1));
        QCOMPARE(opened->frame.status, vlp::Status::Degraded);
        QCOMPARE(opened->frame.payload, 7u);
        QVERIFY(!open(datagrams[i], m_master, false));
    }
}

void TestBeatCommand::everyRunIsANewSession() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    const std::atomic<bool> stop{false};
    const BeatOptions o = options({"--udp", target(receiver), "--key-file", m_sharedKeyFile, "--count", "1"});
    QCOMPARE(BeatCommand(o).run(stop).exitCode, 0);
    QCOMPARE(BeatCommand(o).run(stop).exitCode, 0);
    const QList<Datagram> datagrams = receiver.receive(2, kQuickMs);
    QCOMPARE(datagrams.size(), 2);
    const auto first = open(datagrams[0], m_shared, false);
    const auto second = open(datagrams[1], m_shared, false);
    QVERIFY(first && second);
    // A fresh random salt per session: iv_random differs, so AEAD nonces never repeat.
    QVERIFY(first->header.ivRandom != second->header.ivRandom);
    QCOMPARE(first->frame.pid, static_cast<std::uint32_t>(::getpid()));
}

void TestBeatCommand::masterSenderSealsForThePidItClaims() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    const std::atomic<bool> stop{false};
    QCOMPARE(BeatCommand(options({"--udp", target(receiver), "--master-key-file", m_masterKeyFile, "--count", "3",
                                  "--interval-ms", "1", "--pid", "9001"}))
                 .run(stop)
                 .exitCode,
             0);
    QCOMPARE(BeatCommand(options({"--udp", target(receiver), "--master-key-file", m_masterKeyFile, "--count", "1"}))
                 .run(stop)
                 .exitCode,
             0);
    const QList<Datagram> datagrams = receiver.receive(4, kQuickMs);
    QCOMPARE(datagrams.size(), 4);
    for (int i = 0; i < datagrams.size(); ++i) {
        QCOMPARE(datagrams[i].bytes.size(), qsizetype(vlp::kMasterSecureFrameSize));
        const auto opened = open(datagrams[i], m_master, true);
        QVERIFY2(opened, "a beat does not open with the key derived for its clear pid");
        QCOMPARE(opened->header.agentPid, opened->frame.pid);
        QCOMPARE(opened->frame.pid, i < 3 ? 9001u : static_cast<std::uint32_t>(::getpid()));
        QCOMPARE(opened->header.ivCounter, std::uint32_t(i < 3 ? i : 0));
    }
    // The master key itself never seals: only the agent key derived from it does.
    vlp::AeadContext aead;
    std::array<std::uint8_t, vlp::kFrameSize> plain{};
    const auto *bytes = reinterpret_cast<const std::uint8_t *>(datagrams[0].bytes.constData());
    QVERIFY(!vlp::openSecure(aead, m_master, std::span<const std::uint8_t>(bytes, vlp::kMasterSecureFrameSize), plain));
}

void TestBeatCommand::panicFrameIsSealedToo() {
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    const std::atomic<bool> stop{false};
    QCOMPARE(
        BeatCommand(options({"--udp", target(receiver), "--key-file", m_sharedKeyFile, "--panic", "--payload", "99"}))
            .run(stop)
            .exitCode,
        0);
    const QList<Datagram> datagrams = receiver.receive(1, kQuickMs);
    QCOMPARE(datagrams.size(), 1);
    const auto opened = open(datagrams[0], m_shared, false);
    QVERIFY(opened);
    QVERIFY(opened->frame.isPanic());
    QCOMPARE(opened->frame.payload, 99u);
}

void TestBeatCommand::loadModeSealsEachAgentInASessionOfItsOwn_data() {
    QTest::addColumn<bool>("master");
    QTest::newRow("shared key") << false;
    QTest::newRow("master key") << true;
}

void TestBeatCommand::loadModeSealsEachAgentInASessionOfItsOwn() {
    QFETCH(bool, master);
    constexpr int kAgents = 6;
    constexpr int kBeats = 4;
    DatagramReceiver receiver;
    QVERIFY(receiver.openUdp());
    const std::atomic<bool> stop{false};
    const QStringList flags{"--udp",
                            target(receiver),
                            master ? "--master-key-file" : "--key-file",
                            master ? m_masterKeyFile : m_sharedKeyFile,
                            "--agents",
                            QString::number(kAgents),
                            "--count",
                            QString::number(kBeats),
                            "--rate",
                            "0",
                            "--base-pid",
                            "70000",
                            "--batch-size",
                            "5"};
    const BeatReport report = BeatCommand(options(flags)).run(stop);
    QCOMPARE(report.exitCode, 0);
    const QList<Datagram> datagrams = receiver.receive(kAgents * kBeats, kQuickMs);
    QCOMPARE(datagrams.size(), kAgents * kBeats);

    QMap<std::uint32_t, QList<Opened>> byPid;
    for (const Datagram &datagram : datagrams) {
        const auto opened = open(datagram, master ? m_master : m_shared, master);
        QVERIFY2(opened, "a simulated agent's beat does not open");
        if (master)
            QCOMPARE(opened->header.agentPid, opened->frame.pid);
        byPid[opened->frame.pid].append(*opened);
    }
    QCOMPARE(byPid.size(), kAgents);
    QSet<QByteArray> sessions;
    for (auto it = byPid.cbegin(); it != byPid.cend(); ++it) {
        QVERIFY(it.key() >= 70000 && it.key() < 70000 + kAgents);
        QCOMPARE(it->size(), kBeats);
        for (int i = 0; i < kBeats; ++i) {
            QCOMPARE(it->at(i).frame.nonce, std::uint64_t(i + 1));
            QCOMPARE(it->at(i).header.ivCounter, std::uint32_t(i));
            QCOMPARE(it->at(i).header.ivRandom, it->at(0).header.ivRandom);
        }
        const auto &iv = it->at(0).header.ivRandom;
        sessions.insert(QByteArray(reinterpret_cast<const char *>(iv.data()), static_cast<qsizetype>(iv.size())));
    }
    QCOMPARE(sessions.size(), kAgents);  // no two agents share a session
}

QTEST_GUILESS_MAIN(TestBeatCommand)
#include "tst_beat_command.moc"
