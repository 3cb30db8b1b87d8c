// The event log is bounded and drops its oldest entries first, one removal per batch.
#include "tests/support/test_batches.h"
#include "ui/models/event_log_model.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
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

    // An event's time is the one the engine stamped on it: a later batch's clock, which
    // drifts by a few milliseconds from batch to batch, does not move it.
    void anEventsTimeIsFixedOnce() {
        EventLogEntry entry{5'000, EventSeverity::Info, EventCategory::Recovery, QStringLiteral("stalled"),
                            std::nullopt};
        entry.unixMs = QDateTime(QDate(2026, 12, 2), QTime(3, 15, 43, 56)).toMSecsSinceEpoch();
        m_model->setWallOffset(1'000'000);
        m_model->appendEvents({entry});
        const QModelIndex time = m_model->index(0, EventLogModel::TimeColumn);
        QCOMPARE(time.data().toString(), QStringLiteral("03:15:43.056"));
        m_model->setWallOffset(2'000'000);
        QCOMPARE(time.data().toString(), QStringLiteral("03:15:43.056"));
    }

    // The outcome of an operator's action is a token for grep, and words for the operator.
    void anOperatorsOutcomeIsToldInWords() {
        EventLogEntry refused{5'000, EventSeverity::Warning, EventCategory::Recovery,
                              QStringLiteral("console: resume uds/42: not_paused"), AgentKey::local(42)};
        refused.kind = EventKind::Operator;
        refused.details.reason = QStringLiteral("not_paused");
        EventLogEntry ok = refused;
        ok.text = QStringLiteral("console: pause uds/42: ok");
        ok.details.reason = QStringLiteral("ok");
        m_model->appendEvents({refused, ok});
        QCOMPARE(m_model->index(0, EventLogModel::MessageColumn).data().toString(),
                 QStringLiteral("console: resume uds/42: not_paused — it was not paused"));
        QCOMPARE(m_model->index(1, EventLogModel::MessageColumn).data().toString(),
                 QStringLiteral("console: pause uds/42: ok"));
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
