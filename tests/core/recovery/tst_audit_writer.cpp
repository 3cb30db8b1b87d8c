// AuditWriter: records submitted from this thread reach the file in submission order,
// all of them by the time close() returns, still chained; write failures are reported
// through the handler; a reopened writer resumes the chain.
#include "core/base/engine_clock.h"
#include "core/recovery/audit_writer.h"
#include "tests/support/recovery_test_support.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>

using namespace varta;

namespace {

QList<QList<QByteArray>> records(const QString &path) {
    QFile file(path);
    QList<QList<QByteArray>> rows;
    if (!file.open(QIODevice::ReadOnly))
        return rows;
    for (const QByteArray &line : file.readAll().split('\n'))
        if (!line.isEmpty() && !line.startsWith('#'))
            rows.append(line.split('\t'));
    return rows;
}

}  // namespace

class TestAuditWriter : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { engineEpochNs(); }
    void everyRecordInOrderByClose();
    void reportsWriteFailures();
    void reopenResumes();
    void closeWithoutOpenIsHarmless();
};

void TestAuditWriter::everyRecordInOrderByClose() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("audit.log"));
    AuditWriter writer;
    QString error;
    QVERIFY2(writer.open(path, {}, &error), qPrintable(error));
    QVERIFY(writer.isOpen());
    QCOMPARE(records(path).size(), 1);  // the boot record is written by open() itself
    constexpr int kRecords = 300;
    for (int i = 0; i < kRecords; ++i) {
        if (i % 3 == 0)
            writer.submit(AuditLog::Spawn{std::uint32_t(i), 1000 + i, QStringLiteral("x"), QStringLiteral("x"),
                                          QStringLiteral("inline"), 1});
        else if (i % 3 == 1)
            writer.submit(AuditLog::Complete{std::uint32_t(i), 1000 + i, AuditLog::Completion::Reaped, 0, std::nullopt,
                                             1, 0, 0, false});
        else
            writer.submit(AuditWriter::Refused{std::uint32_t(i), RefusalReason::OutstandingCapacity});
    }
    writer.close();
    QVERIFY(!writer.isOpen());

    const auto rows = records(path);
    QCOMPARE(rows.size(), 1 + kRecords);
    for (int i = 0; i < kRecords; ++i) {
        QCOMPARE(rows[i + 1][0].toInt(), i + 2);  // seq
        QCOMPARE(rows[i + 1][3], QByteArray(i % 3 == 0 ? "spawn" : i % 3 == 1 ? "complete" : "refused"));
        QCOMPARE(rows[i + 1][4].toInt(), i);  // agent pid: submission order kept
    }
}

void TestAuditWriter::reportsWriteFailures() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("audit.log"));
    AuditWriter writer;
    std::atomic<int> failures{0};
    QString error;
    QVERIFY(writer.open(
        path, [&](const QString &) { ++failures; }, &error));
    {
        test::FileSizeLimit limit(QFileInfo(path).size() + 10);
        writer.submit(AuditWriter::Refused{1, RefusalReason::Debounced});
        QTRY_COMPARE_WITH_TIMEOUT(failures.load(), 1, 60000);
    }
    writer.submit(AuditWriter::Refused{2, RefusalReason::Debounced});
    writer.close();
    const auto rows = records(path);
    QCOMPARE(rows.size(), 2);  // boot, and the record written after the disk had room again
    QCOMPARE(rows[1][4], QByteArray("2"));
}

void TestAuditWriter::reopenResumes() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("audit.log"));
    QString error;
    {
        AuditWriter writer;
        QVERIFY(writer.open(path, {}, &error));
        writer.submit(AuditWriter::Refused{1, RefusalReason::Paused});
    }  // the destructor writes what is queued
    AuditWriter writer;
    QVERIFY(writer.open(path, {}, &error));
    writer.close();
    const auto rows = records(path);
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows[2][3], QByteArray("boot"));
    QCOMPARE(rows[2][0], QByteArray("3"));
    QCOMPARE(rows[2][6], QByteArray("resume"));
    QCOMPARE(rows[2][5], rows[1].last());  // linked to the last record of the first run
}

void TestAuditWriter::closeWithoutOpenIsHarmless() {
    AuditWriter writer;
    writer.close();
    QVERIFY(!writer.isOpen());
    QString error;
    QVERIFY(!writer.open(QStringLiteral("/nonexistent-dir/audit.log"), {}, &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!writer.isOpen());
}

QTEST_GUILESS_MAIN(TestAuditWriter)
#include "tst_audit_writer.moc"
