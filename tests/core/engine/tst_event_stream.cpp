// The engine's event stream (docs/control.md section 4): numbered in order, the last
// kEventHistory kept, at most kEventsPerKindPerSecond of one kind a second with the rest
// counted and summarised in one `suppressed` event, one kind's storm never costing
// another kind its lines.
#include "core/engine/event_stream.h"

#include <QSignalSpy>
#include <QTest>

using namespace varta;

namespace {

EventLogEntry makeEvent(EventKind kind, const QString &text) {
    EventLogEntry e;
    e.kind = kind;
    e.text = text;
    return e;
}

}  // namespace

class TestEventStream : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void eventsAreNumberedStampedAndKept() {
        EventStream stream;
        QSignalSpy posted(&stream, &EventStream::eventPosted);
        stream.postIfAdmitted(makeEvent(EventKind::Stall, QStringLiteral("a")));
        stream.postIfAdmitted(makeEvent(EventKind::Back, QStringLiteral("b")));
        QCOMPARE(posted.size(), 2);
        const QList<EventLogEntry> recent = stream.recent(10);
        QCOMPARE(recent.size(), 2);
        QCOMPARE(recent[0].seq, std::uint64_t{1});
        QCOMPARE(recent[1].seq, std::uint64_t{2});
        QCOMPARE(recent[1].text, QStringLiteral("b"));
        QVERIFY(recent[0].unixMs > 0);
        QCOMPARE(stream.recent(1).first().text, QStringLiteral("b"));  // the most recent
    }

    void aStormOfOneKindIsTenLinesAndOneSummary() {
        EventStream stream;
        int built = 0;
        for (int i = 0; i < 100000; ++i)
            if (stream.admit(EventKind::Stall)) {
                ++built;
                stream.post(makeEvent(EventKind::Stall, QStringLiteral("stall %1").arg(i)));
            }
        QCOMPARE(built, EventStream::kEventsPerKindPerSecond);
        QCOMPARE(stream.suppressedCounts()[std::size_t(EventKind::Stall)],
                 std::uint64_t{100000 - EventStream::kEventsPerKindPerSecond});
        // Another kind still gets through in the same second.
        QVERIFY(stream.admit(EventKind::RecoveryStarted));
        stream.post(makeEvent(EventKind::RecoveryStarted, QStringLiteral("started")));
        // The summary comes by itself once the second is over.
        QSignalSpy posted(&stream, &EventStream::eventPosted);
        QVERIFY(posted.wait(3000));
        const auto summary = posted.first().first().value<EventLogEntry>();
        QCOMPARE(summary.kind, EventKind::Suppressed);
        QCOMPARE(summary.text, QStringLiteral("... and 99,990 more stalls in the last second"));
        QCOMPARE(summary.details.count, std::optional<std::uint64_t>(99990));
        QCOMPARE(summary.details.suppressedKind, QStringLiteral("stall"));
        // And the next second has a fresh budget.
        QVERIFY(stream.admit(EventKind::Stall));
    }

    void theHistoryIsBounded() {
        EventStream stream;
        for (std::size_t i = 0; i < EventStream::kEventHistory + 50; ++i) {
            const auto kind = static_cast<EventKind>(i % kEventKindCount);
            stream.post(makeEvent(kind, QString::number(i)));  // posted without the budget: history alone
        }
        const QList<EventLogEntry> all = stream.recent(EventStream::kEventHistory * 2);
        QCOMPARE(std::size_t(all.size()), EventStream::kEventHistory);
        QCOMPARE(all.first().text, QStringLiteral("50"));
    }
};

QTEST_GUILESS_MAIN(TestEventStream)
#include "tst_event_stream.moc"
