// The secret files named on the command line (docs/compat.md section 1): key files, the
// /metrics token and --recovery-exec-file. Real files with real modes, real symlinks.
#include "core/config/command_line.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace varta;

namespace {

const QByteArray kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const QByteArray kKey2Hex = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
const QByteArray kTokenHex = "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef";

ParseOutcome parse(const QStringList &flags) { return parseCommandLine(QStringList{"varta-watch"} + flags); }

// The flags a secret file goes with, so that only the file itself can be wrong.
QStringList companions(const QString &flag) {
    if (flag == QLatin1String("prom-token-file"))
        return {"--prom-addr", "127.0.0.1:0"};
    if (flag == QLatin1String("recovery-exec-file"))
        return {"--socket", "/run/varta.sock"};  // no UDP listener, so no UDP recovery opt-in needed
    return {};
}

}  // namespace

class TestConfigFiles : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_counter = 0;

    // A new file with `contents` and `mode`, owned by us.
    QString write(const QByteArray &contents, mode_t mode = 0600) {
        const QString path = m_dir.filePath(QStringLiteral("secret-%1").arg(++m_counter));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(contents) != contents.size())
            qFatal("cannot write %s", qPrintable(path));
        file.close();
        if (::chmod(QFile::encodeName(path).constData(), mode) != 0)
            qFatal("cannot chmod %s", qPrintable(path));
        return path;
    }

    QString symlinkTo(const QString &target) {
        const QString path = m_dir.filePath(QStringLiteral("link-%1").arg(++m_counter));
        if (::symlink(QFile::encodeName(target).constData(), QFile::encodeName(path).constData()) != 0)
            qFatal("cannot symlink %s", qPrintable(path));
        return path;
    }

    // Good contents for each flag's file.
    static QByteArray goodContents(const QString &flag) {
        if (flag == QLatin1String("recovery-exec-file"))
            return "/usr/bin/systemctl restart app@{pid}\n";
        if (flag == QLatin1String("prom-token-file"))
            return kTokenHex + '\n';
        return kKeyHex + '\n';
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // --- every secret file refuses the same unsafe files: exit 1, one line --------------
    void unsafeFile_data() {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("problem");
        for (const char *flag :
             {"key-file", "accepted-key-file", "master-key-file", "prom-token-file", "recovery-exec-file"}) {
            QTest::addRow("%s missing", flag) << flag << "missing"
                                              << "cannot open: No such file or directory";
            QTest::addRow("%s symlink", flag) << flag << "symlink"
                                              << "is a symbolic link";
            QTest::addRow("%s group-readable", flag) << flag << "0644"
                                                     << "insecure permissions 644";
            QTest::addRow("%s group-only", flag) << flag << "0640"
                                                 << "insecure permissions 640";
            QTest::addRow("%s directory", flag) << flag << "directory"
                                                << "is not a regular file";
        }
    }
    void unsafeFile() {
        QFETCH(QString, flag);
        QFETCH(QString, kind);
        QFETCH(QString, problem);
        QString path;
        if (kind == QLatin1String("missing"))
            path = m_dir.filePath(QStringLiteral("absent"));
        else if (kind == QLatin1String("symlink"))
            path = symlinkTo(write(goodContents(flag)));
        else if (kind == QLatin1String("directory"))
            path = m_dir.path();
        else
            path = write(goodContents(flag), static_cast<mode_t>(kind.toUInt(nullptr, 8)));

        const ParseOutcome outcome = parse(QStringList{"--" + flag, path} + companions(flag));
        QVERIFY(!outcome.options);
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY2(outcome.output.startsWith("varta-watch: --" + flag + ": " + path + ": "), qPrintable(outcome.output));
        QVERIFY2(outcome.output.contains(problem), qPrintable(outcome.output));
        QVERIFY(!outcome.output.contains('\n'));
    }

    void foreignOwner() {
        if (::geteuid() != 0)
            QSKIP("only root can give a file away");
        const QString path = write(kKeyHex);
        QCOMPARE(::chown(QFile::encodeName(path).constData(), 65534, 65534), 0);
        const ParseOutcome outcome = parse({"--key-file", path});
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY2(outcome.output.contains("owned by uid 65534"), qPrintable(outcome.output));
    }

    // --- safe files with the wrong contents ----------------------------------------------
    void wrongContents_data() {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QByteArray>("contents");
        QTest::addColumn<QString>("problem");
        const QString oneKey = "must hold exactly one key of 64 hex characters";
        QTest::newRow("key-file empty") << "key-file" << QByteArray() << oneKey;
        QTest::newRow("key-file short") << "key-file" << kKeyHex.left(62) << oneKey;
        QTest::newRow("key-file not hex") << "key-file" << QByteArray(kKeyHex).replace('a', 'g') << oneKey;
        QTest::newRow("key-file two keys") << "key-file" << kKeyHex + '\n' + kKey2Hex << oneKey;
        QTest::newRow("master-key-file raw bytes") << "master-key-file" << QByteArray(32, 'k') << oneKey;
        QTest::newRow("accepted-key-file bad line 3") << "accepted-key-file"
                                                      << "# rotation\n" + kKeyHex + "\nnot-a-key\n"
                                                      << "line 3: not a key of 64 hex characters";
        QTest::newRow("accepted-key-file only comments")
            << "accepted-key-file" << QByteArray("# none yet\n\n") << "holds no key";
        QTest::newRow("token short") << "prom-token-file" << kTokenHex.left(32)
                                     << "must hold a token of 64 hex characters";
        QTest::newRow("token with space") << "prom-token-file" << kTokenHex.left(32) + ' ' + kTokenHex.mid(32)
                                          << "must hold a token of 64 hex characters";
        QTest::newRow("exec file blank") << "recovery-exec-file" << QByteArray(" \n\t\n") << "holds no command";
    }
    void wrongContents() {
        QFETCH(QString, flag);
        QFETCH(QByteArray, contents);
        QFETCH(QString, problem);
        const QString path = write(contents);
        const ParseOutcome outcome = parse(QStringList{"--" + flag, path} + companions(flag));
        QVERIFY(!outcome.options);
        QCOMPARE(outcome.exitCode, 1);
        QCOMPARE(outcome.output, "varta-watch: --" + flag + ": " + path + ": " + problem);
        QVERIFY2(!outcome.output.contains(QString::fromLatin1(kKeyHex)), "a key must never be printed");
    }

    // A bad flag is reported before any file is opened.
    void badFlagBeforeFiles() {
        const ParseOutcome outcome = parse({"--key-file", m_dir.filePath("absent"), "--threshold-ms", "1"});
        QCOMPARE(outcome.exitCode, 2);
        QVERIFY2(outcome.output.contains("--threshold-ms"), qPrintable(outcome.output));
    }

    // --- good files ----------------------------------------------------------------------
    void keysLoaded() {
        const QString key = write(" " + kKeyHex + "\n");
        const QString accepted = write("# old key, until Friday\n\n" + kKey2Hex + "\n  " + kKeyHex + "  \n", 0400);
        const QString moreAccepted = write(kKey2Hex);
        const QString master = write(kKey2Hex);
        const ParseOutcome outcome = parse({"--key-file", key, "--accepted-key-file=" + accepted, "--accepted-key-file",
                                            moreAccepted, "--master-key-file", master});
        QVERIFY2(outcome.options, qPrintable(outcome.output));
        const SecureOptions &secure = outcome.options->secure;
        QVERIFY(secure.enabled());
        QCOMPARE(secure.keys, QList<QByteArray>({QByteArray::fromHex(kKeyHex), QByteArray::fromHex(kKey2Hex),
                                                 QByteArray::fromHex(kKeyHex), QByteArray::fromHex(kKey2Hex)}));
        QCOMPARE(secure.masterKey, std::optional<QByteArray>(QByteArray::fromHex(kKey2Hex)));
        QVERIFY(outcome.options->udp);  // the UDP listener is the secure one
    }

    void tokenLoaded() {
        const QString token = write(kTokenHex + "\n");
        const ParseOutcome outcome = parse({"--prom-addr", "[::1]:9464", "--prom-token-file", token});
        QVERIFY2(outcome.options, qPrintable(outcome.output));
        const PromOptions &prom = outcome.options->prom;
        QVERIFY(prom.enabled());
        QCOMPARE(prom.token, kTokenHex);  // the text, compared as text against the header
        QCOMPARE(prom.address.toString(), QString("::1"));
        QCOMPARE(prom.port, std::uint16_t{9464});
        QVERIFY(outcome.options->warnings.isEmpty());
    }

    void tokenOnTheNetworkWarns() {
        const ParseOutcome outcome = parse({"--prom-addr=0.0.0.0:9100", "--prom-token-file", write(kTokenHex)});
        QVERIFY2(outcome.options, qPrintable(outcome.output));
        QCOMPARE(outcome.options->warnings,
                 QStringList{"--prom-addr: /metrics is reachable from the network on 0.0.0.0:9100"});
    }

    void execFileLoaded() {
        const QString path = write("/usr/bin/systemctl\n  restart\tapp@{pid}\n");
        const ParseOutcome outcome =
            parse(QStringList{"--recovery-exec-file", path} + companions("recovery-exec-file"));
        QVERIFY2(outcome.options, qPrintable(outcome.output));
        QCOMPARE(outcome.options->recovery.execTemplate, QStringList({"/usr/bin/systemctl", "restart", "app@{pid}"}));
        QCOMPARE(outcome.options->recovery.execSource, path);
        QVERIFY(outcome.options->recovery.configured());
    }

    // --- the secure UDP listener's own opt-ins -------------------------------------------
    void secureListener_data() {
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<bool>("recoveryAllowed");
        QTest::addColumn<QString>("error");
        QTest::newRow("loopback") << QStringList{} << 0 << false << "";
        QTest::newRow("non-loopback with secure opt-in")
            << QStringList{"--udp-bind-addr", "0.0.0.0", "--i-accept-secure-udp-non-loopback"} << 0 << false << "";
        QTest::newRow("non-loopback with the plain opt-in only")
            << QStringList{"--udp-bind-addr", "0.0.0.0", "--i-accept-plaintext-udp"} << 2 << false
            << "varta-watch: --udp-bind-addr: 0.0.0.0 is not a loopback address; secure UDP there needs "
               "--i-accept-secure-udp-non-loopback; see --help";
        QTest::newRow("secure recovery opt-in")
            << QStringList{"--secure-udp-i-accept-recovery-on-unauthenticated-transport"} << 0 << true << "";
        QTest::newRow("plain recovery opt-in does not apply")
            << QStringList{"--plaintext-udp-i-accept-recovery-on-unauthenticated-transport"} << 0 << false << "";
    }
    void secureListener() {
        QFETCH(QStringList, flags);
        QFETCH(int, exitCode);
        QFETCH(bool, recoveryAllowed);
        QFETCH(QString, error);
        const ParseOutcome outcome = parse(QStringList{"--key-file", write(kKeyHex)} + flags);
        QCOMPARE(outcome.exitCode, exitCode);
        QCOMPARE(outcome.output, error);
        if (exitCode != 0)
            return;
        QVERIFY(outcome.options->udp);
        QCOMPARE(outcome.options->udp->recoveryAllowed, recoveryAllowed);
        QVERIFY(outcome.options->secure.enabled());
    }
};

QTEST_GUILESS_MAIN(TestConfigFiles)
#include "tst_config_files.moc"
