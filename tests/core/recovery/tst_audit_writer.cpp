// AuditWriter: records submitted from this thread reach the file in submission order,
// all of them by the time close() returns, still chained; write failures are reported
// through the handler; a reopened writer resumes the chain; its thread makes the
// interval sync when no record comes; its counters can be read from this thread.
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
    void intervalSyncWithoutNewRecords();
    void rotatesOnItsThread();
    void operatorRowsInOrder();
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
            writer.submit(
                AuditLog::Spawn{std::uint32_t(i), 1000 + i, QStringLiteral("x"), QStringLiteral("inline"), 1});
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
    // The record that found no room was held and written, in order, once there was room.
    const auto rows = records(path);
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows[1][4], QByteArray("1"));
    QCOMPARE(rows[2][4], QByteArray("2"));
    QCOMPARE(rows[2][0].toInt(), rows[1][0].toInt() + 1);
    QCOMPARE(writer.counters().dropped, 0U);
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

// --audit-sync-interval-ms: a record the cadence left unsynced is synced by the writer
// thread once the interval has passed, though nothing else is submitted.
void TestAuditWriter::intervalSyncWithoutNewRecords() {
    QTemporaryDir dir;
    AuditLog::Settings settings;
    settings.syncEvery = 1000;
    settings.syncIntervalMs = 50;
    AuditWriter writer;
    QString error;
    QVERIFY(writer.open(dir.filePath(QStringLiteral("audit.log")), settings, {}, &error));
    QCOMPARE(writer.counters().fsyncs, 1u);  // the boot row
    writer.submit(AuditWriter::Refused{1, RefusalReason::Paused});
    QTRY_COMPARE_WITH_TIMEOUT(writer.counters().fsyncs, 2u, 10000);
    writer.close();
    QCOMPARE(writer.counters().fsyncs, 2u);  // nothing was left for close()
}

void TestAuditWriter::rotatesOnItsThread() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("audit.log"));
    AuditLog::Settings settings;
    settings.maxBytes = 4096;
    AuditWriter writer;
    QString error;
    QVERIFY(writer.open(path, settings, {}, &error));
    constexpr int kRecords = 200;  // about 100 bytes each: several generations
    for (int i = 0; i < kRecords; ++i)
        writer.submit(AuditWriter::Refused{std::uint32_t(i), RefusalReason::Debounced});
    writer.close();
    const std::uint64_t rotations = writer.counters().rotations;
    QVERIFY(rotations >= 3);
    // Every record is somewhere: boot + records + one boot per rotation, numbered without a gap.
    QList<QByteArray> seqs;
    for (int generation = int(rotations); generation >= 0; --generation) {
        const QString file = generation == 0 ? path : path + QLatin1Char('.') + QString::number(generation);
        for (const QList<QByteArray> &row : records(file))
            seqs << row[0];
    }
    QCOMPARE(seqs.size(), 1 + kRecords + int(rotations));
    for (qsizetype i = 0; i < seqs.size(); ++i)
        QCOMPARE(seqs[i].toLongLong(), i + 1);
}

void TestAuditWriter::operatorRowsInOrder() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("audit.log"));
    AuditWriter writer;
    QString error;
    QVERIFY(writer.open(path, {}, &error));
    writer.submit(AuditWriter::Refused{1, RefusalReason::Paused});
    writer.submit(AuditLog::Operator{0, QStringLiteral("root"), QStringLiteral("resume"), 1, QStringLiteral("uds/1"),
                                     QStringLiteral("ok"), QString()});
    writer.submit(AuditWriter::Refused{2, RefusalReason::Paused});
    writer.close();
    const auto rows = records(path);
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows[2].mid(0, 11), (QList<QByteArray>{"3", rows[2][1], rows[2][2], "operator", "0", "root", "resume", "1",
                                                    "uds/1", "ok", "-"}));
    QCOMPARE(rows[3][4], QByteArray("2"));
}

QTEST_GUILESS_MAIN(TestAuditWriter)
#include "tst_audit_writer.moc"
