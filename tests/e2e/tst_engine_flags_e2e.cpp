// Upstream's engine-side flags on the real binary: --heartbeat-file, --hw-watchdog,
// --strict-namespace-check, --uds-rcvbuf-bytes, --clock-source, --log-format json, the
// pid_max rule, and the loop families that measure the engine thread.
#include "core/sender/beat_client.h"
#include "core/vlp/frame.h"
#include "tests/support/secret_files.h"
#include "tests/support/watch_process.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace varta;
using namespace varta::test;

namespace {

constexpr int kCeilingMs = 10000;

QByteArray readFile(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The value of one sample (name with its labels, as rendered) in a /metrics body, or -1.
double sample(const QByteArray &body, const QByteArray &series) {
    for (const QByteArray &line : body.split('\n'))
        if (line.startsWith(series + ' '))
            return line.mid(series.size() + 1).toDouble();
    return -1;
}

std::uint32_t localPidMax() { return readFile(QStringLiteral("/proc/sys/kernel/pid_max")).trimmed().toUInt(); }

}  // namespace

class TestEngineFlagsE2e : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void heartbeatFileIsRewrittenWhileTheEngineTurns();
    void aDeviceThatIsNoWatchdogStopsTheStart_data();
    void aDeviceThatIsNoWatchdogStopsTheStart();
    void pidsNoLinuxHostCanHaveAreDropped();
    void strictNamespaceCheckStopsAtTheFirstForeignBeat();
    void jsonLogLinesAreUpstreams();
    void loopAndObserverFamiliesMeasureTheEngine();
    void boottimeClockStillSurfacesStalls();

private:
    quint16 startWithMetrics(WatchProcess &watch, const QStringList &extra);
    QByteArray scrape(quint16 port);

    QTemporaryDir m_dir;
    QByteArray m_token;
    QString m_tokenFile;
};

void TestEngineFlagsE2e::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_token = randomToken();
    m_tokenFile = m_dir.filePath(QStringLiteral("token"));
    QVERIFY(writeSecretFile(m_tokenFile, m_token + '\n'));
}

quint16 TestEngineFlagsE2e::startWithMetrics(WatchProcess &watch, const QStringList &extra) {
    const QStringList args =
        QStringList{"--prom-addr", "127.0.0.1:0", "--prom-token-file", m_tokenFile, "--prom-rate-limit-per-sec", "0"}
        + extra;
    if (!watch.start(args, 2) || watch.stdoutLines.isEmpty())
        return 0;
    return static_cast<quint16>(watch.stdoutLines.first().section(QLatin1Char(':'), -1).toUInt());
}

QByteArray TestEngineFlagsE2e::scrape(quint16 port) {
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(kCeilingMs))
        return {};
    socket.write("GET /metrics HTTP/1.0\r\nAuthorization: Bearer " + m_token + "\r\n\r\n");
    QByteArray received;
    while (socket.waitForReadyRead(kCeilingMs))
        received += socket.readAll();
    received += socket.readAll();
    return received.mid(received.indexOf("\r\n\r\n") + 4);
}

void TestEngineFlagsE2e::heartbeatFileIsRewrittenWhileTheEngineTurns() {
    const QString path = m_dir.filePath(QStringLiteral("heartbeat"));
    WatchProcess watch;
    QVERIFY(watch.start({"--udp-port", "0", "--heartbeat-file", path}));
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(path), kCeilingMs);
    const auto read = [&] { return QString::fromLatin1(readFile(path)); };
    const QString first = read();
    QVERIFY2(QRegularExpression("^\\d+ \\d+\\n$").match(first).hasMatch(), qPrintable(first));
    struct stat st {};
    QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
    QCOMPARE(st.st_mode & 0777, 0600u);
    // Both the loop count and observer_ns move on.
    QTRY_VERIFY_WITH_TIMEOUT(read().section(' ', 1).toLongLong() > first.section(' ', 1).toLongLong(), kCeilingMs);
    QTRY_VERIFY_WITH_TIMEOUT(read().section(' ', 0, 0).toLongLong() > first.section(' ', 0, 0).toLongLong(),
                             kCeilingMs);
    QCOMPARE(watch.stop(), 0);
    // No temporary file is left beside it.
    const QStringList left = QDir(m_dir.path()).entryList({"heartbeat.*"}, QDir::Files);
    QVERIFY2(left.isEmpty(), qPrintable(left.join(' ')));
}

void TestEngineFlagsE2e::aDeviceThatIsNoWatchdogStopsTheStart_data() {
    QTest::addColumn<QString>("device");
    QTest::addColumn<QString>("problem");
    const QString plain = m_dir.filePath(QStringLiteral("plain-file"));
    QFile file(plain);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QTest::newRow("a regular file") << plain << "not a character device";
    QTest::newRow("a character device that is no watchdog") << "/dev/null"
                                                            << "not a watchdog (WDIOC_GETTIMEOUT)";
    QTest::newRow("missing") << m_dir.filePath(QStringLiteral("no-such-device")) << "cannot open the watchdog device";
}

void TestEngineFlagsE2e::aDeviceThatIsNoWatchdogStopsTheStart() {
    QFETCH(QString, device);
    QFETCH(QString, problem);
    QProcess process;
    process.start(watchBinary(), {"--headless", "--udp-port", "0", "--hw-watchdog", device});
    QVERIFY(process.waitForFinished(kCeilingMs));
    QCOMPARE(process.exitCode(), 1);
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(err.contains(device + ": " + problem), qPrintable(err));
}

void TestEngineFlagsE2e::pidsNoLinuxHostCanHaveAreDropped() {
    WatchProcess watch;
    QVERIFY(watch.start({"--udp-port", "0"}));
    // Above Linux's PID_MAX_LIMIT: no host has it. Just under it, and above this host's
    // pid_max: a remote host may (its pid_max is not ours), so it is tracked.
    watch.sendFrame(vlp::Frame{vlp::Status::Ok, vlp::kLinuxPidMaxLimit + 1, 1, 1, 0});
    watch.sendFrame(vlp::Frame{vlp::Status::Ok, vlp::kLinuxPidMaxLimit, 1, 1, 0});
    QTest::qWait(300);
    QCOMPARE(watch.stop(), 0);
    QCOMPARE(watch.summaryValue("pid_above_max"), 1);
    QCOMPARE(watch.summaryValue("beats"), 1);
    QVERIFY(localPidMax() > 0);
}

void TestEngineFlagsE2e::strictNamespaceCheckStopsAtTheFirstForeignBeat() {
    if (QStandardPaths::findExecutable(QStringLiteral("unshare")).isEmpty() || ::geteuid() != 0)
        QSKIP("needs unshare(1) and root to make a pid namespace");
    const QString socket = m_dir.filePath(QStringLiteral("strict.sock"));
    WatchProcess watch;
    QVERIFY(watch.start({"--socket", socket, "--strict-namespace-check"}));
    // In a new pid namespace the shell is pid 1 and varta-beat, its child, pid 2.
    QProcess agent;
    agent.start(QStringLiteral("unshare"), {"--pid", "--fork", "sh", "-c",
                                            QStringLiteral("'%1' --socket '%2' --count 3 --interval-ms 50; true")
                                                .arg(QStringLiteral(VARTA_BINARY_DIR "/bin/varta-beat"), socket)});
    QVERIFY(agent.waitForFinished(kCeilingMs));
    QVERIFY(watch.process.waitForFinished(kCeilingMs));
    QCOMPARE(watch.process.exitCode(), 1);
    const QString err = QString::fromUtf8(watch.process.readAllStandardError());
    QVERIFY2(err.contains("FATAL --strict-namespace-check: pid 2 beat from another pid namespace"), qPrintable(err));
}

void TestEngineFlagsE2e::jsonLogLinesAreUpstreams() {
    QProcess process;
    process.start(watchBinary(), {"--headless", "--udp-port", "0", "--log-format", "json", "--recovery-inherit-env",
                                  "--shutdown-after-secs", "0"});
    QVERIFY(process.waitForFinished(kCeilingMs));
    QCOMPARE(process.exitCode(), 0);
    const QList<QByteArray> lines = process.readAllStandardError().trimmed().split('\n');
    QVERIFY(!lines.isEmpty());
    for (const QByteArray &line : lines) {
        QJsonParseError error{};
        const QJsonObject object = QJsonDocument::fromJson(line, &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, line.constData());
        QVERIFY2(object.value("ts_ns").toDouble() > 1.7e18, line.constData());  // Unix time, ns
        QVERIFY2(QStringList({"info", "warn", "error"}).contains(object.value("level").toString()), line.constData());
        QVERIFY2(!object.value("msg").toString().isEmpty(), line.constData());
    }
    const QJsonObject first = QJsonDocument::fromJson(lines.first()).object();
    QCOMPARE(first.value("level").toString(), QString("warn"));
    QVERIFY(first.value("msg").toString().startsWith("--recovery-inherit-env:"));
}

void TestEngineFlagsE2e::loopAndObserverFamiliesMeasureTheEngine() {
    const QString socket = m_dir.filePath(QStringLiteral("families.sock"));
    WatchProcess watch;
    const quint16 port = startWithMetrics(watch, {"--socket", socket, "--uds-rcvbuf-bytes", "262144",
                                                  "--eviction-scan-window", "77", "--signal-handler-mode", "libc"});
    QVERIFY(port != 0);
    BeatClient client;
    QVERIFY(client.connectUnix(socket));
    for (int i = 0; i < 5; ++i) {
        QVERIFY(client.send(vlp::Status::Ok, 0));
        QTest::qWait(20);
    }
    QByteArray body;
    QTRY_VERIFY_WITH_TIMEOUT(
        sample(body = scrape(port), "varta_beats_total{pid=\"" + QByteArray::number(::getpid()) + "\",origin=\"uds\"}")
            >= 1,
        kCeilingMs);
    QVERIFY(sample(body, "varta_observer_iteration_seconds_count") > 0);
    QVERIFY(sample(body, "varta_observer_stage_seconds_count{stage=\"poll\"}") > 0);
    QVERIFY(sample(body, "varta_observer_stage_seconds_count{stage=\"housekeeping\"}") > 0);
    QVERIFY(sample(body, "varta_observer_stage_seconds_count{stage=\"serve_pending\"}") > 0);
    QCOMPARE(sample(body, "varta_observer_iteration_budget_exceeded_total"), 0.0);
    QVERIFY(sample(body, "varta_observer_uds_rcvbuf_bytes") >= 262144);  // Linux grants twice the request
    QVERIFY(sample(body, "varta_observer_uds_rcvbuf_bytes") <= 2 * 262144);
    QCOMPARE(sample(body, "varta_pid_max_current"), double(localPidMax()));
    QCOMPARE(sample(body, "varta_tracker_eviction_scan_window_max"), 77.0);
    QCOMPARE(sample(body, "varta_signal_handler_install_total{mode=\"libc\"}"), 1.0);
    QCOMPARE(sample(body, "varta_signal_handler_install_total{mode=\"direct\"}"), 0.0);
    QCOMPARE(watch.stop(), 0);
}

void TestEngineFlagsE2e::boottimeClockStillSurfacesStalls() {
    const QString events = m_dir.filePath(QStringLiteral("boottime.tsv"));
    WatchProcess watch;
    QVERIFY(watch.start(
        {"--udp-port", "0", "--clock-source", "boottime", "--threshold-ms", "100", "--export-file", events}));
    watch.sendFrame(vlp::Frame{vlp::Status::Ok, 4242, 1, 1, 0});
    QTRY_COMPARE_WITH_TIMEOUT(ofKind(readEventFile(events), "stall").size(), 1, kCeilingMs);
    QCOMPARE(watch.stop(), 0);
    const QList<EventLine> lines = readEventFile(events);
    QCOMPARE(ofKind(lines, "beat").size(), 1);
}

QTEST_GUILESS_MAIN(TestEngineFlagsE2e)
#include "tst_engine_flags_e2e.moc"
