// What an operator can still ask about a recovery child: running and recent ended ones
// with their output, the oldest ended forgotten first past the bound, and the tail that
// goes into the `recovery_ended` line — at most 10 lines and 2 KiB, both streams in order.
#include "core/recovery/child_history.h"

#include <QTest>

using namespace varta;

namespace {

ChildInfo child(std::uint64_t id, ChildState state = ChildState::Running) {
    ChildInfo info;
    info.id = id;
    info.agent = AgentKey::local(100 + static_cast<std::uint32_t>(id));
    info.state = state;
    return info;
}

}  // namespace

class TestChildHistory : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void keepsOutputInArrivalOrder() {
        ChildHistory history;
        history.update(child(1));
        history.append({1, OutputStream::Stdout, "one\n"});
        history.append({1, OutputStream::Stderr, "two\n"});
        history.append({2, OutputStream::Stdout, "for nobody\n"});  // unknown child: ignored
        const ChildHistory::Entry *entry = history.find(1);
        QVERIFY(entry);
        QCOMPARE(entry->output.size(), 2);
        QCOMPARE(entry->output[1].stream, OutputStream::Stderr);
        QVERIFY(!history.find(2));
        QCOMPARE(history.tail(1), QStringList({QStringLiteral("one"), QStringLiteral("two")}));
    }

    void theTailIsTheLastTenLinesAndAtMost2KiB() {
        ChildHistory history;
        history.update(child(1));
        for (int i = 1; i <= 25; ++i)
            history.append({1, OutputStream::Stdout, QByteArray("line ") + QByteArray::number(i) + "\r\n"});
        QStringList expected;
        for (int i = 16; i <= 25; ++i)
            expected << QStringLiteral("line %1").arg(i);
        QCOMPARE(history.tail(1), expected);

        history.update(child(2));
        history.append({2, OutputStream::Stdout, QByteArray(1500, 'a') + '\n' + QByteArray(1000, 'b') + '\n'});
        QCOMPARE(history.tail(2), QStringList({QString(1000, QLatin1Char('b'))}));  // 2,500 bytes would not fit

        history.update(child(3));
        history.append({3, OutputStream::Stdout, QByteArray(5000, 'c')});
        QCOMPARE(history.tail(3).size(), 1);
        QCOMPARE(history.tail(3).first().size(), ChildHistory::kTailBytes);  // one long line: its end
        QVERIFY(history.tail(99).isEmpty());
    }

    void endedChildrenPastTheBoundAreForgottenOldestFirst() {
        ChildHistory history;
        history.update(child(1));  // still running: never forgotten
        for (std::uint64_t id = 2; id < 2 + ChildHistory::kEndedChildren + 10; ++id) {
            history.update(child(id));
            history.update(child(id, ChildState::Exited));
        }
        QVERIFY(history.find(1));
        QVERIFY(!history.find(2));
        QVERIFY(!history.find(11));
        QVERIFY(history.find(12));
        QCOMPARE(history.forgotten(), std::uint64_t{10});
        QCOMPARE(std::size_t(history.list().size()), ChildHistory::kEndedChildren + 1);
        QCOMPARE(history.listFor(AgentKey::local(101)).size(), 1);
        // Named once each, oldest first, for a console that mirrors the output.
        QList<std::uint64_t> expected;
        for (std::uint64_t id = 2; id < 12; ++id)
            expected.append(id);
        QCOMPARE(history.takeForgotten(), expected);
        QVERIFY(history.takeForgotten().isEmpty());
    }

    void outputPastTheBoundForgetsTheOldestEndedChild() {
        ChildHistory history;
        const QByteArray quarter(ChildHistory::kMaxOutputBytes / 4, 'x');
        for (std::uint64_t id = 1; id <= 5; ++id) {
            history.update(child(id));
            history.append({id, OutputStream::Stdout, quarter});
            history.update(child(id, ChildState::Exited));
        }
        QCOMPARE(history.takeForgotten(), QList<std::uint64_t>{1});
        QVERIFY(!history.find(1));
        QVERIFY(history.find(2));
    }
};

QTEST_GUILESS_MAIN(TestChildHistory)
#include "tst_child_history.moc"
