// varta-beat's command line: values land where they belong, and every bad value is one
// line naming the flag.
#include "core/sender/beat_options.h"

#include <QTest>

using namespace varta;

namespace {

BeatOptionsParse parse(const QStringList &flags) {
    return parseBeatOptions(QStringList{QStringLiteral("varta-beat")} + flags);
}

}  // namespace

class TestBeatOptions : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void targets_data();
    void targets();
    void singleSenderDefaults();
    void singleSenderValues();
    void loadValues();
    void keyFiles_data();
    void keyFiles();
    void helpAndVersion();
    void badValuesNameTheFlag_data();
    void badValuesNameTheFlag();
};

void TestBeatOptions::targets_data() {
    QTest::addColumn<QStringList>("flags");
    QTest::addColumn<QString>("target");
    QTest::newRow("ipv4") << QStringList{"--udp", "127.0.0.1:9000"} << "udp 127.0.0.1:9000";
    QTest::newRow("ipv6 in brackets") << QStringList{"--udp", "[::1]:9000"} << "udp [::1]:9000";
    QTest::newRow("host name") << QStringList{"--udp", "localhost:9"} << "udp 127.0.0.1:9";
    QTest::newRow("--udp=value") << QStringList{"--udp=10.1.2.3:65535"} << "udp 10.1.2.3:65535";
    QTest::newRow("unix socket") << QStringList{"--socket", "/run/varta.sock"} << "socket /run/varta.sock";
}

void TestBeatOptions::targets() {
    QFETCH(QStringList, flags);
    QFETCH(QString, target);
    const BeatOptionsParse parsed = parse(flags);
    QCOMPARE(parsed.outcome, BeatOptionsParse::Outcome::Run);
    QCOMPARE(parsed.options.targetDescription(), target);
    QCOMPARE(parsed.options.overUdp(), target.startsWith(QLatin1String("udp")));
}

void TestBeatOptions::singleSenderDefaults() {
    const BeatOptionsParse parsed = parse({"--udp", "127.0.0.1:9000"});
    QCOMPARE(parsed.outcome, BeatOptionsParse::Outcome::Run);
    const BeatOptions &o = parsed.options;
    QVERIFY(!o.simulate);
    QVERIFY(!o.pid.has_value());
    QVERIFY(!o.panic);
    QCOMPARE(o.status, vlp::Status::Ok);
    QCOMPARE(o.payload, 0u);
    QCOMPARE(o.intervalMs, 1000);
    QCOMPARE(o.count, std::uint64_t(0));
    QCOMPARE(o.nonceStart, std::uint64_t(1));
}

void TestBeatOptions::singleSenderValues() {
    const BeatOptionsParse parsed =
        parse({"--socket", "/tmp/s", "--pid", "4294967295", "--status", "Degraded", "--payload", "4294967295",
               "--interval-ms", "250", "--count", "12", "--nonce-start", "18446744073709551614"});
    QCOMPARE(parsed.outcome, BeatOptionsParse::Outcome::Run);
    const BeatOptions &o = parsed.options;
    QCOMPARE(o.pid, std::optional<std::uint32_t>(4294967295u));
    QCOMPARE(o.status, vlp::Status::Degraded);
    QCOMPARE(o.payload, 4294967295u);
    QCOMPARE(o.intervalMs, 250);
    QCOMPARE(o.count, std::uint64_t(12));
    QCOMPARE(o.nonceStart, vlp::kNonceTerminal - 1);
    QVERIFY(parse({"--udp", "127.0.0.1:9", "--panic"}).options.panic);
}

void TestBeatOptions::loadValues() {
    const BeatOptionsParse parsed = parse(
        {"--udp",      "127.0.0.1:9", "--agents",         "100", "--rate",           "0.5",  "--duration-secs",   "3",
         "--count",    "7",           "--stall-after-ms", "100", "--stall-fraction", "0.25", "--resume-after-ms", "200",
         "--base-pid", "9000",        "--batch-size",     "32",  "--nonce-start",    "500"});
    QCOMPARE(parsed.outcome, BeatOptionsParse::Outcome::Run);
    QVERIFY(parsed.options.simulate);
    const LoadGenerator::Config &c = parsed.options.load;
    QCOMPARE(c.agents, 100u);
    QCOMPARE(c.ratePerAgentHz, 0.5);
    QCOMPARE(c.durationMs, std::int64_t(3000));
    QCOMPARE(c.beatsPerAgent, std::uint64_t(7));
    QCOMPARE(c.stallAfterMs, std::int64_t(100));
    QCOMPARE(c.stallFraction, 0.25);
    QCOMPARE(c.resumeAfterMs, std::int64_t(200));
    QCOMPARE(c.basePid, 9000u);
    QCOMPARE(c.batchSize, std::size_t(32));
    QCOMPARE(c.nonceStart, std::uint64_t(500));

    const LoadGenerator::Config defaults = parse({"--udp", "127.0.0.1:9", "--agents", "2"}).options.load;
    QCOMPARE(defaults.basePid, LoadGenerator::kDefaultBasePid);
    QCOMPARE(defaults.ratePerAgentHz, 1.0);
    QCOMPARE(defaults.stallAfterMs, std::int64_t(-1));
    QCOMPARE(defaults.resumeAfterMs, std::int64_t(-1));
    QCOMPARE(defaults.nonceStart, std::uint64_t(1));
}

void TestBeatOptions::keyFiles_data() {
    QTest::addColumn<QStringList>("flags");
    QTest::addColumn<QString>("keyFile");
    QTest::addColumn<bool>("masterKey");
    const QStringList udp{"--udp", "127.0.0.1:9"};
    QTest::newRow("plain") << udp << QString() << false;
    QTest::newRow("shared key") << udp + QStringList{"--key-file", "/k"} << "/k" << false;
    QTest::newRow("--key-file=value") << udp + QStringList{"--key-file=/etc/varta.key"} << "/etc/varta.key" << false;
    QTest::newRow("master key") << udp + QStringList{"--master-key-file", "/m"} << "/m" << true;
    QTest::newRow("shared key, load mode")
        << udp + QStringList{"--agents", "65536", "--key-file", "/k"} << "/k" << false;
    // As many sealing agents as an observer can track (--tracker-capacity's ceiling).
    QTest::newRow("shared key, the tracker's maximum of agents")
        << udp + QStringList{"--agents", "1048576", "--key-file", "/k"} << "/k" << false;
    QTest::newRow("master key, the tracker's maximum of agents")
        << udp + QStringList{"--agents", "1048576", "--master-key-file", "/m"} << "/m" << true;
    QTest::newRow("master key, load mode")
        << udp + QStringList{"--agents", "3", "--master-key-file", "/m"} << "/m" << true;
    QTest::newRow("panic, sealed") << udp + QStringList{"--panic", "--key-file", "/k"} << "/k" << false;
}

void TestBeatOptions::keyFiles() {
    QFETCH(QStringList, flags);
    QFETCH(QString, keyFile);
    QFETCH(bool, masterKey);
    const BeatOptionsParse parsed = parse(flags);
    QCOMPARE(parsed.outcome, BeatOptionsParse::Outcome::Run);
    QCOMPARE(parsed.options.keyFile, keyFile);
    QCOMPARE(parsed.options.masterKey, masterKey);
    QCOMPARE(parsed.options.secure(), !keyFile.isEmpty());
    // The file is read when the run starts (exit 1 for a bad file), never while parsing.
    QVERIFY(!parsed.options.load.key.size());
}

void TestBeatOptions::helpAndVersion() {
    const BeatOptionsParse help = parse({"--help"});
    QCOMPARE(help.outcome, BeatOptionsParse::Outcome::Help);
    QVERIFY(help.text.contains(QLatin1String("--resume-after-ms")));
    QVERIFY(help.text.contains(QLatin1String("--key-file")));
    QVERIFY(help.text.contains(QLatin1String("--master-key-file")));
    const BeatOptionsParse version = parse({"--version"});
    QCOMPARE(version.outcome, BeatOptionsParse::Outcome::Version);
    QVERIFY(version.text.contains(QLatin1String(VARTA_VERSION)));
}

void TestBeatOptions::badValuesNameTheFlag_data() {
    QTest::addColumn<QStringList>("flags");
    QTest::addColumn<QString>("named");
    const QStringList udp{"--udp", "127.0.0.1:9"};
    const QStringList load = udp + QStringList{"--agents", "10"};
    QTest::newRow("no target") << QStringList{} << "--udp";
    QTest::newRow("both targets") << udp + QStringList{"--socket", "/tmp/s"} << "--socket";
    QTest::newRow("udp without port") << QStringList{"--udp", "127.0.0.1"} << "--udp";
    QTest::newRow("udp port 0") << QStringList{"--udp", "127.0.0.1:0"} << "--udp";
    QTest::newRow("udp port 65536") << QStringList{"--udp", "127.0.0.1:65536"} << "--udp";
    QTest::newRow("udp ipv6 without brackets") << QStringList{"--udp", "::1:9000"} << "--udp";
    QTest::newRow("udp empty host") << QStringList{"--udp", ":9000"} << "--udp";
    QTest::newRow("udp missing value") << QStringList{"--udp"} << "--udp";
    QTest::newRow("socket path too long") << QStringList{"--socket", QString(200, QLatin1Char('s'))} << "--socket";
    QTest::newRow("pid 1") << udp + QStringList{"--pid", "1"} << "--pid";
    QTest::newRow("pid not a number") << udp + QStringList{"--pid", "init"} << "--pid";
    QTest::newRow("pid above u32") << udp + QStringList{"--pid", "4294967296"} << "--pid";
    QTest::newRow("status stall") << udp + QStringList{"--status", "stall"} << "--status";
    QTest::newRow("payload negative") << udp + QStringList{"--payload=-1"} << "--payload";
    QTest::newRow("payload above u32") << udp + QStringList{"--payload", "4294967296"} << "--payload";
    QTest::newRow("interval 0") << udp + QStringList{"--interval-ms", "0"} << "--interval-ms";
    QTest::newRow("count negative") << udp + QStringList{"--count=-1"} << "--count";
    QTest::newRow("nonce start terminal")
        << udp + QStringList{"--nonce-start", "18446744073709551615"} << "--nonce-start";
    QTest::newRow("unknown flag") << udp + QStringList{"--colour"} << "colour";
    QTest::newRow("stray argument") << udp + QStringList{"extra"} << "extra";
    QTest::newRow("panic with count") << udp + QStringList{"--panic", "--count", "1"} << "--count";
    QTest::newRow("panic with status") << udp + QStringList{"--panic", "--status", "ok"} << "--status";
    QTest::newRow("rate without agents") << udp + QStringList{"--rate", "5"} << "--rate";
    QTest::newRow("base pid without agents") << udp + QStringList{"--base-pid", "5"} << "--base-pid";
    QTest::newRow("agents over a unix socket") << QStringList{"--socket", "/tmp/s", "--agents", "2"} << "--agents";
    QTest::newRow("agents 0") << udp + QStringList{"--agents", "0"} << "--agents";
    QTest::newRow("pid with agents") << load + QStringList{"--pid", "5"} << "--pid";
    QTest::newRow("interval with agents") << load + QStringList{"--interval-ms", "5"} << "--interval-ms";
    QTest::newRow("rate negative") << load + QStringList{"--rate=-1"} << "--rate";
    QTest::newRow("rate not a number") << load + QStringList{"--rate", "fast"} << "--rate";
    QTest::newRow("rate infinite") << load + QStringList{"--rate", "inf"} << "--rate";
    QTest::newRow("stall fraction above 1")
        << load + QStringList{"--stall-after-ms", "5", "--stall-fraction", "1.5"} << "--stall-fraction";
    QTest::newRow("stall fraction alone") << load + QStringList{"--stall-fraction", "0.5"} << "--stall-after-ms";
    QTest::newRow("stall after alone") << load + QStringList{"--stall-after-ms", "5"} << "--stall-fraction";
    QTest::newRow("resume without stall") << load + QStringList{"--resume-after-ms", "5"} << "--resume-after-ms";
    QTest::newRow("pids past u32") << load + QStringList{"--base-pid", "4294967290"} << "--base-pid";
    QTest::newRow("pids past Linux's limit") << load + QStringList{"--base-pid", "4194300"} << "--base-pid";
    QTest::newRow("batch size 0") << load + QStringList{"--batch-size", "0"} << "--batch-size";
    QTest::newRow("batch size 1025") << load + QStringList{"--batch-size", "1025"} << "--batch-size";
    QTest::newRow("key file empty") << udp + QStringList{"--key-file="} << "--key-file";
    QTest::newRow("key file missing value") << udp + QStringList{"--key-file"} << "--key-file";
    QTest::newRow("master key file empty") << udp + QStringList{"--master-key-file", ""} << "--master-key-file";
    QTest::newRow("both key files") << udp + QStringList{"--key-file", "/k", "--master-key-file", "/m"}
                                    << "--master-key-file";
    QTest::newRow("key file over a unix socket")
        << QStringList{"--socket", "/tmp/s", "--key-file", "/k"} << "--key-file";
    QTest::newRow("master key file over a unix socket")
        << QStringList{"--socket", "/tmp/s", "--master-key-file", "/m"} << "--master-key-file";
    QTest::newRow("too many sealing agents")
        << udp + QStringList{"--agents", "1048577", "--key-file", "/k"} << "--agents";
    QTest::newRow("too many sealing agents, master key")
        << udp + QStringList{"--agents", "1048577", "--master-key-file", "/m"} << "--agents";
}

void TestBeatOptions::badValuesNameTheFlag() {
    QFETCH(QStringList, flags);
    QFETCH(QString, named);
    const BeatOptionsParse parsed = parse(flags);
    QCOMPARE(parsed.outcome, BeatOptionsParse::Outcome::Error);
    QVERIFY2(parsed.text.contains(named), qPrintable(parsed.text));
    QVERIFY2(parsed.text.startsWith(QLatin1String("varta-beat: ")), qPrintable(parsed.text));
    QVERIFY(!parsed.text.contains(QLatin1Char('\n')));
}

QTEST_GUILESS_MAIN(TestBeatOptions)
#include "tst_beat_options.moc"
