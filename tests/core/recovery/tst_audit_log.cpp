// AuditLog against docs/compat.md section 3: header, columns of every kind, the SHA-256 chain
// recomputed here independently, seq and chain carried across a restart, corrupt tails,
// file mode, field sanitising, and that opening reads only the file's end.
#include "core/base/engine_clock.h"
#include "core/recovery/audit_log.h"
#include "tests/support/recovery_test_support.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace varta;

namespace {

QList<QByteArray> readLines(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines = file.readAll().split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

QList<QByteArray> columnsOf(const QByteArray &line) { return line.split('\t'); }

// The chain as docs/compat.md defines it, written out again so a mistake in AuditLog cannot
// hide behind shared code.
QByteArray expectedChain(const QByteArray &kind, const QByteArray &prev, const QByteArray &body) {
    QByteArray input = QByteArrayLiteral("VARTA-AUDIT-v2");
    input.append('\0').append(kind).append('\0').append(prev).append('\0').append(body);
    return QCryptographicHash::hash(input, QCryptographicHash::Sha256);
}

// Whether every record line from `first` on chains from `prev`; *where names the first
// broken line.
bool chainHolds(const QList<QByteArray> &lines, qsizetype first, QByteArray prev, QString *where = nullptr) {
    for (qsizetype i = first; i < lines.size(); ++i) {
        const QByteArray &line = lines[i];
        const qsizetype lastTab = line.lastIndexOf('\t');
        const QByteArray chain = expectedChain(columnsOf(line).at(3), prev, line.left(lastTab));
        if (line.mid(lastTab + 1) != chain.toHex()) {
            if (where)
                *where = QStringLiteral("line %1: %2").arg(i).arg(QString::fromUtf8(line));
            return false;
        }
        prev = chain;
    }
    return true;
}

void appendSample(AuditLog &log) {
    QVERIFY(log.appendSpawn({42, 4242, QStringLiteral("/usr/bin/restart 42 local"), QStringLiteral("/usr/bin/restart"),
                             QStringLiteral("inline"), 3}));
    QVERIFY(log.appendComplete({42, 4242, AuditLog::Completion::Reaped, 0, std::nullopt, 1500000, 12, 3, false}));
    QVERIFY(log.appendRefused(43, RefusalReason::OutstandingCapacity));
}

void appendRaw(const QString &path, const QByteArray &bytes) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::Append));
    QCOMPARE(file.write(bytes), bytes.size());
}

}  // namespace

class TestAuditLog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void schema();
    void chainVerifies();
    void resumesAcrossRestart();
    void corruptTail_data();
    void corruptTail();
    void createdWithMode0600();
    void fieldsAreSanitised();
    void refusesForeignFile();
    void refusesSecondWriter();
    void refusesSymlink();
    void readsOnlyTheTail();
    void failedWriteLeavesNoTornLine();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
};

void TestAuditLog::initTestCase() {
    engineEpochNs();  // the observer fixes the engine clock's epoch first thing in main()
}

void TestAuditLog::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(QStringLiteral("audit.log"));
}

void TestAuditLog::schema() {
    AuditLog log;
    QString error;
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    QVERIFY2(log.open(m_path, &error), qPrintable(error));
    QCOMPARE(log.bootReason(), AuditLog::BootReason::Fresh);
    appendSample(log);
    QVERIFY(log.appendComplete({44, 4444, AuditLog::Completion::Killed, std::nullopt, 9, 7, 0, 65536, true}));
    const qint64 after = QDateTime::currentMSecsSinceEpoch();

    const QList<QByteArray> lines = readLines(m_path);
    QCOMPARE(lines.size(), 6);
    QCOMPARE(lines[0], QByteArrayLiteral("# varta-watch recovery audit v2"));

    struct Expect {
        const char *kind;
        QList<QByteArray> fields;
    };
    const QList<Expect> expected = {
        {"boot", {QByteArray::number(::getpid()), "-", "fresh"}},
        {"spawn", {"42", "4242", "/usr/bin/restart 42 local", "/usr/bin/restart", "inline", "3"}},
        {"complete", {"42", "4242", "reaped", "0", "-", "1500000", "12", "3", "false"}},
        {"refused", {"43", "outstanding_capacity"}},
        {"complete", {"44", "4444", "killed", "-", "9", "7", "0", "65536", "true"}},
    };
    qint64 lastObserverNs = -1;
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const QList<QByteArray> columns = columnsOf(lines[i + 1]);
        QCOMPARE(columns.size(), 4 + expected[i].fields.size() + 1);
        QCOMPARE(columns[0].toULongLong(), quint64(i + 1));
        const qint64 wallclock = columns[1].toLongLong();
        QVERIFY(wallclock >= before && wallclock <= after);
        const qint64 observerNs = columns[2].toLongLong();
        QVERIFY(observerNs >= lastObserverNs);
        lastObserverNs = observerNs;
        QCOMPARE(columns[3], QByteArray(expected[i].kind));
        QCOMPARE(columns.mid(4, expected[i].fields.size()), expected[i].fields);
        QCOMPARE(columns.last().size(), 64);
    }
    QCOMPARE(log.lastSeq(), quint64(5));
}

void TestAuditLog::chainVerifies() {
    {
        AuditLog log;
        QString error;
        QVERIFY(log.open(m_path, &error));
        appendSample(log);
    }
    QList<QByteArray> lines = readLines(m_path);
    QString where;
    QVERIFY2(chainHolds(lines, 1, QByteArray(32, '\0'), &where), qPrintable(where));

    // The check can fail: one changed byte in a field breaks the chain at that record.
    lines[2].replace("restart", "restarT");
    QVERIFY(!chainHolds(lines, 1, QByteArray(32, '\0'), &where));
    QVERIFY2(where.startsWith(QStringLiteral("line 2:")), qPrintable(where));
}

void TestAuditLog::resumesAcrossRestart() {
    QString error;
    {
        AuditLog log;
        QVERIFY(log.open(m_path, &error));
        appendSample(log);
        QCOMPARE(log.lastSeq(), quint64(4));
    }
    const QByteArray lastChainHex = columnsOf(readLines(m_path).last()).last();
    {
        AuditLog log;
        QVERIFY2(log.open(m_path, &error), qPrintable(error));
        QCOMPARE(log.bootReason(), AuditLog::BootReason::Resume);
        QCOMPARE(log.lastSeq(), quint64(5));
        QVERIFY(log.appendRefused(7, RefusalReason::Debounced));
    }
    const QList<QByteArray> lines = readLines(m_path);
    QCOMPARE(lines.size(), 1 + 6);
    QCOMPARE(lines.count(QByteArrayLiteral("# varta-watch recovery audit v2")), 1);
    for (qsizetype i = 1; i < lines.size(); ++i)
        QCOMPARE(columnsOf(lines[i]).at(0).toULongLong(), quint64(i));
    const QList<QByteArray> boot = columnsOf(lines[5]);
    QCOMPARE(boot[3], QByteArrayLiteral("boot"));
    QCOMPARE(boot[5], lastChainHex);
    QCOMPARE(boot[6], QByteArrayLiteral("resume"));
    // One unbroken chain over both runs.
    QVERIFY(chainHolds(lines, 1, QByteArray(32, '\0')));
}

void TestAuditLog::corruptTail_data() {
    QTest::addColumn<QByteArray>("garbage");
    QTest::addColumn<quint64>("bootSeq");  // seq continues from the last well-formed record

    QTest::newRow("record cut off mid-line") << QByteArrayLiteral("5\t17000\t99\trefused\t4") << quint64(5);
    QTest::newRow("complete line of garbage") << QByteArrayLiteral("hello world\n") << quint64(5);
    QTest::newRow("chain not hex") << QByteArrayLiteral("5\t1\t2\trefused\t4\tdebounced\tzz\n") << quint64(5);
    QTest::newRow("wrong column count") << QByteArrayLiteral("5\t1\t2\trefused\t4\t-\n") << quint64(5);
    QTest::newRow("unknown kind") << QByteArrayLiteral("5\t1\t2\treboot\t4\tx\t-\n") << quint64(5);
}

void TestAuditLog::corruptTail() {
    QFETCH(QByteArray, garbage);
    QFETCH(quint64, bootSeq);
    QString error;
    {
        AuditLog log;
        QVERIFY(log.open(m_path, &error));
        appendSample(log);
    }
    const QByteArray lastGoodChain = QByteArray::fromHex(columnsOf(readLines(m_path).last()).last());
    appendRaw(m_path, garbage);

    AuditLog log;
    QVERIFY2(log.open(m_path, &error), qPrintable(error));
    QCOMPARE(log.bootReason(), AuditLog::BootReason::CorruptTail);
    QVERIFY(log.appendRefused(9, RefusalReason::Paused));
    log.close();

    const QList<QByteArray> lines = readLines(m_path);
    const QList<QByteArray> boot = columnsOf(lines[lines.size() - 2]);
    QCOMPARE(boot.size(), 8);  // on a line of its own, even after a cut-off record
    QCOMPARE(boot[0].toULongLong(), bootSeq);
    QCOMPARE(boot[3], QByteArrayLiteral("boot"));
    QCOMPARE(boot[5], lastGoodChain.toHex());
    QCOMPARE(boot[6], QByteArrayLiteral("corrupt_tail"));
    QCOMPARE(columnsOf(lines.last()).at(0).toULongLong(), bootSeq + 1);
    // The new records chain on from the last good one, skipping the garbage.
    QVERIFY(chainHolds(lines, lines.size() - 2, lastGoodChain));
}

void TestAuditLog::createdWithMode0600() {
    const mode_t old = ::umask(0);  // the mode must not depend on a permissive umask
    AuditLog log;
    QString error;
    const bool opened = log.open(m_path, &error);
    ::umask(old);
    QVERIFY2(opened, qPrintable(error));
    struct stat st {};
    QCOMPARE(::stat(QFile::encodeName(m_path).constData(), &st), 0);
    QCOMPARE(st.st_mode & 07777, mode_t(0600));
}

void TestAuditLog::fieldsAreSanitised() {
    AuditLog log;
    QString error;
    QVERIFY(log.open(m_path, &error));
    QVERIFY(
        log.appendSpawn({1, 2, QStringLiteral("a\tb\nc\rd"), QStringLiteral("x\ty"), QStringLiteral("/etc/x\n"), 2}));
    const QList<QByteArray> lines = readLines(m_path);
    QCOMPARE(lines.size(), 3);
    const QList<QByteArray> spawn = columnsOf(lines[2]);
    QCOMPARE(spawn.size(), 11);
    QCOMPARE(spawn[6], QByteArrayLiteral("a b c d"));
    QCOMPARE(spawn[7], QByteArrayLiteral("x y"));
    QCOMPARE(spawn[8], QByteArrayLiteral("/etc/x "));
    QVERIFY(chainHolds(lines, 1, QByteArray(32, '\0')));
}

void TestAuditLog::refusesForeignFile() {
    appendRaw(m_path, QByteArrayLiteral("# some other log\nline\n"));
    AuditLog log;
    QString error;
    QVERIFY(!log.open(m_path, &error));
    QVERIFY2(error.contains(QStringLiteral("not a varta-watch recovery audit v2 log")), qPrintable(error));
    QCOMPARE(readLines(m_path), (QList<QByteArray>{"# some other log", "line"}));
}

void TestAuditLog::refusesSecondWriter() {
    AuditLog first, second;
    QString error;
    QVERIFY(first.open(m_path, &error));
    QVERIFY(!second.open(m_path, &error));
    QVERIFY2(error.contains(QStringLiteral("in use")), qPrintable(error));
    first.close();
    QVERIFY2(second.open(m_path, &error), qPrintable(error));
}

void TestAuditLog::refusesSymlink() {
    const QString target = m_dir->filePath(QStringLiteral("target"));
    QVERIFY(QFile::link(target, m_path));
    AuditLog log;
    QString error;
    QVERIFY(!log.open(m_path, &error));
    QVERIFY(!QFile::exists(target));
}

void TestAuditLog::readsOnlyTheTail() {
    QString error;
    {
        AuditLog log;
        QVERIFY(log.open(m_path, &error));
        appendSample(log);
    }
    // Push the records 64 GiB into the file with a hole: reading or holding the whole
    // file is impossible here, so resuming proves only the end was read.
    const QList<QByteArray> lines = readLines(m_path);
    QFile file(m_path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    const qint64 headerEnd = lines[0].size() + 1;
    QVERIFY(file.resize(headerEnd));
    const qint64 holeEnd = 64LL << 30;
    QVERIFY(file.resize(holeEnd));
    QVERIFY(file.seek(holeEnd));
    QByteArray records = "\n";
    for (qsizetype i = 1; i < lines.size(); ++i)
        records += lines[i] + '\n';
    QCOMPARE(file.write(records), records.size());
    file.close();

    AuditLog log;
    QVERIFY2(log.open(m_path, &error), qPrintable(error));
    QCOMPARE(log.bootReason(), AuditLog::BootReason::Resume);
    QCOMPARE(log.lastSeq(), quint64(5));
    log.close();
    QFile::remove(m_path);
}

void TestAuditLog::failedWriteLeavesNoTornLine() {
    AuditLog log;
    QString error;
    QVERIFY(log.open(m_path, &error));
    QVERIFY(log.appendRefused(1, RefusalReason::Debounced));
    const QByteArray before = [&] {
        QFile f(m_path);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }();

    // A file-size limit a few bytes past the end: the next record is cut short (EFBIG)
    // part way through its write.
    {
        test::FileSizeLimit limit(before.size() + 10);
        QVERIFY(!log.appendRefused(2, RefusalReason::Paused));
        QVERIFY(!log.lastError().isEmpty());
    }
    const QByteArray after = [&] {
        QFile f(m_path);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }();
    QCOMPARE(after, before);  // the partial record was cut back off
    QCOMPARE(log.lastSeq(), quint64(2));

    QVERIFY(log.appendRefused(3, RefusalReason::Paused));
    const QList<QByteArray> lines = readLines(m_path);
    QCOMPARE(columnsOf(lines.last()).at(0), QByteArray("3"));  // no gap, no repeat
    QVERIFY(chainHolds(lines, 1, QByteArray(32, '\0')));
}

QTEST_GUILESS_MAIN(TestAuditLog)
#include "tst_audit_log.moc"
