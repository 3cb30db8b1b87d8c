// The event log is bounded and drops its oldest entries first, one removal per batch.
#include "tests/support/test_batches.h"
#include "ui/models/event_log_model.h"

#include <QAbstractItemModelTester>
#include <QIcon>
#include <QSignalSpy>
#include <QTest>

using namespace varta;
using namespace varta::test;
using varta::ui::EventLogModel;

namespace {
QList<EventLogEntry> events(int first, int count) {
    QList<EventLogEntry> list;
    for (int i = first; i < first + count; ++i)
        list.append({EngineMs(i), EventSeverity::Info, EventCategory::Recovery, QStringLiteral("event %1").arg(i),
                     std::nullopt});
    return list;
}
}  // namespace

class TestEventLogModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() {
        m_model = std::make_unique<EventLogModel>();
        m_tester = std::make_unique<QAbstractItemModelTester>(m_model.get(),
                                                              QAbstractItemModelTester::FailureReportingMode::QtTest);
    }
    void cleanup() {
        m_tester.reset();
        m_model.reset();
    }

    void showsEntries() {
        m_model->appendEvents(
            {{5, EventSeverity::Error, EventCategory::Refused, QStringLiteral("debounced"), AgentKey::local(42)}});
        QCOMPARE(m_model->index(0, EventLogModel::MessageColumn).data().toString(), QStringLiteral("debounced"));
        QCOMPARE(m_model->index(0, EventLogModel::CategoryColumn).data().toString(), QStringLiteral("refused"));
        QCOMPARE(m_model->index(0, EventLogModel::AgentColumn).data().toString(), QStringLiteral("pid 42 (uds)"));
        const QModelIndex severity = m_model->index(0, EventLogModel::SeverityColumn);
        QCOMPARE(severity.data().toString(), QStringLiteral("error"));
        QVERIFY(!severity.data(Qt::DecorationRole).value<QIcon>().isNull());
    }

    void dropsOldestFirst_data() {
        QTest::addColumn<QList<int>>("batchSizes");
        QTest::addColumn<int>("expectedFirst");
        const int max = EventLogModel::kMaxEntries;
        QTest::newRow("under the bound") << QList<int>{10, 20} << 0;
        QTest::newRow("exactly full") << QList<int>{max} << 0;
        QTest::newRow("overflow by ten") << QList<int>{max, 10} << 10;
        QTest::newRow("one flood bigger than the log") << QList<int>{5, max + 7} << 12;
    }
    void dropsOldestFirst() {
        QFETCH(QList<int>, batchSizes);
        QFETCH(int, expectedFirst);
        QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
        QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
        int next = 0;
        for (int size : batchSizes) {
            m_model->appendEvents(events(next, size));
            next += size;
        }
        const int kept = std::min(next, EventLogModel::kMaxEntries);
        QCOMPARE(m_model->rowCount(), kept);
        QCOMPARE(m_model->entry(0).atMs, EngineMs(expectedFirst));
        QCOMPARE(m_model->entry(kept - 1).atMs, EngineMs(next - 1));
        QCOMPARE(m_model->droppedCount(), std::uint64_t(next - kept));
        QCOMPARE(inserted.count(), batchSizes.size());
        QVERIFY(removed.count() <= batchSizes.size());
    }

private:
    std::unique_ptr<EventLogModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

QTEST_MAIN(TestEventLogModel)
#include "tst_event_log_model.moc"
