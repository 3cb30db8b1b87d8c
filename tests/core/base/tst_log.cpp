// Diagnostics on stderr: our text lines, upstream's JSON lines (ts_ns, level, msg and the
// optional pid, child_pid, error), and the one-line-a-second limit for repeating errors.
#include "core/base/log.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <csignal>

#include <fcntl.h>
#include <unistd.h>

using namespace varta;

class TestLog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void textLines_data() {
        QTest::addColumn<int>("level");
        QTest::addColumn<QString>("error");
        QTest::addColumn<QByteArray>("line");
        QTest::newRow("info") << int(LogLevel::Info) << QString() << QByteArray("varta-watch: listening");
        QTest::newRow("warning") << int(LogLevel::Warning) << QString()
                                 << QByteArray("varta-watch: warning: listening");
        QTest::newRow("error with its cause") << int(LogLevel::Error) << QString("No space left on device")
                                              << QByteArray("varta-watch: listening: No space left on device");
    }
    void textLines() {
        QFETCH(int, level);
        QFETCH(QString, error);
        QFETCH(QByteArray, line);
        QCOMPARE(formatLogLine(LogLevel(level), "listening", {std::nullopt, std::nullopt, error, {}}, false, 0), line);
    }

    // Under systemd, stderr is the journal: each line opens with its syslog priority.
    void journalLinesCarryTheirPriority_data() {
        QTest::addColumn<int>("level");
        QTest::addColumn<QByteArray>("prefix");
        QTest::newRow("error") << int(LogLevel::Error) << QByteArray("<3>");
        QTest::newRow("warning") << int(LogLevel::Warning) << QByteArray("<4>");
        QTest::newRow("notice") << int(LogLevel::Notice) << QByteArray("<5>");
        QTest::newRow("info") << int(LogLevel::Info) << QByteArray("<6>");
    }
    void journalLinesCarryTheirPriority() {
        QFETCH(int, level);
        QFETCH(QByteArray, prefix);
        QVERIFY(formatLogLine(LogLevel(level), "x", {}, false, 0, true).startsWith(prefix + "varta-watch: "));
        QVERIFY(formatLogLine(LogLevel(level), "x", {}, true, 0, true).startsWith(prefix + "{"));
        QVERIFY(!formatLogLine(LogLevel(level), "x", {}, false, 0, false).startsWith("<"));
    }

    void jsonLinesCarryAnEventsFields() {
        LogFields fields;
        fields.extra.insert(QStringLiteral("event"), QStringLiteral("stall"));
        fields.extra.insert(QStringLiteral("msg"), QStringLiteral("not this"));  // the common keys win
        const QJsonObject object =
            QJsonDocument::fromJson(formatLogLine(LogLevel::Warning, "stalled", fields, true, 5)).object();
        QCOMPARE(object.value("event").toString(), QString("stall"));
        QCOMPARE(object.value("msg").toString(), QString("stalled"));
        QCOMPARE(object.value("level").toString(), QString("warn"));
    }

    void jsonLinesCarryUpstreamsKeys() {
        const QByteArray line = formatLogLine(LogLevel::Error, "recovery for pid 42 failed \"badly\"\n",
                                              {42, 99, "ECONNREFUSED", {}}, true, 1720000002000000000);
        QVERIFY(!line.contains('\n'));  // one line, whatever the message holds
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        QCOMPARE(object.value("ts_ns").toInteger(), qint64(1720000002000000000));
        QCOMPARE(object.value("level").toString(), QString("error"));
        QCOMPARE(object.value("msg").toString(), QString("recovery for pid 42 failed \"badly\"\n"));
        QCOMPARE(object.value("pid").toInteger(), qint64(42));
        QCOMPARE(object.value("child_pid").toInteger(), qint64(99));
        QCOMPARE(object.value("error").toString(), QString("ECONNREFUSED"));
    }

    void jsonLinesLeaveOutWhatIsNotThere() {
        const QJsonObject object = QJsonDocument::fromJson(formatLogLine(LogLevel::Warning, "m", {}, true, 1)).object();
        QCOMPARE(object.value("level").toString(), QString("warn"));
        QCOMPARE(object.keys(), QStringList({"level", "msg", "ts_ns"}));
    }

    void repeatsWithinASecondAreCountedNotWritten() {
        const auto before = logSuppressedCounts()[std::size_t(LogKind::HeartbeatIo)];
        for (int i = 0; i < 5; ++i)
            logLimited(LogKind::HeartbeatIo, LogLevel::Error, "--heartbeat-file: cannot write");
        QCOMPARE(logSuppressedCounts()[std::size_t(LogKind::HeartbeatIo)], before + 4);
        QCOMPARE(logSuppressedCounts()[std::size_t(LogKind::AuditIo)], std::uint64_t{0});  // kinds apart
    }

    // Last: it leaves the process's one writer thread stuck on a pipe nobody reads. Every
    // logLine() returns at once; what finds the queue full is counted, not waited for.
    void aStderrNobodyReadsLosesLinesAndNeverBlocks() {
        std::signal(SIGPIPE, SIG_IGN);
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        ::fcntl(fds[1], F_SETPIPE_SZ, 4096);
        const int savedStderr = ::dup(STDERR_FILENO);
        ::dup2(fds[1], STDERR_FILENO);
        startLogWriter();
        const std::uint64_t lostBefore = logLinesLost();
        const std::size_t lines = kLogQueueLines * 2;
        for (std::size_t i = 0; i < lines; ++i)
            logLine(LogLevel::Info, QStringLiteral("line %1 of a log nobody reads").arg(i));
        QVERIFY(!flushLog(200));  // it cannot drain
        const std::uint64_t lost = logLinesLost() - lostBefore;
        QVERIFY2(lost >= lines - kLogQueueLines - 100 && lost <= lines, qPrintable(QString::number(lost)));
        ::close(fds[0]);  // the writer's stuck write() now fails with EPIPE, and it goes on
        QVERIFY(flushLog(5000));
        ::dup2(savedStderr, STDERR_FILENO);
        ::close(fds[1]);
    }
};

QTEST_GUILESS_MAIN(TestLog)
#include "tst_log.moc"
