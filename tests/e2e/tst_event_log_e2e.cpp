// A headless observer speaks on stderr, one line per event (docs/control.md section 4):
// a stalling agent, its recovery's start and end with what the command printed, as text,
// as JSON lines, and with journal priorities when stderr is the journal. A storm of
// stalls is summarised per kind and counted, and a stderr nobody reads loses lines, never
// beats.
#include "tests/support/metrics_scrape.h"
#include "tests/support/recovery_script.h"
#include "tests/support/secret_files.h"
#include "tests/support/watch_process.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace varta;
using test::WatchProcess;

namespace {

const QStringList kUdpRecoveryOptIn{QStringLiteral("--plaintext-udp-i-accept-recovery-on-unauthenticated-transport")};

QStringList recoveryArgs(const QString &script) {
    return QStringList{QStringLiteral("--udp-port"),      QStringLiteral("0"),
                       QStringLiteral("--threshold-ms"),  QStringLiteral("200"),
                       QStringLiteral("--recovery-exec"), script + QStringLiteral(" {pid}")}
           + kUdpRecoveryOptIn;
}

QStringList linesOf(const QByteArray &bytes) {
    QStringList lines = QString::fromUtf8(bytes).split(QLatin1Char('\n'));
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

QStringList containing(const QStringList &lines, const QString &needle) {
    QStringList out;
    for (const QString &line : lines)
        if (line.contains(needle))
            out << line;
    return out;
}

QByteArray readFile(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// /metrics for the tests below, its token file in `dir`.
const QByteArray kToken = test::randomToken();
QStringList metricsArgs(const QTemporaryDir &dir) { return test::metricsFlags(dir.path(), kToken); }

QByteArray scrape(const QString &address) { return test::scrapeMetrics(address, kToken); }

}  // namespace

class TestEventLogE2E : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aStallAndItsRecoveryAreThreeLinesWithTheOutput() {
        QTemporaryDir dir;
        const QString script =
            test::writeRecoveryScript(dir.path(), "restart.sh", {"stopping api", "starting api"}, "api ready");
        WatchProcess watch;
        QVERIFY(watch.start(recoveryArgs(script)));
        watch.sendFrame(vlp::Frame{vlp::Status::Ok, 4242, 1, 1, 0});
        QByteArray err;
        QTRY_VERIFY_WITH_TIMEOUT((err += watch.process.readAllStandardError()).contains("recovery child 1"), 20000);
        QCOMPARE(watch.stop(), 0);
        err += watch.process.readAllStandardError();
        const QStringList lines = linesOf(err);

        const QStringList stall = containing(lines, QStringLiteral("pid 4242 (udp:127.0.0.1) stalled: silent for 0.2"));
        QCOMPARE(stall.size(), 1);
        QVERIFY2(stall.first().startsWith(QStringLiteral("varta-watch: warning: ")), qPrintable(stall.first()));
        const QStringList started = containing(lines, QStringLiteral("automatic recovery of pid 4242"));
        QCOMPARE(started.size(), 1);
        QVERIFY(started.first().contains(script + QStringLiteral(" 4242")));
        const QStringList ended = containing(lines, QStringLiteral("recovery child 1 for pid 4242"));
        QCOMPARE(ended.size(), 1);
        QVERIFY2(ended.first().contains(QStringLiteral("exited with code 0")), qPrintable(ended.first()));
        QVERIFY2(ended.first().endsWith(QStringLiteral("output: \"stopping api\", \"starting api\", \"api ready\"")),
                 qPrintable(ended.first()));
        // In the order they happened.
        QVERIFY(lines.indexOf(stall.first()) < lines.indexOf(started.first()));
        QVERIFY(lines.indexOf(started.first()) < lines.indexOf(ended.first()));
    }

    void jsonLinesAreOneObjectEachWithTheSameEvents() {
        QTemporaryDir dir;
        const QString script = test::writeRecoveryScript(dir.path(), "restart.sh", {"one", "two", "three"});
        WatchProcess watch;
        QVERIFY(
            watch.start(recoveryArgs(script) + QStringList{QStringLiteral("--log-format"), QStringLiteral("json")}));
        watch.sendFrame(vlp::Frame{vlp::Status::Ok, 4343, 1, 1, 0});
        QByteArray err;
        QTRY_VERIFY_WITH_TIMEOUT((err += watch.process.readAllStandardError()).contains("recovery_ended"), 20000);
        QCOMPARE(watch.stop(), 0);
        err += watch.process.readAllStandardError();

        QHash<QString, QJsonObject> byEvent;
        for (const QString &line : linesOf(err)) {
            QJsonParseError error{};
            const QJsonDocument doc = QJsonDocument::fromJson(line.toUtf8(), &error);
            QVERIFY2(error.error == QJsonParseError::NoError && doc.isObject(), qPrintable(line));
            const QJsonObject o = doc.object();
            QVERIFY(o.contains(QLatin1String("ts_ns")) && o.contains(QLatin1String("level"))
                    && o.contains(QLatin1String("msg")));
            if (o.contains(QLatin1String("event")))
                byEvent.insert(o.value(QLatin1String("event")).toString(), o);
        }
        const QJsonObject stall = byEvent.value(QStringLiteral("stall"));
        QCOMPARE(stall.value(QLatin1String("pid")).toInteger(), 4343);
        QCOMPARE(stall.value(QLatin1String("agent")).toString(), QStringLiteral("udp:127.0.0.1/4343"));
        QCOMPARE(stall.value(QLatin1String("level")).toString(), QStringLiteral("warn"));
        QVERIFY(stall.value(QLatin1String("silent_ms")).toInteger() >= 200);
        const QJsonObject started = byEvent.value(QStringLiteral("recovery_started"));
        QVERIFY(started.value(QLatin1String("child_pid")).toInteger() > 1);
        const QJsonObject ended = byEvent.value(QStringLiteral("recovery_ended"));
        QCOMPARE(ended.value(QLatin1String("exit_code")).toInt(-1), 0);
        QCOMPARE(ended.value(QLatin1String("output_tail")).toArray(),
                 QJsonArray({QStringLiteral("one"), QStringLiteral("two"), QStringLiteral("three")}));
        QCOMPARE(ended.value(QLatin1String("child_pid")), started.value(QLatin1String("child_pid")));
    }

    // systemd sets JOURNAL_STREAM to the device and inode of the stream it gave as stderr.
    void underTheJournalEachLineCarriesItsPriority() {
        QTemporaryDir dir;
        const QString script = test::writeRecoveryScript(dir.path(), "fail.sh", {"no luck"}, QString(), 3);
        const QString errPath = dir.filePath(QStringLiteral("stderr"));
        QFile(errPath).open(QIODevice::WriteOnly);
        struct stat st {};
        QCOMPARE(::stat(QFile::encodeName(errPath).constData(), &st), 0);
        WatchProcess watch;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("JOURNAL_STREAM"), QStringLiteral("%1:%2").arg(st.st_dev).arg(st.st_ino));
        watch.process.setProcessEnvironment(env);
        watch.process.setStandardErrorFile(errPath, QIODevice::Append);
        QVERIFY(watch.start(recoveryArgs(script)));
        watch.sendFrame(vlp::Frame{vlp::Status::Ok, 4444, 1, 1, 0});
        QTRY_VERIFY_WITH_TIMEOUT(readFile(errPath).contains("recovery child 1"), 20000);
        watch.sendFrame(vlp::Frame{vlp::Status::Ok, 4444, 1, 2, 0});  // back
        QTRY_VERIFY_WITH_TIMEOUT(readFile(errPath).contains("is back after"), 20000);
        QCOMPARE(watch.stop(), 0);
        const QStringList lines = linesOf(readFile(errPath));
        QVERIFY(!lines.isEmpty());
        for (const QString &line : lines)
            QVERIFY2(QRegularExpression(QStringLiteral("^<[3-7]>varta-watch: ")).match(line).hasMatch(),
                     qPrintable(line));
        QVERIFY(containing(lines, QStringLiteral("stalled:")).first().startsWith(QStringLiteral("<4>")));
        QVERIFY(containing(lines, QStringLiteral("automatic recovery")).first().startsWith(QStringLiteral("<5>")));
        QVERIFY(containing(lines, QStringLiteral("exited with code 3")).first().startsWith(QStringLiteral("<4>")));
        QVERIFY(containing(lines, QStringLiteral("is back after")).first().startsWith(QStringLiteral("<5>")));

        // A JOURNAL_STREAM naming another file is not the journal.
        WatchProcess other;
        env.insert(QStringLiteral("JOURNAL_STREAM"), QStringLiteral("1:1"));
        other.process.setProcessEnvironment(env);
        QVERIFY(other.start(recoveryArgs(script)));
        other.sendFrame(vlp::Frame{vlp::Status::Ok, 4545, 1, 1, 0});
        QByteArray err;
        QTRY_VERIFY_WITH_TIMEOUT((err += other.process.readAllStandardError()).contains("stalled"), 20000);
        QCOMPARE(other.stop(), 0);
        QVERIFY(!err.startsWith('<'));
    }

    // 2,000 agents stall together: ten lines, one summary, and every stall counted.
    void aStormOfStallsIsSummarisedAndCounted() {
        QTemporaryDir dir;
        WatchProcess watch;
        QVERIFY(watch.start(QStringList{QStringLiteral("--udp-port"), QStringLiteral("0"),
                                        QStringLiteral("--threshold-ms"), QStringLiteral("300")}
                                + metricsArgs(dir),
                            2));
        const QString metrics = watch.stdoutLines.first();
        for (std::uint32_t pid = 10000; pid < 12000; ++pid)
            watch.sendFrame(vlp::Frame{vlp::Status::Ok, pid, 1, 1, 0});
        QByteArray err;
        QTRY_VERIFY_WITH_TIMEOUT(
            (err += watch.process.readAllStandardError()).contains("more stalls in the last second"), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(
            test::metricValue(scrape(metrics), "varta_log_suppressed_total{kind=\"stall\"}")
                + containing(linesOf(err += watch.process.readAllStandardError()), QStringLiteral("stalled:")).size(),
            2000, 20000);
        QCOMPARE(watch.stop(), 0);
        err += watch.process.readAllStandardError();
        const QStringList lines = linesOf(err);
        const qsizetype stallLines = containing(lines, QStringLiteral("stalled:")).size();
        QVERIFY2(stallLines >= 10 && stallLines <= 40, qPrintable(QString::number(stallLines)));  // 10 a second
        qint64 summarised = 0;
        const QRegularExpression summary(QStringLiteral("\\.\\.\\. and ([0-9,]+) more stalls in the last second"));
        for (const QString &line : lines)
            if (const auto m = summary.match(line); m.hasMatch())
                summarised += m.captured(1).remove(QLatin1Char(',')).toLongLong();
        QCOMPARE(summarised + stallLines, 2000);
        QCOMPARE(watch.summaryValue(QStringLiteral("stalls")), 2000);
    }

    // stderr is a pipe nobody reads (4 KiB, filled at once): the engine keeps ingesting and
    // answering, and the observer still exits on SIGTERM. (tst_log sees the lines that find
    // the writer's queue full counted.)
    void aStderrNobodyReadsCostsLinesNotBeats() {
        int fds[2];
        QCOMPARE(::pipe2(fds, O_CLOEXEC), 0);
        ::fcntl(fds[1], F_SETPIPE_SZ, 4096);
        const int writeEnd = fds[1];
        WatchProcess watch;
        watch.process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        watch.process.setChildProcessModifier([writeEnd] { ::dup2(writeEnd, STDERR_FILENO); });
        QTemporaryDir dir;
        QVERIFY(watch.start(QStringList{QStringLiteral("--udp-port"), QStringLiteral("0"),
                                        QStringLiteral("--threshold-ms"), QStringLiteral("100")}
                                + metricsArgs(dir),
                            2));
        ::close(writeEnd);
        const QString metrics = watch.stdoutLines.first();
        // Rounds of 300 agents that stall and come back, until the pipe is full (a line
        // that does not fit whole waits, so "full" is within a line of 4 KiB).
        std::uint64_t nonce = 1;
        int queued = 0;
        for (; nonce <= 60 && queued < 4096 - 256; ++nonce) {
            for (std::uint32_t pid = 20000; pid < 20300; ++pid)
                watch.sendFrame(vlp::Frame{vlp::Status::Ok, pid, 1, nonce, 0});
            QTest::qWait(250);  // past the threshold: they stall, then beat again
            QVERIFY(::ioctl(fds[0], FIONREAD, &queued) == 0);
        }
        QVERIFY2(queued >= 4096 - 256, qPrintable(QString::number(queued)));
        // The writer thread is stuck in write(); the engine still answers and ingests.
        QTRY_VERIFY_WITH_TIMEOUT(test::metricValue(scrape(metrics), "varta_events_total") > 20, 10000);
        for (std::uint32_t pid = 20000; pid < 20300; ++pid)
            watch.sendFrame(vlp::Frame{vlp::Status::Ok, pid, 1, nonce, 0});
        QTRY_COMPARE_WITH_TIMEOUT(test::seriesValue(scrape(metrics), "varta_beats_total{pid=\"20299\""), qint64(nonce),
                                  10000);
        QCOMPARE(watch.stop(), 0);
        QCOMPARE(watch.summaryValue(QStringLiteral("beats")), qint64(nonce * 300));
        ::close(fds[0]);
    }

    // `varta-watch --headless … | true`, and its stderr gone the same way: every line
    // written afterwards meets EPIPE. The observer lives on, counts each such line as
    // lost, and still exits 0.
    void closedStdoutAndStderrCostLinesNotTheProcess() {
        int out[2];
        int err[2];
        QCOMPARE(::pipe2(out, O_CLOEXEC), 0);
        QCOMPARE(::pipe2(err, O_CLOEXEC), 0);
        WatchProcess watch;
        QTemporaryDir dir;
        const QStringList args =
            QStringList{QStringLiteral("--headless"), QStringLiteral("--udp-port"), QStringLiteral("0"),
                        QStringLiteral("--threshold-ms"), QStringLiteral("100")}
            + metricsArgs(dir);
        QProcess &process = watch.process;
        process.setProgram(test::watchBinary());
        process.setArguments(args);
        process.setProcessChannelMode(QProcess::ForwardedChannels);
        const int outEnd = out[1];
        const int errEnd = err[1];
        process.setChildProcessModifier([outEnd, errEnd] {
            ::dup2(outEnd, STDOUT_FILENO);
            ::dup2(errEnd, STDERR_FILENO);
        });
        process.start();
        QVERIFY(process.waitForStarted(10000));
        ::close(outEnd);
        ::close(errEnd);
        // Stdout says where /metrics and the UDP listener are; then both readers go away.
        QStringList lines;
        QByteArray line;
        char c = 0;
        while (lines.size() < 3 && ::read(out[0], &c, 1) == 1) {
            if (c != '\n') {
                line.append(c);
                continue;
            }
            lines << QString::fromUtf8(line);
            line.clear();
        }
        QCOMPARE(lines.size(), 3);
        const QString metrics = lines.first();
        const QString udp = lines.filter(QStringLiteral("listening on udp")).value(0);
        watch.udpPort = static_cast<quint16>(udp.section(QLatin1Char(':'), -1).toUInt());
        QVERIFY2(watch.udpPort != 0, qPrintable(lines.join(QLatin1Char('|'))));
        ::close(out[0]);
        ::close(err[0]);
        // Events to log: agents that stall.
        for (std::uint32_t pid = 30000; pid < 30050; ++pid)
            watch.sendFrame(vlp::Frame{vlp::Status::Ok, pid, 1, 1, 0});
        QTRY_VERIFY_WITH_TIMEOUT(test::metricValue(scrape(metrics), "varta_log_lines_lost_total") > 0, 10000);
        QCOMPARE(process.state(), QProcess::Running);
        QCOMPARE(watch.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestEventLogE2E)
#include "tst_event_log_e2e.moc"
