// OperatorStateFile against its header and docs/compat.md ("State file (ours)"): a round
// trip of every field, mode 0600 whatever the umask, a missing file as a clean start, one
// warning and an empty state for every kind of bad file (not JSON, wrong shape, foreign,
// newer, malformed entries, a directory, a FIFO, an unreadable file, one over the size
// cap), and a save that fails (a symlink in the way, a full filesystem) leaving the old
// file intact and no temporary behind.
#include "core/recovery/operator_state_file.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <thread>

#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace varta;

namespace {

constexpr std::int64_t kT = 1764600000000;

OperatorState sampleState() {
    OperatorState state;
    state.agents.push_back(
        {AgentKey::local(4242),
         PauseInfo{QStringLiteral("alice (uid 1000)"), QStringLiteral("disk swap"), kT, kT + 3600000},
         false,
         {}});
    // Text that needs escaping: quotes, a backslash, control characters, non-ASCII.
    state.agents.push_back(
        {*AgentKey::parse(QStringLiteral("udp:10.0.0.7/17")),
         PauseInfo{QStringLiteral("console"), QStringLiteral("say \"no\" \\ then\ttab\nline\x01 \u00e9\u4e2d"), kT - 5,
                   std::nullopt},
         true,
         {kT - 3000, kT - 2000}});
    state.agents.push_back(
        {*AgentKey::parse(QStringLiteral("secure-udp:[2001:db8::7]/99")), std::nullopt, true, {kT - 1}});
    return state;
}

QByteArray contentOf(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &bytes) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

mode_t modeOf(const QString &path) {
    struct stat st {};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_mode & 07777 : mode_t(-1);
}

// One agent entry of a version 1 file, with `replace` applied to it.
QByteArray fileWithEntry(const QByteArray &entry) {
    return R"j({"format":"varta-watch-state","version":1,"saved_unix_ms":1,"agents":[)j" + entry + "]}";
}
const QByteArray kGoodEntry =
    R"j({"key":"uds/1","paused":{"by":"a","reason":"r","since_unix_ms":1,"until_unix_ms":null},"gave_up":false,"attempts_unix_ms":[1]})j";

// Root reads any file whatever its mode; capabilities are per thread, so a thread of
// our own can drop the two that allow it and see what an unprivileged observer would.
bool dropFileReadOverride() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    if (::syscall(SYS_capget, &header, data) != 0)
        return false;
    data[0].effective &= ~((1U << CAP_DAC_OVERRIDE) | (1U << CAP_DAC_READ_SEARCH));
    return ::syscall(SYS_capset, &header, data) == 0;
}

}  // namespace

class TestOperatorStateFile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void roundTrip();
    void emptyStateRoundTrip();
    void fileShape();
    void mode0600WhateverTheUmask();
    void missingFileIsACleanStart();
    void badFileIsOneWarning_data();
    void badFileIsOneWarning();
    void directoryAtThePath();
    void fifoAtThePath();
    void unreadableFile();
    void fileOverTheCap();
    void symlinkedTemporaryIsNotFollowed();
    void fullFilesystemKeepsTheOldFile();

private:
    void expectWarning(const char *problem);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
    QString m_mountPoint;  // a tmpfs this test mounted, to unmount in cleanup()
};

void TestOperatorStateFile::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(QStringLiteral("state.json"));
}

void TestOperatorStateFile::cleanup() {
    if (!m_mountPoint.isEmpty()) {
        QProcess::execute(QStringLiteral("umount"), {m_mountPoint});
        m_mountPoint.clear();
    }
    ::chmod(QFile::encodeName(m_path).constData(), 0600);
    m_dir.reset();
}

void TestOperatorStateFile::expectWarning(const char *problem) {
    const OperatorStateFile::Loaded loaded = OperatorStateFile::load(m_path);
    QVERIFY(loaded.state.agents.empty());
    QVERIFY2(loaded.warning.startsWith(m_path + QLatin1String(": ")), qPrintable(loaded.warning));
    QVERIFY2(loaded.warning.contains(QLatin1String(problem)), qPrintable(loaded.warning));
    QVERIFY2(loaded.warning.endsWith(QLatin1String("; starting with no saved pauses")), qPrintable(loaded.warning));
    QVERIFY(!loaded.warning.contains(QLatin1Char('\n')));
}

void TestOperatorStateFile::roundTrip() {
    const OperatorState state = sampleState();
    QString error;
    QVERIFY2(OperatorStateFile::save(m_path, state, &error), qPrintable(error));
    const OperatorStateFile::Loaded loaded = OperatorStateFile::load(m_path);
    QVERIFY2(loaded.warning.isEmpty(), qPrintable(loaded.warning));
    QCOMPARE(loaded.state.agents.size(), state.agents.size());
    for (std::size_t i = 0; i < state.agents.size(); ++i) {
        QCOMPARE(loaded.state.agents[i].key.text(), state.agents[i].key.text());
        QCOMPARE(loaded.state.agents[i].pause.has_value(), state.agents[i].pause.has_value());
        if (state.agents[i].pause) {
            QCOMPARE(loaded.state.agents[i].pause->by, state.agents[i].pause->by);
            QCOMPARE(loaded.state.agents[i].pause->reason, state.agents[i].pause->reason);
        }
    }
    QVERIFY(loaded.state == state);
    QVERIFY(!QFile::exists(m_path + QLatin1String(".tmp")));

    // Saving again replaces the file whole.
    OperatorState smaller;
    smaller.agents.push_back(state.agents[2]);
    QVERIFY2(OperatorStateFile::save(m_path, smaller, &error), qPrintable(error));
    QVERIFY(OperatorStateFile::load(m_path).state == smaller);
}

void TestOperatorStateFile::emptyStateRoundTrip() {
    QString error;
    QVERIFY2(OperatorStateFile::save(m_path, {}, &error), qPrintable(error));
    const OperatorStateFile::Loaded loaded = OperatorStateFile::load(m_path);
    QVERIFY2(loaded.warning.isEmpty(), qPrintable(loaded.warning));
    QVERIFY(loaded.state.agents.empty());
}

void TestOperatorStateFile::fileShape() {
    QString error;
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(OperatorStateFile::save(m_path, sampleState(), &error));
    const QByteArray bytes = contentOf(m_path);
    QVERIFY(bytes.startsWith(R"j({"format":"varta-watch-state","version":1,"saved_unix_ms":)j"));
    QVERIFY(bytes.endsWith("]}\n"));
    QCOMPARE(bytes.count('\n'), 3 + 2);  // one agent per line
    QVERIFY(bytes.contains(
        R"j({"key":"uds/4242","paused":{"by":"alice (uid 1000)","reason":"disk swap","since_unix_ms":1764600000000,"until_unix_ms":1764603600000},"gave_up":false,"attempts_unix_ms":[]})j"));
    QVERIFY(
        bytes.contains(R"j("until_unix_ms":null},"gave_up":true,"attempts_unix_ms":[1764599997000,1764599998000]})j"));
    QVERIFY(bytes.contains(R"j({"key":"secure-udp:[2001:db8::7]/99","paused":null,"gave_up":true)j"));
    QVERIFY(bytes.contains(R"j(say \"no\" \\ then\u0009tab\u000aline\u0001 )j"));

    QJsonParseError parseError{};
    const QJsonObject root = QJsonDocument::fromJson(bytes, &parseError).object();
    QCOMPARE(parseError.error, QJsonParseError::NoError);
    QVERIFY(root.value(QLatin1String("saved_unix_ms")).toInteger() >= before);
    QCOMPARE(root.value(QLatin1String("agents")).toArray().size(), 3);
}

void TestOperatorStateFile::mode0600WhateverTheUmask() {
    const mode_t old = ::umask(0);
    QString error;
    const bool fresh = OperatorStateFile::save(m_path, sampleState(), &error);
    // A file an operator loosened, and a leftover temporary of a crashed save.
    ::chmod(QFile::encodeName(m_path).constData(), 0644);
    writeFile(m_path + QLatin1String(".tmp"), "left over");
    ::chmod(QFile::encodeName(m_path + QLatin1String(".tmp")).constData(), 0666);
    ::umask(022);
    const bool again = OperatorStateFile::save(m_path, sampleState(), &error);
    ::umask(old);
    QVERIFY2(fresh && again, qPrintable(error));
    QCOMPARE(modeOf(m_path), mode_t(0600));
    QVERIFY(!QFile::exists(m_path + QLatin1String(".tmp")));
    QVERIFY(OperatorStateFile::load(m_path).state == sampleState());
}

void TestOperatorStateFile::missingFileIsACleanStart() {
    const OperatorStateFile::Loaded loaded = OperatorStateFile::load(m_path);
    QVERIFY(loaded.warning.isEmpty());
    QVERIFY(loaded.state.agents.empty());
}

void TestOperatorStateFile::badFileIsOneWarning_data() {
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QByteArray>("problem");
    const auto entry = [](const char *from, const char *to) {
        QByteArray changed = kGoodEntry;
        changed.replace(from, to);
        return fileWithEntry(changed);
    };
    QTest::newRow("empty") << QByteArray() << QByteArray("not JSON");
    QTest::newRow("garbage") << QByteArray("\x7f"
                                           "ELF\x01\x02 garbage")
                             << QByteArray("not JSON");
    QTest::newRow("truncated") << fileWithEntry(kGoodEntry).chopped(3) << QByteArray("not JSON");
    QTest::newRow("array") << QByteArray("[]") << QByteArray("not a JSON object");
    QTest::newRow("no format") << QByteArray(R"j({"version":1,"agents":[]})j") << QByteArray("no format string");
    QTest::newRow("foreign") << QByteArray(R"j({"format":"other-tool","version":1,"saved_unix_ms":1,"agents":[]})j")
                             << QByteArray("not a varta-watch state file (format is \"other-tool\")");
    QTest::newRow("version 2") << QByteArray(R"j({"format":"varta-watch-state","version":2,"agents":"new"})j")
                               << QByteArray("written by a newer varta-watch (version 2, this one reads 1)");
    QTest::newRow("version 0") << QByteArray(R"j({"format":"varta-watch-state","version":0,"agents":[]})j")
                               << QByteArray("unknown version 0");
    QTest::newRow("version text") << QByteArray(R"j({"format":"varta-watch-state","version":"1","agents":[]})j")
                                  << QByteArray("version: not an integer");
    QTest::newRow("version 1.5") << QByteArray(R"j({"format":"varta-watch-state","version":1.5,"agents":[]})j")
                                 << QByteArray("version: not an integer");
    QTest::newRow("no saved time") << QByteArray(R"j({"format":"varta-watch-state","version":1,"agents":[]})j")
                                   << QByteArray("saved_unix_ms");
    QTest::newRow("agents object") << QByteArray(
        R"j({"format":"varta-watch-state","version":1,"saved_unix_ms":1,"agents":{}})j")
                                   << QByteArray("agents: not an array");
    QTest::newRow("entry not object") << fileWithEntry(kGoodEntry + ",7") << QByteArray("agents[1]: not an object");
    QTest::newRow("bad key") << entry("uds/1", "uds/zero") << QByteArray("agents[0].key: \"uds/zero\" is no agent key");
    QTest::newRow("pid 0") << entry("uds/1", "uds/0") << QByteArray("agents[0].key");
    QTest::newRow("key number") << entry(R"j("uds/1")j", "1") << QByteArray("agents[0].key: not a string");
    QTest::newRow("gave_up text") << entry(R"j("gave_up":false)j", R"j("gave_up":"no")j")
                                  << QByteArray("agents[0].gave_up: not a boolean");
    QTest::newRow("gave_up missing") << entry(R"j("gave_up":false,)j", "") << QByteArray("agents[0].gave_up");
    QTest::newRow("paused missing") << entry(R"j("paused":)j", R"j("was_paused":)j") << QByteArray("agents[0].paused");
    QTest::newRow("paused true") << entry(
        R"j("paused":{"by":"a","reason":"r","since_unix_ms":1,"until_unix_ms":null})j", R"j("paused":true)j")
                                 << QByteArray("agents[0].paused: neither an object nor null");
    QTest::newRow("by number") << entry(R"j("by":"a")j", R"j("by":3)j") << QByteArray("agents[0].paused.by");
    QTest::newRow("reason missing") << entry(R"j("reason":"r",)j", "") << QByteArray("agents[0].paused.reason");
    QTest::newRow("since text") << entry(R"j("since_unix_ms":1)j", R"j("since_unix_ms":"1")j")
                                << QByteArray("agents[0].paused.since_unix_ms");
    QTest::newRow("until text") << entry(R"j("until_unix_ms":null)j", R"j("until_unix_ms":"soon")j")
                                << QByteArray("agents[0].paused.until_unix_ms");
    QTest::newRow("attempt text") << entry(R"j("attempts_unix_ms":[1])j", R"j("attempts_unix_ms":[1,"x"])j")
                                  << QByteArray("agents[0].attempts_unix_ms");
    QTest::newRow("attempt fraction") << entry(R"j("attempts_unix_ms":[1])j", R"j("attempts_unix_ms":[1.25])j")
                                      << QByteArray("agents[0].attempts_unix_ms");
    QTest::newRow("attempts null") << entry(R"j("attempts_unix_ms":[1])j", R"j("attempts_unix_ms":null)j")
                                   << QByteArray("agents[0].attempts_unix_ms: not an array");
    // One bad entry among good ones spoils the file: the good ones are not loaded either.
    QByteArray second = kGoodEntry;
    second.replace("uds/1", "uds/2");
    QByteArray third = kGoodEntry;
    third.replace("uds/1", "udp:10.0.0.7");
    QTest::newRow("third entry bad") << fileWithEntry(kGoodEntry + "," + second + "," + third)
                                     << QByteArray("agents[2].key");
    QTest::newRow("duplicate key") << fileWithEntry(kGoodEntry + "," + kGoodEntry)
                                   << QByteArray("agents[1]: uds/1 appears twice");
}

void TestOperatorStateFile::badFileIsOneWarning() {
    QFETCH(QByteArray, content);
    QFETCH(QByteArray, problem);
    QVERIFY(writeFile(m_path, content));
    expectWarning(problem.constData());
}

void TestOperatorStateFile::directoryAtThePath() {
    QVERIFY(QDir().mkdir(m_path));
    expectWarning("it is a directory");
}

void TestOperatorStateFile::fifoAtThePath() {
    QCOMPARE(::mkfifo(QFile::encodeName(m_path).constData(), 0600), 0);
    expectWarning("it is not a regular file");  // and returns at once: no writer is waited for
}

void TestOperatorStateFile::unreadableFile() {
    QString error;
    QVERIFY(OperatorStateFile::save(m_path, sampleState(), &error));
    QCOMPARE(::chmod(QFile::encodeName(m_path).constData(), 0), 0);
    bool dropped = false;
    OperatorStateFile::Loaded loaded;
    std::thread([&] {
        dropped = ::geteuid() != 0 || dropFileReadOverride();
        if (dropped)
            loaded = OperatorStateFile::load(m_path);
    }).join();
    if (!dropped)
        QSKIP("running as root, and capset() could not drop CAP_DAC_OVERRIDE on a thread");
    QVERIFY(loaded.state.agents.empty());
    QVERIFY2(loaded.warning.startsWith(m_path + QLatin1String(": cannot open it (")), qPrintable(loaded.warning));
    QVERIFY2(loaded.warning.contains(QLatin1String("Permission denied")), qPrintable(loaded.warning));
    QVERIFY(loaded.warning.endsWith(QLatin1String("; starting with no saved pauses")));
}

void TestOperatorStateFile::fileOverTheCap() {
    // A hole: the size says too large before a byte is read.
    QVERIFY(writeFile(m_path, fileWithEntry(kGoodEntry)));
    QVERIFY(QFile::resize(m_path, OperatorStateFile::kMaxFileBytes + 1));
    expectWarning("too large (67108865 bytes, at most 67108864)");

    // At the cap exactly it is read (and found to be no JSON: the hole is zeros).
    QVERIFY(QFile::resize(m_path, OperatorStateFile::kMaxFileBytes));
    expectWarning("not JSON");
}

void TestOperatorStateFile::symlinkedTemporaryIsNotFollowed() {
    const QString target = m_dir->filePath(QStringLiteral("target"));
    QVERIFY(QFile::link(target, m_path + QLatin1String(".tmp")));
    QString error;
    QVERIFY(!OperatorStateFile::save(m_path, sampleState(), &error));
    QVERIFY2(error.startsWith(m_path + QLatin1String(": not saved: ")), qPrintable(error));
    QVERIFY(!QFile::exists(target));
    QVERIFY(!QFileInfo(m_path + QLatin1String(".tmp")).isSymLink());  // removed, so the next save works
    QVERIFY2(OperatorStateFile::save(m_path, sampleState(), &error), qPrintable(error));
    QVERIFY(!QFile::exists(target));
}

void TestOperatorStateFile::fullFilesystemKeepsTheOldFile() {
    const QString mountPoint = m_dir->filePath(QStringLiteral("tiny"));
    QVERIFY(QDir().mkdir(mountPoint));
    QProcess mount;
    mount.start(QStringLiteral("mount"), {QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
                                          QStringLiteral("size=64k"), QStringLiteral("tmpfs"), mountPoint});
    if (!mount.waitForFinished(30000) || mount.exitStatus() != QProcess::NormalExit || mount.exitCode() != 0)
        QSKIP(qPrintable(QStringLiteral("cannot mount a tmpfs here: %1")
                             .arg(QString::fromLocal8Bit(mount.readAllStandardError()).trimmed())));
    m_mountPoint = mountPoint;
    m_path = mountPoint + QLatin1String("/state.json");

    QString error;
    QVERIFY2(OperatorStateFile::save(m_path, sampleState(), &error), qPrintable(error));
    const QByteArray good = contentOf(m_path);
    {
        QFile filler(mountPoint + QLatin1String("/filler"));
        QVERIFY(filler.open(QIODevice::WriteOnly));
        const QByteArray block(4096, 'x');
        while (filler.write(block) == block.size() && filler.flush()) {}
    }
    OperatorState big;
    for (std::uint32_t pid = 1; pid <= 2000; ++pid)
        big.agents.push_back({AgentKey::local(pid),
                              PauseInfo{QStringLiteral("console"), QStringLiteral("maintenance"), kT, kT + 1},
                              false,
                              {}});
    QVERIFY(!OperatorStateFile::save(m_path, big, &error));
    QVERIFY2(error.startsWith(m_path + QLatin1String(": not saved: ")), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("No space left on device")), qPrintable(error));
    QCOMPARE(contentOf(m_path), good);
    const OperatorStateFile::Loaded loaded = OperatorStateFile::load(m_path);
    QVERIFY2(loaded.warning.isEmpty(), qPrintable(loaded.warning));
    QVERIFY(loaded.state == sampleState());
    QVERIFY(!QFile::exists(m_path + QLatin1String(".tmp")));
}

QTEST_GUILESS_MAIN(TestOperatorStateFile)
#include "tst_operator_state_file.moc"
