// Recovery children: every end state reads right, updates stay in place, and the history
// is bounded with the oldest finished children dropped first.
#include "tests/support/test_batches.h"
#include "ui/models/children_model.h"

#include <QAbstractItemModelTester>
#include <QIcon>
#include <QSignalSpy>
#include <QTest>

using namespace varta;
using namespace varta::test;
using varta::ui::ChildrenModel;

Q_DECLARE_METATYPE(varta::ChildState)

class TestChildrenModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() {
        m_model = std::make_unique<ChildrenModel>();
        m_tester = std::make_unique<QAbstractItemModelTester>(m_model.get(),
                                                              QAbstractItemModelTester::FailureReportingMode::QtTest);
    }
    void cleanup() {
        m_tester.reset();
        m_model.reset();
    }

    void everyState_data() {
        QTest::addColumn<ChildState>("state");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<int>("signal");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("pid");
        QTest::addColumn<QString>("duration");
        QTest::newRow("running") << ChildState::Running << -1 << 0 << "running"
                                 << "40001"
                                 << "2.0 s";
        QTest::newRow("exited 0") << ChildState::Exited << 0 << 0 << "exited 0"
                                  << "40001"
                                  << "1.5 s";
        QTest::newRow("exited 3") << ChildState::Exited << 3 << 0 << "exited 3"
                                  << "40001"
                                  << "1.5 s";
        QTest::newRow("killed") << ChildState::Killed << -1 << 9 << "killed (signal 9)"
                                << "40001"
                                << "1.5 s";
        QTest::newRow("timed out") << ChildState::TimedOut << -1 << 15 << "timed out"
                                   << "40001"
                                   << "1.5 s";
        QTest::newRow("failed to start") << ChildState::FailedToStart << -1 << 0 << "failed to start"
                                         << "–"
                                         << "1.5 s";
    }
    void everyState() {
        QFETCH(ChildState, state);
        QFETCH(int, exitCode);
        QFETCH(int, signal);
        QFETCH(QString, text);
        QFETCH(QString, pid);
        QFETCH(QString, duration);
        ChildInfo c = child(1, AgentKey::local(7), state, 1'000);
        c.exitCode = exitCode;
        c.signal = signal;
        m_model->applyChildren({c}, 3'000);
        QCOMPARE(m_model->rowCount(), 1);
        const QModelIndex stateIndex = m_model->index(0, ChildrenModel::StateColumn);
        QCOMPARE(stateIndex.data().toString(), text);
        QVERIFY(!stateIndex.data(Qt::DecorationRole).value<QIcon>().isNull());
        QCOMPARE(m_model->index(0, ChildrenModel::PidColumn).data().toString(), pid);
        QCOMPARE(m_model->index(0, ChildrenModel::DurationColumn).data().toString(), duration);
        QCOMPARE(m_model->index(0, ChildrenModel::CommandColumn).data().toString(),
                 QStringLiteral("/usr/local/bin/restart-agent 7"));
        if (state == ChildState::FailedToStart)
            QCOMPARE(stateIndex.data(Qt::ToolTipRole).toString(), QStringLiteral("No such file or directory"));
    }

    void updateStaysInPlace() {
        m_model->applyChildren({child(1, AgentKey::local(7), ChildState::Running)}, 1'000);
        QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
        ChildInfo done = child(1, AgentKey::local(7), ChildState::Exited);
        done.truncated = true;
        done.bytesKept = 4096;
        m_model->applyChildren({done}, 3'000);
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(changed.count(), 1);
        QVERIFY(!changed[0][2].value<QList<int>>().isEmpty());
        QCOMPARE(m_model->index(0, ChildrenModel::TruncatedColumn).data().toString(), QStringLiteral("truncated"));
    }

    // A child still printing shows the bytes so far; its end brings the engine's count.
    void aRunningChildShowsTheBytesSoFar() {
        m_model->applyChildren(
            {child(1, AgentKey::local(7), ChildState::Running), child(2, AgentKey::local(8), ChildState::Exited)},
            1'000);
        m_model->addRunningOutput({OutputChunk{1, OutputStream::Stdout, QByteArray(1000, 'a')},
                                   OutputChunk{1, OutputStream::Stderr, QByteArray(24, 'b')},
                                   OutputChunk{2, OutputStream::Stdout, QByteArray(50, 'c')},
                                   OutputChunk{9, OutputStream::Stdout, QByteArray(50, 'd')}});
        QCOMPARE(m_model->childById(1)->bytesKept, 1024);
        QCOMPARE(m_model->childById(2)->bytesKept, 0);  // ended: its count is the engine's
        ChildInfo done = child(1, AgentKey::local(7), ChildState::Exited);
        done.bytesKept = 1500;
        m_model->applyChildren({done}, 2'000);
        m_model->addRunningOutput({OutputChunk{1, OutputStream::Stdout, QByteArray(476, 'a')}});
        QCOMPARE(m_model->childById(1)->bytesKept, 1500);
    }

    void runningDurationMovesWithTheTick() {
        m_model->applyChildren({child(1, AgentKey::local(7), ChildState::Running, 1'000),
                                child(2, AgentKey::local(8), ChildState::Exited, 1'000)},
                               2'000);
        QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
        m_model->setNow(31'000);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed[0][0].value<QModelIndex>().row(), 0);
        QCOMPARE(changed[0][1].value<QModelIndex>().row(), 0);
        QCOMPARE(m_model->index(0, ChildrenModel::DurationColumn).data().toString(), QStringLiteral("30 s"));
    }

    void historyDropsOldestFinishedFirst() {
        QSignalSpy dropped(m_model.get(), &ChildrenModel::childrenDropped);
        // The oldest child is still running: it must survive the trimming.
        m_model->applyChildren({child(1, AgentKey::local(1), ChildState::Running, 0)}, 0);
        QList<ChildInfo> finished;
        for (std::uint64_t id = 2; id <= ChildrenModel::kHistoryLimit + 5; ++id)
            finished.append(child(id, AgentKey::local(1), ChildState::Exited, EngineMs(id) * 10));
        m_model->applyChildren(finished, 100'000);

        QCOMPARE(m_model->rowCount(), ChildrenModel::kHistoryLimit);
        QVERIFY(m_model->rowOfChild(1) >= 0);
        QList<std::uint64_t> gone;
        for (const QList<QVariant> &args : dropped)
            gone += args[0].value<QList<std::uint64_t>>();
        QCOMPARE(gone, (QList<std::uint64_t>{2, 3, 4, 5, 6}));
        for (std::uint64_t id : gone)
            QCOMPARE(m_model->rowOfChild(id), -1);
        QVERIFY(m_model->rowOfChild(7) >= 0);
    }

    void historyOfRunningChildrenStaysBounded() {
        QList<ChildInfo> running;
        for (std::uint64_t id = 1; id <= ChildrenModel::kHistoryLimit + 1; ++id)
            running.append(child(id, AgentKey::local(1), ChildState::Running));
        m_model->applyChildren(running, 0);
        QCOMPARE(m_model->rowCount(), ChildrenModel::kHistoryLimit);
        QCOMPARE(m_model->rowOfChild(1), -1);
    }

    void childrenOfAnAgent() {
        m_model->applyChildren({child(1, AgentKey::local(1), ChildState::Exited),
                                child(2, AgentKey::local(2), ChildState::Running),
                                child(3, AgentKey::local(1), ChildState::Running)},
                               0);
        const QList<ChildInfo> ofOne = m_model->childrenOf(AgentKey::local(1));
        QCOMPARE(ofOne.size(), 2);
        QCOMPARE(ofOne[0].id, 1u);
        QCOMPARE(ofOne[1].id, 3u);
    }

private:
    std::unique_ptr<ChildrenModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

QTEST_MAIN(TestChildrenModel)
#include "tst_children_model.moc"
