// Filtering agents by text (pid, origin, a local agent's identity) and state, and sorting
// numbers as numbers.
#include "tests/support/test_batches.h"
#include "ui/models/agent_filter_proxy.h"
#include "ui/models/agent_table_model.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace varta;
using namespace varta::test;
using varta::ui::AgentFilterProxy;
using varta::ui::AgentTableModel;

namespace {

AgentSnapshot agent(AgentKey key, AgentState state, std::uint64_t beats, EngineMs lastBeatMs, std::uint64_t nonce) {
    AgentSnapshot s = snapshot(key, state, beats, lastBeatMs);
    s.nonce = nonce;
    return s;
}

// Pids and values chosen so that text order and numeric order disagree.
EngineBatch fixture() {
    EngineBatch batch;
    batch.stats = stats(100'000);
    batch.agents = {
        agent(AgentKey::local(100), AgentState::Up, 9, 99'000, 18446744073709551000ull),
        agent(udpKey(1001, "10.0.0.7"), AgentState::Stalled, 10, 50'000, 2),
        agent(udpKey(2100, "192.168.1.5"), AgentState::Degraded, 100, 98'000, 30),
        agent(AgentKey::fromPeer(Transport::SecureUdp, QHostAddress(QStringLiteral("10.0.0.8")), 300),
              AgentState::Paused, 1000, 97'000, 4),
    };
    return batch;
}

// Two local agents the kernel described: a unit's process, and a container's.
EngineBatch localAgents() {
    auto api = std::make_shared<ProcessIdentity>();
    api->comm = QStringLiteral("api-server");
    api->cmdline = QStringLiteral("/usr/bin/api-server --listen :8080");
    api->uid = 33;
    api->user = QStringLiteral("www-data");
    api->cgroup = QStringLiteral("/system.slice/api.service");
    api->unit = QStringLiteral("api.service");
    auto worker = std::make_shared<ProcessIdentity>();
    worker->comm = QStringLiteral("python3");
    worker->cmdline = QStringLiteral("python3 worker.py");
    worker->uid = 1001;
    worker->container = QStringLiteral("docker:0123456789ab");
    EngineBatch batch;
    batch.agents = {agent(AgentKey::local(400), AgentState::Exited, 5, 96'000, 5),
                    agent(AgentKey::local(500), AgentState::Replaced, 6, 95'000, 6)};
    batch.agents[0].identity = api;
    batch.agents[1].identity = worker;
    return batch;
}

}  // namespace

class TestAgentFilterProxy : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() {
        m_model = std::make_unique<AgentTableModel>();
        m_proxy = std::make_unique<AgentFilterProxy>();
        m_proxy->setSourceModel(m_model.get());
        m_modelTester = std::make_unique<QAbstractItemModelTester>(
            m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_proxyTester = std::make_unique<QAbstractItemModelTester>(
            m_proxy.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_model->applyBatch(fixture());
        m_proxy->sort(AgentTableModel::PidColumn, Qt::AscendingOrder);
    }
    void cleanup() {
        m_proxyTester.reset();
        m_modelTester.reset();
        m_proxy.reset();
        m_model.reset();
    }

    void textFilter_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QList<quint32>>("pids");
        QTest::newRow("empty shows all") << QString() << QList<quint32>{100, 300, 1001, 2100};
        QTest::newRow("pid substring") << QStringLiteral("100") << QList<quint32>{100, 1001, 2100};
        QTest::newRow("address") << QStringLiteral("192.168") << QList<quint32>{2100};
        QTest::newRow("case-insensitive origin") << QStringLiteral("UDS") << QList<quint32>{100};
        QTest::newRow("transport") << QStringLiteral("secure") << QList<quint32>{300};
        QTest::newRow("surrounding blanks") << QStringLiteral("  2100 ") << QList<quint32>{2100};
        QTest::newRow("nothing") << QStringLiteral("nomatch") << QList<quint32>{};
    }
    void textFilter() {
        QFETCH(QString, text);
        QFETCH(QList<quint32>, pids);
        m_proxy->setTextFilter(text);
        QCOMPARE(shownPids(), pids);
    }

    void stateFilter_data() {
        QTest::addColumn<unsigned>("mask");
        QTest::addColumn<QList<quint32>>("pids");
        QTest::newRow("all") << AgentFilterProxy::kAllStates << QList<quint32>{100, 300, 1001, 2100};
        QTest::newRow("attention") << AgentFilterProxy::kAttentionStates << QList<quint32>{1001, 2100};
        QTest::newRow("stalled") << AgentFilterProxy::stateBit(AgentState::Stalled) << QList<quint32>{1001};
        QTest::newRow("paused") << AgentFilterProxy::stateBit(AgentState::Paused) << QList<quint32>{300};
        QTest::newRow("gave up: none") << AgentFilterProxy::stateBit(AgentState::GaveUp) << QList<quint32>{};
    }
    void stateFilter() {
        QFETCH(unsigned, mask);
        QFETCH(QList<quint32>, pids);
        m_proxy->setStateFilter(mask);
        QCOMPARE(shownPids(), pids);
    }

    void identityFilter_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QList<quint32>>("pids");
        QTest::newRow("unit") << QStringLiteral("api.service") << QList<quint32>{400};
        QTest::newRow("unit, any case") << QStringLiteral("API.Serv") << QList<quint32>{400};
        QTest::newRow("comm") << QStringLiteral("python3") << QList<quint32>{500};
        QTest::newRow("command line") << QStringLiteral("--listen") << QList<quint32>{400};
        QTest::newRow("user") << QStringLiteral("www-data") << QList<quint32>{400};
        QTest::newRow("container") << QStringLiteral("docker:0123") << QList<quint32>{500};
        QTest::newRow("address still") << QStringLiteral("10.0.0") << QList<quint32>{300, 1001};
    }
    void identityFilter() {
        QFETCH(QString, text);
        QFETCH(QList<quint32>, pids);
        m_model->applyBatch(localAgents());
        m_proxy->setTextFilter(text);
        QCOMPARE(shownPids(), pids);
    }

    // Exited needs attention like Stalled; Replaced has handed its row on and does not.
    void newStatesFilter() {
        m_model->applyBatch(localAgents());
        m_proxy->setStateFilter(AgentFilterProxy::kAttentionStates);
        QCOMPARE(shownPids(), (QList<quint32>{400, 1001, 2100}));
        m_proxy->setStateFilter(AgentFilterProxy::stateBit(AgentState::Exited));
        QCOMPARE(shownPids(), (QList<quint32>{400}));
        m_proxy->setStateFilter(AgentFilterProxy::stateBit(AgentState::Replaced));
        QCOMPARE(shownPids(), (QList<quint32>{500}));
        m_proxy->setStateFilter(AgentFilterProxy::kAllStates);
        QCOMPARE(shownPids().size(), 6);
    }

    void sortsByIdentity_data() {
        QTest::addColumn<int>("column");
        QTest::addColumn<QList<quint32>>("pids");
        // Agents without an identity have empty cells: first, in pid order.
        QTest::newRow("name") << int(AgentTableModel::NameColumn) << QList<quint32>{100, 300, 1001, 2100, 400, 500};
        QTest::newRow("command") << int(AgentTableModel::CommandColumn)
                                 << QList<quint32>{100, 300, 1001, 2100, 400, 500};
        QTest::newRow("user: a name, else the uid")
            << int(AgentTableModel::UserColumn) << QList<quint32>{100, 300, 1001, 2100, 500, 400};
    }
    void sortsByIdentity() {
        QFETCH(int, column);
        QFETCH(QList<quint32>, pids);
        m_model->applyBatch(localAgents());
        m_proxy->sort(column, Qt::AscendingOrder);
        QCOMPARE(shownPids(), pids);
        QVERIFY(!AgentFilterProxy::isVolatileColumn(column));
    }

    void textAndStateCombine() {
        m_proxy->setTextFilter(QStringLiteral("10.0.0"));
        m_proxy->setStateFilter(AgentFilterProxy::kAttentionStates);
        QCOMPARE(shownPids(), (QList<quint32>{1001}));
    }

    void filterFollowsBatches() {
        m_proxy->setStateFilter(AgentFilterProxy::stateBit(AgentState::Stalled));
        EngineBatch batch;
        batch.agents = {agent(AgentKey::local(100), AgentState::Stalled, 9, 99'000, 1),
                        agent(udpKey(1001, "10.0.0.7"), AgentState::Up, 11, 100'000, 3)};
        m_model->applyBatch(batch);
        QCOMPARE(shownPids(), (QList<quint32>{100}));
    }

    void sortsNumerically_data() {
        QTest::addColumn<int>("column");
        QTest::addColumn<Qt::SortOrder>("order");
        QTest::addColumn<QList<quint32>>("pids");
        QTest::newRow("pid") << int(AgentTableModel::PidColumn) << Qt::AscendingOrder
                             << QList<quint32>{100, 300, 1001, 2100};
        QTest::newRow("beats 9 < 10 < 100 < 1000")
            << int(AgentTableModel::BeatsColumn) << Qt::AscendingOrder << QList<quint32>{100, 1001, 2100, 300};
        QTest::newRow("nonce, 64-bit") << int(AgentTableModel::NonceColumn) << Qt::DescendingOrder
                                       << QList<quint32>{100, 2100, 300, 1001};
        QTest::newRow("last beat: youngest first")
            << int(AgentTableModel::AgeColumn) << Qt::AscendingOrder << QList<quint32>{100, 2100, 300, 1001};
        QTest::newRow("state: most urgent first")
            << int(AgentTableModel::StateColumn) << Qt::DescendingOrder << QList<quint32>{1001, 2100, 300, 100};
    }
    void sortsNumerically() {
        QFETCH(int, column);
        QFETCH(Qt::SortOrder, order);
        QFETCH(QList<quint32>, pids);
        m_proxy->sort(column, order);
        QCOMPARE(shownPids(), pids);
    }

    void liveColumnsResortWithEachBatch() {
        m_proxy->sort(AgentTableModel::StallsColumn, Qt::AscendingOrder);
        QVERIFY(!AgentFilterProxy::isVolatileColumn(AgentTableModel::StallsColumn));
        AgentSnapshot s = m_model->snapshot(m_model->rowOf(AgentKey::local(100)));
        s.stalls = 9;
        EngineBatch batch;
        batch.agents = {s};
        m_model->applyBatch(batch);
        QCOMPARE(shownPids().back(), 100u);
    }

    // Beats change with every batch: their order is refreshed once a second, not per batch.
    void volatileColumnsResortOnTheRefresh() {
        m_proxy->sort(AgentTableModel::BeatsColumn, Qt::AscendingOrder);
        const QList<quint32> before{100, 1001, 2100, 300};
        QCOMPARE(shownPids(), before);
        EngineBatch batch;
        batch.agents = {agent(AgentKey::local(100), AgentState::Up, 5000, 100'000, 1)};
        m_model->applyBatch(batch);
        QCOMPARE(shownPids(), before);
        QTRY_COMPARE_WITH_TIMEOUT(shownPids(), (QList<quint32>{1001, 2100, 300, 100}),
                                  5 * AgentFilterProxy::kFrozenSortRefreshMs);
    }

    void frozenOrderSurvivesRemovals() {
        m_proxy->sort(AgentTableModel::NonceColumn, Qt::AscendingOrder);
        EngineBatch batch;
        batch.removed = {udpKey(1001, "10.0.0.7")};
        batch.agents = {agent(AgentKey::local(7), AgentState::Up, 1, 100'000, 3)};
        m_model->applyBatch(batch);
        QCOMPARE(shownPids(), (QList<quint32>{7, 300, 2100, 100}));
        m_proxy->refreshFrozenSort();
        QCOMPARE(shownPids(), (QList<quint32>{7, 300, 2100, 100}));
    }

private:
    QList<quint32> shownPids() const {
        QList<quint32> pids;
        for (int row = 0; row < m_proxy->rowCount(); ++row)
            pids.append(m_proxy->keyAt(row).pid);
        return pids;
    }

    std::unique_ptr<AgentTableModel> m_model;
    std::unique_ptr<AgentFilterProxy> m_proxy;
    std::unique_ptr<QAbstractItemModelTester> m_modelTester;
    std::unique_ptr<QAbstractItemModelTester> m_proxyTester;
};

QTEST_MAIN(TestAgentFilterProxy)
#include "tst_agent_filter_proxy.moc"
