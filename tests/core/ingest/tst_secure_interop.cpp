// Interop with an independent implementation (tests/child_programs/secure_peer.py, built on
// python3-cryptography): its datagrams pass our SecureReceiver, and it opens what our
// SecureSealer sends. Skipped, saying why, only when python3 or the module is missing.
#include "core/ingest/secure_receiver.h"
#include "core/sender/secure_sealer.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTest>

#include <array>

using namespace varta;
using vlp::Frame;
using vlp::Status;

namespace {

constexpr int kProcessTimeoutMs = 60000;  // a ceiling for a loaded machine, not a delay
constexpr int kFrames = 50;
const QString kScript = QStringLiteral(VARTA_TEST_DATA_DIR "/../child_programs/secure_peer.py");

using Key = std::array<std::uint8_t, vlp::kKeySize>;

Key keyFilledWith(std::uint8_t value) {
    Key key{};
    key.fill(value);
    return key;
}

QByteArray bytesOf(std::span<const std::uint8_t> bytes) {
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), static_cast<qsizetype>(bytes.size()));
}

const Key kSharedKey = keyFilledWith(0x5a);
const Key kMasterKey = keyFilledWith(0xa5);

struct Run {
    bool finished = false;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runPython(const QString &python, const QStringList &args, const QByteArray &input = {}) {
    QProcess process;
    process.start(python, args);
    Run run;
    if (!process.waitForStarted(kProcessTimeoutMs))
        return run;
    process.write(input);
    process.closeWriteChannel();
    run.finished = process.waitForFinished(kProcessTimeoutMs);
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

}  // namespace

class TestSecureInterop : public QObject {
    Q_OBJECT
private:
    QString m_python;

private Q_SLOTS:
    void initTestCase() {
        m_python = QStandardPaths::findExecutable(QStringLiteral("python3"));
        if (m_python.isEmpty())
            QSKIP("python3 is not installed (scripts/install-deps.sh installs it)");
        const Run probe = runPython(
            m_python, {QStringLiteral("-c"), QStringLiteral("import cryptography.hazmat.primitives.ciphers.aead")});
        if (!probe.finished || probe.exitCode != 0)
            QSKIP("python3 has no 'cryptography' module (Debian: python3-cryptography)");
    }

    void pythonSealsWeReceive_data() {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QByteArray>("keyHex");
        QTest::addColumn<int>("size");
        QTest::newRow("shared key") << QStringLiteral("shared") << bytesOf(kSharedKey).toHex() << 60;
        QTest::newRow("master key") << QStringLiteral("master") << bytesOf(kMasterKey).toHex() << 64;
    }
    void pythonSealsWeReceive() {
        QFETCH(QString, mode);
        QFETCH(QByteArray, keyHex);
        QFETCH(int, size);
        const std::uint32_t pid = 24680;
        const Run run = runPython(m_python, {kScript, QStringLiteral("seal"), mode, QString::fromLatin1(keyHex),
                                             QString::number(pid), QString::number(kFrames)});
        QVERIFY2(run.finished && run.exitCode == 0, run.err.constData());
        const QList<QByteArray> lines = run.out.trimmed().split('\n');
        QCOMPARE(lines.size(), kFrames);

        SecureOptions options;
        options.keys = {bytesOf(kSharedKey)};
        options.masterKey = bytesOf(kMasterKey);
        IngestCounters ingest;
        SecureCounters secure;
        SecureReceiver receiver(options, ingest, secure);
        for (int i = 0; i < kFrames; ++i) {
            const QByteArray wire = QByteArray::fromHex(lines[i]);
            QCOMPARE(wire.size(), size);
            const std::span<const std::uint8_t> datagram(reinterpret_cast<const std::uint8_t *>(wire.constData()),
                                                         static_cast<std::size_t>(size));
            const auto outcome = receiver.receive(datagram, 0);
            QCOMPARE(outcome.result, SecureReceiver::Result::Accepted);
            const auto n = static_cast<std::uint64_t>(i);
            QCOMPARE(outcome.frame, (Frame{Status::Ok, pid, 1000 * n, n + 1, static_cast<std::uint32_t>(i)}));
            QCOMPARE(receiver.receive(datagram, 0).result, SecureReceiver::Result::Replayed);
        }
        QCOMPARE(secure.decryptFailures, 0u);
    }

    void weSealPythonOpens_data() {
        QTest::addColumn<bool>("master");
        QTest::newRow("shared key") << false;
        QTest::newRow("master key") << true;
    }
    void weSealPythonOpens() {
        QFETCH(bool, master);
        const std::uint32_t pid = 13579;
        SecureSealer sealer = master ? SecureSealer(kMasterKey, pid) : SecureSealer(kSharedKey);
        QVERIFY(sealer.isValid());
        QByteArray input;
        QList<QByteArray> expected;
        std::array<std::uint8_t, SecureSealer::kMaxDatagramSize> out{};
        for (std::uint64_t n = 1; n <= kFrames; ++n) {
            const Frame frame{n % 7 == 0 ? Status::Degraded : Status::Ok, pid, n * 500, n,
                              static_cast<std::uint32_t>(n * 3)};
            const std::size_t size = sealer.seal(frame, out);
            QVERIFY(size > 0);
            input += bytesOf(std::span(out.data(), size)).toHex() + '\n';
            expected << bytesOf(vlp::encode(frame)).toHex();
        }
        // A forged datagram in the stream must be refused by the other side too.
        QByteArray forged = bytesOf(std::span(out.data(), sealer.datagramSize()));
        forged[20] = static_cast<char>(forged[20] ^ 1);
        input += forged.toHex() + '\n';
        expected << "fail";

        const QString keyHex = QString::fromLatin1(bytesOf(master ? kMasterKey : kSharedKey).toHex());
        const Run run = runPython(
            m_python,
            {kScript, QStringLiteral("open"), master ? QStringLiteral("master") : QStringLiteral("shared"), keyHex},
            input);
        QVERIFY2(run.finished && run.exitCode == 0, run.err.constData());
        QCOMPARE(run.out.trimmed().split('\n'), expected);
    }
};

QTEST_GUILESS_MAIN(TestSecureInterop)
#include "tst_secure_interop.moc"
