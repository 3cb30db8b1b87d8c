// What the command line does before any Options exist: --help and --version, Qt's own
// options passed through, and the headless scan made before a Q*Application exists.
#include "core/config/command_line.h"
#include "core/config/flag_table.h"

#include <QFile>
#include <QRegularExpression>
#include <QTest>

#include <vector>

using namespace varta;

namespace {

ParseOutcome parse(const QStringList &flags) { return parseCommandLine(QStringList{"varta-watch"} + flags); }

// Every flag of docs/compat.md section 1 and ours, written out here rather than taken from
// the implementation, so a flag missing from --help fails the test.
const QStringList kAllFlags{"socket",
                            "socket-mode",
                            "udp-port",
                            "udp-bind-addr",
                            "threshold-ms",
                            "tracker-capacity",
                            "tracker-eviction-policy",
                            "max-beat-rate",
                            "global-beat-rate",
                            "global-beat-burst",
                            "recovery-exec",
                            "recovery-exec-file",
                            "recovery-debounce-ms",
                            "recovery-timeout-ms",
                            "recovery-kill-grace-ms",
                            "recovery-env",
                            "recovery-inherit-env",
                            "recovery-capture-bytes",
                            "recovery-capture-stdio",
                            "recovery-audit-file",
                            "recovery-max-concurrent",
                            "recovery-max-attempts",
                            "recovery-attempt-window-ms",
                            "plaintext-udp-i-accept-recovery-on-unauthenticated-transport",
                            "secure-udp-i-accept-recovery-on-unauthenticated-transport",
                            "i-accept-plaintext-udp",
                            "i-accept-secure-udp-non-loopback",
                            "export-file",
                            "export-file-max-bytes",
                            "export-file-sync-every",
                            "prom-addr",
                            "prom-token-file",
                            "key-file",
                            "accepted-key-file",
                            "master-key-file",
                            "allow-cross-namespace-agents",
                            "shutdown-after-secs",
                            "shutdown-grace-ms",
                            "self-watchdog-secs",
                            "headless",
                            "demo",
                            "screenshot",
                            "screenshot-delay-ms",
                            "lang",
                            "help",
                            "version"};

// The text under a flag's heading in --help, which may wrap over several lines.
QString description(const QStringList &lines, qsizetype heading) {
    QStringList text;
    for (qsizetype i = heading + 1; i < lines.size() && lines[i].startsWith("      "); ++i)
        text << lines[i].trimmed();
    return text.join(' ');
}

}  // namespace

class TestConfigStartup : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // --- --help and --version -------------------------------------------------------------
    void help_data() {
        QTest::addColumn<QString>("spelling");
        QTest::newRow("--help") << "--help";
        QTest::newRow("-h") << "-h";
        QTest::newRow("-help") << "-help";
    }
    void help() {
        QFETCH(QString, spelling);
        // --help wins over a bad value given with it.
        const ParseOutcome outcome = parse({"--threshold-ms", "5", spelling});
        QVERIFY(!outcome.options);
        QCOMPARE(outcome.exitCode, 0);
        QVERIFY(outcome.output.startsWith("Usage: varta-watch"));
        QVERIFY(!outcome.output.endsWith('\n'));
        const QStringList lines = outcome.output.split('\n');
        for (const QString &flag : kAllFlags) {
            const qsizetype at = lines.indexOf(QRegularExpression("^  (-h, )?--" + flag + "( \\S+)?$"));
            QVERIFY2(at >= 0, qPrintable("--help does not list --" + flag));
            if (flag != "help" && flag != "version")
                QVERIFY2(description(lines, at).contains("(default: "), qPrintable("no default for --" + flag));
        }
    }
    void helpShowsDefaults_data() {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("expected");
        QTest::newRow("threshold") << "--threshold-ms MS"
                                   << "(default: 2000)";
        QTest::newRow("capacity") << "--tracker-capacity N"
                                  << "(default: 65536)";
        QTest::newRow("socket mode") << "--socket-mode OCTAL"
                                     << "(default: 0600)";
        QTest::newRow("bind address") << "--udp-bind-addr IP"
                                      << "(default: 127.0.0.1 (0.0.0.0 for plain UDP with --i-accept-plaintext-udp))";
        QTest::newRow("capture") << "--recovery-capture-bytes N"
                                 << "(default: 65536)";
        QTest::newRow("concurrent") << "--recovery-max-concurrent N"
                                    << "(default: 64)";
        QTest::newRow("attempts") << "--recovery-max-attempts N"
                                  << "(default: 5)";
        QTest::newRow("window") << "--recovery-attempt-window-ms MS"
                                << "(default: 600000)";
        QTest::newRow("shutdown grace") << "--shutdown-grace-ms MS"
                                        << "(default: 5000)";
        QTest::newRow("screenshot delay") << "--screenshot-delay-ms MS"
                                          << "(default: 3000)";
    }
    void helpShowsDefaults() {
        QFETCH(QString, flag);
        QFETCH(QString, expected);
        const QStringList lines = parse({"--help"}).output.split('\n');
        const qsizetype at = lines.indexOf("  " + flag);
        QVERIFY2(at >= 0, qPrintable(flag));
        QVERIFY2(description(lines, at).endsWith(expected), qPrintable(description(lines, at)));
    }
    // The README's flag table is the operator's reference: it must not fall behind --help.
    void readmeListsEveryFlag() {
        QFile readme(QStringLiteral(QT_TESTCASE_SOURCEDIR "/../../../README.md"));
        QVERIFY2(readme.open(QIODevice::ReadOnly), qPrintable(readme.fileName()));
        const QString text = QString::fromUtf8(readme.readAll());
        for (const config::FlagGroup &group : config::flagGroups()) {
            for (const config::FlagSpec &flag : group.flags)
                QVERIFY2(text.contains("| `--" + flag.name) || text.contains("`-h`, `--" + flag.name),
                         qPrintable("README.md's flag table lacks --" + flag.name));
        }
    }
    void version() {
        const ParseOutcome outcome = parse({"--version"});
        QVERIFY(!outcome.options);
        QCOMPARE(outcome.exitCode, 0);
        QCOMPARE(outcome.output, QString("varta-watch " VARTA_VERSION));
    }

    // --- Qt's own options ----------------------------------------------------------------
    // QCoreApplication::arguments() keeps all of these under --headless (Qt 6.4 only drops
    // -qmljsdebugger=...), and QApplication keeps the X11 ones under -platform offscreen.
    void qtOptionsTolerated_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("-platform offscreen") << QStringList{"-platform", "offscreen"};
        QTest::newRow("--platform offscreen") << QStringList{"--platform", "offscreen"};
        QTest::newRow("-platform=offscreen") << QStringList{"-platform=offscreen"};
        QTest::newRow("-style fusion") << QStringList{"-style", "fusion"};
        QTest::newRow("-style=fusion") << QStringList{"-style=fusion"};
        QTest::newRow("-stylesheet") << QStringList{"-stylesheet", "a.qss"};
        QTest::newRow("-display") << QStringList{"-display", ":0"};
        QTest::newRow("-qwindowgeometry") << QStringList{"-qwindowgeometry", "640x480+0+0"};
        QTest::newRow("-geometry") << QStringList{"-geometry", "640x480"};
        QTest::newRow("-qwindowtitle") << QStringList{"-qwindowtitle", "--demo"};
        QTest::newRow("-platformpluginpath") << QStringList{"-platformpluginpath", "/p"};
        QTest::newRow("-platformtheme") << QStringList{"-platformtheme", "gtk3"};
        QTest::newRow("-plugin") << QStringList{"-plugin", "evdevmouse"};
        QTest::newRow("-session") << QStringList{"-session", "abc_1"};
        QTest::newRow("-name") << QStringList{"-name", "watch"};
        QTest::newRow("-reverse") << QStringList{"-reverse"};
        QTest::newRow("-widgetcount") << QStringList{"-widgetcount"};
        QTest::newRow("-nograb -dograb -sync") << QStringList{"-nograb", "-dograb", "-sync"};
        QTest::newRow("-qmljsdebugger=") << QStringList{"-qmljsdebugger=port:1234"};
    }
    void qtOptionsTolerated() {
        QFETCH(QStringList, arguments);
        const ParseOutcome outcome =
            parse(QStringList{"--headless"} + arguments + QStringList{"--threshold-ms", "500"});
        QVERIFY2(outcome.options, qPrintable(outcome.output));
        QVERIFY(outcome.options->headless);
        QVERIFY(!outcome.options->demo);
        QCOMPARE(outcome.options->tracker.thresholdMs, std::int64_t{500});
    }

    // --- before any QCoreApplication exists ---------------------------------------------
    void argumentsAreArgvAsTyped() {
        QList<QByteArray> storage{"varta-watch", "-platform", "offscreen", "--threshold-ms=50", "caf\xc3\xa9"};
        std::vector<char *> argv;
        for (QByteArray &bytes : storage)
            argv.push_back(bytes.data());
        argv.push_back(nullptr);
        QCOMPARE(varta::argumentsFrom(static_cast<int>(storage.size()), argv.data()),
                 (QStringList{"varta-watch", "-platform", "offscreen", "--threshold-ms=50", QStringLiteral("café")}));
    }

    // Whether a QApplication could start, as Qt picks its platform: an explicit one (an
    // argument or QT_QPA_PLATFORM), an X display argument, or a display to connect to.
    void displayAvailable_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QStringList>("environment");  // NAME=VALUE
        QTest::addColumn<bool>("available");
        const QStringList none;
        QTest::newRow("nothing at all") << none << none << false;
        QTest::newRow("DISPLAY") << none << QStringList{"DISPLAY=:0"} << true;
        QTest::newRow("WAYLAND_DISPLAY") << none << QStringList{"WAYLAND_DISPLAY=wayland-0"} << true;
        QTest::newRow("QT_QPA_PLATFORM") << none << QStringList{"QT_QPA_PLATFORM=offscreen"} << true;
        QTest::newRow("empty variables count for nothing")
            << none << QStringList{"DISPLAY=", "WAYLAND_DISPLAY=", "QT_QPA_PLATFORM="} << false;
        QTest::newRow("other variables") << none << QStringList{"TERM=xterm", "XDG_SESSION_TYPE=tty"} << false;
        QTest::newRow("-platform offscreen") << QStringList{"-platform", "offscreen"} << none << true;
        QTest::newRow("--platform=offscreen") << QStringList{"--platform=offscreen"} << none << true;
        QTest::newRow("-platform without a value") << QStringList{"-platform"} << none << false;
        QTest::newRow("-display :1") << QStringList{"-display", ":1"} << none << true;
        QTest::newRow("after other flags")
            << QStringList{"--demo", "--threshold-ms", "50", "-platform", "xcb"} << none << true;
        QTest::newRow("a value, not a flag") << QStringList{"--lang", "-platform"} << none << false;
        QTest::newRow("an inline value") << QStringList{"--screenshot=-platform"} << none << false;
        QTest::newRow("a Qt option's value") << QStringList{"-qwindowtitle", "-platform", "x"} << none << false;
        QTest::newRow("after --") << QStringList{"--", "-platform", "offscreen"} << none << false;
        QTest::newRow("unknown flags skipped") << QStringList{"--frob", "-platform", "offscreen"} << none << true;
    }
    void displayAvailable() {
        QFETCH(QStringList, arguments);
        QFETCH(QStringList, environment);
        QFETCH(bool, available);
        QProcessEnvironment env;
        for (const QString &entry : environment)
            env.insert(entry.section('=', 0, 0), entry.section('=', 1));
        QCOMPARE(varta::displayAvailable(QStringList{"varta-watch"} + arguments, env), available);
    }
};

QTEST_GUILESS_MAIN(TestConfigStartup)
#include "tst_config_startup.moc"
