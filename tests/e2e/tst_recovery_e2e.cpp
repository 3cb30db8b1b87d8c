// Recovery through the real binary: an agent stalls, the recovery command runs with
// the agent's pid substituted, and the audit log records the spawn and the completion
// with the exit code, the kept lengths and the truncation flag.
#include "tests/support/watch_process.h"

#include <QFileInfo>
#include <QTemporaryDir>

using namespace varta;
using test::WatchProcess;

namespace {

QString helper(const char *name) {
    return QStringLiteral(VARTA_BINARY_DIR "/child_programs/varta_child_") + QLatin1String(name);
}

QList<QStringList> auditRows(const QString &path, const QString &kind) {
    QList<QStringList> rows;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return rows;
    for (const QByteArray &line : file.readAll().split('\n')) {
        const QStringList fields = QString::fromUtf8(line).split(QLatin1Char('\t'));
        if (fields.size() > 3 && fields[3] == kind)
            rows.append(fields);
    }
    return rows;
}

QStringList baseArgs(const QString &dir, const QString &exec) {
    return {QStringLiteral("--udp-port"),
            QStringLiteral("0"),
            QStringLiteral("--threshold-ms"),
            QStringLiteral("200"),
            QStringLiteral("--recovery-exec"),
            exec,
            QStringLiteral("--recovery-audit-file"),
            dir + QStringLiteral("/audit.log"),
            QStringLiteral("--recovery-capture-bytes"),
            QStringLiteral("800")};
}

}  // namespace

class TestRecoveryE2E : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void stallRunsRecoveryWithThePidAndAuditsIt() {
        QTemporaryDir dir;
        const QString audit = dir.filePath(QStringLiteral("audit.log"));
        // stdout gets {pid} bytes (700), stderr 300: 1000 bytes against an 800-byte cap.
        const QString exec = helper("output") + QStringLiteral(" o:{pid} e:300");
        WatchProcess watch;
        QVERIFY(watch.start(
            baseArgs(dir.path(), exec)
            + QStringList{QStringLiteral("--plaintext-udp-i-accept-recovery-on-unauthenticated-transport")}));
        watch.sendFrame(vlp::Frame{vlp::Status::Ok, 700, 1, 1, 0});
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(audit, QStringLiteral("complete")).size(), 1, 20000);
        QCOMPARE(watch.stop(), 0);

        QFile file(audit);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readLine().trimmed(), QByteArray("# varta-watch recovery audit v2"));
        QCOMPARE(QFileInfo(audit).permissions() & (QFile::ReadGroup | QFile::ReadOther), QFile::Permissions());

        const QList<QStringList> spawns = auditRows(audit, QStringLiteral("spawn"));
        QCOMPARE(spawns.size(), 1);
        const QStringList &spawn = spawns.first();
        QCOMPARE(spawn.size(), 11);  // seq wall ns kind agent child exec program source template_len chain
        QCOMPARE(spawn[4], QStringLiteral("700"));
        QVERIFY(spawn[5].toLongLong() > 1);
        QCOMPARE(spawn[7], helper("output"));
        QCOMPARE(spawn[8], QStringLiteral("inline"));

        const QStringList complete = auditRows(audit, QStringLiteral("complete")).first();
        QCOMPARE(complete.size(), 14);  // ... agent child status exit signal duration stdout stderr truncated chain
        QCOMPARE(complete[4], QStringLiteral("700"));
        QCOMPARE(complete[5], spawn[5]);
        QCOMPARE(complete[6], QStringLiteral("reaped"));
        QCOMPARE(complete[7], QStringLiteral("0"));
        QCOMPARE(complete[8], QStringLiteral("-"));
        QCOMPARE(complete[10], QStringLiteral("700"));  // all of stdout kept (it came first)
        QCOMPARE(complete[11], QStringLiteral("100"));  // stderr cut at the 800-byte cap
        QCOMPARE(complete[12], QStringLiteral("true"));
        QCOMPARE(complete[13].size(), 64);
        // seq runs 1, 2, 3: boot, spawn, complete.
        QCOMPARE(auditRows(audit, QStringLiteral("boot")).first()[0], QStringLiteral("1"));
        QCOMPARE(spawn[0], QStringLiteral("2"));
        QCOMPARE(complete[0], QStringLiteral("3"));
    }

    void exitCodeIsAudited() {
        QTemporaryDir dir;
        const QString audit = dir.filePath(QStringLiteral("audit.log"));
        WatchProcess watch;
        QVERIFY(watch.start(
            baseArgs(dir.path(), helper("exit") + QStringLiteral(" 7"))
            + QStringList{QStringLiteral("--plaintext-udp-i-accept-recovery-on-unauthenticated-transport")}));
        watch.sendFrame(vlp::Frame{vlp::Status::Ok, 701, 1, 1, 0});
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(audit, QStringLiteral("complete")).size(), 1, 20000);
        QCOMPARE(watch.stop(), 0);
        const QStringList complete = auditRows(audit, QStringLiteral("complete")).first();
        QCOMPARE(complete[6], QStringLiteral("reaped"));
        QCOMPARE(complete[7], QStringLiteral("7"));
        QCOMPARE(complete[12], QStringLiteral("false"));
    }

    // As upstream: a recovery command beside a plain UDP listener without its opt-in is
    // refused at start, naming the flag, rather than refusing every recovery later.
    void plainUdpWithoutOptInExitsTwoNamingTheOptIn() {
        QTemporaryDir dir;
        QProcess watch;
        watch.start(test::watchBinary(), QStringList{QStringLiteral("--headless")}
                                             + baseArgs(dir.path(), helper("exit") + QStringLiteral(" 0")));
        QVERIFY(watch.waitForFinished(10000));
        QCOMPARE(watch.exitStatus(), QProcess::NormalExit);
        QCOMPARE(watch.exitCode(), 2);
        const QString err = QString::fromUtf8(watch.readAllStandardError()).trimmed();
        QVERIFY2(err.contains(QLatin1String("--plaintext-udp-i-accept-recovery-on-unauthenticated-transport")),
                 qPrintable(err));
        QCOMPARE(err.count(QLatin1Char('\n')), 0);
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("audit.log"))));
    }
};

QTEST_GUILESS_MAIN(TestRecoveryE2E)
#include "tst_recovery_e2e.moc"
