// Recovery through the real binary: an agent stalls, the recovery command runs with
// the agent's pid substituted, and the audit log records the spawn (mode `exec`, never
// the command line) and the completion with the exit code and, with
// --recovery-capture-stdio, the kept lengths and the truncation flag. An existing v1 audit
// file is continued, not refused; --recovery-audit-max-bytes rotates it.
#include "tests/support/audit_chain.h"
#include "tests/support/watch_process.h"

#include <QFileInfo>
#include <QTemporaryDir>

#include <cerrno>
#include <csignal>

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

QByteArray contentOf(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

const QStringList kUdpRecoveryOptIn{QStringLiteral("--plaintext-udp-i-accept-recovery-on-unauthenticated-transport")};

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
        QVERIFY(watch.start(baseArgs(dir.path(), exec) + kUdpRecoveryOptIn
                            + QStringList{QStringLiteral("--recovery-capture-stdio")}));
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
        QCOMPARE(spawn.size(), 11);  // seq wall ns kind agent child mode program source template_len chain
        QCOMPARE(spawn[4], QStringLiteral("700"));
        QVERIFY(spawn[5].toLongLong() > 1);
        QCOMPARE(spawn[6], QStringLiteral("exec"));
        QCOMPARE(spawn[7], helper("output"));
        QCOMPARE(spawn[8], QStringLiteral("inline"));
        const QByteArray ran = (helper("output") + QStringLiteral(" o:700 e:300")).toUtf8();
        QCOMPARE(spawn[9], QString::number(ran.size()));
        QVERIFY2(!contentOf(audit).contains("o:700"), "the command line is not in the audit");

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
        QVERIFY(watch.start(baseArgs(dir.path(), helper("exit") + QStringLiteral(" 7")) + kUdpRecoveryOptIn));
        watch.sendFrame(vlp::Frame{vlp::Status::Ok, 701, 1, 1, 0});
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(audit, QStringLiteral("complete")).size(), 1, 20000);
        QCOMPARE(watch.stop(), 0);
        const QStringList complete = auditRows(audit, QStringLiteral("complete")).first();
        QCOMPARE(complete[6], QStringLiteral("reaped"));
        QCOMPARE(complete[7], QStringLiteral("7"));
        QCOMPARE(complete[12], QStringLiteral("false"));
    }

    // As upstream, without --recovery-capture-stdio the capture columns are 0 0 false,
    // though the child wrote (and the console would show) its output.
    void withoutCaptureStdioTheSizesAreNotAudited() {
        QTemporaryDir dir;
        const QString audit = dir.filePath(QStringLiteral("audit.log"));
        WatchProcess watch;
        QVERIFY(
            watch.start(baseArgs(dir.path(), helper("output") + QStringLiteral(" o:50 e:1000")) + kUdpRecoveryOptIn));
        watch.sendFrame(vlp::Frame{vlp::Status::Ok, 703, 1, 1, 0});
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(audit, QStringLiteral("complete")).size(), 1, 20000);
        QCOMPARE(watch.stop(), 0);
        const QStringList complete = auditRows(audit, QStringLiteral("complete")).first();
        QCOMPARE(complete[7], QStringLiteral("0"));
        QCOMPARE(complete.mid(10, 3), (QStringList{"0", "0", "false"}));
    }

    // As upstream, a v1 audit file is no start-up failure: varta-watch warns, appends a v2
    // header and a `legacy_v1` boot row after the old lines, and audits on from seq 1.
    void existingV1AuditFileIsContinued() {
        QTemporaryDir dir;
        const QString audit = dir.filePath(QStringLiteral("audit.log"));
        const QByteArray v1 = "# varta-watch recovery audit v1\n1700000000000\tspawn\t42\t4242\t/usr/bin/restart 42\n";
        {
            QFile file(audit);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(v1);
            file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        }
        WatchProcess watch;
        QVERIFY(watch.start(baseArgs(dir.path(), helper("exit") + QStringLiteral(" 0")) + kUdpRecoveryOptIn));
        watch.sendFrame(vlp::Frame{vlp::Status::Ok, 702, 1, 1, 0});
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(audit, QStringLiteral("complete")).size(), 1, 20000);
        QCOMPARE(watch.process.state(), QProcess::Running);
        const qint64 watchPid = watch.process.processId();
        QCOMPARE(watch.stop(), 0);
        const QString err = QString::fromUtf8(watch.process.readAllStandardError());
        QVERIFY2(err.contains(QLatin1String("warning: ") + audit + QLatin1String(": a v1 audit log")), qPrintable(err));

        const QByteArray content = contentOf(audit);
        QVERIFY(content.startsWith(v1));
        QList<QByteArray> v2 = content.mid(v1.size()).split('\n');
        QCOMPARE(v2.takeLast(), QByteArray());
        QCOMPARE(v2.size(), 4);
        QCOMPARE(v2[0], QByteArray("# varta-watch recovery audit v2"));
        const QList<QByteArray> boot = v2[1].split('\t');
        QCOMPARE(boot.size(), 8);
        QCOMPARE(boot[0], QByteArray("1"));
        QCOMPARE(boot[2], QByteArray("0"));
        QCOMPARE(boot[3], QByteArray("boot"));
        QCOMPARE(boot[4], QByteArray::number(watchPid));
        QCOMPARE(boot.mid(5, 2), (QList<QByteArray>{"-", "legacy_v1"}));
        const QList<QByteArray> spawn = v2[2].split('\t');
        QCOMPARE(spawn[0], QByteArray("2"));
        QCOMPARE(spawn.mid(3, 2), (QList<QByteArray>{"spawn", "702"}));
        QCOMPARE(v2[3].split('\t').at(0), QByteArray("3"));
        QCOMPARE(v2[3].split('\t').at(3), QByteArray("complete"));
    }

    // --recovery-audit-max-bytes through the binary: generations PATH.1 ... and a
    // `rotation` boot row carrying the previous generation's last chain.
    void auditMaxBytesRotates() {
        QTemporaryDir dir;
        const QString audit = dir.filePath(QStringLiteral("audit.log"));
        WatchProcess watch;
        QVERIFY(watch.start(baseArgs(dir.path(), helper("exit") + QStringLiteral(" 0")) + kUdpRecoveryOptIn
                            + QStringList{QStringLiteral("--recovery-audit-max-bytes"), QStringLiteral("4096")}));
        // Each stall writes a spawn and a complete row, about 260 bytes: 24 agents fill
        // more than one generation.
        constexpr int kAgents = 24;
        for (int i = 0; i < kAgents; ++i)
            watch.sendFrame(vlp::Frame{vlp::Status::Ok, std::uint32_t(800 + i), 1, 1, 0});
        const auto completes = [&] {
            return auditRows(audit, QStringLiteral("complete")).size()
                   + auditRows(audit + QStringLiteral(".1"), QStringLiteral("complete")).size();
        };
        QTRY_COMPARE_WITH_TIMEOUT(completes(), kAgents, 30000);
        QCOMPARE(watch.stop(), 0);
        QVERIFY(!QFile::exists(audit + QStringLiteral(".2")));
        const QList<QByteArray> older = contentOf(audit + QStringLiteral(".1")).trimmed().split('\n');
        const QList<QByteArray> live = contentOf(audit).trimmed().split('\n');
        QVERIFY(contentOf(audit + QStringLiteral(".1")).size() >= 4096);
        QCOMPARE(live[0], QByteArray("# varta-watch recovery audit v2"));
        const QList<QByteArray> boot = live[1].split('\t');
        QCOMPARE(boot[3], QByteArray("boot"));
        QCOMPARE(boot[5], older.last().split('\t').last());
        QCOMPARE(boot[6], QByteArray("rotation"));
        QCOMPARE(boot[0].toLongLong(), older.last().split('\t').first().toLongLong() + 1);
    }

    // An observer SIGKILLed while its recovery child runs takes the child with it
    // (PR_SET_PDEATHSIG), and the next start completes that child's spawn row as `lost`
    // right after its boot row, so the spawn still ends in exactly one complete row.
    void childDiesWithAKilledObserverAndIsAuditedLost() {
        QTemporaryDir dir;
        const QString audit = dir.filePath(QStringLiteral("audit.log"));
        qint64 childPid = 0;
        {
            WatchProcess watch;
            QVERIFY(watch.start(baseArgs(dir.path(), helper("hang")) + kUdpRecoveryOptIn));
            watch.sendFrame(vlp::Frame{vlp::Status::Ok, 704, 1, 1, 0});
            QTRY_COMPARE_WITH_TIMEOUT(auditRows(audit, QStringLiteral("spawn")).size(), 1, 20000);
            childPid = auditRows(audit, QStringLiteral("spawn")).first()[5].toLongLong();
            QVERIFY(childPid > 1);
            QCOMPARE(::kill(pid_t(childPid), 0), 0);
            ::kill(pid_t(watch.process.processId()), SIGKILL);
            QVERIFY(watch.process.waitForFinished(10000));
        }
        // Once SIGKILLed and reaped by init, the pid is gone.
        QTRY_VERIFY_WITH_TIMEOUT(::kill(pid_t(childPid), 0) != 0 && errno == ESRCH, 5000);
        QCOMPARE(auditRows(audit, QStringLiteral("complete")).size(), 0);

        WatchProcess again;
        QVERIFY(again.start(baseArgs(dir.path(), helper("exit") + QStringLiteral(" 0")) + kUdpRecoveryOptIn));
        QCOMPARE(again.stop(), 0);
        const QList<QByteArray> lines = test::linesOfFile(audit);
        QCOMPARE(lines.size(), 1 + 2 + 2);
        QCOMPARE(lines[3].split('\t').at(3), QByteArray("boot"));
        const QList<QByteArray> lost = lines[4].split('\t');
        QCOMPARE(lost.mid(3, 4), (QList<QByteArray>{"complete", "704", QByteArray::number(childPid), "lost"}));
        QString where;
        QVERIFY2(test::chainHolds(lines, 1, QByteArray(32, '\0'), &where), qPrintable(where));
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
