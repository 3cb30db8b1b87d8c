// The command line of docs/compat.md section 1, flag by flag: what each flag sets, what each
// one refuses, and the rules that tie flags together. Secret files: tst_config_files;
// --help, --version, Qt's options and the headless scan: tst_config_startup.
#include "core/config/command_line.h"
#include "option_fields.h"

#include <QTest>

using namespace varta;

namespace {

ParseOutcome parse(const QStringList &flags) { return parseCommandLine(QStringList{"varta-watch"} + flags); }

}  // namespace

class TestConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // --- nothing given ------------------------------------------------------------------
    void defaults_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no unix socket") << "uds.path"
                                        << "";
        QTest::newRow("UDP listener on port 9000") << "udp.port"
                                                   << "9000";
        QTest::newRow("UDP on 127.0.0.1") << "udp.bindAddress"
                                          << "127.0.0.1";
        QTest::newRow("no non-loopback") << "udp.acceptNonLoopback"
                                         << "false";
        QTest::newRow("no recovery over UDP") << "udp.recoveryAllowed"
                                              << "false";
        QTest::newRow("threshold 2000") << "tracker.thresholdMs"
                                        << "2000";
        QTest::newRow("capacity 65536") << "tracker.capacity"
                                        << "65536";
        QTest::newRow("strict eviction") << "tracker.eviction"
                                         << "strict";
        QTest::newRow("per-agent rate 100") << "tracker.maxBeatRate"
                                            << "100";
        QTest::newRow("global rate off") << "tracker.globalBeatRate"
                                         << "0";
        QTest::newRow("global burst 0") << "tracker.globalBeatBurst"
                                        << "0";
        QTest::newRow("same namespace only") << "tracker.allowCrossNamespace"
                                             << "false";
        QTest::newRow("no recovery command") << "recovery.execTemplate"
                                             << "";
        QTest::newRow("debounce 1000") << "recovery.debounceMs"
                                       << "1000";
        QTest::newRow("never kill") << "recovery.timeoutMs"
                                    << "none";
        QTest::newRow("kill grace 1000") << "recovery.killGraceMs"
                                         << "1000";
        QTest::newRow("no extra env") << "recovery.env"
                                      << "";
        QTest::newRow("clean env") << "recovery.inheritEnv"
                                   << "false";
        QTest::newRow("capture 65536") << "recovery.captureBytes"
                                       << "65536";
        QTest::newRow("no audit file") << "recovery.auditFile"
                                       << "";
        QTest::newRow("64 children") << "recovery.maxConcurrent"
                                     << "64";
        QTest::newRow("5 attempts") << "recovery.maxAttempts"
                                    << "5";
        QTest::newRow("10 minute window") << "recovery.attemptWindowMs"
                                          << "600000";
        QTest::newRow("no event file") << "exportFile.path"
                                       << "";
        QTest::newRow("never rotate") << "exportFile.maxBytes"
                                      << "0";
        QTest::newRow("never fsync") << "exportFile.syncEvery"
                                     << "0";
        QTest::newRow("run until stopped") << "shutdownAfterSecs"
                                           << "none";
        QTest::newRow("shutdown grace 5000") << "shutdownGraceMs"
                                             << "5000";
        QTest::newRow("no self-watchdog") << "selfWatchdogSecs"
                                          << "none";
        QTest::newRow("window") << "headless"
                                << "false";
        QTest::newRow("no demo") << "demo"
                                 << "false";
        QTest::newRow("no screenshot") << "screenshotPath"
                                       << "";
        QTest::newRow("screenshot delay 3000") << "screenshotDelayMs"
                                               << "3000";
        QTest::newRow("system language") << "language"
                                         << "";
        QTest::newRow("no control socket") << "controlSocket"
                                           << "";
        QTest::newRow("no state file") << "stateFile"
                                       << "";
        QTest::newRow("no warnings") << "warnings"
                                     << "";
    }
    void defaults() {
        QFETCH(QString, field);
        QFETCH(QString, expected);
        const ParseOutcome outcome = parse({});
        QVERIFY2(outcome.options, qPrintable(outcome.output));
        QCOMPARE(outcome.exitCode, 0);
        QCOMPARE(::field(*outcome.options, field), expected);
        QVERIFY(!outcome.options->uds);
        QVERIFY(!outcome.options->secure.enabled());
        QVERIFY(!outcome.options->prom.enabled());
    }

    // --- each flag sets its field, as "--flag value" and as "--flag=value" ----------------
    void eachFlag_data() {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("value");  // empty: a switch
        QTest::addColumn<QStringList>("others");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("expected");
        auto row = [](const char *name, const char *flag, const char *value, const QString &field,
                      const QString &expected, const QStringList &others = {}) {
            QTest::newRow(name) << QString(flag) << QString(value) << others << field << expected;
        };
        row("socket", "socket", "/run/varta.sock", "uds.path", "/run/varta.sock");
        row("socket alone: no UDP", "socket", "/run/varta.sock", "udp.port", "");
        row("socket-mode 600", "socket-mode", "600", "uds.mode", "600", {"--socket", "/s"});
        row("socket-mode 0660", "socket-mode", "0660", "uds.mode", "660", {"--socket", "/s"});
        row("socket-mode 0o640", "socket-mode", "0o640", "uds.mode", "640", {"--socket", "/s"});
        row("socket-mode 0", "socket-mode", "0", "uds.mode", "0", {"--socket", "/s"});
        row("socket-mode 0777", "socket-mode", "0777", "uds.mode", "777", {"--socket", "/s"});
        row("udp-port", "udp-port", "9100", "udp.port", "9100");
        row("udp-port 0 (any free port)", "udp-port", "0", "udp.port", "0");
        row("udp-port 1", "udp-port", "1", "udp.port", "1");
        row("udp-port 65535", "udp-port", "65535", "udp.port", "65535");
        row("udp-port with socket", "udp-port", "9001", "udp.port", "9001", {"--socket", "/s"});
        row("udp-bind-addr ::1", "udp-bind-addr", "::1", "udp.bindAddress", "::1");
        row("udp-bind-addr 127.0.0.2", "udp-bind-addr", "127.0.0.2", "udp.bindAddress", "127.0.0.2");
        row("udp-bind-addr 0.0.0.0 accepted", "udp-bind-addr", "0.0.0.0", "udp.bindAddress", "0.0.0.0",
            {"--i-accept-plaintext-udp"});
        row("i-accept-plaintext-udp", "i-accept-plaintext-udp", "", "udp.acceptNonLoopback", "true");
        row("plaintext recovery opt-in", "plaintext-udp-i-accept-recovery-on-unauthenticated-transport", "",
            "udp.recoveryAllowed", "true");
        row("secure opt-in ignored on plain UDP", "secure-udp-i-accept-recovery-on-unauthenticated-transport", "",
            "udp.recoveryAllowed", "false");
        row("threshold-ms 10", "threshold-ms", "10", "tracker.thresholdMs", "10");
        row("threshold-ms 2500", "threshold-ms", "2500", "tracker.thresholdMs", "2500");
        row("tracker-capacity 1", "tracker-capacity", "1", "tracker.capacity", "1");
        row("tracker-capacity max", "tracker-capacity", "1048576", "tracker.capacity", "1048576");
        row("eviction balanced", "tracker-eviction-policy", "balanced", "tracker.eviction", "balanced");
        row("eviction strict", "tracker-eviction-policy", "strict", "tracker.eviction", "strict");
        row("max-beat-rate 0", "max-beat-rate", "0", "tracker.maxBeatRate", "0");
        row("max-beat-rate max", "max-beat-rate", "4294967295", "tracker.maxBeatRate", "4294967295");
        row("global-beat-rate", "global-beat-rate", "5000", "tracker.globalBeatRate", "5000");
        row("global-beat-burst", "global-beat-burst", "10000", "tracker.globalBeatBurst", "10000");
        row("allow-cross-namespace-agents", "allow-cross-namespace-agents", "", "tracker.allowCrossNamespace", "true");
        const QStringList local{"--socket", "/s"};  // no UDP listener: recovery needs no opt-in
        row("recovery-exec split", "recovery-exec", "/usr/bin/systemctl  restart\tapp@{pid}", "recovery.execTemplate",
            "/usr/bin/systemctl|restart|app@{pid}", local);
        row("recovery-exec no shell", "recovery-exec", "a;b $(c) 'd e'", "recovery.execTemplate", "a;b|$(c)|'d|e'",
            local);
        row("recovery-exec source", "recovery-exec", "/bin/true", "recovery.execSource", "inline", local);
        row("recovery-exec with plain UDP and its opt-in", "recovery-exec", "/bin/true", "udp.recoveryAllowed", "true",
            {"--udp-port", "9000", "--plaintext-udp-i-accept-recovery-on-unauthenticated-transport"});
        row("recovery-debounce-ms 0", "recovery-debounce-ms", "0", "recovery.debounceMs", "0");
        row("recovery-timeout-ms 100", "recovery-timeout-ms", "100", "recovery.timeoutMs", "100");
        row("recovery-kill-grace-ms", "recovery-kill-grace-ms", "250", "recovery.killGraceMs", "250");
        row("recovery-env", "recovery-env", "MODE=restart", "recovery.env", "MODE=restart");
        row("recovery-env empty value", "recovery-env", "_X1=", "recovery.env", "_X1=");
        row("recovery-env = in value", "recovery-env", "A=b=c", "recovery.env", "A=b=c");
        row("recovery-inherit-env", "recovery-inherit-env", "", "recovery.inheritEnv", "true");
        row("recovery-capture-bytes 0", "recovery-capture-bytes", "0", "recovery.captureBytes", "0");
        row("recovery-capture-bytes 16 MiB", "recovery-capture-bytes", "16777216", "recovery.captureBytes", "16777216");
        row("recovery-capture-stdio", "recovery-capture-stdio", "", "recovery.captureStdio", "true",
            {"--socket", "/s", "--recovery-exec", "/bin/true"});
        row("recovery-audit-file", "recovery-audit-file", "/var/log/audit", "recovery.auditFile", "/var/log/audit");
        row("recovery-max-concurrent 1", "recovery-max-concurrent", "1", "recovery.maxConcurrent", "1");
        row("recovery-max-concurrent 4096", "recovery-max-concurrent", "4096", "recovery.maxConcurrent", "4096");
        row("recovery-max-attempts unlimited", "recovery-max-attempts", "0", "recovery.maxAttempts", "0");
        row("recovery-attempt-window-ms", "recovery-attempt-window-ms", "60000", "recovery.attemptWindowMs", "60000");
        row("export-file", "export-file", "/var/lib/events.tsv", "exportFile.path", "/var/lib/events.tsv");
        row("export-file-max-bytes", "export-file-max-bytes", "1048576", "exportFile.maxBytes", "1048576");
        row("export-file-sync-every", "export-file-sync-every", "100", "exportFile.syncEvery", "100");
        row("shutdown-after-secs 0", "shutdown-after-secs", "0", "shutdownAfterSecs", "0");
        row("shutdown-after-secs 5", "shutdown-after-secs", "5", "shutdownAfterSecs", "5");
        row("shutdown-grace-ms 100", "shutdown-grace-ms", "100", "shutdownGraceMs", "100");
        row("self-watchdog-secs 4", "self-watchdog-secs", "4", "selfWatchdogSecs", "4");
        row("self-watchdog-secs 0 is off", "self-watchdog-secs", "0", "selfWatchdogSecs", "0");
        row("headless", "headless", "", "headless", "true");
        row("demo", "demo", "", "demo", "true");
        row("screenshot", "screenshot", "/tmp/shot.png", "screenshotPath", "/tmp/shot.png");
        row("screenshot-delay-ms", "screenshot-delay-ms", "0", "screenshotDelayMs", "0");
        row("lang de", "lang", "de", "language", "de");
        row("control-socket", "control-socket", "/run/varta-watch/control.sock", "controlSocket",
            "/run/varta-watch/control.sock");
        row("state-file", "state-file", "/var/lib/varta-watch/state.json", "stateFile",
            "/var/lib/varta-watch/state.json");
        row("lang pt_BR", "lang", "pt_BR", "language", "pt_BR");
    }
    void eachFlag() {
        QFETCH(QString, flag);
        QFETCH(QString, value);
        QFETCH(QStringList, others);
        QFETCH(QString, field);
        QFETCH(QString, expected);
        QList<QStringList> spellings{{"--" + flag}};
        if (!value.isEmpty())
            spellings = {{"--" + flag, value}, {"--" + flag + '=' + value}};
        for (const QStringList &spelling : spellings) {
            const ParseOutcome outcome = parse(spelling + others);
            QVERIFY2(outcome.options, qPrintable(spelling.join(' ') + " -> " + outcome.output));
            QCOMPARE(outcome.exitCode, 0);
            QCOMPARE(::field(*outcome.options, field), expected);
        }
    }

    void repeatedFlags() {
        const ParseOutcome outcome =
            parse({"--recovery-env", "A=1", "--recovery-env=B=2", "--threshold-ms", "100", "--threshold-ms=200"});
        QVERIFY2(outcome.options, qPrintable(outcome.output));
        QCOMPARE(outcome.options->recovery.env, QStringList({"A=1", "B=2"}));
        QCOMPARE(outcome.options->tracker.thresholdMs, std::int64_t{200});  // the last one wins
    }

    // --- bad values: exit 2 and one line naming the flag -------------------------------
    void badValue_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("line");  // the whole expected error line, between prefix and "; see --help"
        auto row = [](const char *name, const QStringList &arguments, const QString &line) {
            QTest::newRow(name) << arguments << line;
        };
        row("threshold below 10", {"--threshold-ms", "5"}, "--threshold-ms: must be at least 10 (got 5)");
        row("threshold negative", {"--threshold-ms=-5"}, "--threshold-ms: must be at least 10 (got -5)");
        row("threshold not a number", {"--threshold-ms", "2s"}, "--threshold-ms: must be a whole number (got '2s')");
        row("threshold empty", {"--threshold-ms="}, "--threshold-ms: must be a whole number (got '')");
        row("threshold with plus", {"--threshold-ms", "+50"}, "--threshold-ms: must be a whole number (got '+50')");
        row("threshold above a QTimer", {"--threshold-ms", "2147483648"},
            "--threshold-ms: must be at most 2147483647 (got 2147483648)");
        row("threshold overflows", {"--threshold-ms", "99999999999999999999"},
            "--threshold-ms: must be at most 2147483647 (got 99999999999999999999)");
        row("capacity 0", {"--tracker-capacity", "0"}, "--tracker-capacity: must be at least 1 (got 0)");
        row("capacity too big", {"--tracker-capacity", "1048577"},
            "--tracker-capacity: must be at most 1048576 (got 1048577)");
        row("eviction unknown", {"--tracker-eviction-policy", "lru"},
            "--tracker-eviction-policy: must be strict or balanced (got 'lru')");
        row("max-beat-rate negative", {"--max-beat-rate", "-1"}, "--max-beat-rate: must be at least 0 (got -1)");
        row("max-beat-rate over u32", {"--max-beat-rate", "4294967296"},
            "--max-beat-rate: must be at most 4294967295 (got 4294967296)");
        row("global-beat-rate text", {"--global-beat-rate", "fast"},
            "--global-beat-rate: must be a whole number (got 'fast')");
        row("global-beat-burst negative", {"--global-beat-burst", "-1"},
            "--global-beat-burst: must be at least 0 (got -1)");
        row("timeout below 100", {"--recovery-timeout-ms", "99"},
            "--recovery-timeout-ms: must be at least 100 (got 99)");
        row("shutdown grace below 100", {"--shutdown-grace-ms", "99"},
            "--shutdown-grace-ms: must be at least 100 (got 99)");
        row("self-watchdog negative", {"--self-watchdog-secs", "-1"},
            "--self-watchdog-secs: must be at least 0 (got -1)");
        row("self-watchdog over a day", {"--self-watchdog-secs", "86401"},
            "--self-watchdog-secs: must be at most 86400 (got 86401)");
        row("capture above 16 MiB", {"--recovery-capture-bytes", "16777217"},
            "--recovery-capture-bytes: must be at most 16777216 (got 16777217)");
        row("concurrent 0", {"--recovery-max-concurrent", "0"},
            "--recovery-max-concurrent: must be at least 1 (got 0)");
        row("concurrent 4097", {"--recovery-max-concurrent", "4097"},
            "--recovery-max-concurrent: must be at most 4096 (got 4097)");
        row("attempts negative", {"--recovery-max-attempts", "-1"},
            "--recovery-max-attempts: must be at least 0 (got -1)");
        row("window 0", {"--recovery-attempt-window-ms", "0"},
            "--recovery-attempt-window-ms: must be at least 1 (got 0)");
        row("debounce negative", {"--recovery-debounce-ms", "-1"},
            "--recovery-debounce-ms: must be at least 0 (got -1)");
        row("kill grace negative", {"--recovery-kill-grace-ms", "-1"},
            "--recovery-kill-grace-ms: must be at least 0 (got -1)");
        row("export max negative", {"--export-file-max-bytes", "-1"},
            "--export-file-max-bytes: must be at least 0 (got -1)");
        row("export sync text", {"--export-file-sync-every", "often"},
            "--export-file-sync-every: must be a whole number (got 'often')");
        row("shutdown-after negative", {"--shutdown-after-secs", "-1"},
            "--shutdown-after-secs: must be at least 0 (got -1)");
        row("shutdown-after too long", {"--shutdown-after-secs", "2147484"},
            "--shutdown-after-secs: must be at most 2147483 (got 2147484)");
        row("screenshot delay negative", {"--screenshot-delay-ms", "-1"},
            "--screenshot-delay-ms: must be at least 0 (got -1)");
        row("udp-port -1", {"--udp-port", "-1"}, "--udp-port: must be at least 0 (got -1)");
        row("udp-port 65536", {"--udp-port", "65536"}, "--udp-port: must be at most 65535 (got 65536)");
        row("udp-bind-addr name", {"--udp-bind-addr", "localhost"},
            "--udp-bind-addr: must be an IP address such as 127.0.0.1 or ::1 (got 'localhost')");
        row("udp-bind-addr shorthand", {"--udp-bind-addr", "127.1"},
            "--udp-bind-addr: must be an IP address such as 127.0.0.1 or ::1 (got '127.1')");
        row("udp-bind-addr 999", {"--udp-bind-addr", "999.0.0.1"},
            "--udp-bind-addr: must be an IP address such as 127.0.0.1 or ::1 (got '999.0.0.1')");
        row("socket-mode 8", {"--socket", "/s", "--socket-mode", "0800"},
            "--socket-mode: must be an octal mode such as 600, 0600 or 0o600 (got '0800')");
        row("socket-mode hex", {"--socket", "/s", "--socket-mode", "0x180"},
            "--socket-mode: must be an octal mode such as 600, 0600 or 0o600 (got '0x180')");
        row("socket-mode bare 0o", {"--socket", "/s", "--socket-mode", "0o"},
            "--socket-mode: must be an octal mode such as 600, 0600 or 0o600 (got '0o')");
        row("socket-mode sticky", {"--socket", "/s", "--socket-mode", "1777"},
            "--socket-mode: must be at most 0777 (got 1777)");
        row("socket-mode without socket still checked", {"--socket-mode", "rw"},
            "--socket-mode: must be an octal mode such as 600, 0600 or 0o600 (got 'rw')");
        row("socket empty", {"--socket", ""}, "--socket: must not be empty");
        row("prom-addr no port", {"--prom-addr", "127.0.0.1", "--prom-token-file", "/t"},
            "--prom-addr: must be IP:PORT such as 127.0.0.1:9100 or [::1]:9100 (got '127.0.0.1')");
        row("prom-addr bare IPv6", {"--prom-addr", "::1:9100", "--prom-token-file", "/t"},
            "--prom-addr: must be IP:PORT such as 127.0.0.1:9100 or [::1]:9100 (got '::1:9100')");
        row("prom-addr host name", {"--prom-addr", "localhost:9100", "--prom-token-file", "/t"},
            "--prom-addr: must be an IP address such as 127.0.0.1 or ::1 (got 'localhost')");
        row("prom-addr port too big", {"--prom-addr", "127.0.0.1:65536", "--prom-token-file", "/t"},
            "--prom-addr: port must be at most 65535 (got 65536)");
        row("recovery-env no =", {"--recovery-env", "VERBOSE"},
            "--recovery-env: must be KEY=VALUE, KEY made of letters, digits and _ and not starting with a digit "
            "(got 'VERBOSE')");
        row("recovery-env digit first", {"--recovery-env", "1X=y"},
            "--recovery-env: must be KEY=VALUE, KEY made of letters, digits and _ and not starting with a digit "
            "(got '1X=y')");
        row("recovery-env dash", {"--recovery-env", "A=1", "--recovery-env", "A-B=c"},
            "--recovery-env: must be KEY=VALUE, KEY made of letters, digits and _ and not starting with a digit "
            "(got 'A-B=c')");
        row("recovery-env empty key", {"--recovery-env", "=x"},
            "--recovery-env: must be KEY=VALUE, KEY made of letters, digits and _ and not starting with a digit "
            "(got '=x')");
        row("recovery-exec blank", {"--recovery-exec", "  \t "},
            "--recovery-exec: must name a program (got an empty command)");
        row("lang one letter", {"--lang", "x"}, "--lang: must be a language code such as de or pt_BR (got 'x')");
        row("lang path", {"--lang", "../de"}, "--lang: must be a language code such as de or pt_BR (got '../de')");
        row("screenshot empty", {"--screenshot="}, "--screenshot: must not be empty");
        row("key-file empty", {"--key-file", ""}, "--key-file: must not be empty");
        row("export-file empty", {"--export-file", ""}, "--export-file: must not be empty");
        row("control-socket empty", {"--control-socket", ""}, "--control-socket: must not be empty");
        row("state-file empty", {"--state-file="}, "--state-file: must not be empty");
        row("console-listen without tokens", {"--console-listen", "127.0.0.1:7070"},
            "--console-listen: requires --console-token-file (consoles are never served without a token)");
        row("console-listen beyond loopback without TLS",
            {"--console-listen", "10.0.0.2:7070", "--console-token-file", "/t"},
            "--console-listen: 10.0.0.2 is not a loopback address; serving consoles there requires TLS "
            "(--console-cert and --console-key)");
        row("console-cert without key",
            {"--console-listen", "10.0.0.2:7070", "--console-token-file", "/t", "--console-cert", "/c"},
            "--console-cert: requires --console-key (the certificate's private key)");
        row("console-key without cert",
            {"--console-listen", "127.0.0.1:7070", "--console-token-file", "/t", "--console-key", "/k"},
            "--console-key: requires --console-cert (the key's certificate)");
        row("console-token-file without listen", {"--console-token-file", "/t"},
            "--console-token-file: requires --console-listen");
        row("console-listen host name", {"--console-listen", "localhost:7070", "--console-token-file", "/t"},
            "--console-listen: must be an IP address such as 127.0.0.1 or ::1 (got 'localhost')");
        // One line only: problems are taken in the order --help lists the flags.
        row("one problem at a time", {"--threshold-ms", "1", "--udp-port", "70000"},
            "--udp-port: must be at most 65535 (got 70000)");
    }
    void badValue() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, line);
        const ParseOutcome outcome = parse(arguments);
        QVERIFY(!outcome.options);
        QCOMPARE(outcome.exitCode, 2);
        QCOMPARE(outcome.output, "varta-watch: " + line + "; see --help");
    }

    // --- flags the parser itself refuses -------------------------------------------------
    void badFlag_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("line");
        QTest::newRow("unknown") << QStringList{"--frobnicate"} << "--frobnicate: unknown flag";
        QTest::newRow("unknown with value") << QStringList{"--frobnicate=3"} << "--frobnicate: unknown flag";
        QTest::newRow("unknown single dash") << QStringList{"-x"} << "-x: unknown flag";
        QTest::newRow("unknown after good")
            << QStringList{"--demo", "--thresold-ms", "5"} << "--thresold-ms: unknown flag";
        QTest::newRow("missing value") << QStringList{"--threshold-ms"} << "--threshold-ms: missing value (MS)";
        QTest::newRow("missing value after others")
            << QStringList{"--demo", "--socket"} << "--socket: missing value (PATH)";
        QTest::newRow("switch given a value") << QStringList{"--demo=yes"} << "--demo: takes no value";
        QTest::newRow("stray word") << QStringList{"restart"} << "unexpected argument 'restart' (flags start with --)";
        QTest::newRow("after --") << QStringList{"--", "--demo"}
                                  << "unexpected argument '--demo' (flags start with --)";
        QTest::newRow("empty name") << QStringList{"--=x"} << "--=x: unknown flag";
        QTest::newRow("newline stays one line")
            << QStringList{"two\nlines"} << "unexpected argument 'two\\x0alines' (flags start with --)";
        QTest::newRow("escape sequence shown, not sent")
            << QStringList{"--lang", "\x1b[2J"}
            << "--lang: must be a language code such as de or pt_BR (got '\\x1b[2J')";
    }
    void badFlag() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, line);
        const ParseOutcome outcome = parse(arguments);
        QVERIFY(!outcome.options);
        QCOMPARE(outcome.exitCode, 2);
        QCOMPARE(outcome.output, "varta-watch: " + line + "; see --help");
    }

    void removedFlags_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("hint");
        const QString shell = "removed for security reasons; use --recovery-exec";
        const QString env = "use --key-file";
        QTest::newRow("recovery-cmd") << QStringList{"--recovery-cmd", "systemctl restart x"} << "--recovery-cmd"
                                      << shell;
        QTest::newRow("recovery-cmd=") << QStringList{"--recovery-cmd=reboot"} << "--recovery-cmd" << shell;
        QTest::newRow("i-accept-shell-risk")
            << QStringList{"--i-accept-shell-risk"} << "--i-accept-shell-risk" << shell;
        QTest::newRow("key-env") << QStringList{"--key-env", "VARTA_KEY"} << "--key-env" << env;
        QTest::newRow("master-key-env") << QStringList{"--master-key-env", "K"} << "--master-key-env" << env;
        QTest::newRow("accepted-key-env") << QStringList{"--accepted-key-env=K"} << "--accepted-key-env" << env;
    }
    void removedFlags() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, flag);
        QFETCH(QString, hint);
        const ParseOutcome outcome = parse(arguments);
        QVERIFY(!outcome.options);
        QCOMPARE(outcome.exitCode, 2);
        QVERIFY2(outcome.output.startsWith("varta-watch: " + flag + ": removed"), qPrintable(outcome.output));
        QVERIFY2(outcome.output.contains(hint), qPrintable(outcome.output));
        QVERIFY(!outcome.output.contains('\n'));
    }

    // --- rules between flags -------------------------------------------------------------
    void badCombination_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("line");
        QTest::newRow("plain UDP on 0.0.0.0")
            << QStringList{"--udp-bind-addr", "0.0.0.0"}
            << "--udp-bind-addr: 0.0.0.0 is not a loopback address; plain UDP there needs --i-accept-plaintext-udp";
        QTest::newRow("plain UDP needs the plain opt-in")
            << QStringList{"--udp-bind-addr", "10.0.0.5", "--i-accept-secure-udp-non-loopback"}
            << "--udp-bind-addr: 10.0.0.5 is not a loopback address; plain UDP there needs --i-accept-plaintext-udp";
        QTest::newRow("prom-addr alone") << QStringList{
            "--prom-addr",
            "127.0.0.1:9100"} << "--prom-addr: requires --prom-token-file (/metrics is never served without a token)";
        QTest::newRow("prom-token-file alone")
            << QStringList{"--prom-token-file", "/t"} << "--prom-token-file: requires --prom-addr";
        QTest::newRow("both recovery sources")
            << QStringList{"--recovery-exec", "/bin/true", "--recovery-exec-file", "/f"}
            << "--recovery-exec: cannot be combined with --recovery-exec-file; give one of them";
        QTest::newRow("recovery beside plain UDP without its opt-in")
            << QStringList{"--udp-port", "9000", "--recovery-exec", "/bin/true"}
            << "--plaintext-udp-i-accept-recovery-on-unauthenticated-transport: required when a recovery command is "
               "configured alongside a plain UDP listener on port 9000: its agents' pids are not verified (or listen "
               "on --socket only)";
        QTest::newRow("recovery beside secure UDP without its opt-in")
            << QStringList{"--udp-port", "0", "--key-file", "/k", "--recovery-exec-file", "/f"}
            << "--secure-udp-i-accept-recovery-on-unauthenticated-transport: required when a recovery command is "
               "configured alongside a secure UDP listener on port 0: its agents' pids are not verified (or listen on "
               "--socket only)";
        QTest::newRow("the plain opt-in does not stand in for the secure one")
            << QStringList{"--key-file", "/k", "--recovery-exec", "/bin/true",
                           "--plaintext-udp-i-accept-recovery-on-unauthenticated-transport"}
            << "--secure-udp-i-accept-recovery-on-unauthenticated-transport: required when a recovery command is "
               "configured alongside a secure UDP listener on port 9000: its agents' pids are not verified (or listen "
               "on --socket only)";
        QTest::newRow("screenshot without window")
            << QStringList{"--headless", "--screenshot", "/tmp/s.png"}
            << "--screenshot: needs the window, so it cannot be combined with --headless";
    }
    void badCombination() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, line);
        const ParseOutcome outcome = parse(arguments);
        QVERIFY(!outcome.options);
        QCOMPARE(outcome.exitCode, 2);
        QCOMPARE(outcome.output, "varta-watch: " + line + "; see --help");
    }

    void listeners_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("socket");
        QTest::addColumn<QString>("udpPort");  // empty: no UDP listener
        QTest::newRow("nothing: UDP 9000") << QStringList{} << ""
                                           << "9000";
        QTest::newRow("bind address alone: UDP 9000") << QStringList{"--udp-bind-addr", "::1"} << ""
                                                      << "9000";
        QTest::newRow("socket only") << QStringList{"--socket", "/run/v"} << "/run/v"
                                     << "";
        QTest::newRow("udp only") << QStringList{"--udp-port", "7000"} << ""
                                  << "7000";
        QTest::newRow("both") << QStringList{"--socket", "/run/v", "--udp-port", "7000"} << "/run/v"
                              << "7000";
    }
    void listeners() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, socket);
        QFETCH(QString, udpPort);
        const ParseOutcome outcome = parse(arguments);
        QVERIFY2(outcome.options, qPrintable(outcome.output));
        QCOMPARE(field(*outcome.options, "uds.path"), socket);
        QCOMPARE(field(*outcome.options, "udp.port"), udpPort);
    }

    void warnings_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("warning");
        QTest::newRow("inherit env")
            << QStringList{"--recovery-inherit-env"}
            << "--recovery-inherit-env: recovery commands get this process's whole environment, secrets included";
        QTest::newRow("plain UDP on the network")
            << QStringList{"--udp-bind-addr", "0.0.0.0", "--i-accept-plaintext-udp"}
            << "--i-accept-plaintext-udp: plain UDP on 0.0.0.0 WITHOUT authentication: anyone who reaches the port "
               "can send beats under any pid";
        QTest::newRow("recovery over plain UDP")
            << QStringList{"--plaintext-udp-i-accept-recovery-on-unauthenticated-transport"}
            << "--plaintext-udp-i-accept-recovery-on-unauthenticated-transport: recovery runs for UDP agents whose "
               "process nobody verified";
        QTest::newRow("UDP flags without a UDP listener")
            << QStringList{"--socket", "/s", "--udp-bind-addr", "::1", "--i-accept-plaintext-udp"}
            << "no UDP listener (--socket is given without --udp-port), so --udp-bind-addr, --i-accept-plaintext-udp "
               "have no effect";
        QTest::newRow("socket-mode without socket")
            << QStringList{"--socket-mode", "0600"} << "--socket-mode: has no effect without --socket";
    }
    void warnings() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, warning);
        const ParseOutcome outcome = parse(arguments);
        QVERIFY2(outcome.options, qPrintable(outcome.output));
        QCOMPARE(outcome.options->warnings, QStringList{warning});
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
