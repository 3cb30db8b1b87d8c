// The event log narrowed as the operator asks: a lowest severity, one category, a text in
// the message or the agent's label; new events are judged as they arrive.
#include "tests/support/test_batches.h"
#include "ui/models/event_log_filter.h"
#include "ui/models/event_log_model.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace varta;
using namespace varta::test;
using varta::ui::EventLogFilter;
using varta::ui::EventLogModel;

namespace {

EventLogEntry entry(EventSeverity severity, EventCategory category, const char *text,
                    std::optional<AgentKey> agent = std::nullopt) {
    return EventLogEntry::of(EventKind::Notice, severity, category, QString::fromUtf8(text), agent);
}

QStringList shownTexts(const EventLogFilter &filter) {
    QStringList texts;
    for (int row = 0; row < filter.rowCount(); ++row)
        texts << filter.index(row, EventLogModel::MessageColumn).data().toString();
    return texts;
}

}  // namespace

class TestEventLogFilter : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() {
        m_log = std::make_unique<EventLogModel>();
        m_filter = std::make_unique<EventLogFilter>();
        m_filter->setSourceModel(m_log.get());
        m_tester = std::make_unique<QAbstractItemModelTester>(m_filter.get(),
                                                              QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_log->appendEvents({
            entry(EventSeverity::Info, EventCategory::Recovery, "pid 41 stalled", udpKey(41)),
            entry(EventSeverity::Warning, EventCategory::Refused, "recovery refused: debounced", udpKey(42)),
            entry(EventSeverity::Error, EventCategory::Io, "event file: write: No space left on device"),
            entry(EventSeverity::Info, EventCategory::Recovery, "pid 43 back", AgentKey::local(43)),
        });
    }
    void cleanup() {
        m_tester.reset();
        m_filter.reset();
        m_log.reset();
    }

    void everythingByDefault() { QCOMPARE(m_filter->rowCount(), 4); }

    void lowestSeverity_data() {
        QTest::addColumn<int>("severity");
        QTest::addColumn<QStringList>("shown");
        QTest::newRow("info and up") << int(EventSeverity::Info)
                                     << QStringList{"pid 41 stalled", "recovery refused: debounced",
                                                    "event file: write: No space left on device", "pid 43 back"};
        QTest::newRow("warnings and errors")
            << int(EventSeverity::Warning)
            << QStringList{"recovery refused: debounced", "event file: write: No space left on device"};
        QTest::newRow("errors") << int(EventSeverity::Error)
                                << QStringList{"event file: write: No space left on device"};
    }
    void lowestSeverity() {
        QFETCH(int, severity);
        QFETCH(QStringList, shown);
        m_filter->setMinimumSeverity(static_cast<EventSeverity>(severity));
        QCOMPARE(shownTexts(*m_filter), shown);
    }

    void oneCategory() {
        m_filter->setCategory(EventCategory::Recovery);
        QCOMPARE(shownTexts(*m_filter), (QStringList{"pid 41 stalled", "pid 43 back"}));
        m_filter->setCategory(std::nullopt);
        QCOMPARE(m_filter->rowCount(), 4);
    }

    void textInTheMessageOrTheAgentAnyCase() {
        m_filter->setText(QStringLiteral("  NO SPACE "));
        QCOMPARE(shownTexts(*m_filter), (QStringList{"event file: write: No space left on device"}));
        m_filter->setText(QStringLiteral("10.0.0.7"));  // in the agent's label, not the message
        QCOMPARE(shownTexts(*m_filter), (QStringList{"pid 41 stalled", "recovery refused: debounced"}));
        m_filter->setText(QString());
        QCOMPARE(m_filter->rowCount(), 4);
    }

    void filtersCombine() {
        m_filter->setCategory(EventCategory::Recovery);
        m_filter->setText(QStringLiteral("back"));
        QCOMPARE(shownTexts(*m_filter), (QStringList{"pid 43 back"}));
        m_filter->setMinimumSeverity(EventSeverity::Warning);
        QCOMPARE(m_filter->rowCount(), 0);
    }

    void newEventsAreJudgedAsTheyArrive() {
        m_filter->setMinimumSeverity(EventSeverity::Error);
        m_log->appendEvents({entry(EventSeverity::Info, EventCategory::Recovery, "pid 44 stalled"),
                             entry(EventSeverity::Error, EventCategory::Audit, "audit log: cannot write")});
        QCOMPARE(shownTexts(*m_filter),
                 (QStringList{"event file: write: No space left on device", "audit log: cannot write"}));
    }

private:
    std::unique_ptr<EventLogModel> m_log;
    std::unique_ptr<EventLogFilter> m_filter;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

QTEST_MAIN(TestEventLogFilter)
#include "tst_event_log_filter.moc"
