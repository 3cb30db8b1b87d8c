// Upstream varta-watch 0.2.0's whole flag table (docs/compat.md section 1), row by row: an
// upstream command line parses, each flag has upstream's default and takes upstream's
// values, and upstream's bad values exit 2 naming the flag. Where a default is ours on
// purpose the row says so; docs/compat.md gives the reason.
#include "core/config/command_line.h"
#include "option_fields.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace varta;

namespace {

// What upstream requires on every command line.
const QStringList kUpstreamBase{"--socket", "/run/varta/varta.sock", "--threshold-ms", "500"};

ParseOutcome parse(const QStringList &flags) {
    return parseCommandLine(QStringList{"varta-watch"} + kUpstreamBase + flags);
}

}  // namespace

class TestConfigUpstream : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_keyFile;  // stands for "/k" in the rows below

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_keyFile = m_dir.filePath("key");
        QFile file(m_keyFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(64, 'a') + '\n');
        file.close();
        QCOMPARE(::chmod(QFile::encodeName(m_keyFile).constData(), 0600), 0);
    }

    void upstreamUnitCommandLine() {
        // observability/examples/varta-watch.service, ExecStart as shipped.
        const ParseOutcome outcome = parseCommandLine({"varta-watch", "--socket", "/run/varta/varta.sock",
                                                       "--threshold-ms", "5000", "--self-watchdog-secs", "4"});
        QVERIFY2(outcome.options, qPrintable(outcome.output));
        QCOMPARE(outcome.options->uds->path, QString("/run/varta/varta.sock"));
        QCOMPARE(*outcome.options->selfWatchdogSecs, std::int64_t{4});
    }

    // --- every upstream flag not given: its default ----------------------------------
    void defaults_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("expected");
        auto row = [](const char *flag, const char *field, const char *expected) {
            QTest::newRow(flag) << QString(field) << QString(expected);
        };
        row("--socket-mode 0600", "uds.mode", "600");
        row("--read-timeout-ms 100", "readTimeoutMs", "100");
        row("--uds-rcvbuf-bytes: ours 32 MiB, upstream 1 MiB", "uds.receiveBufferBytes", "33554432");
        row("--udp-port: none beside --socket", "udp.port", "");
        row("--recovery-debounce-ms 1000", "recovery.debounceMs", "1000");
        row("--recovery-timeout-ms: never kill", "recovery.timeoutMs", "none");
        row("--recovery-env: none", "recovery.env", "");
        row("--recovery-inherit-env off", "recovery.inheritEnv", "false");
        row("--recovery-capture-stdio off", "recovery.captureStdio", "false");
        row("--recovery-capture-bytes: ours 65536, upstream 4096", "recovery.captureBytes", "65536");
        row("--recovery-audit-file: none", "recovery.auditFile", "");
        row("--recovery-audit-max-bytes: unbounded", "recovery.auditMaxBytes", "none");
        row("--recovery-audit-sync-every 1", "recovery.auditSyncEvery", "1");
        row("--audit-fsync-budget-ms 50", "recovery.auditFsyncBudgetMs", "50");
        row("--audit-sync-interval-ms 0", "recovery.auditSyncIntervalMs", "0");
        row("--audit-rotation-budget-ms 50", "recovery.auditRotationBudgetMs", "50");
        row("--export-file: none", "exportFile.path", "");
        row("--export-file-max-bytes: unbounded", "exportFile.maxBytes", "0");
        row("--export-file-sync-every 0", "exportFile.syncEvery", "0");
        row("--prom-rate-limit-per-sec 5", "prom.rateLimitPerSec", "5");
        row("--prom-rate-limit-burst 10", "prom.rateLimitBurst", "10");
        row("--tracker-capacity: ours 65536, upstream 256", "tracker.capacity", "65536");
        row("--eviction-scan-window 256", "tracker.evictionScanWindow", "256");
        row("--tracker-eviction-policy strict", "tracker.eviction", "strict");
        row("--clock-source monotonic", "clockSource", "monotonic");
        row("--max-beat-rate 100", "tracker.maxBeatRate", "100");
        row("--global-beat-rate: ours off, upstream 5000", "tracker.globalBeatRate", "0");
        row("--global-beat-burst: ours the rate, upstream 10000", "tracker.globalBeatBurst", "0");
        row("--iteration-budget-ms 250", "iterationBudgetMs", "250");
        row("--scrape-budget-ms 250", "prom.scrapeBudgetMs", "250");
        row("--heartbeat-file: none", "heartbeatFile", "");
        row("--self-watchdog-secs: off", "selfWatchdogSecs", "none");
        row("--hw-watchdog: none", "hwWatchdog", "");
        row("--shutdown-after-secs: never", "shutdownAfterSecs", "none");
        row("--shutdown-grace-ms 5000", "shutdownGraceMs", "5000");
        row("--signal-handler-mode direct", "signalHandlerMode", "direct");
        row("--allow-cross-namespace-agents off", "tracker.allowCrossNamespace", "false");
        row("--strict-namespace-check off", "tracker.strictNamespaceCheck", "false");
    }
    void defaults() {
        QFETCH(QString, field);
        QFETCH(QString, expected);
        const ParseOutcome outcome = parse({});
        QVERIFY2(outcome.options, qPrintable(outcome.output));
        QCOMPARE(::field(*outcome.options, field), expected);
    }

    // --- every upstream flag given as upstream's documentation writes it --------------
    void values_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("expected");
        auto row = [](const char *name, const QStringList &arguments, const char *field, const char *expected) {
            QTest::newRow(name) << arguments << QString(field) << QString(expected);
        };
        const QStringList exec{"--recovery-exec", "/usr/bin/systemctl restart app@{pid}"};
        row("--socket-mode 0660", {"--socket-mode", "0660"}, "uds.mode", "660");
        row("--socket-mode 0o640", {"--socket-mode", "0o640"}, "uds.mode", "640");
        row("--read-timeout-ms 1", {"--read-timeout-ms", "1"}, "readTimeoutMs", "1");
        row("--read-timeout-ms 1000", {"--read-timeout-ms", "1000"}, "readTimeoutMs", "1000");
        row("--read-timeout-ms half the self-watchdog", {"--self-watchdog-secs", "1", "--read-timeout-ms", "500"},
            "readTimeoutMs", "500");
        row("--uds-rcvbuf-bytes 1048576", {"--uds-rcvbuf-bytes", "1048576"}, "uds.receiveBufferBytes", "1048576");
        row("--uds-rcvbuf-bytes 0: kernel default", {"--uds-rcvbuf-bytes", "0"}, "uds.receiveBufferBytes", "0");
        row("--udp-port", {"--udp-port", "9100", "--key-file", "/k"}, "udp.port", "9100");
        row("--udp-bind-addr with keys", {"--udp-port", "9100", "--key-file", "/k"}, "udp.bindAddress", "127.0.0.1");
        row("--i-accept-plaintext-udp binds 0.0.0.0", {"--udp-port", "9100", "--i-accept-plaintext-udp"},
            "udp.bindAddress", "0.0.0.0");
        row("--i-accept-secure-udp-non-loopback",
            {"--udp-port", "9100", "--key-file", "/k", "--udp-bind-addr", "0.0.0.0",
             "--i-accept-secure-udp-non-loopback"},
            "udp.acceptNonLoopback", "true");
        row("--secure-udp-i-accept-recovery-on-unauthenticated-transport",
            exec
                + QStringList{"--udp-port", "9100", "--key-file", "/k",
                              "--secure-udp-i-accept-recovery-on-unauthenticated-transport"},
            "udp.recoveryAllowed", "true");
        row("--plaintext-udp-i-accept-recovery-on-unauthenticated-transport",
            exec
                + QStringList{"--udp-port", "9100", "--i-accept-plaintext-udp",
                              "--plaintext-udp-i-accept-recovery-on-unauthenticated-transport"},
            "udp.recoveryAllowed", "true");
        row("--recovery-exec", exec, "recovery.execTemplate", "/usr/bin/systemctl|restart|app@{pid}");
        row("--recovery-debounce-ms", {"--recovery-debounce-ms", "30000"}, "recovery.debounceMs", "30000");
        row("--recovery-timeout-ms", {"--recovery-timeout-ms", "10000"}, "recovery.timeoutMs", "10000");
        row("--recovery-env", {"--recovery-env", "SERVICE=app"}, "recovery.env", "SERVICE=app");
        row("--recovery-inherit-env", {"--recovery-inherit-env"}, "recovery.inheritEnv", "true");
        row("--recovery-capture-stdio", exec + QStringList{"--recovery-capture-stdio"}, "recovery.captureStdio",
            "true");
        row("--recovery-capture-bytes 1048576", {"--recovery-capture-bytes", "1048576"}, "recovery.captureBytes",
            "1048576");
        row("--recovery-audit-file", {"--recovery-audit-file", "/var/log/varta/audit.tsv"}, "recovery.auditFile",
            "/var/log/varta/audit.tsv");
        row("--recovery-audit-max-bytes 4096", {"--recovery-audit-max-bytes", "4096"}, "recovery.auditMaxBytes",
            "4096");
        row("--recovery-audit-sync-every 8", {"--recovery-audit-sync-every", "8"}, "recovery.auditSyncEvery", "8");
        row("--audit-fsync-budget-ms 10", {"--audit-fsync-budget-ms", "10"}, "recovery.auditFsyncBudgetMs", "10");
        row("--audit-sync-interval-ms 1000", {"--audit-sync-interval-ms", "1000"}, "recovery.auditSyncIntervalMs",
            "1000");
        row("--audit-rotation-budget-ms 250", {"--audit-rotation-budget-ms", "250"}, "recovery.auditRotationBudgetMs",
            "250");
        row("--export-file", {"--export-file", "/var/log/varta/events.tsv"}, "exportFile.path",
            "/var/log/varta/events.tsv");
        row("--export-file-max-bytes", {"--export-file-max-bytes", "1048576"}, "exportFile.maxBytes", "1048576");
        row("--export-file-sync-every", {"--export-file-sync-every", "64"}, "exportFile.syncEvery", "64");
        row("--prom-rate-limit-per-sec 0: no limit", {"--prom-rate-limit-per-sec", "0"}, "prom.rateLimitPerSec", "0");
        row("--prom-rate-limit-burst 20", {"--prom-rate-limit-burst", "20"}, "prom.rateLimitBurst", "20");
        row("--tracker-capacity 4096", {"--tracker-capacity", "4096"}, "tracker.capacity", "4096");
        row("--eviction-scan-window 1", {"--eviction-scan-window", "1"}, "tracker.evictionScanWindow", "1");
        row("--eviction-scan-window 4096", {"--eviction-scan-window", "4096"}, "tracker.evictionScanWindow", "4096");
        row("--tracker-eviction-policy balanced", {"--tracker-eviction-policy", "balanced"}, "tracker.eviction",
            "balanced");
        row("--clock-source boottime", {"--clock-source", "boottime"}, "clockSource", "boottime");
        row("--clock-source monotonic", {"--clock-source", "monotonic"}, "clockSource", "monotonic");
        row("--max-beat-rate 0: no limit", {"--max-beat-rate", "0"}, "tracker.maxBeatRate", "0");
        row("--global-beat-rate 5000", {"--global-beat-rate", "5000"}, "tracker.globalBeatRate", "5000");
        row("--global-beat-burst 10000", {"--global-beat-burst", "10000"}, "tracker.globalBeatBurst", "10000");
        row("--iteration-budget-ms 50", {"--iteration-budget-ms", "50"}, "iterationBudgetMs", "50");
        row("--iteration-budget-ms 60000", {"--iteration-budget-ms", "60000"}, "iterationBudgetMs", "60000");
        row("--scrape-budget-ms 1000", {"--scrape-budget-ms", "1000"}, "prom.scrapeBudgetMs", "1000");
        row("--heartbeat-file", {"--heartbeat-file", "/run/varta/heartbeat"}, "heartbeatFile", "/run/varta/heartbeat");
        row("--self-watchdog-secs 4", {"--self-watchdog-secs", "4"}, "selfWatchdogSecs", "4");
        row("--hw-watchdog", {"--hw-watchdog", "/dev/watchdog"}, "hwWatchdog", "/dev/watchdog");
        row("--shutdown-after-secs 0", {"--shutdown-after-secs", "0"}, "shutdownAfterSecs", "0");
        row("--shutdown-grace-ms 100", {"--shutdown-grace-ms", "100"}, "shutdownGraceMs", "100");
        row("--signal-handler-mode libc", {"--signal-handler-mode", "libc"}, "signalHandlerMode", "libc");
        row("--signal-handler-mode direct", {"--signal-handler-mode", "direct"}, "signalHandlerMode", "direct");
        row("--allow-cross-namespace-agents", {"--allow-cross-namespace-agents"}, "tracker.allowCrossNamespace",
            "true");
        row("--strict-namespace-check", {"--strict-namespace-check"}, "tracker.strictNamespaceCheck", "true");
    }
    void values() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, field);
        QFETCH(QString, expected);
        arguments.replaceInStrings(QRegularExpression("^/k$"), m_keyFile);
        const ParseOutcome outcome = parse(arguments);
        QVERIFY2(outcome.options, qPrintable(outcome.output));
        QCOMPARE(outcome.exitCode, 0);
        QCOMPARE(::field(*outcome.options, field), expected);
    }

    // --- upstream's bad values: exit 2, one line naming the flag -----------------------
    void badValues_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("flag");
        auto row = [](const char *name, const QStringList &arguments) {
            QTest::newRow(name) << arguments << arguments.constFirst();
        };
        row("--threshold-ms 5: below 10", {"--threshold-ms", "5"});
        row("--socket-mode 9", {"--socket-mode", "9"});
        row("--read-timeout-ms 0", {"--read-timeout-ms", "0"});
        row("--read-timeout-ms 1001", {"--read-timeout-ms", "1001"});
        row("--read-timeout-ms past half the self-watchdog", {"--read-timeout-ms", "600", "--self-watchdog-secs", "1"});
        row("--uds-rcvbuf-bytes text", {"--uds-rcvbuf-bytes", "1M"});
        row("--uds-rcvbuf-bytes past i32", {"--uds-rcvbuf-bytes", "2147483648"});
        row("--udp-port 65536", {"--udp-port", "65536"});
        row("--udp-bind-addr name", {"--udp-bind-addr", "localhost"});
        row("--recovery-exec empty", {"--recovery-exec", " "});
        row("--recovery-debounce-ms text", {"--recovery-debounce-ms", "1s"});
        row("--recovery-timeout-ms 0 (upstream HEAD: at least 100)", {"--recovery-timeout-ms", "0"});
        row("--recovery-capture-stdio without a command", {"--recovery-capture-stdio"});
        row("--recovery-capture-bytes past 16 MiB", {"--recovery-capture-bytes", "16777217"});
        row("--recovery-audit-max-bytes 4095", {"--recovery-audit-max-bytes", "4095"});
        row("--recovery-audit-sync-every 0", {"--recovery-audit-sync-every", "0"});
        row("--recovery-audit-sync-every past u32", {"--recovery-audit-sync-every", "4294967296"});
        row("--audit-fsync-budget-ms 0", {"--audit-fsync-budget-ms", "0"});
        row("--audit-sync-interval-ms -1", {"--audit-sync-interval-ms", "-1"});
        row("--audit-rotation-budget-ms 0", {"--audit-rotation-budget-ms", "0"});
        row("--audit-rotation-budget-ms 251", {"--audit-rotation-budget-ms", "251"});
        row("--export-file-sync-every text", {"--export-file-sync-every", "x"});
        row("--prom-addr without its token", {"--prom-addr", "127.0.0.1:9100"});
        row("--prom-token-file without an address", {"--prom-token-file", "/t"});
        row("--prom-rate-limit-per-sec -1", {"--prom-rate-limit-per-sec", "-1"});
        row("--prom-rate-limit-burst past u32", {"--prom-rate-limit-burst", "4294967296"});
        row("--tracker-capacity 0", {"--tracker-capacity", "0"});
        row("--eviction-scan-window 0", {"--eviction-scan-window", "0"});
        row("--eviction-scan-window 4097", {"--eviction-scan-window", "4097"});
        row("--tracker-eviction-policy lru", {"--tracker-eviction-policy", "lru"});
        row("--clock-source realtime", {"--clock-source", "realtime"});
        row("--clock-source monotonic-raw: macOS only", {"--clock-source", "monotonic-raw"});
        row("--max-beat-rate -1", {"--max-beat-rate", "-1"});
        row("--global-beat-rate text", {"--global-beat-rate", "lots"});
        row("--global-beat-burst past u32", {"--global-beat-burst", "4294967296"});
        row("--iteration-budget-ms 49", {"--iteration-budget-ms", "49"});
        row("--iteration-budget-ms 60001", {"--iteration-budget-ms", "60001"});
        row("--scrape-budget-ms 49", {"--scrape-budget-ms", "49"});
        row("--scrape-budget-ms 60001", {"--scrape-budget-ms", "60001"});
        row("--heartbeat-file empty", {"--heartbeat-file", ""});
        row("--hw-watchdog empty", {"--hw-watchdog", ""});
        row("--shutdown-after-secs -1", {"--shutdown-after-secs", "-1"});
        row("--shutdown-grace-ms 99", {"--shutdown-grace-ms", "99"});
        row("--signal-handler-mode raw", {"--signal-handler-mode", "raw"});
        row("--self-watchdog-secs text", {"--self-watchdog-secs", "four"});
    }
    void badValues() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, flag);
        const ParseOutcome outcome = parse(arguments);
        QVERIFY(!outcome.options);
        QCOMPARE(outcome.exitCode, 2);
        QVERIFY2(outcome.output.startsWith("varta-watch: " + flag + ": "), qPrintable(outcome.output));
        QVERIFY2(!outcome.output.contains('\n'), qPrintable(outcome.output));
    }

    // --- upstream's removed flags keep their migration hints ----------------------------
    void removedFlags_data() {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("hint");
        QTest::newRow("--recovery-cmd") << "--recovery-cmd"
                                        << "use --recovery-exec";
        QTest::newRow("--i-accept-shell-risk") << "--i-accept-shell-risk"
                                               << "use --recovery-exec";
        QTest::newRow("--recovery-cmd-file") << "--recovery-cmd-file"
                                             << "use --recovery-exec-file";
        QTest::newRow("--key-env") << "--key-env"
                                   << "use --key-file";
        QTest::newRow("--master-key-env") << "--master-key-env"
                                          << "use --key-file";
        QTest::newRow("--accepted-key-env") << "--accepted-key-env"
                                            << "use --key-file";
    }
    void removedFlags() {
        QFETCH(QString, flag);
        QFETCH(QString, hint);
        const ParseOutcome outcome = parse({flag, "value"});
        QVERIFY(!outcome.options);
        QCOMPARE(outcome.exitCode, 2);
        QVERIFY2(outcome.output.startsWith("varta-watch: " + flag + ": removed"), qPrintable(outcome.output));
        QVERIFY2(outcome.output.contains(hint), qPrintable(outcome.output));
    }
};

QTEST_GUILESS_MAIN(TestConfigUpstream)
#include "tst_config_upstream.moc"
