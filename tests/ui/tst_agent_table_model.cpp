// The agents table model: batches insert with one signal, updates become few merged
// dataChanged ranges with explicit roles, evictions remove rows, and ages move only with
// the 1 Hz tick.
#include "tests/support/test_batches.h"
#include "ui/models/agent_table_model.h"
#include "ui/models/row_ranges.h"
#include "ui/style/state_style.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QIcon>
#include <QSignalSpy>
#include <QTest>

using namespace varta;
using namespace varta::test;
using varta::ui::AgentTableModel;
using varta::ui::RowRange;
using varta::ui::RowRanges;

Q_DECLARE_METATYPE(std::vector<int>)
Q_DECLARE_METATYPE(QList<RowRange>)

namespace {

EngineBatch agentsBatch(int count, EngineMs nowMs = 10'000, std::uint32_t firstPid = 0) {
    EngineBatch batch;
    batch.stats = stats(nowMs);
    for (int i = 0; i < count; ++i)
        batch.agents.append(snapshot(AgentKey::local(firstPid + std::uint32_t(i)), AgentState::Up, 1, 9'000));
    return batch;
}

std::shared_ptr<const ProcessIdentity> identity(const QString &unit, const QString &cmdline, const QString &user,
                                                std::optional<std::uint32_t> uid = 1000) {
    auto id = std::make_shared<ProcessIdentity>();
    id->startTime = 123'400;
    id->comm = QStringLiteral("api-server");
    id->cmdline = cmdline;
    id->uid = uid;
    id->user = user;
    id->unit = unit;
    id->cgroup = unit.isEmpty() ? QStringLiteral("/user.slice") : QStringLiteral("/system.slice/") + unit;
    return id;
}

AgentSnapshot localAgent(std::uint32_t pid, std::shared_ptr<const ProcessIdentity> id,
                         std::optional<AgentKey> continues = {}) {
    AgentSnapshot s = snapshot(AgentKey::local(pid), AgentState::Up, 1, 9'000);
    s.identity = std::move(id);
    s.continues = continues;
    return s;
}

struct Changed {
    int first;
    int last;
    int left;
    int right;
    QList<int> roles;
};

QList<Changed> changes(const QSignalSpy &spy) {
    QList<Changed> result;
    for (const QList<QVariant> &args : spy) {
        const auto tl = args[0].value<QModelIndex>();
        const auto br = args[1].value<QModelIndex>();
        result.append({tl.row(), br.row(), tl.column(), br.column(), args[2].value<QList<int>>()});
    }
    return result;
}

}  // namespace

class TestAgentTableModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() {
        m_model = std::make_unique<AgentTableModel>();
        m_tester = std::make_unique<QAbstractItemModelTester>(m_model.get(),
                                                              QAbstractItemModelTester::FailureReportingMode::QtTest);
    }
    void cleanup() {
        m_tester.reset();
        m_model.reset();
    }

    void rowRangesMerge_data() {
        QTest::addColumn<std::vector<int>>("rows");
        QTest::addColumn<int>("maxGap");
        QTest::addColumn<int>("maxRanges");
        QTest::addColumn<QList<RowRange>>("expected");
        QTest::addColumn<int>("rowCount");
        struct Case {
            const char *name;
            std::vector<int> rows;
            int maxGap;
            int maxRanges;
            QList<RowRange> expected;
        };
        const Case cases[] = {
            {"empty", {}, 0, 0, {}},
            {"one", {5}, 0, 0, {{5, 5}}},
            {"run, unsorted, duplicates", {4, 2, 3, 3}, 0, 0, {{2, 4}}},
            {"strict gap", {1, 3}, 0, 0, {{1, 1}, {3, 3}}},
            {"bridged gap", {1, 3, 9}, 5, 0, {{1, 9}}},
            {"gap too wide", {1, 30}, 5, 0, {{1, 1}, {30, 30}}},
            {"too many ranges", {0, 10, 20, 30}, 0, 3, {{0, 30}}},
        };
        // Every case through both paths: sorting, and marking rows of a known row count.
        for (const Case &c : cases) {
            QTest::addRow("sorted: %s", c.name) << c.rows << c.maxGap << c.maxRanges << c.expected << 0;
            QTest::addRow("marked: %s", c.name) << c.rows << c.maxGap << c.maxRanges << c.expected << 31;
        }
    }
    void rowRangesMerge() {
        QFETCH(std::vector<int>, rows);
        QFETCH(int, maxGap);
        QFETCH(int, maxRanges);
        QFETCH(QList<RowRange>, expected);
        QFETCH(int, rowCount);
        const std::vector<RowRange> ranges = RowRanges::merge(rows, maxGap, maxRanges, rowCount);
        QCOMPARE(QList<RowRange>(ranges.begin(), ranges.end()), expected);
    }

    void newAgentsArriveWithOneInsert() {
        QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
        m_model->applyBatch(agentsBatch(250));
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted[0][1].toInt(), 0);
        QCOMPARE(inserted[0][2].toInt(), 249);
        QCOMPARE(m_model->rowCount(), 250);
        QCOMPARE(m_model->rowOf(AgentKey::local(42)), 42);

        m_model->applyBatch(agentsBatch(10, 10'000, 1000));
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(inserted[1][1].toInt(), 250);
        QCOMPARE(inserted[1][2].toInt(), 259);
    }

    void duplicateKeyInOneBatchIsOneRow() {
        EngineBatch batch = agentsBatch(1);
        batch.agents.append(snapshot(AgentKey::local(0), AgentState::Stalled, 7));
        m_model->applyBatch(batch);
        QCOMPARE(m_model->rowCount(), 1);
        QCOMPARE(m_model->snapshot(0).state, AgentState::Stalled);
    }

    void sameAgentFromTwoHostsIsTwoRows() {
        EngineBatch batch;
        batch.agents = {snapshot(udpKey(7, "10.0.0.1")), snapshot(udpKey(7, "10.0.0.2"))};
        m_model->applyBatch(batch);
        QCOMPARE(m_model->rowCount(), 2);
        QCOMPARE(m_model->index(1, AgentTableModel::OriginColumn).data().toString(), QStringLiteral("udp:10.0.0.2"));
    }

    // 100,000 agents from a few hosts hold a few origin strings, not 100,000.
    void agentsOfOneHostShareTheirOriginText() {
        EngineBatch batch;
        batch.agents = {snapshot(udpKey(7, "10.0.0.1")), snapshot(udpKey(8, "10.0.0.1")),
                        snapshot(udpKey(9, "10.0.0.2")), snapshot(AgentKey::local(10))};
        m_model->applyBatch(batch);
        QCOMPARE(m_model->originText(1), QStringLiteral("udp:10.0.0.1"));
        QCOMPARE(m_model->originText(1).constData(), m_model->originText(0).constData());
        QCOMPARE(m_model->originText(2), QStringLiteral("udp:10.0.0.2"));
        QCOMPARE(m_model->originText(3), QStringLiteral("uds"));
        QCOMPARE(m_model->index(1, AgentTableModel::PidColumn).data().toString(), QStringLiteral("8"));
        QCOMPARE(m_model->pidText(2), QStringLiteral("9"));
    }

    // More hosts than the label cache remembers: every row still names its own host.
    void originTextStaysRightPastTheLabelCache() {
        ui::OriginLabels labels;
        QList<QString> handedOut;
        const int hosts = int(ui::OriginLabels::kMaxOrigins) + 10;
        for (int i = 0; i < hosts; ++i) {
            const QString address = QStringLiteral("10.%1.%2.1").arg(i / 256).arg(i % 256);
            handedOut.append(labels.label(AgentKey::fromPeer(Transport::Udp, QHostAddress(address), 1)));
        }
        QCOMPARE(labels.restarts(), 1u);
        QVERIFY(labels.size() <= ui::OriginLabels::kMaxOrigins);
        for (int i = 0; i < hosts; ++i)
            QCOMPARE(handedOut[i], QStringLiteral("udp:10.%1.%2.1").arg(i / 256).arg(i % 256));
        QCOMPARE(labels.label(AgentKey::fromPeer(Transport::SecureUdp, QHostAddress(QStringLiteral("10.0.0.1")), 1)),
                 QStringLiteral("secure-udp:10.0.0.1"));
    }

    void updatesMergeIntoContiguousRanges_data() {
        QTest::addColumn<std::vector<int>>("changedRows");
        QTest::addColumn<QList<RowRange>>("expected");
        QTest::newRow("one row") << std::vector<int>{5} << QList<RowRange>{{5, 5}};
        QTest::newRow("adjacent rows") << std::vector<int>{4, 2, 3} << QList<RowRange>{{2, 4}};
        QTest::newRow("near rows share a range") << std::vector<int>{2, 2 + AgentTableModel::kMergeGapRows + 1}
                                                 << QList<RowRange>{{2, 3 + AgentTableModel::kMergeGapRows}};
        QTest::newRow("far rows stay apart") << std::vector<int>{0, 100, 101} << QList<RowRange>{{0, 0}, {100, 101}};
    }
    void updatesMergeIntoContiguousRanges() {
        QFETCH(std::vector<int>, changedRows);
        QFETCH(QList<RowRange>, expected);
        m_model->applyBatch(agentsBatch(200));
        QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
        EngineBatch batch;
        batch.stats = stats(10'050);
        for (int row : changedRows) {
            AgentSnapshot s = m_model->snapshot(row);
            s.beats += 1;  // one column, so one signal per row range
            batch.agents.append(s);
        }
        m_model->applyBatch(batch);

        QCOMPARE(inserted.count(), 0);
        const QList<Changed> got = changes(changed);
        QCOMPARE(got.size(), expected.size());
        for (qsizetype i = 0; i < got.size(); ++i) {
            QCOMPARE(got[i].first, expected[i].first);
            QCOMPARE(got[i].last, expected[i].last);
            QVERIFY(!got[i].roles.isEmpty());
            QVERIFY(got[i].roles.contains(Qt::DisplayRole));
            QVERIFY(got[i].roles.contains(AgentTableModel::SortRole));
        }
    }

    void changedColumnsAndRolesFollowTheChange() {
        m_model->applyBatch(agentsBatch(3));
        QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);

        AgentSnapshot beatsOnly = m_model->snapshot(1);
        beatsOnly.beats += 1;
        EngineBatch batch;
        batch.agents = {beatsOnly};
        m_model->applyBatch(batch);
        QCOMPARE(changed.count(), 1);
        Changed c = changes(changed)[0];
        QCOMPARE(c.left, int(AgentTableModel::BeatsColumn));
        QCOMPARE(c.right, int(AgentTableModel::BeatsColumn));
        QVERIFY(!c.roles.contains(Qt::DecorationRole));

        AgentSnapshot stalled = m_model->snapshot(1);
        stalled.state = AgentState::Stalled;
        batch.agents = {stalled};
        m_model->applyBatch(batch);
        QCOMPARE(changed.count(), 2);
        c = changes(changed)[1];
        QCOMPARE(c.left, int(AgentTableModel::StateColumn));
        QVERIFY(c.roles.contains(Qt::DecorationRole));
        QVERIFY(c.roles.contains(Qt::ForegroundRole));
        QCOMPARE(m_model->index(1, AgentTableModel::StateColumn).data().toString(), QStringLiteral("stalled"));
    }

    // The proxy re-sorts every row of a range spanning its sort column: a beat must not
    // announce the columns it did not change, and a state change must not ride along
    // with thousands of beats.
    void columnsAreAnnouncedPerRunOfChangedColumns() {
        m_model->applyBatch(agentsBatch(100));
        QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
        EngineBatch batch;
        for (int row = 0; row < 100; ++row) {
            AgentSnapshot s = m_model->snapshot(row);
            s.beats += 1;
            s.lastBeatMs += 50;
            s.nonce += 1;
            s.payload += 1;
            if (row == 40)
                s.state = AgentState::Stalled;
            batch.agents.append(s);
        }
        m_model->applyBatch(batch);
        int stateSignals = 0;
        for (const Changed &c : changes(changed)) {
            QVERIFY(c.left > AgentTableModel::StallsColumn || c.right < AgentTableModel::StallsColumn);
            QVERIFY(c.left > AgentTableModel::RecoveriesColumn || c.right < AgentTableModel::RecoveriesColumn);
            if (c.left <= AgentTableModel::StateColumn && c.right >= AgentTableModel::StateColumn) {
                ++stateSignals;
                QCOMPARE(c.first, 40);
                QCOMPARE(c.last, 40);
            }
        }
        QCOMPARE(stateSignals, 1);
        // Beat-only rows: ages and beats, then nonce and payload, each over one span.
        QCOMPARE(changed.count(), 2 + 3);
    }

    void unchangedSnapshotAnnouncesNothing() {
        m_model->applyBatch(agentsBatch(3));
        QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
        m_model->applyBatch(agentsBatch(3));
        QCOMPARE(changed.count(), 0);
    }

    void scatteredUpdatesCollapseIntoOneSpan() {
        const int rows = 4000;
        m_model->applyBatch(agentsBatch(rows));
        QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
        EngineBatch batch;
        const int stride = AgentTableModel::kMergeGapRows + 2;
        for (int row = 0; row < rows; row += stride)
            batch.agents.append(snapshot(AgentKey::local(std::uint32_t(row)), AgentState::Up, 5, 9'500));
        QVERIFY(batch.agents.size() > AgentTableModel::kMaxChangedRanges);
        m_model->applyBatch(batch);
        QCOMPARE(changed.count(), 2);  // ages and beats; nonce and payload
        QCOMPARE(changes(changed)[0].first, 0);
        QCOMPARE(changes(changed)[0].last, int((rows - 1) / stride * stride));
    }

    void evictedAgentsAreRemoved() {
        m_model->applyBatch(agentsBatch(10));
        QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
        EngineBatch batch;
        batch.removed = {AgentKey::local(2), AgentKey::local(3), AgentKey::local(7), AgentKey::local(999)};
        m_model->applyBatch(batch);
        QCOMPARE(removed.count(), 2);
        QCOMPARE(removed[0][1].toInt(), 7);  // back to front
        QCOMPARE(removed[1][1].toInt(), 2);
        QCOMPARE(removed[1][2].toInt(), 3);
        QCOMPARE(m_model->rowCount(), 7);
        QCOMPARE(m_model->rowOf(AgentKey::local(3)), -1);
        for (int row = 0; row < m_model->rowCount(); ++row)
            QCOMPARE(m_model->rowOf(m_model->snapshot(row).key), row);
    }

    void evictedAgentThatBeatsAgainStays() {
        m_model->applyBatch(agentsBatch(3));
        EngineBatch batch;
        batch.removed = {AgentKey::local(1)};
        batch.agents = {snapshot(AgentKey::local(1), AgentState::Up, 1)};
        m_model->applyBatch(batch);
        QCOMPARE(m_model->rowCount(), 3);
        QVERIFY(m_model->rowOf(AgentKey::local(1)) >= 0);
    }

    void massEvictionResets() {
        const int rows = 2 * (AgentTableModel::kMaxRemovalRanges + 1) + 1;
        m_model->applyBatch(agentsBatch(rows));
        QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
        EngineBatch batch;
        for (int row = 1; row < rows; row += 2)
            batch.removed.append(AgentKey::local(std::uint32_t(row)));
        m_model->applyBatch(batch);
        QCOMPARE(reset.count(), 1);
        QCOMPARE(m_model->rowCount(), rows - int(batch.removed.size()));
        for (int row = 0; row < m_model->rowCount(); ++row) {
            QCOMPARE(m_model->snapshot(row).key.pid % 2, 0u);
            QCOMPARE(m_model->rowOf(m_model->snapshot(row).key), row);
        }
    }

    // The durations (down for, last beat) move with the tick, nothing else does.
    void agesMoveWithTheTickOnly() {
        m_model->applyBatch(agentsBatch(5, 10'000));
        const QModelIndex age = m_model->index(4, AgentTableModel::AgeColumn);
        QCOMPARE(age.data().toString(), QStringLiteral("1 s"));

        QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
        m_model->setNow(75'000);
        QCOMPARE(changed.count(), 1);
        const Changed c = changes(changed)[0];
        QCOMPARE(c.first, 0);
        QCOMPARE(c.last, 4);
        QCOMPARE(c.left, int(AgentTableModel::DownForColumn));
        QCOMPARE(c.right, int(AgentTableModel::AgeColumn));
        QVERIFY(c.roles.contains(Qt::DisplayRole));
        QCOMPARE(age.data().toString(), QStringLiteral("1 min 6 s"));
    }

    // How long an agent has been down, from the engine's down_since; empty while up.
    void downForCountsFromWhenTheAgentWentDown() {
        EngineBatch batch;
        batch.stats.nowMs = 100'000;
        AgentSnapshot stalled = snapshot(udpKey(1), AgentState::Stalled, 5, 10'000);
        stalled.downSinceMs = 10'000;
        batch.agents = {stalled, snapshot(udpKey(2), AgentState::Up, 5, 99'000)};
        m_model->applyBatch(batch);
        m_model->setNow(100'000);
        const int down = m_model->rowOf(udpKey(1));
        const int up = m_model->rowOf(udpKey(2));
        QCOMPARE(m_model->index(down, AgentTableModel::DownForColumn).data().toString(), QStringLiteral("1 min 30 s"));
        QVERIFY(m_model->index(up, AgentTableModel::DownForColumn).data().toString().isEmpty());
        QVERIFY(m_model->index(down, AgentTableModel::DownForColumn).data(AgentTableModel::SortRole).toLongLong()
                > m_model->index(up, AgentTableModel::DownForColumn).data(AgentTableModel::SortRole).toLongLong());
        QCOMPARE(m_model->headerData(AgentTableModel::DownForColumn, Qt::Horizontal, Qt::DisplayRole).toString(),
                 QStringLiteral("Down for"));
    }

    void everyStateHasAnIcon() {
        for (int i = 0; i < kAgentStateCount; ++i) {
            const auto state = static_cast<AgentState>(i);
            QVERIFY2(QFile::exists(ui::StateStyle::iconPath(state)), agentStateName(state));
            QVERIFY2(!ui::StateStyle::icon(state).pixmap(16, 16).isNull(), agentStateName(state));
        }
    }

    void identityColumnsShowAndSort() {
        EngineBatch batch;
        batch.agents = {
            localAgent(10, identity(QStringLiteral("api.service"), QStringLiteral("/usr/bin/api --port 80"),
                                    QStringLiteral("www"))),
            localAgent(11, identity(QString(), QString(), QString(), 4242)),
            snapshot(udpKey(12)),
        };
        m_model->applyBatch(batch);
        const auto cell = [this](int row, int column, int role = Qt::DisplayRole) {
            return m_model->index(row, column).data(role);
        };
        QCOMPARE(cell(0, AgentTableModel::NameColumn).toString(), QStringLiteral("api.service"));
        QCOMPARE(cell(0, AgentTableModel::CommandColumn).toString(), QStringLiteral("/usr/bin/api --port 80"));
        QCOMPARE(cell(0, AgentTableModel::UserColumn).toString(), QStringLiteral("www"));
        // No unit: the name is comm; no cmdline: the command is comm; no user name: the uid.
        QCOMPARE(cell(1, AgentTableModel::NameColumn).toString(), QStringLiteral("api-server"));
        QCOMPARE(cell(1, AgentTableModel::CommandColumn).toString(), QStringLiteral("api-server"));
        QCOMPARE(cell(1, AgentTableModel::UserColumn).toString(), QStringLiteral("4242"));
        for (int column : {AgentTableModel::NameColumn, AgentTableModel::CommandColumn, AgentTableModel::UserColumn}) {
            QCOMPARE(cell(2, column).toString(), QString());
            QVERIFY(!cell(2, column, Qt::ToolTipRole).isValid());
            QCOMPARE(cell(0, column, AgentTableModel::SortRole).typeId(), QMetaType::QString);
            QCOMPARE(cell(0, column, AgentTableModel::SortRole).toString(), cell(0, column).toString());
        }
        const QString tip = cell(0, AgentTableModel::CommandColumn, Qt::ToolTipRole).toString();
        for (const char *part :
             {"/usr/bin/api --port 80", "api.service", "/system.slice/api.service", "www", "after boot"})
            QVERIFY2(tip.contains(QLatin1String(part)), qPrintable(tip));
        QCOMPARE(AgentTableModel::agentLabel(m_model->snapshot(0)), QStringLiteral("api.service (pid 10, uds)"));
        QCOMPARE(AgentTableModel::agentLabel(m_model->snapshot(2)), AgentTableModel::agentLabel(udpKey(12)));
    }

    // A command line is whatever the process chose: markup in it is shown, not rendered.
    void identityToolTipEscapesMarkup() {
        EngineBatch batch;
        batch.agents = {localAgent(10, identity(QString(), QStringLiteral("<b>bold</b> & co"), QStringLiteral("u")))};
        m_model->applyBatch(batch);
        const QString tip = m_model->index(0, AgentTableModel::CommandColumn).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("&lt;b&gt;bold&lt;/b&gt; &amp; co")), qPrintable(tip));
    }

    // The engine shares one identity between an agent's snapshots: a beat does not
    // announce the identity columns, a new identity does.
    void identityColumnsChangeOnlyWithTheIdentity() {
        const auto id = identity(QStringLiteral("api.service"), QStringLiteral("api"), QStringLiteral("www"));
        EngineBatch batch;
        batch.agents = {localAgent(10, id)};
        m_model->applyBatch(batch);
        QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
        AgentSnapshot beat = m_model->snapshot(0);
        beat.beats += 1;
        beat.identity = std::make_shared<ProcessIdentity>(*id);  // equal, another copy
        batch.agents = {beat};
        m_model->applyBatch(batch);
        for (const Changed &c : changes(changed)) {
            QVERIFY(c.left > AgentTableModel::NameColumn || c.right < AgentTableModel::NameColumn);
            QVERIFY(c.right < AgentTableModel::UserColumn);
        }
        beat.identity = identity(QStringLiteral("web.service"), QStringLiteral("web"), QStringLiteral("www"));
        batch.agents = {beat};
        m_model->applyBatch(batch);
        bool nameAnnounced = false;
        for (const Changed &c : changes(changed))
            nameAnnounced |= c.left <= AgentTableModel::NameColumn && c.right >= AgentTableModel::NameColumn;
        QVERIFY(nameAnnounced);
        QCOMPARE(m_model->index(0, AgentTableModel::NameColumn).data().toString(), QStringLiteral("web.service"));
    }

    // A unit restarted under a new pid: its row goes on under the new key, whatever the
    // order of the old key's removal.
    void continuationTakesTheRowOver_data() {
        QTest::addColumn<bool>("removalInTheSameBatch");
        QTest::newRow("removal in the same batch") << true;
        QTest::newRow("removal in a later batch") << false;
    }
    void continuationTakesTheRowOver() {
        QFETCH(bool, removalInTheSameBatch);
        m_model->applyBatch(agentsBatch(5));
        const AgentKey a = AgentKey::local(2);
        const AgentKey b = AgentKey::local(7002);
        const int rowOfA = m_model->rowOf(a);
        QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
        QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);

        EngineBatch batch;
        batch.stats = stats(10'500);
        if (removalInTheSameBatch)
            batch.removed = {a};
        batch.agents = {localAgent(
            b.pid, identity(QStringLiteral("api.service"), QStringLiteral("api"), QStringLiteral("www")), a)};
        m_model->applyBatch(batch);
        if (!removalInTheSameBatch) {
            EngineBatch later;
            later.stats = stats(10'550);
            later.removed = {a};
            m_model->applyBatch(later);
        }

        QCOMPARE(m_model->rowCount(), 5);
        QCOMPARE(m_model->rowOf(b), rowOfA);
        QCOMPARE(m_model->rowOf(a), -1);
        QCOMPARE(m_model->snapshot(rowOfA).key, b);
        QCOMPARE(m_model->index(rowOfA, AgentTableModel::PidColumn).data().toString(), QStringLiteral("7002"));
        QCOMPARE(m_model->index(rowOfA, AgentTableModel::NameColumn).data().toString(), QStringLiteral("api.service"));
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(removed.count(), 0);
        QCOMPARE(reset.count(), 0);
        bool pidAnnounced = false;
        for (const Changed &c : changes(changed))
            pidAnnounced |= c.first <= rowOfA && c.last >= rowOfA && c.left == AgentTableModel::PidColumn;
        QVERIFY(pidAnnounced);
        for (int row = 0; row < m_model->rowCount(); ++row)
            QCOMPARE(m_model->rowOf(m_model->snapshot(row).key), row);

        // Rows after a later removal are renumbered under the new key.
        EngineBatch eviction;
        eviction.removed = {AgentKey::local(0)};
        m_model->applyBatch(eviction);
        QCOMPARE(m_model->rowOf(b), rowOfA - 1);
        QCOMPARE(m_model->rowOf(a), -1);
    }

    void continuationOfAnUnknownAgentAddsARow() {
        m_model->applyBatch(agentsBatch(3));
        EngineBatch batch;
        batch.removed = {AgentKey::local(99)};
        batch.agents = {localAgent(500, nullptr, AgentKey::local(99))};
        m_model->applyBatch(batch);
        QCOMPARE(m_model->rowCount(), 4);
        QCOMPARE(m_model->rowOf(AgentKey::local(500)), 3);
    }

    void stateIsIconTextAndColour() {
        EngineBatch batch;
        batch.agents = {snapshot(AgentKey::local(1), AgentState::GaveUp)};
        m_model->applyBatch(batch);
        const QModelIndex state = m_model->index(0, AgentTableModel::StateColumn);
        QCOMPARE(state.data().toString(), QStringLiteral("gave up · beating"));
        QVERIFY(!state.data(Qt::DecorationRole).value<QIcon>().isNull());
        QVERIFY(state.data(Qt::ForegroundRole).canConvert<QBrush>());
        QVERIFY(!state.data(Qt::ToolTipRole).toString().isEmpty());
    }

    // Paused, gave up and recovering hide whether the agent beats; the cell says it, and
    // how long it has been silent, which grows with the clock.
    void anOverlayStateSaysWhetherTheAgentBeats() {
        EngineBatch batch;
        batch.stats.nowMs = 200'000;
        AgentSnapshot paused = snapshot(AgentKey::local(1), AgentState::Paused);
        paused.lastBeatMs = 20'000;
        paused.silent = true;
        batch.agents = {paused, snapshot(AgentKey::local(2), AgentState::Stalled)};
        m_model->applyBatch(batch);
        m_model->setNow(200'000);
        const QModelIndex state = m_model->index(m_model->rowOf(AgentKey::local(1)), AgentTableModel::StateColumn);
        QCOMPARE(state.data().toString(), QStringLiteral("paused · silent 3 min 0 s"));
        QCOMPARE(m_model->index(m_model->rowOf(AgentKey::local(2)), AgentTableModel::StateColumn).data().toString(),
                 QStringLiteral("stalled"));
        QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
        m_model->setNow(320'000);
        QCOMPARE(state.data().toString(), QStringLiteral("paused · silent 5 min 0 s"));
        bool stateAnnounced = false;
        for (const QList<QVariant> &args : changed)
            stateAnnounced =
                stateAnnounced
                || (args[0].toModelIndex().column() <= AgentTableModel::StateColumn
                    && args[1].toModelIndex().column() >= AgentTableModel::StateColumn
                    && args[0].toModelIndex().row() <= state.row() && args[1].toModelIndex().row() >= state.row());
        QVERIFY(stateAnnounced);
        // It beats again, still paused.
        paused.silent = false;
        paused.lastBeatMs = 320'000;
        batch.agents = {paused};
        m_model->applyBatch(batch);
        QCOMPARE(state.data().toString(), QStringLiteral("paused · beating"));
    }

    // Flaps (10 min): how often it went down lately, from the transitions, forgotten as
    // they leave the window.
    void flapsCountGoingDownInTheLastTenMinutes() {
        EngineBatch batch;
        batch.agents = {snapshot(AgentKey::local(1), AgentState::Up)};
        m_model->applyBatch(batch);
        batch.agents.clear();
        const AgentKey key = AgentKey::local(1);
        batch.transitions = {{key, 1'000, AgentState::Up, AgentState::Stalled},
                             {key, 2'000, AgentState::Stalled, AgentState::Recovering},  // still down: no flap
                             {key, 3'000, AgentState::Recovering, AgentState::Up},
                             {key, 400'000, AgentState::Up, AgentState::Stalled},
                             {key, 401'000, AgentState::Stalled, AgentState::Up}};
        m_model->applyBatch(batch);
        m_model->setNow(500'000);
        const QModelIndex flaps = m_model->index(0, AgentTableModel::FlapsColumn);
        QCOMPARE(flaps.data().toString(), QStringLiteral("2"));
        QCOMPARE(m_model->headerData(AgentTableModel::FlapsColumn, Qt::Horizontal, Qt::DisplayRole).toString(),
                 QStringLiteral("Flaps (10 min)"));
        m_model->setNow(601'001);  // the first went down more than 10 min ago
        QCOMPARE(flaps.data().toString(), QStringLiteral("1"));
        QCOMPARE(flaps.data(AgentTableModel::SortRole).toInt(), 1);
        // Past the bound the count says so.
        batch.transitions.clear();
        for (int i = 0; i < AgentTableModel::kMaxFlapsKept + 5; ++i)
            batch.transitions.append({key, 602'000 + i * 10, AgentState::Up, AgentState::Exited});
        m_model->applyBatch(batch);
        m_model->setNow(603'000);
        QCOMPARE(flaps.data().toString(), QStringLiteral("%1+").arg(AgentTableModel::kMaxFlapsKept));
    }

    void sortRoleIsNumeric() {
        EngineBatch batch;
        AgentSnapshot s = snapshot(AgentKey::local(12), AgentState::Up, 123456789012ull);
        batch.agents = {s};
        m_model->applyBatch(batch);
        const QVariant beats = m_model->index(0, AgentTableModel::BeatsColumn).data(AgentTableModel::SortRole);
        QCOMPARE(beats.typeId(), QMetaType::ULongLong);
        QCOMPARE(beats.toULongLong(), 123456789012ull);
        QCOMPARE(m_model->index(0, AgentTableModel::PidColumn).data(AgentTableModel::SortRole).toUInt(), 12u);
    }

    // Scale, not speed: 100,000 agents still arrive with one insert and a full update
    // costs at most kMaxChangedRanges signals.
    void hundredThousandRows() {
        QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
        m_model->applyBatch(agentsBatch(100'000));
        QCOMPARE(inserted.count(), 1);
        QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
        EngineBatch batch;
        for (int row = 0; row < 100'000; row += 2)
            batch.agents.append(snapshot(AgentKey::local(std::uint32_t(row)), AgentState::Up, 2, 9'990));
        m_model->applyBatch(batch);
        QVERIFY(changed.count() >= 1);
        QVERIFY(changed.count() <= AgentTableModel::kMaxChangedRanges);
        QCOMPARE(m_model->snapshot(99'998).beats, 2u);
    }

private:
    std::unique_ptr<AgentTableModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

QTEST_MAIN(TestAgentTableModel)
#include "tst_agent_table_model.moc"
