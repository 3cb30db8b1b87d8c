// The agent details pane, in the console, offscreen: select an agent and read who it is,
// what state it is in and since when, its recovery attempts with their output, and its
// events, all following the batches as they come.
//
// VARTA_DETAILS_SCREENSHOT=FILE makes fitsASmallWindow save what it looked at to FILE:
// an operator's view of the pane at 1024×700, with a local agent that stalled and came
// back after a recovery (the demo's agents are UDP ones, with no process to show).
#include "tests/support/test_batches.h"
#include "ui/models/agent_filter_proxy.h"
#include "ui/models/agent_table_model.h"
#include "ui/models/children_model.h"
#include "ui/models/event_log_model.h"
#include "ui/style/time_format.h"
#include "ui/widgets/agent_details_pane.h"
#include "ui/widgets/child_output_view.h"
#include "ui/widgets/main_window.h"
#include "ui/widgets/timeline/stall_timeline_view.h"
#include "ui/widgets/timeline/timeline_pane.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QPixmap>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

using namespace varta;
using namespace varta::test;
using varta::ui::AgentDetailsPane;
using varta::ui::MainWindow;
using Field = varta::ui::AgentDetailsPane::Field;

namespace {

constexpr EngineMs kStart = 100'000;
constexpr EngineMs kStalledAt = kStart + 2'000;
constexpr EngineMs kRecoveryAt = kStart + 2'100;
constexpr EngineMs kEndedAt = kStart + 8'600;
constexpr EngineMs kBackAt = kStart + 20'000;
const AgentKey kApi = AgentKey::local(4242);
const AgentKey kOther = udpKey(111);

std::shared_ptr<const ProcessIdentity> apiIdentity() {
    auto identity = std::make_shared<ProcessIdentity>();
    identity->comm = QStringLiteral("api-server");
    identity->cmdline = QStringLiteral("/usr/bin/api-server --port 8080 --config /etc/api/api.toml");
    identity->unit = QStringLiteral("api.service");
    identity->uid = 998;
    identity->user = QStringLiteral("api");
    identity->startTime = 4242;
    return identity;
}

AgentSnapshot api(AgentState state, std::uint64_t beats, EngineMs lastBeatMs) {
    AgentSnapshot s = snapshot(kApi, state, beats, lastBeatMs);
    s.firstSeenMs = kStart - 60'000;
    s.identity = apiIdentity();
    return s;
}

EventLogEntry logEntry(EventKind kind, const AgentKey &agent, const QString &text, EngineMs atMs) {
    EventLogEntry e = EventLogEntry::of(kind, EventSeverity::Info, EventCategory::Recovery, text, agent);
    e.atMs = atMs;
    return e;
}

// The api agent and another, both up.
EngineBatch fleetUp() {
    EngineBatch batch;
    batch.stats = stats(kStart);
    batch.agents = {api(AgentState::Up, 60, kStart - 500), snapshot(kOther, AgentState::Up, 30, kStart - 200)};
    return batch;
}

EngineBatch apiStalls() {
    EngineBatch batch;
    batch.stats = stats(kStalledAt);
    AgentSnapshot s = api(AgentState::Stalled, 60, kStart - 500);
    s.downSinceMs = kStart - 500;
    s.stalls = 1;
    batch.agents = {s};
    batch.transitions = {{kApi, kStalledAt, AgentState::Up, AgentState::Stalled}};
    batch.events = {
        logEntry(EventKind::Stall, kApi, QStringLiteral("api.service stalled: silent for 2.5 s"), kStalledAt),
        logEntry(EventKind::Notice, kOther, QStringLiteral("the other agent's news"), kStalledAt)};
    return batch;
}

EngineBatch apiRecovers() {
    EngineBatch batch;
    batch.stats = stats(kRecoveryAt);
    AgentSnapshot s = api(AgentState::Recovering, 60, kStart - 500);
    s.downSinceMs = kStart - 500;
    s.stalls = 1;
    s.recoveries = 1;
    s.silent = true;  // still silent while its recovery runs, as the engine says
    batch.agents = {s};
    batch.transitions = {{kApi, kRecoveryAt, AgentState::Stalled, AgentState::Recovering, true}};
    batch.children = {child(7, kApi, ChildState::Running, kRecoveryAt)};
    batch.output = {chunk(7, OutputStream::Stdout, "restarting api.service\n"),
                    chunk(7, OutputStream::Stderr, "warning: stale pidfile\n")};
    batch.events = {logEntry(EventKind::RecoveryStarted, kApi, QStringLiteral("started child 7"), kRecoveryAt)};
    return batch;
}

EngineBatch childEnds() {
    EngineBatch batch;
    batch.stats = stats(kEndedAt);
    ChildInfo done = child(7, kApi, ChildState::Exited, kRecoveryAt);
    done.endedMs = kEndedAt;
    done.exitCode = 0;
    done.bytesKept = 46;
    batch.children = {done};
    batch.events = {logEntry(EventKind::RecoveryEnded, kApi, QStringLiteral("child 7 exited with code 0"), kEndedAt)};
    return batch;
}

EngineBatch apiIsBack() {
    EngineBatch batch;
    batch.stats = stats(kBackAt);
    AgentSnapshot s = api(AgentState::Up, 61, kBackAt - 20);
    s.stalls = 1;
    s.recoveries = 1;
    s.nonce = 61;
    s.payload = 17;
    batch.agents = {s};
    batch.transitions = {{kApi, kBackAt - 20, AgentState::Recovering, AgentState::Up}};
    batch.events = {logEntry(EventKind::Back, kApi, QStringLiteral("api.service is back"), kBackAt - 20)};
    return batch;
}

}  // namespace

class TestAgentDetails : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("varta-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_agent_details"));
    }

    void init() {
        QSettings().clear();
        m_window = std::make_unique<MainWindow>();
        m_window->resize(1024, 700);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_pane = m_window->detailsPane();
        m_testers.clear();
        for (QAbstractItemModel *model : {m_pane->attemptsView()->model(), m_pane->eventsView()->model()})
            m_testers.push_back(std::make_unique<QAbstractItemModelTester>(
                model, QAbstractItemModelTester::FailureReportingMode::QtTest));
        m_window->applyBatch(fleetUp());
    }
    void cleanup() {
        m_testers.clear();
        m_window.reset();
    }

    void withNothingSelectedItGivesAHint() {
        QVERIFY(m_window->detailsDock()->isVisible());
        QVERIFY(!m_pane->shownAgent());
        QCOMPARE(m_pane->titleText(), QStringLiteral("No agent selected"));
        QVERIFY(m_pane->findChild<QWidget *>(QStringLiteral("detailsHint"))->isVisible());
        QVERIFY(m_pane->selectionText().isEmpty());
    }

    void showsWhoTheSelectedAgentsProcessIs() {
        select({kApi});
        QCOMPARE(m_pane->shownAgent(), std::optional(kApi));
        QCOMPARE(m_pane->titleText(), QStringLiteral("api.service (pid 4242, uds)"));
        QCOMPARE(m_pane->fieldText(Field::Pid), QStringLiteral("4242"));
        QCOMPARE(m_pane->fieldText(Field::Origin), QStringLiteral("uds"));
        QCOMPARE(m_pane->fieldText(Field::Unit), QStringLiteral("api.service"));
        QCOMPARE(m_pane->fieldText(Field::Command),
                 QStringLiteral("/usr/bin/api-server --port 8080 --config /etc/api/api.toml"));
        QCOMPARE(m_pane->fieldText(Field::User), QStringLiteral("api (uid 998)"));
        QCOMPARE(m_pane->fieldText(Field::Comm), QStringLiteral("api-server"));
        QCOMPARE(m_pane->fieldText(Field::State), QStringLiteral("up"));
        QCOMPARE(m_pane->fieldText(Field::Beats), QLocale().toString(60));
        QCOMPARE(m_pane->fieldText(Field::DownFor), AgentDetailsPane::noValue());
        QVERIFY2(m_pane->fieldText(Field::Since).endsWith(QLatin1String("(first seen)")),
                 qPrintable(m_pane->fieldText(Field::Since)));
    }

    // A UDP agent's pid is a claim about another host: nothing to say about its process.
    void aRemoteAgentHasNoProcessToShow() {
        select({kOther});
        QCOMPARE(m_pane->fieldText(Field::Origin), QStringLiteral("udp:10.0.0.7"));
        for (Field field : {Field::Unit, Field::Command, Field::User, Field::Comm})
            QCOMPARE(m_pane->fieldText(field), AgentDetailsPane::noValue());
    }

    void followsTheAgentThroughAStallItsRecoveryAndItsReturn() {
        select({kApi});
        m_window->applyBatch(apiStalls());
        QCOMPARE(m_pane->fieldText(Field::State), QStringLiteral("stalled"));
        // Since its transition into the state, not since it was first seen a minute ago.
        QVERIFY2(m_pane->fieldText(Field::Since).endsWith(QLatin1String(", 0 s ago")),
                 qPrintable(m_pane->fieldText(Field::Since)));
        QCOMPARE(m_pane->fieldText(Field::DownFor), QStringLiteral("2 s"));  // down since its last beat
        QCOMPARE(m_pane->fieldText(Field::Stalls), QStringLiteral("1"));

        m_window->applyBatch(apiRecovers());
        QCOMPARE(m_pane->fieldText(Field::State), QStringLiteral("recovering · silent"));
        QCOMPARE(m_pane->fieldText(Field::Recoveries), QStringLiteral("1"));
        QCOMPARE(m_pane->attemptsView()->model()->rowCount(), 1);
        QCOMPARE(m_pane->tabs()->tabText(1), QStringLiteral("Attempts (1)"));
        // The newest attempt is the one shown, its output as it arrives.
        QCOMPARE(m_pane->outputView()->childId(), std::optional<std::uint64_t>(7));
        QTRY_VERIFY(m_pane->outputView()->text().contains(QLatin1String("restarting api.service")));
        QVERIFY(m_pane->outputView()->text().contains(QLatin1String("[err] warning: stale pidfile")));

        m_window->applyBatch(childEnds());
        const QAbstractItemModel *attempts = m_pane->attemptsView()->model();
        QCOMPARE(attempts->index(0, ui::ChildrenModel::StateColumn).data().toString(), QStringLiteral("exited 0"));
        QCOMPARE(attempts->index(0, ui::ChildrenModel::DurationColumn).data().toString(),
                 ui::TimeFormat::duration(kEndedAt - kRecoveryAt));
        QCOMPARE(attempts->index(0, ui::ChildrenModel::BytesColumn).data().toString(), QLocale().formattedDataSize(46));

        m_window->applyBatch(apiIsBack());
        QCOMPARE(m_pane->fieldText(Field::State), QStringLiteral("up"));
        QVERIFY2(m_pane->fieldText(Field::Since).endsWith(QLatin1String(", 0 s ago")),
                 qPrintable(m_pane->fieldText(Field::Since)));
        QCOMPARE(m_pane->fieldText(Field::DownFor), AgentDetailsPane::noValue());
        QCOMPARE(m_pane->fieldText(Field::LastBeat).left(4), QStringLiteral("0 s "));
        QCOMPARE(m_pane->fieldText(Field::LastStatus), QStringLiteral("ok"));
        QCOMPARE(m_pane->fieldText(Field::Payload), QStringLiteral("17"));
        QCOMPARE(m_pane->fieldText(Field::Nonce), QStringLiteral("61"));

        // Its own events, newest last; not the other agent's.
        QCOMPARE(
            eventTexts(),
            QStringList({QStringLiteral("api.service stalled: silent for 2.5 s"), QStringLiteral("started child 7"),
                         QStringLiteral("child 7 exited with code 0"), QStringLiteral("api.service is back")}));
        QCOMPARE(m_pane->tabs()->tabText(2), QStringLiteral("Events (4)"));
    }

    // What happened before the agent was selected is there when it is.
    void anAgentSelectedLaterShowsItsPast() {
        for (const EngineBatch &batch : {apiStalls(), apiRecovers(), childEnds(), apiIsBack()})
            m_window->applyBatch(batch);
        select({kOther});
        QCOMPARE(eventTexts(), QStringList{QStringLiteral("the other agent's news")});
        QCOMPARE(m_pane->attemptsView()->model()->rowCount(), 0);
        select({kApi});
        QCOMPARE(eventTexts().size(), 4);
        QCOMPARE(m_pane->attemptsView()->model()->rowCount(), 1);
        QCOMPARE(m_pane->outputView()->childId(), std::optional<std::uint64_t>(7));
        QTRY_VERIFY(m_pane->outputView()->text().contains(QLatin1String("restarting api.service")));
    }

    void attemptsAreNewestFirstAndEachShowsItsOwnOutput() {
        select({kApi});
        EngineBatch batch;
        batch.stats = stats(kEndedAt);
        batch.children = {child(3, kApi, ChildState::Killed, kStart - 9'000),
                          child(5, kApi, ChildState::Exited, kStart), child(9, kOther, ChildState::Exited, kStart)};
        batch.output = {chunk(3, OutputStream::Stdout, "first try\n"), chunk(5, OutputStream::Stdout, "second try\n")};
        m_window->applyBatch(batch);
        QTableView *attempts = m_pane->attemptsView();
        QCOMPARE(attempts->model()->rowCount(), 2);
        QCOMPARE(attempts->model()->index(0, 0).data(ui::ChildrenModel::ChildIdRole).toULongLong(), 5u);
        QCOMPARE(attempts->model()->index(1, 0).data(ui::ChildrenModel::ChildIdRole).toULongLong(), 3u);
        QCOMPARE(attempts->model()->index(1, ui::ChildrenModel::StateColumn).data().toString(),
                 QStringLiteral("killed (signal 9)"));
        QTRY_VERIFY(m_pane->outputView()->text().contains(QLatin1String("second try")));

        QTest::mouseClick(attempts->viewport(), Qt::LeftButton, {},
                          attempts->visualRect(attempts->model()->index(1, ui::ChildrenModel::StartedColumn)).center());
        QCOMPARE(m_pane->outputView()->childId(), std::optional<std::uint64_t>(3));
        QTRY_VERIFY(m_pane->outputView()->text().contains(QLatin1String("first try")));
        QVERIFY(!m_pane->outputView()->text().contains(QLatin1String("second try")));
    }

    void withSeveralSelectedItShowsTheCurrentOne() {
        select({kApi, kOther});
        QCOMPARE(m_pane->selectionText(), QStringLiteral("1 of 2 selected"));
        QTableView *table = m_window->agentView();
        const QModelIndex other = indexOf(kOther);
        table->selectionModel()->setCurrentIndex(other, QItemSelectionModel::NoUpdate);
        QCOMPARE(m_pane->shownAgent(), std::optional(kOther));
        table->selectionModel()->setCurrentIndex(indexOf(kApi), QItemSelectionModel::NoUpdate);
        QCOMPARE(m_pane->shownAgent(), std::optional(kApi));
    }

    void aNewSelectionSwitchesTheAgent() {
        m_window->applyBatch(apiStalls());
        select({kApi});
        QCOMPARE(m_pane->fieldText(Field::State), QStringLiteral("stalled"));
        select({kOther});
        QCOMPARE(m_pane->shownAgent(), std::optional(kOther));
        QCOMPARE(m_pane->titleText(), QStringLiteral("pid 111 (udp:10.0.0.7)"));
        QCOMPARE(m_pane->fieldText(Field::State), QStringLiteral("up"));
        QCOMPARE(m_pane->fieldText(Field::Pid), QStringLiteral("111"));
        m_window->agentView()->clearSelection();
        QVERIFY(!m_pane->shownAgent());
        QCOMPARE(m_pane->titleText(), QStringLiteral("No agent selected"));
    }

    void anAgentRemovedFromTheTableClearsThePane() {
        select({kApi});
        EngineBatch evicted;
        evicted.stats = stats(kStalledAt);
        evicted.removed = {kApi};
        m_window->applyBatch(evicted);
        QVERIFY(!m_pane->shownAgent());
        QCOMPARE(m_pane->titleText(), QStringLiteral("No agent selected"));
        QCOMPARE(m_pane->eventsView()->model()->rowCount(), 0);
        QVERIFY(!m_pane->outputView()->childId());
    }

    // A unit's new pid takes its row over; the pane goes on with the same history.
    void aRestartedUnitKeepsItsDetails() {
        m_window->applyBatch(apiStalls());
        select({kApi});
        const AgentKey next = AgentKey::local(5151);
        EngineBatch restarted;
        restarted.stats = stats(kBackAt);
        restarted.removed = {kApi};
        AgentSnapshot s = api(AgentState::Up, 1, kBackAt);
        s.key = next;
        s.continues = kApi;
        restarted.agents = {s};
        restarted.events = {logEntry(EventKind::Restarted, next, QStringLiteral("api.service restarted"), kBackAt)};
        m_window->applyBatch(restarted);
        QCOMPARE(m_pane->shownAgent(), std::optional(next));
        QCOMPARE(m_pane->fieldText(Field::Pid), QStringLiteral("5151"));
        QCOMPARE(eventTexts(), QStringList({QStringLiteral("api.service stalled: silent for 2.5 s"),
                                            QStringLiteral("api.service restarted")}));
    }

    // A batch about other agents adds nothing to the pane's lists and resets none.
    void otherAgentsBatchesLeaveThePaneAlone() {
        select({kApi});
        QSignalSpy inserted(m_pane->eventsView()->model(), &QAbstractItemModel::rowsInserted);
        QSignalSpy reset(m_pane->eventsView()->model(), &QAbstractItemModel::modelReset);
        QSignalSpy attempts(m_pane->attemptsView()->model(), &QAbstractItemModel::rowsInserted);
        EngineBatch others;
        others.stats = stats(kStalledAt);
        others.agents = {snapshot(kOther, AgentState::Stalled, 30, kStart - 200)};
        others.events = {logEntry(EventKind::Stall, kOther, QStringLiteral("111 stalled"), kStalledAt)};
        others.children = {child(9, kOther, ChildState::Running, kStalledAt)};
        m_window->applyBatch(others);
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(attempts.count(), 0);
        QCOMPARE(m_pane->fieldText(Field::State), QStringLiteral("up"));
    }

    void itsEventsAreBounded() {
        select({kApi});
        EngineBatch flood;
        flood.stats = stats(kStalledAt);
        for (int i = 0; i < AgentDetailsPane::kMaxEvents + 25; ++i)
            flood.events.append(logEntry(EventKind::Notice, kApi, QStringLiteral("note %1").arg(i), kStart + i));
        m_window->applyBatch(flood);
        QCOMPARE(m_pane->eventsView()->model()->rowCount(), AgentDetailsPane::kMaxEvents);
        QCOMPARE(eventTexts().constLast(), QStringLiteral("note %1").arg(AgentDetailsPane::kMaxEvents + 24));
    }

    void itsLaneFollowsTheMainTimelinesWindow() {
        select({kApi});
        ui::StallTimelineView *lane = m_pane->timeline();
        QCOMPARE(lane->lanes().size(), 1);
        QCOMPARE(lane->lanes().constFirst().key, kApi);
        m_window->timelinePane()->setWindowSpan(15 * 60'000);
        QCOMPARE(lane->windowSpan(), 15 * 60'000);
        QVERIFY(lane->isLive());
        QTest::keyClick(m_window->timelinePane()->view(), Qt::Key_Left);  // into the past
        QVERIFY(!lane->isLive());
        QCOMPARE(lane->visibleEnd(), m_window->timelinePane()->view()->visibleEnd());
    }

    void theViewMenuTogglesItAndTheLayoutRemembersIt() {
        QAction *toggle = m_window->detailsDock()->toggleViewAction();
        QCOMPARE(toggle->text(), QStringLiteral("&Agent details"));
        QCOMPARE(toggle->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_D));
        QMenu *view = nullptr;
        for (QAction *menu : m_window->menuBar()->actions())
            if (menu->text() == QLatin1String("&View"))
                view = menu->menu();
        QVERIFY(view && view->actions().contains(toggle));
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QTest::keyClick(m_window.get(), Qt::Key_D, Qt::ControlModifier);
        QVERIFY(!m_window->detailsDock()->isVisible());
        m_window->close();
        m_testers.clear();
        m_window = std::make_unique<MainWindow>();
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QVERIFY(!m_window->detailsDock()->isVisible());
        m_window->detailsDock()->toggleViewAction()->trigger();
        QVERIFY(m_window->detailsDock()->isVisible());
    }

    void tabAndF6ReachIt() {
        select({kApi});
        m_window->applyBatch(apiRecovers());
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        m_window->eventLogView()->setFocus();
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QCOMPARE(QApplication::focusWidget(), m_pane->tabs()->tabBar());
        m_pane->tabs()->setCurrentIndex(1);  // its attempts
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QCOMPARE(QApplication::focusWidget(), m_pane->attemptsView());
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QCOMPARE(QApplication::focusWidget(), m_pane->outputView()->focusProxy());

        m_window->eventLogView()->setFocus();
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_F6);
        QVERIFY(m_pane->isAncestorOf(QApplication::focusWidget()));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_F6);
        QCOMPARE(QApplication::focusWidget(), m_window->agentView());
        // F6 shows a hidden pane on its way, as it does the event log.
        m_window->detailsDock()->hide();
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_F6, Qt::ShiftModifier);
        QVERIFY(m_window->detailsDock()->isVisible());
        QVERIFY(m_pane->isAncestorOf(QApplication::focusWidget()));
    }

    // Docked right in a 1024×700 window, the tables keep room for their first columns.
    void fitsASmallWindow() {
        for (const EngineBatch &batch : {apiStalls(), apiRecovers(), childEnds(), apiIsBack()})
            m_window->applyBatch(batch);
        EngineBatch later;  // up for a while again
        later.stats = stats(kBackAt + 15'000);
        later.agents = {api(AgentState::Up, 76, kBackAt + 14'900)};
        later.agents[0].stalls = 1;
        later.agents[0].recoveries = 1;
        m_window->applyBatch(later);
        select({kApi});
        QVERIFY(m_window->detailsDock()->isVisible());
        QCOMPARE(m_window->dockWidgetArea(m_window->detailsDock()), Qt::RightDockWidgetArea);
        QTRY_VERIFY(m_window->agentView()->width() >= 600);
        QVERIFY(m_pane->width() >= 300);
        QVERIFY(m_window->eventLogView()->width() > m_window->width() * 9 / 10);  // still the whole width
        // Long values wrap and the overview scrolls once the layout has settled.
        QTRY_VERIFY(
            m_pane->findChild<QScrollArea *>(QStringLiteral("detailsOverview"))->verticalScrollBar()->isVisible());
        if (const QString path = qEnvironmentVariable("VARTA_DETAILS_SCREENSHOT"); !path.isEmpty()) {
            m_window->timelinePane()->setWindowSpan(60'000);
            QVERIFY(m_window->grab().save(path, "PNG"));
        }
    }

private:
    QModelIndex indexOf(const AgentKey &key) const {
        for (int row = 0; row < m_window->agentProxy()->rowCount(); ++row)
            if (m_window->agentProxy()->keyAt(row) == key)
                return m_window->agentProxy()->index(row, 0);
        return {};
    }
    // As an operator does: a click, then Ctrl and a click for each further agent.
    void select(const QList<AgentKey> &keys) {
        QTableView *table = m_window->agentView();
        for (qsizetype i = 0; i < keys.size(); ++i)
            QTest::mouseClick(table->viewport(), Qt::LeftButton, i == 0 ? Qt::NoModifier : Qt::ControlModifier,
                              table->visualRect(indexOf(keys[i])).center());
        QCOMPARE(table->selectionModel()->selectedRows().size(), keys.size());
    }
    QStringList eventTexts() const {
        QStringList texts;
        const QAbstractItemModel *events = m_pane->eventsView()->model();
        for (int row = 0; row < events->rowCount(); ++row)
            texts << events->index(row, ui::EventLogModel::MessageColumn).data().toString();
        return texts;
    }

    std::unique_ptr<MainWindow> m_window;
    AgentDetailsPane *m_pane = nullptr;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

QTEST_MAIN(TestAgentDetails)
#include "tst_agent_details.moc"
