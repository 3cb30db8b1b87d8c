// Recovery through the real binary: an agent stalls, the recovery command runs with
// the agent's pid substituted, and the audit log records the spawn (mode `exec`, never
// the command line) and the completion with the exit code and, with
// --recovery-capture-stdio, the kept lengths and the truncation flag. An existing v1 audit
// file is continued, not refused; --recovery-audit-max-bytes rotates it.
#include "tests/support/audit_chain.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/secret_files.h"
#include "tests/support/watch_process.h"

#include <QFileInfo>
#include <QSet>
#include <QTemporaryDir>

#include <cerrno>
#include <csignal>

#include <fcntl.h>
#include <unistd.h>

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

// A tmpfs of a given size mounted on a directory for one test, so the audit log can meet a
// full disk; unmounted when it goes (declare it after the directory, before the observer).
class Tmpfs {
public:
    Tmpfs(const QString &dir, const QString &size) : m_dir(dir) {
        if (::geteuid() != 0) {
            m_error = QStringLiteral("mounting a tmpfs needs root");
            return;
        }
        QProcess mount;
        mount.start(QStringLiteral("mount"), {QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
                                              QStringLiteral("size=") + size, QStringLiteral("tmpfs"), dir});
        if (!mount.waitForFinished(10000) || mount.exitStatus() != QProcess::NormalExit || mount.exitCode() != 0) {
            m_error = QStringLiteral("mount -t tmpfs failed: %1%2")
                          .arg(mount.errorString(), QString::fromLocal8Bit(mount.readAllStandardError()).trimmed());
            return;
        }
        m_mounted = true;
    }
    ~Tmpfs() {
        if (!m_mounted)
            return;
        QProcess umount;
        umount.start(QStringLiteral("umount"), {m_dir});
        if (!umount.waitForFinished(10000) || umount.exitCode() != 0)
            QProcess::execute(QStringLiteral("umount"), {QStringLiteral("-l"), m_dir});
    }
    Tmpfs(const Tmpfs &) = delete;
    Tmpfs &operator=(const Tmpfs &) = delete;

    bool mounted() const { return m_mounted; }
    QString error() const { return m_error; }

    // Writes PATH until the file system is full; the bytes written.
    static qint64 fill(const QString &path) {
        const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
            return -1;
        const QByteArray chunk(4096, 'x');
        qint64 total = 0;
        for (;;) {
            const ssize_t n = ::write(fd, chunk.constData(), size_t(chunk.size()));
            if (n <= 0)
                break;
            total += n;
        }
        ::close(fd);
        return total;
    }

private:
    QString m_dir;
    QString m_error;
    bool m_mounted = false;
};

// The record lines of an audit file (the header and anything else without a seq left out).
QList<QByteArray> auditRecords(const QString &path) {
    QList<QByteArray> records;
    for (const QByteArray &line : test::linesOfFile(path))
        if (!line.startsWith('#'))
            records.append(line);
    return records;
}

QByteArray kindOf(const QByteArray &record) { return record.split('\t').value(3); }

const QByteArray kMetricsToken = test::randomToken();
QStringList metricsArgs(const QString &dir) { return test::metricsFlags(dir, kMetricsToken); }

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

    // A full disk holds the audit records back, it does not lose them: stalls met while
    // the log's tmpfs is full are written, in order and chained, once there is room again,
    // and every stall still ends in exactly one spawn or refused row and every spawn in one
    // complete row.
    void fullDiskHoldsTheRecordsUntilThereIsRoom() {
        QTemporaryDir dir;
        Tmpfs tmpfs(dir.path(), QStringLiteral("64k"));
        if (!tmpfs.mounted())
            QSKIP(qPrintable(tmpfs.error()));
        const QString audit = dir.filePath(QStringLiteral("audit.log"));
        const QString filler = dir.filePath(QStringLiteral("filler"));
        WatchProcess watch;
        QVERIFY(watch.start(baseArgs(dir.path(), QStringLiteral("/bin/true")) + kUdpRecoveryOptIn
                            + QStringList{QStringLiteral("--recovery-debounce-ms"), QStringLiteral("0")}));
        QCOMPARE(auditRecords(audit).size(), 1);  // the boot row, before the disk fills
        QVERIFY(Tmpfs::fill(filler) > 0);

        constexpr std::uint32_t kStalls = 30;
        constexpr std::uint32_t kFirstPid = 30001;
        for (std::uint32_t pid = kFirstPid; pid < kFirstPid + kStalls; ++pid)
            watch.sendFrame(vlp::Frame{vlp::Status::Ok, pid, 1, 1, 0});
        QByteArray err;
        QTRY_VERIFY_WITH_TIMEOUT((err += watch.process.readAllStandardError()).contains("audit record(s) held"), 20000);
        QTest::qWait(1500);  // every agent stalled, every child ended, their rows held
        const qsizetype whileFull = auditRecords(audit).size();
        QVERIFY2(whileFull < 1 + 2 * qsizetype(kStalls), qPrintable(QString::number(whileFull)));

        QVERIFY(QFile::remove(filler));
        const auto settled = [&] {
            const QList<QByteArray> records = auditRecords(audit);
            qsizetype decided = 0, spawned = 0, completed = 0;
            for (const QByteArray &record : records) {
                const QByteArray kind = kindOf(record);
                decided += kind == "spawn" || kind == "refused";
                spawned += kind == "spawn";
                completed += kind == "complete";
            }
            return decided == qsizetype(kStalls) && completed == spawned;
        };
        QTRY_VERIFY_WITH_TIMEOUT(settled(), 20000);
        QCOMPARE(watch.stop(), 0);
        err += watch.process.readAllStandardError();
        QCOMPARE(watch.summaryValue(QStringLiteral("stalls")), qint64(kStalls));
        QCOMPARE(watch.summaryValue(QStringLiteral("audit_dropped")), 0);
        QVERIFY2(!err.contains("audit record dropped"), err.constData());

        const QList<QByteArray> records = auditRecords(audit);
        QSet<QByteArray> decidedAgents;
        QHash<QByteArray, qsizetype> spawnAt;  // child pid -> index
        QSet<QByteArray> completedChildren;
        for (qsizetype i = 0; i < records.size(); ++i) {
            const QList<QByteArray> f = records[i].split('\t');
            if (f[3] == "spawn" || f[3] == "refused") {
                QVERIFY2(!decidedAgents.contains(f[4]), records[i].constData());
                decidedAgents.insert(f[4]);
            }
            if (f[3] == "spawn")
                spawnAt.insert(f[5], i);
            if (f[3] == "complete") {
                QVERIFY2(spawnAt.contains(f[5]), records[i].constData());  // after its spawn
                QVERIFY2(!completedChildren.contains(f[5]), records[i].constData());
                completedChildren.insert(f[5]);
            }
        }
        for (std::uint32_t pid = kFirstPid; pid < kFirstPid + kStalls; ++pid)
            QVERIFY2(decidedAgents.contains(QByteArray::number(pid)), qPrintable(QString::number(pid)));
        QCOMPARE(completedChildren.size(), spawnAt.size());
        QString where;
        QVERIFY2(test::chainHolds(test::linesOfFile(audit), 1, QByteArray(32, '\0'), &where), qPrintable(where));
    }

    // Past AuditWriter's 1,024 held records the oldest are dropped: counted in the summary
    // and /metrics, said on stderr, and their seqs are used up, so the file jumps by exactly
    // that many (in one run, or a few when a shorter record fits where a longer one did not) while
    // its chain runs on from the last record written. The tmpfs is larger
    // here so the 1,024 held records fit once there is room.
    void fullDiskPastTheHeldRecordsDropsTheOldestAndLeavesAGap() {
        QTemporaryDir dir;
        QTemporaryDir tokenDir;
        Tmpfs tmpfs(dir.path(), QStringLiteral("1m"));
        if (!tmpfs.mounted())
            QSKIP(qPrintable(tmpfs.error()));
        const QString audit = dir.filePath(QStringLiteral("audit.log"));
        const QString filler = dir.filePath(QStringLiteral("filler"));
        WatchProcess watch;
        QVERIFY(watch.start(baseArgs(dir.path(), QStringLiteral("/bin/true")) + kUdpRecoveryOptIn
                                + QStringList{QStringLiteral("--recovery-debounce-ms"), QStringLiteral("0")}
                                + metricsArgs(tokenDir.path()),
                            2));
        const QString metrics = watch.stdoutLines.first();
        QCOMPARE(auditRecords(audit).size(), 1);
        QVERIFY(Tmpfs::fill(filler) > 0);

        // Each stall is at least one record (spawn or refused), each spawn one more.
        constexpr std::uint32_t kStalls = 1300;
        for (std::uint32_t pid = 40001; pid < 40001 + kStalls; ++pid)
            watch.sendFrame(vlp::Frame{vlp::Status::Ok, pid, 1, 1, 0});
        const auto dropped = [&] {
            return test::metricValue(test::scrapeMetrics(metrics, kMetricsToken), "varta_recovery_audit_dropped_total");
        };
        QTRY_VERIFY_WITH_TIMEOUT(dropped() > 0, 30000);
        // Drops happen as records arrive; once they stop, every stall is decided.
        qint64 before = -1;
        qint64 now = dropped();
        for (int i = 0; i < 30 && now != before; ++i) {
            QTest::qWait(1500);
            before = now;
            now = dropped();
        }
        QCOMPARE(now, before);
        const QByteArray body = test::scrapeMetrics(metrics, kMetricsToken);
        const qint64 ended = test::metricValue(body, "varta_recovery_duration_count_total");
        QVERIFY(ended > 0);

        QVERIFY(QFile::remove(filler));
        QTRY_VERIFY_WITH_TIMEOUT(auditRecords(audit).size() > 1024, 20000);
        QCOMPARE(watch.stop(), 0);
        const QByteArray err = watch.process.readAllStandardError();
        const qint64 stalls = watch.summaryValue(QStringLiteral("stalls"));
        QCOMPARE(stalls, qint64(kStalls));
        QCOMPARE(watch.summaryValue(QStringLiteral("audit_dropped")), now);

        const QList<QByteArray> lines = test::linesOfFile(audit);
        QList<std::pair<qulonglong, qulonglong>> gaps;
        QString where;
        QVERIFY2(test::chainHoldsAcrossGaps(lines, 1, QByteArray(32, '\0'), &gaps, &where), qPrintable(where));
        // A shorter record can fit the last page's slack after a longer one was dropped,
        // so the seqs left out may be more than one run; together they are the drops.
        QVERIFY(!gaps.isEmpty());
        qint64 leftOut = 0;
        for (const auto &[beforeGap, afterGap] : std::as_const(gaps))
            leftOut += qint64(afterGap - beforeGap - 1);
        QCOMPARE(leftOut, now);
        // Said once there was room again, naming the first and last seq left out: in one
        // line, or one per spell of drops (a loaded machine can give the disk's slack to a
        // held record between two spells); together they name every drop.
        const QRegularExpression saidLine(QStringLiteral(
            "(\\d+) audit record\\(s\\) dropped, their seqs left out of the file, the first (\\d+), the last (\\d+)"));
        qint64 saidDropped = 0;
        QList<std::pair<qulonglong, qulonglong>> saidSpans;
        for (auto it = saidLine.globalMatch(QString::fromUtf8(err)); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            saidDropped += m.captured(1).toLongLong();
            saidSpans.append({m.captured(2).toULongLong(), m.captured(3).toULongLong()});
        }
        QVERIFY2(!saidSpans.isEmpty(), err.right(2000).constData());
        QCOMPARE(saidDropped, now);
        QCOMPARE(saidSpans.first().first, gaps.first().first + 1);
        QCOMPARE(saidSpans.last().second, gaps.last().second - 1);
        // Nothing else is missing: the boot row, one row per stall and one per ended child.
        const QList<QByteArray> records = auditRecords(audit);
        QCOMPARE(records.last().split('\t').first().toLongLong(), 1 + stalls + ended);
        QCOMPARE(qint64(records.size()) + now, 1 + stalls + ended);
    }

    // As upstream: a recovery command beside a plain UDP listener without its opt-in is
    // refused at start, naming the flag, rather than refusing every recovery later.
    // logrotate renames the audit log and sends SIGHUP; an operator deletes it without
    // one. Either way the next records land in a new file at the path whose boot row
    // `reopen` continues the chain from the last record of the old one.
    void auditLogFollowsItsPathOnSighupAndWhenDeleted() {
        QTemporaryDir dir;
        const QString audit = dir.filePath(QStringLiteral("audit.log"));
        const QString rotated = audit + QStringLiteral(".1");
        WatchProcess watch;
        QVERIFY(watch.start(baseArgs(dir.path(), helper("exit") + QStringLiteral(" 0")) + kUdpRecoveryOptIn));
        watch.sendFrame(vlp::Frame{vlp::Status::Ok, 720, 1, 1, 0});
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(audit, QStringLiteral("complete")).size(), 1, 20000);

        QVERIFY(QFile::rename(audit, rotated));
        ::kill(static_cast<pid_t>(watch.process.processId()), SIGHUP);
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(audit), 5000);  // at SIGHUP, before any record
        watch.sendFrame(vlp::Frame{vlp::Status::Ok, 721, 1, 1, 0});
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(audit, QStringLiteral("complete")).size(), 1, 20000);
        QCOMPARE(auditRows(rotated, QStringLiteral("spawn")).size(), 1);  // 720's, and only it

        QVERIFY(QFile::remove(audit));
        QTest::qWait(1100);  // past the once-a-second look at the path
        watch.sendFrame(vlp::Frame{vlp::Status::Ok, 722, 1, 1, 0});
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(audit, QStringLiteral("complete")).size(), 1, 20000);
        QCOMPARE(watch.stop(), 0);
        QCOMPARE(auditRows(audit, QStringLiteral("spawn")).value(0).value(4), QStringLiteral("722"));

        // The three files' records make one chain, seq rising by one: rotated, (the deleted
        // one, whose last chain the boot row of the live file still names), live.
        const QList<QByteArray> first = test::linesOfFile(rotated);
        const QList<QByteArray> live = test::linesOfFile(audit);
        QString where;
        QVERIFY2(test::chainHolds(first, 1, QByteArray(32, '\0'), &where), qPrintable(where));
        QCOMPARE(live.value(0), QByteArray("# varta-watch recovery audit v2"));
        const QList<QByteArray> boot = live.value(1).split('\t');
        QCOMPARE(boot.value(3), QByteArray("boot"));
        QCOMPARE(boot.value(6), QByteArray("reopen"));
        QVERIFY2(test::chainHolds(live, 1, QByteArray::fromHex(boot.value(5)), &where), qPrintable(where));
        QCOMPARE(auditRows(audit, QStringLiteral("boot")).size(), 1);
    }

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
