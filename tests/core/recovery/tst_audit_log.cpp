// AuditLog against docs/compat.md section 3: header, columns of every kind, the SHA-256 chain
// recomputed here independently, seq and chain carried across a restart, what an existing
// file's end or header means (torn tail, unparseable last line, v1 or unknown header),
// rotation into five generations, the fdatasync cadence, file mode, field sanitising,
// operator rows (their columns, sanitising, the chain and a restart across them), and that
// opening reads only the file's end.
#include "core/base/engine_clock.h"
#include "core/recovery/audit_log.h"
#include "tests/support/audit_chain.h"
#include "tests/support/recovery_test_support.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <numeric>

#include <sys/stat.h>
#include <unistd.h>

using namespace varta;
using varta::test::chainHolds;

namespace {

QList<QByteArray> columnsOf(const QByteArray &line) { return line.split('\t'); }

// An operator on the control socket, and the in-process console, each acting once.
AuditLog::Operator socketPause() {
    return {.uid = 1000,
            .user = QStringLiteral("alice"),
            .action = QStringLiteral("pause"),
            .agentPid = 4242,
            .target = QStringLiteral("uds/4242"),
            .outcome = QStringLiteral("ok"),
            .detail = QStringLiteral("reason=disk swap; for_ms=900000")};
}
AuditLog::Operator consoleKill() {
    return {.uid = std::nullopt,
            .user = QStringLiteral("console"),
            .action = QStringLiteral("kill"),
            .agentPid = std::nullopt,
            .target = QStringLiteral("child:3"),
            .outcome = QStringLiteral("not_found"),
            .detail = QString()};
}

QByteArray contentOf(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void appendSample(AuditLog &log) {
    // "/usr/bin/restart 42 local" is 25 bytes.
    QVERIFY(log.appendSpawn({42, 4242, QStringLiteral("/usr/bin/restart"), QStringLiteral("inline"), 25}));
    QVERIFY(log.appendComplete({42, 4242, AuditLog::Completion::Reaped, 0, std::nullopt, 1500000, 12, 3, false}));
    QVERIFY(log.appendRefused(43, RefusalReason::OutstandingCapacity));
}

// A record line as AuditLog writes it, chained from `prev`.
QByteArray chainedLine(const QByteArray &seq, const QByteArray &kindAndFields, const QByteArray &prev) {
    const QByteArray body = seq + "\t1\t2\t" + kindAndFields;
    return body + '\t' + test::expectedChain(kindAndFields.split('\t').first(), prev, body).toHex() + '\n';
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
    void tornTailIsCutOff_data();
    void tornTailIsCutOff();
    void unparseableLastLineIsSchemaDrift_data();
    void unparseableLastLineIsSchemaDrift();
    void anyRecordShapeResumes();
    void headerAloneIsFresh();
    void legacyV1FileIsContinued();
    void unknownHeaderIsSchemaDrift();
    void rotatesIntoFiveGenerations();
    void followsItsPath_data();
    void followsItsPath();
    void keepsWritingWhenItsPathCannotBeOpened();
    void fileAlreadyFullRotatesAfterItsBoot();
    void syncsEveryNRecords();
    void syncsAfterTheInterval();
    void slowSyncsAndRotationsAreCounted();
    void createdWithMode0600();
    void fieldsAreSanitised();
    void refusesSecondWriter();
    void refusesSymlink();
    void readsOnlyTheTail();
    void failedWriteLeavesNoTornLine();
    void operatorRowColumns();
    void operatorRowIsSanitised();
    void chainVerifiesAcrossOperatorRows();
    void resumesAfterAnOperatorRow();
    void spawnsOfADeadRunCompleteAsLost();
    void forgedTailNeverMovesSeqBack_data();
    void forgedTailNeverMovesSeqBack();

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

    const QList<QByteArray> lines = test::linesOfFile(m_path);
    QCOMPARE(lines.size(), 6);
    QCOMPARE(lines[0], QByteArrayLiteral("# varta-watch recovery audit v2"));

    struct Expect {
        const char *kind;
        QList<QByteArray> fields;
    };
    const QList<Expect> expected = {
        {"boot", {QByteArray::number(::getpid()), "-", "fresh"}},
        {"spawn", {"42", "4242", "exec", "/usr/bin/restart", "inline", "25"}},
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
        if (i == 0)
            QCOMPARE(columns[2], QByteArray("0"));  // as upstream, a boot row has no observer time
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
    QList<QByteArray> lines = test::linesOfFile(m_path);
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
    const QByteArray lastChainHex = columnsOf(test::linesOfFile(m_path).last()).last();
    {
        AuditLog log;
        QVERIFY2(log.open(m_path, &error), qPrintable(error));
        QCOMPARE(log.bootReason(), AuditLog::BootReason::Resume);
        QCOMPARE(log.lastSeq(), quint64(5));
        QVERIFY(log.appendRefused(7, RefusalReason::Debounced));
    }
    const QList<QByteArray> lines = test::linesOfFile(m_path);
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

void TestAuditLog::tornTailIsCutOff_data() {
    QTest::addColumn<QByteArray>("torn");
    QTest::newRow("record cut off mid-line") << QByteArrayLiteral("5\t17000\t99\trefused\t4");
    QTest::newRow("one byte") << QByteArrayLiteral("5");
    // Longer than the probe's read chunk: found by searching back, never held whole.
    QTest::newRow("long fragment") << QByteArray(200 * 1024, 'x');
}

// As upstream: the bytes after the last newline are cut off the file (ftruncate), seq and
// the chain continue from the record before them, and the boot row says corrupt_tail with
// `-` as its previous chain.
void TestAuditLog::tornTailIsCutOff() {
    QFETCH(QByteArray, torn);
    QString error;
    {
        AuditLog log;
        QVERIFY(log.open(m_path, &error));
        appendSample(log);
    }
    const QByteArray before = contentOf(m_path);
    const QByteArray lastGoodChain = QByteArray::fromHex(columnsOf(test::linesOfFile(m_path).last()).last());
    appendRaw(m_path, torn);

    AuditLog log;
    QVERIFY2(log.open(m_path, &error), qPrintable(error));
    QCOMPARE(log.bootReason(), AuditLog::BootReason::CorruptTail);
    QVERIFY(log.appendRefused(9, RefusalReason::Paused));
    log.close();

    const QByteArray after = contentOf(m_path);
    QVERIFY2(after.startsWith(before), "the records before the torn bytes stay as they were");
    // Then exactly the boot and the new record: the torn bytes are gone.
    QCOMPARE(after.mid(before.size()).count('\n'), 2);
    const QList<QByteArray> lines = test::linesOfFile(m_path);
    QCOMPARE(lines.size(), 1 + 4 + 2);
    const QList<QByteArray> boot = columnsOf(lines[5]);
    QCOMPARE(boot.size(), 8);
    QCOMPARE(boot[0], QByteArray("5"));
    QCOMPARE(boot[2], QByteArray("0"));
    QCOMPARE(boot[3], QByteArrayLiteral("boot"));
    QCOMPARE(boot[5], QByteArray("-"));
    QCOMPARE(boot[6], QByteArrayLiteral("corrupt_tail"));
    QCOMPARE(columnsOf(lines.last()).at(0), QByteArray("6"));
    QVERIFY(chainHolds(lines, 5, lastGoodChain));
    QVERIFY(chainHolds(lines, 1, QByteArray(32, '\0')));  // one unbroken chain, as if nothing had been torn
}

void TestAuditLog::unparseableLastLineIsSchemaDrift_data() {
    QTest::addColumn<QByteArray>("line");
    QTest::newRow("a line of garbage") << QByteArrayLiteral("hello world\n");
    QTest::newRow("seq not decimal") << (QByteArrayLiteral("5x\t1\t2\trefused\t4\tpaused\t") + QByteArray(64, 'a')
                                         + '\n');
    QTest::newRow("a comment") << QByteArrayLiteral("# edited by hand\n");
    QTest::newRow("an empty line") << QByteArrayLiteral("\n");
}

// A whole last line that is no record keeps its place in the file; unlike upstream, which
// starts over at seq 1, seq and the chain continue from the last record before it, so an
// appended line cannot reset the sequence.
void TestAuditLog::unparseableLastLineIsSchemaDrift() {
    QFETCH(QByteArray, line);
    QString error;
    {
        AuditLog log;
        QVERIFY(log.open(m_path, &error));
        appendSample(log);
    }
    const QByteArray goodChain = QByteArray::fromHex(columnsOf(test::linesOfFile(m_path).last()).last());
    appendRaw(m_path, line);
    const QByteArray before = contentOf(m_path);

    AuditLog log;
    QVERIFY2(log.open(m_path, &error), qPrintable(error));
    QCOMPARE(log.bootReason(), AuditLog::BootReason::SchemaDrift);
    QVERIFY(log.appendRefused(9, RefusalReason::Paused));
    log.close();

    const QByteArray after = contentOf(m_path);
    QVERIFY(after.startsWith(before));
    QCOMPARE(after.count("# varta-watch recovery audit v2"), 1);
    const QList<QByteArray> added = after.mid(before.size()).split('\n').mid(0, 2);
    const QList<QByteArray> boot = columnsOf(added[0]);
    QCOMPARE(boot[0], QByteArray("5"));
    QCOMPARE(boot[3], QByteArray("boot"));
    QCOMPARE(boot[5], QByteArray("-"));
    QCOMPARE(boot[6], QByteArray("schema_drift"));
    QCOMPARE(columnsOf(added[1]).at(0), QByteArray("6"));
    QVERIFY(chainHolds(added, 0, goodChain));
}

// Upstream resumes from any line with a decimal seq first and a chain last, whatever lies
// between: a newer schema's extra column does not reset the chain, as long as the chain
// covers the line (it covers every column).
void TestAuditLog::anyRecordShapeResumes() {
    const QByteArray line = chainedLine("1", "refused\t4\tpaused\tnew column", QByteArray(32, '\0'));
    appendRaw(m_path, QByteArrayLiteral("# varta-watch recovery audit v2\n") + line);
    const QByteArray chain = QByteArray::fromHex(line.trimmed().split('\t').last());
    AuditLog log;
    QString error;
    QVERIFY2(log.open(m_path, &error), qPrintable(error));
    QCOMPARE(log.bootReason(), AuditLog::BootReason::Resume);
    QCOMPARE(log.lastSeq(), quint64(2));
    log.close();
    const QList<QByteArray> lines = test::linesOfFile(m_path);
    QCOMPARE(columnsOf(lines.last()).at(5), chain.toHex());
    QVERIFY(chainHolds(lines, 2, chain));
}

void TestAuditLog::headerAloneIsFresh() {
    appendRaw(m_path, QByteArrayLiteral("# varta-watch recovery audit v2\n"));
    AuditLog log;
    QString error;
    QVERIFY2(log.open(m_path, &error), qPrintable(error));
    QCOMPARE(log.bootReason(), AuditLog::BootReason::Fresh);
    log.close();
    const QList<QByteArray> lines = test::linesOfFile(m_path);
    QCOMPARE(lines.size(), 2);
    QCOMPARE(columnsOf(lines[1]).at(6), QByteArray("fresh"));
}

// As upstream: a v1 log is not refused. Its lines stay; a v2 header and a boot row
// `legacy_v1` follow them, seq restarts at 1 and the chain at zero. The next start resumes
// the v2 part instead of migrating again.
void TestAuditLog::legacyV1FileIsContinued() {
    const QByteArray v1 = QByteArrayLiteral("# varta-watch recovery audit v1\n"
                                            "1700000000000\tspawn\t42\t4242\t/usr/bin/restart 42\n"
                                            "1700000000100\tcomplete\t42\t4242\treaped\t0\n");
    appendRaw(m_path, v1);
    QString error;
    {
        AuditLog log;
        QVERIFY2(log.open(m_path, &error), qPrintable(error));
        QCOMPARE(log.bootReason(), AuditLog::BootReason::LegacyV1);
        QVERIFY(log.appendRefused(7, RefusalReason::Debounced));
    }
    QByteArray content = contentOf(m_path);
    QVERIFY(content.startsWith(v1));
    QList<QByteArray> v2 = content.mid(v1.size()).split('\n');
    v2.removeLast();
    QCOMPARE(v2.size(), 3);
    QCOMPARE(v2[0], QByteArray("# varta-watch recovery audit v2"));
    const QList<QByteArray> boot = columnsOf(v2[1]);
    QCOMPARE(boot.mid(0, 1), QList<QByteArray>{"1"});
    QCOMPARE(boot[2], QByteArray("0"));
    QCOMPARE(boot.mid(3, 4), (QList<QByteArray>{"boot", QByteArray::number(::getpid()), "-", "legacy_v1"}));
    QCOMPARE(columnsOf(v2[2]).at(0), QByteArray("2"));
    QVERIFY(chainHolds(v2, 1, QByteArray(32, '\0')));

    {
        AuditLog log;
        QVERIFY2(log.open(m_path, &error), qPrintable(error));
        QCOMPARE(log.bootReason(), AuditLog::BootReason::Resume);
        QCOMPARE(log.lastSeq(), quint64(3));
    }
    content = contentOf(m_path);
    QCOMPARE(content.count("# varta-watch recovery audit v2"), 1);
    v2 = content.mid(v1.size()).split('\n');
    v2.removeLast();
    QCOMPARE(columnsOf(v2.last()).at(6), QByteArray("resume"));
    QVERIFY(chainHolds(v2, 1, QByteArray(32, '\0')));
}

// As upstream: any other first line is schema drift, handled like a v1 file. The old
// content's unfinished last line is ended first, so the header is a line of its own.
void TestAuditLog::unknownHeaderIsSchemaDrift() {
    const QByteArray foreign = QByteArrayLiteral("# some other log\nline without a newline");
    appendRaw(m_path, foreign);
    AuditLog log;
    QString error;
    QVERIFY2(log.open(m_path, &error), qPrintable(error));
    QCOMPARE(log.bootReason(), AuditLog::BootReason::SchemaDrift);
    QCOMPARE(log.lastSeq(), quint64(1));
    log.close();
    const QList<QByteArray> lines = test::linesOfFile(m_path);
    QCOMPARE(lines.size(), 4);
    QCOMPARE(lines.mid(0, 3),
             (QList<QByteArray>{"# some other log", "line without a newline", "# varta-watch recovery audit v2"}));
    QCOMPARE(columnsOf(lines[3]).mid(5, 2), (QList<QByteArray>{"-", "schema_drift"}));
    QVERIFY(chainHolds(lines, 3, QByteArray(32, '\0')));
}

// Past maxBytes the live file becomes PATH.1, older ones move up, PATH.5 is dropped. Each
// new generation starts with the header and a `rotation` boot row whose prev_chain is the
// chain of the record before it, so the chain and seq run on across every file.
void TestAuditLog::followsItsPath_data() {
    QTest::addColumn<QString>("what");
    QTest::newRow("renamed (logrotate)") << QStringLiteral("rename");
    QTest::newRow("deleted") << QStringLiteral("delete");
    QTest::newRow("truncated (copytruncate)") << QStringLiteral("truncate");
}

void TestAuditLog::followsItsPath() {
    QFETCH(QString, what);
    AuditLog log;
    QString error;
    QVERIFY2(log.open(m_path, &error), qPrintable(error));
    QVERIFY(log.appendRefused(1, RefusalReason::Debounced));
    QVERIFY(log.followPath(true));  // nothing happened to it: nothing to do
    QCOMPARE(log.counters().reopens, std::uint64_t{0});
    const QList<QByteArray> before = test::linesOfFile(m_path);
    const QByteArray lastChain = QByteArray::fromHex(columnsOf(before.last()).last());
    const quint64 lastSeq = columnsOf(before.last()).at(0).toULongLong();

    const QString moved = m_path + QStringLiteral(".1");
    if (what == QLatin1String("rename"))
        QVERIFY(QFile::rename(m_path, moved));
    else if (what == QLatin1String("delete"))
        QVERIFY(QFile::remove(m_path));
    else
        QVERIFY(QFile::copy(m_path, moved) && QFile::resize(m_path, 0));
    QVERIFY2(log.followPath(true), qPrintable(log.lastError()));
    QVERIFY(log.appendRefused(2, RefusalReason::Debounced));
    log.close();
    QCOMPARE(log.counters().reopens, std::uint64_t{1});

    // The file at the path starts again with a header, and its boot row continues the
    // chain and the seq of the records written before, wherever they now are.
    const QList<QByteArray> lines = test::linesOfFile(m_path);
    QCOMPARE(lines.size(), 3);
    QCOMPARE(lines[0], QByteArray("# varta-watch recovery audit v2"));
    const QList<QByteArray> boot = columnsOf(lines[1]);
    QCOMPARE(boot[3], QByteArray("boot"));
    QCOMPARE(boot[6], QByteArray("reopen"));
    QCOMPARE(boot[5], lastChain.toHex());
    QCOMPARE(boot[0].toULongLong(), lastSeq + 1);
    QString where;
    QVERIFY2(chainHolds(lines, 1, lastChain, &where), qPrintable(where));
    QCOMPARE(columnsOf(lines[2]).at(3), QByteArray("refused"));
    if (what != QLatin1String("delete"))
        QCOMPARE(test::linesOfFile(moved), before);  // nothing more went to the moved file
}

void TestAuditLog::keepsWritingWhenItsPathCannotBeOpened() {
    AuditLog log;
    QString error;
    QVERIFY2(log.open(m_path, &error), qPrintable(error));
    const QString moved = m_path + QStringLiteral(".1");
    QVERIFY(QFile::rename(m_path, moved));
    QVERIFY(QFile::link(QStringLiteral("/etc/hostname"), m_path));  // a symlink is never followed
    QVERIFY(!log.followPath(true));
    QVERIFY2(log.lastError().contains(m_path), qPrintable(log.lastError()));
    // No record is lost for it: they go to the file we have until the path is usable.
    QVERIFY(log.appendRefused(3, RefusalReason::Debounced));
    QVERIFY(QFile::remove(m_path));
    QVERIFY(log.followPath(true));
    QVERIFY(log.appendRefused(4, RefusalReason::Debounced));
    log.close();
    QCOMPARE(columnsOf(test::linesOfFile(moved).last()).at(3), QByteArray("refused"));
    QCOMPARE(columnsOf(test::linesOfFile(m_path).value(1)).value(6), QByteArray("reopen"));
    QCOMPARE(test::linesOfFile(m_path).size(), 3);
}

void TestAuditLog::rotatesIntoFiveGenerations() {
    constexpr int kRotations = 8;
    constexpr std::int64_t kMaxBytes = 1000;
    AuditLog::Settings settings;
    settings.maxBytes = kMaxBytes;
    AuditLog log;
    QString error;
    QVERIFY2(log.open(m_path, settings, &error), qPrintable(error));
    std::uint32_t agent = 1;
    while (log.counters().rotations < kRotations)
        QVERIFY2(log.appendRefused(agent++, RefusalReason::Debounced), qPrintable(log.lastError()));
    QVERIFY(log.appendRefused(agent, RefusalReason::Debounced));
    log.close();

    QVERIFY(!QFile::exists(m_path + QStringLiteral(".6")));
    QVERIFY(!QFile::exists(m_path + QStringLiteral(".next")));
    // Oldest first: PATH.5 ... PATH.1, then the live file.
    QStringList files;
    for (int generation = AuditLog::kGenerations; generation >= 1; --generation)
        files << m_path + QLatin1Char('.') + QString::number(generation);
    files << m_path;
    QByteArray previousChain;
    quint64 previousSeq = 0;
    for (const QString &file : files) {
        QVERIFY2(QFile::exists(file), qPrintable(file));
        QCOMPARE(QFileInfo(file).permissions() & (QFile::ReadGroup | QFile::ReadOther), QFile::Permissions());
        const QList<QByteArray> lines = test::linesOfFile(file);
        QCOMPARE(lines[0], QByteArray("# varta-watch recovery audit v2"));
        const QList<QByteArray> boot = columnsOf(lines[1]);
        QCOMPARE(boot.mid(2, 2), (QList<QByteArray>{"0", "boot"}));
        QCOMPARE(boot[6], QByteArray("rotation"));
        if (!previousChain.isEmpty()) {
            QCOMPARE(boot[5], previousChain.toHex());
            QCOMPARE(boot[0].toULongLong(), previousSeq + 1);
        }
        QString where;
        QVERIFY2(chainHolds(lines, 1, QByteArray::fromHex(boot[5]), &where),
                 qPrintable(file + QLatin1Char(' ') + where));
        previousChain = QByteArray::fromHex(columnsOf(lines.last()).last());
        previousSeq = columnsOf(lines.last()).at(0).toULongLong();
        if (file != m_path)  // every full generation ends with the record that reached the size
            QVERIFY(QFileInfo(file).size() >= kMaxBytes);
    }
    QCOMPARE(previousSeq, quint64(1 + agent + kRotations));  // the first boot, the records, a boot per rotation
}

void TestAuditLog::fileAlreadyFullRotatesAfterItsBoot() {
    QString error;
    {
        AuditLog log;
        QVERIFY(log.open(m_path, &error));
        appendSample(log);
    }
    AuditLog::Settings settings;
    settings.maxBytes = QFileInfo(m_path).size();
    AuditLog log;
    QVERIFY2(log.open(m_path, settings, &error), qPrintable(error));
    QCOMPARE(log.counters().rotations, 1u);
    const QList<QByteArray> old = test::linesOfFile(m_path + QStringLiteral(".1"));
    QCOMPARE(columnsOf(old.last()).at(6), QByteArray("resume"));
    const QList<QByteArray> live = test::linesOfFile(m_path);
    QCOMPARE(live.size(), 2);
    QCOMPARE(columnsOf(live[1]).at(5), columnsOf(old.last()).last());
    QCOMPARE(columnsOf(live[1]).at(6), QByteArray("rotation"));
}

// --recovery-audit-sync-every N: one fdatasync per N records; a boot row is synced by
// itself, and close() syncs what the cadence left.
void TestAuditLog::syncsEveryNRecords() {
    AuditLog::Settings settings;
    settings.syncEvery = 3;
    AuditLog log;
    QString error;
    QVERIFY(log.open(m_path, settings, &error));
    QCOMPARE(log.counters().fsyncs, 1u);  // the boot row
    QVERIFY(log.appendRefused(1, RefusalReason::Paused));
    QVERIFY(log.appendRefused(2, RefusalReason::Paused));
    QCOMPARE(log.counters().fsyncs, 1u);
    QCOMPARE(log.unsyncedRecords(), 2);
    QVERIFY(log.appendRefused(3, RefusalReason::Paused));
    QCOMPARE(log.counters().fsyncs, 2u);
    QCOMPARE(log.unsyncedRecords(), 0);
    QVERIFY(log.appendRefused(4, RefusalReason::Paused));
    QCOMPARE(log.counters().fsyncs, 2u);
    QVERIFY(!log.syncDueAt());  // no interval: nothing but records or close() syncs
    log.close();
    QCOMPARE(log.counters().fsyncs, 3u);
    const AuditCounters counters = log.counters();
    QCOMPARE(std::accumulate(counters.fsyncBuckets.begin(), counters.fsyncBuckets.end(), std::uint64_t{0}), 3u);

    // The default is every record.
    QVERIFY(log.open(m_path, &error));
    QVERIFY(log.appendRefused(5, RefusalReason::Paused));
    QCOMPARE(log.unsyncedRecords(), 0);
}

// --audit-sync-interval-ms: records left unsynced by the cadence are synced once the
// interval has passed since the last sync (the writer thread calls syncIfDue then).
void TestAuditLog::syncsAfterTheInterval() {
    AuditLog::Settings settings;
    settings.syncEvery = 1000;
    settings.syncIntervalMs = 50;
    AuditLog log;
    QString error;
    QVERIFY(log.open(m_path, settings, &error));
    QVERIFY(log.appendRefused(1, RefusalReason::Paused));
    const auto due = log.syncDueAt();
    QVERIFY(due);
    QVERIFY(log.syncIfDue());
    if (AuditLog::Clock::now() < *due)
        QCOMPARE(log.unsyncedRecords(), 1);  // not yet due
    QTRY_VERIFY_WITH_TIMEOUT((log.syncIfDue(), log.unsyncedRecords() == 0), 10000);
    QCOMPARE(log.counters().fsyncs, 2u);
    QVERIFY(!log.syncDueAt());
}

void TestAuditLog::slowSyncsAndRotationsAreCounted() {
    AuditLog::Settings settings;
    settings.fsyncBudgetMs = 0;  // every sync takes longer than nothing
    settings.rotationBudgetMs = 0;
    settings.maxBytes = 600;
    AuditLog log;
    QString error;
    QVERIFY(log.open(m_path, settings, &error));
    for (std::uint32_t agent = 1; log.counters().rotations < 2; ++agent)
        QVERIFY(log.appendRefused(agent, RefusalReason::Paused));
    QCOMPARE(log.counters().fsyncBudgetExceeded, log.counters().fsyncs);
    QCOMPARE(log.counters().rotationBudgetExceeded, 2u);
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
    QVERIFY(log.appendSpawn({1, 2, QStringLiteral("x\ty"), QStringLiteral("/etc/x\n"), 2}));
    const QList<QByteArray> lines = test::linesOfFile(m_path);
    QCOMPARE(lines.size(), 3);
    const QList<QByteArray> spawn = columnsOf(lines[2]);
    QCOMPARE(spawn.size(), 11);
    QCOMPARE(spawn[6], QByteArrayLiteral("exec"));
    QCOMPARE(spawn[7], QByteArrayLiteral("x y"));
    QCOMPARE(spawn[8], QByteArrayLiteral("/etc/x "));
    QVERIFY(chainHolds(lines, 1, QByteArray(32, '\0')));
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
    const QList<QByteArray> lines = test::linesOfFile(m_path);
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
    const QList<QByteArray> lines = test::linesOfFile(m_path);
    QCOMPARE(columnsOf(lines.last()).at(0), QByteArray("3"));  // no gap, no repeat
    QVERIFY(chainHolds(lines, 1, QByteArray(32, '\0')));
}

void TestAuditLog::operatorRowColumns() {
    AuditLog log;
    QString error;
    QVERIFY(log.open(m_path, &error));
    QVERIFY(log.appendOperator(socketPause()));
    QVERIFY(log.appendOperator(consoleKill()));
    const QList<QByteArray> lines = test::linesOfFile(m_path);
    QCOMPARE(lines.size(), 4);

    const QList<QByteArray> pause = columnsOf(lines[2]);
    QCOMPARE(pause.size(), 4 + 7 + 1);
    QCOMPARE(pause[0], QByteArray("2"));
    QVERIFY(pause[2].toLongLong() > 0);  // observer time, as for spawn rows
    QCOMPARE(pause.mid(3, 8), (QList<QByteArray>{"operator", "1000", "alice", "pause", "4242", "uds/4242", "ok",
                                                 "reason=disk swap; for_ms=900000"}));
    QCOMPARE(pause.last().size(), 64);

    // No uid, no agent pid, no detail: each column is still there, as `-`.
    const QList<QByteArray> kill = columnsOf(lines[3]);
    QCOMPARE(kill.size(), 4 + 7 + 1);
    QCOMPARE(kill.mid(3, 8), (QList<QByteArray>{"operator", "-", "console", "kill", "-", "child:3", "not_found", "-"}));
}

void TestAuditLog::operatorRowIsSanitised() {
    AuditLog log;
    QString error;
    QVERIFY(log.open(m_path, &error));
    AuditLog::Operator row = socketPause();
    row.user = QStringLiteral("al\tice");
    row.detail = QStringLiteral("reason=disk\r\nswap;\tfor_ms=1");
    QVERIFY(log.appendOperator(row));
    // A reason far past the cap: cut at a character boundary (é is two bytes), marked.
    row.user = QStringLiteral("alice");
    row.detail = QStringLiteral("reason=") + QString(5000, QChar(0x00e9));
    QVERIFY(log.appendOperator(row));

    const QList<QByteArray> lines = test::linesOfFile(m_path);
    QCOMPARE(lines.size(), 4);
    const QList<QByteArray> first = columnsOf(lines[2]);
    QCOMPARE(first.size(), 12);
    QCOMPARE(first[5], QByteArray("al ice"));
    QCOMPARE(first[10], QByteArray("reason=disk  swap; for_ms=1"));

    const QByteArray detail = columnsOf(lines[3]).at(10);
    QVERIFY(detail.size() <= AuditLog::kMaxOperatorDetailBytes);
    QVERIFY(detail.size() >= AuditLog::kMaxOperatorDetailBytes - 4);
    QVERIFY(detail.startsWith("reason=\xc3\xa9"));
    QVERIFY(detail.endsWith("\xc3\xa9..."));  // no half character before the mark
    QVERIFY(QString::fromUtf8(detail).toUtf8() == detail);
    QVERIFY(chainHolds(lines, 1, QByteArray(32, '\0')));
}

void TestAuditLog::chainVerifiesAcrossOperatorRows() {
    {
        AuditLog log;
        QString error;
        QVERIFY(log.open(m_path, &error));
        QVERIFY(log.appendOperator(socketPause()));
        appendSample(log);
        QVERIFY(log.appendOperator(consoleKill()));
        QVERIFY(log.appendRefused(4242, RefusalReason::Paused));
    }
    QList<QByteArray> lines = test::linesOfFile(m_path);
    QCOMPARE(lines.size(), 1 + 7);
    QString where;
    QVERIFY2(chainHolds(lines, 1, QByteArray(32, '\0'), &where), qPrintable(where));

    // An operator row is covered like any other: one changed byte in its outcome breaks it.
    QVERIFY(lines[6].contains("\tnot_found\t"));
    lines[6].replace("\tnot_found\t", "\tok_found\t");
    QVERIFY(!chainHolds(lines, 1, QByteArray(32, '\0'), &where));
    QVERIFY2(where.startsWith(QStringLiteral("line 6:")), qPrintable(where));
}

// The probe reads an operator row as a record like any other: a file that ends with one
// resumes, seq and chain running on.
void TestAuditLog::resumesAfterAnOperatorRow() {
    QString error;
    {
        AuditLog log;
        QVERIFY(log.open(m_path, &error));
        appendSample(log);
        QVERIFY(log.appendOperator(socketPause()));
        QCOMPARE(log.lastSeq(), quint64(5));
    }
    const QByteArray lastChainHex = columnsOf(test::linesOfFile(m_path).last()).last();
    {
        AuditLog log;
        QVERIFY2(log.open(m_path, &error), qPrintable(error));
        QCOMPARE(log.bootReason(), AuditLog::BootReason::Resume);
        QCOMPARE(log.lastSeq(), quint64(6));
        QVERIFY(log.appendOperator(consoleKill()));
    }
    const QList<QByteArray> lines = test::linesOfFile(m_path);
    QCOMPARE(lines.size(), 1 + 7);
    const QList<QByteArray> boot = columnsOf(lines[6]);
    QCOMPARE(boot[3], QByteArrayLiteral("boot"));
    QCOMPARE(boot[5], lastChainHex);
    QCOMPARE(boot[6], QByteArrayLiteral("resume"));
    QCOMPARE(columnsOf(lines[7]).at(0), QByteArray("7"));
    QString where;
    QVERIFY2(chainHolds(lines, 1, QByteArray(32, '\0'), &where), qPrintable(where));
}

// A last line written by someone else must not steer seq: after the four good records
// (seq 1..4) the boot row is seq 5 and chains from record 4, whatever was appended; the
// appended lines stay in the file for the reader to see.
void TestAuditLog::forgedTailNeverMovesSeqBack_data() {
    QTest::addColumn<QByteArray>("tail");  // %CHAIN% is record 4's chain, in hex
    QTest::addColumn<QByteArray>("reason");
    QTest::newRow("seq 2^64-1, chained: the next would wrap to 0")
        << QByteArray("18446744073709551615\t") << QByteArray("corrupt_tail");
    QTest::newRow("seq 10^30 overflows") << QByteArray("1000000000000000000000000000000\t")
                                         << QByteArray("corrupt_tail");
    QTest::newRow("seq 2^64 overflows by one") << QByteArray("18446744073709551616\t") << QByteArray("corrupt_tail");
    QTest::newRow("seq behind the record before it") << QByteArray("2\t") << QByteArray("corrupt_tail");
    QTest::newRow("seq ahead, chain not from the record before")
        << QByteArray("900\tunchained") << QByteArray("corrupt_tail");
    QTest::newRow("two forged lines") << QByteArray("900\tunchained\n901\tunchained") << QByteArray("corrupt_tail");
    QTest::newRow("5 MiB of junk lines") << QByteArray("junk:5") << QByteArray("schema_drift");
    QTest::newRow("one 4 MiB junk line") << QByteArray("junkline:4") << QByteArray("schema_drift");
}

void TestAuditLog::forgedTailNeverMovesSeqBack() {
    QFETCH(QByteArray, tail);
    QFETCH(QByteArray, reason);
    QString error;
    {
        AuditLog log;
        QVERIFY(log.open(m_path, &error));
        appendSample(log);
    }
    const QByteArray goodChain = QByteArray::fromHex(columnsOf(test::linesOfFile(m_path).last()).last());
    QByteArray forged;
    if (tail.startsWith("junk:")) {
        const QByteArray line = QByteArray(1023, 'x') + '\n';
        for (int i = 0; i < tail.mid(5).toInt() * 1024; ++i)
            forged += line;
    } else if (tail.startsWith("junkline:")) {
        forged = QByteArray(tail.mid(9).toInt() << 20, 'x') + '\n';
    } else {
        for (const QByteArray &spec : tail.split('\n')) {
            const QList<QByteArray> parts = spec.split('\t');
            if (parts.value(1) == "unchained")
                forged += parts[0] + "\t1\t2\trefused\t4\tpaused\t" + QByteArray(64, 'a') + '\n';
            else
                forged += chainedLine(parts[0], "refused\t4\tpaused", goodChain);
        }
    }
    appendRaw(m_path, forged);
    const QByteArray before = contentOf(m_path);

    AuditLog log;
    QVERIFY2(log.open(m_path, &error), qPrintable(error));
    QCOMPARE(log.lastSeq(), quint64(5));
    QVERIFY(log.appendRefused(9, RefusalReason::Paused));
    log.close();

    const QByteArray after = contentOf(m_path);
    QVERIFY2(after.startsWith(before), "the forged lines stay where they were");
    const QList<QByteArray> added = after.mid(before.size()).split('\n').mid(0, 2);
    const QList<QByteArray> boot = columnsOf(added[0]);
    QCOMPARE(boot[0], QByteArray("5"));
    QCOMPARE(boot[3], QByteArray("boot"));
    QCOMPARE(boot[6], reason);
    QCOMPARE(columnsOf(added[1]).at(0), QByteArray("6"));
    QString where;
    QVERIFY2(chainHolds(added, 0, goodChain, &where), qPrintable(where));
}

// A run that died (SIGKILL) between a spawn and its complete row: the next open completes
// that spawn as `lost`, right after its boot row, so every spawn still ends in one
// complete row. Spawns before the previous boot row were settled by that boot.
void TestAuditLog::spawnsOfADeadRunCompleteAsLost() {
    QString error;
    {
        AuditLog log;
        QVERIFY(log.open(m_path, &error));
        QVERIFY(log.appendSpawn({41, 4141, QStringLiteral("/bin/old"), QStringLiteral("inline"), 8}));
    }
    {
        AuditLog log;
        QVERIFY(log.open(m_path, &error));  // completes 4141 as lost
        QVERIFY(log.appendSpawn({42, 4242, QStringLiteral("/bin/fix"), QStringLiteral("inline"), 8}));
        QVERIFY(log.appendSpawn({43, 4343, QStringLiteral("/bin/fix"), QStringLiteral("inline"), 8}));
        QVERIFY(log.appendComplete({42, 4242, AuditLog::Completion::Reaped, 0, std::nullopt, 1000, 0, 0, false}));
    }
    AuditLog log;
    QVERIFY2(log.open(m_path, &error), qPrintable(error));
    QCOMPARE(log.lostChildren(), 1);
    log.close();

    const QList<QByteArray> lines = test::linesOfFile(m_path);
    QCOMPARE(lines.size(), 1 + 2 + 2 + 3 + 2);
    QCOMPARE(columnsOf(lines[3]).at(3), QByteArray("boot"));
    QCOMPARE(columnsOf(lines[4]).mid(3, 3), (QList<QByteArray>{"complete", "41", "4141"}));
    QCOMPARE(columnsOf(lines[8]).at(3), QByteArray("boot"));
    const QList<QByteArray> lost = columnsOf(lines[9]);
    QCOMPARE(lost.size(), 14);
    QCOMPARE(lost.mid(3, 10), (QList<QByteArray>{"complete", "43", "4343", "lost", "-", "-", "0", "0", "0", "false"}));
    QString where;
    QVERIFY2(chainHolds(lines, 1, QByteArray(32, '\0'), &where), qPrintable(where));
}

QTEST_GUILESS_MAIN(TestAuditLog)
#include "tst_audit_log.moc"
