// The console end to end, offscreen: batches in, operator commands out.
#include "tests/support/menu_mnemonics.h"
#include "tests/support/test_batches.h"
#include "ui/models/agent_filter_proxy.h"
#include "ui/models/agent_table_model.h"
#include "ui/models/children_model.h"
#include "ui/models/event_log_filter.h"
#include "ui/models/event_log_model.h"
#include "ui/widgets/agent_actions.h"
#include "ui/widgets/agent_details_pane.h"
#include "ui/widgets/child_output_view.h"
#include "ui/widgets/fleet_notifier.h"
#include "ui/widgets/keyboard_help.h"
#include "ui/widgets/main_window.h"
#include "ui/widgets/state_filter_button.h"
#include "ui/widgets/status_bar_panel.h"
#include "ui/widgets/timeline/fleet_band.h"
#include "ui/widgets/timeline/stall_timeline_view.h"
#include "ui/widgets/timeline/timeline_pane.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>

using namespace varta;
using namespace varta::test;
using varta::ui::AgentActions;
using varta::ui::AgentTableModel;
using varta::ui::MainWindow;

namespace {

constexpr EngineMs kNow = 100'000;

EngineBatch fleet(bool recoveryConfigured = true) {
    EngineBatch batch;
    batch.stats = stats(kNow, recoveryConfigured);
    const AgentState states[] = {AgentState::Up,     AgentState::Stalled,    AgentState::Paused,
                                 AgentState::GaveUp, AgentState::Recovering, AgentState::Degraded};
    for (std::uint32_t i = 0; i < 6; ++i) {
        batch.agents.append(snapshot(udpKey(100 + i * 11), states[i], 10 + 90 * (i % 3), kNow - 500));
        ++batch.stats.agentsByState[int(states[i])];
    }
    batch.stats.agentsTracked = 6;
    return batch;
}

// A local agent of a systemd unit, as the kernel described its process.
AgentSnapshot unitAgent(std::uint32_t pid, AgentState state, std::optional<AgentKey> continues = {}) {
    AgentSnapshot s = snapshot(AgentKey::local(pid), state, 5, kNow - 400);
    auto identity = std::make_shared<ProcessIdentity>();
    identity->comm = QStringLiteral("api-server");
    identity->cmdline = QStringLiteral("/usr/bin/api-server");
    identity->unit = QStringLiteral("api.service");
    identity->startTime = pid;
    s.identity = identity;
    s.continues = continues;
    return s;
}

// Answers the next modal QMessageBox, optionally ticking its check box first.
// (With `said`, what the box said in its informative text is kept there.)
void answerNextMessageBox(QMessageBox::StandardButton button, bool tickCheckBox, QString *said = nullptr) {
    auto *timer = new QTimer;
    timer->setInterval(10);
    QObject::connect(timer, &QTimer::timeout, [timer, button, tickCheckBox, said] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (!box)
            return;
        if (said)
            *said = box->informativeText();
        if (tickCheckBox && box->checkBox())
            box->checkBox()->setChecked(true);
        box->button(button)->click();
        timer->stop();
        timer->deleteLater();
    });
    timer->start();
}

}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("varta-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_main_window"));
    }

    void init() {
        QSettings().clear();
        m_window = std::make_unique<MainWindow>();
        m_testers.clear();
        for (QAbstractItemModel *model :
             {static_cast<QAbstractItemModel *>(m_window->agentModel()),
              static_cast<QAbstractItemModel *>(m_window->agentProxy()),
              static_cast<QAbstractItemModel *>(m_window->childrenModel()), m_window->childrenView()->model(),
              static_cast<QAbstractItemModel *>(m_window->eventLogModel())})
            m_testers.push_back(std::make_unique<QAbstractItemModelTester>(
                model, QAbstractItemModelTester::FailureReportingMode::QtTest));
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }
    void cleanup() {
        m_testers.clear();
        m_window.reset();
    }

    void recoverNowCarriesTheSelectedAgent() {
        QSettings().setValue(QLatin1String(AgentActions::kConfirmRecoverKey), false);
        m_window->applyBatch(fleet());
        const AgentKey stalled = udpKey(111);
        selectAgent(stalled);
        QSignalSpy recover(m_window.get(), &MainWindow::recoverNowRequested);
        QAction *action = m_window->actions()->recoverNowAction();
        QVERIFY(action->isEnabled());
        QTest::mouseClick(toolButtonFor(action), Qt::LeftButton);
        QCOMPARE(recover.count(), 1);
        QCOMPARE(recover[0][0].value<QList<AgentKey>>(), QList<AgentKey>{stalled});
    }

    void recoverNowAsksFirst_data() {
        QTest::addColumn<QMessageBox::StandardButton>("answer");
        QTest::addColumn<bool>("dontAskAgain");
        QTest::addColumn<int>("requests");
        QTest::newRow("cancelled") << QMessageBox::Cancel << false << 0;
        QTest::newRow("accepted") << QMessageBox::Yes << false << 1;
        QTest::newRow("accepted, don't ask again") << QMessageBox::Yes << true << 1;
    }
    void recoverNowAsksFirst() {
        QFETCH(QMessageBox::StandardButton, answer);
        QFETCH(bool, dontAskAgain);
        QFETCH(int, requests);
        m_window->applyBatch(fleet());
        selectAgent(udpKey(111));
        QSignalSpy recover(m_window.get(), &MainWindow::recoverNowRequested);
        answerNextMessageBox(answer, dontAskAgain);
        m_window->actions()->recoverNowAction()->trigger();
        QCOMPARE(recover.count(), requests);
        QCOMPARE(QSettings().value(QLatin1String(AgentActions::kConfirmRecoverKey), true).toBool(), !dontAskAgain);
    }

    // The confirmation shows the argv each agent gets, placeholders filled, and says which
    // agent the command cannot be filled for.
    void recoverNowShowsTheExactCommand() {
        EngineBatch batch = fleet();
        batch.stats.recoveryTemplate = {QStringLiteral("/bin/systemctl"), QStringLiteral("restart"),
                                        QStringLiteral("{unit}")};
        batch.agents.append(unitAgent(42, AgentState::Stalled));
        m_window->applyBatch(batch);
        selectAgents({AgentKey::local(42), udpKey(111)});
        QSignalSpy recover(m_window.get(), &MainWindow::recoverNowRequested);
        QString said;
        answerNextMessageBox(QMessageBox::Cancel, false, &said);
        m_window->actions()->recoverNowAction()->trigger();
        QCOMPARE(recover.count(), 0);
        QVERIFY2(said.contains(QLatin1String("api.service (pid 42, uds): /bin/systemctl restart api.service")),
                 qPrintable(said));
        QVERIFY2(said.contains(QLatin1String("pid 111 (udp:10.0.0.7): not run, the command names {unit}")),
                 qPrintable(said));
    }

    void recoverNowDisabledWithAReason_data() {
        QTest::addColumn<bool>("configured");
        QTest::addColumn<quint32>("selectPid");
        QTest::addColumn<QString>("because");
        QTest::newRow("not configured") << false << 111u << "--recovery-exec";
        QTest::newRow("nothing selected") << true << 0u << "Select one or more agents";
        QTest::newRow("already recovering") << true << 144u << "already recovering";
        QTest::newRow("paused") << true << 122u << "paused";
    }
    void recoverNowDisabledWithAReason() {
        QFETCH(bool, configured);
        QFETCH(quint32, selectPid);
        QFETCH(QString, because);
        m_window->applyBatch(fleet(configured));
        if (selectPid != 0)
            selectAgent(udpKey(selectPid));
        QAction *action = m_window->actions()->recoverNowAction();
        QVERIFY(!action->isEnabled());
        QVERIFY2(action->toolTip().contains(because), qPrintable(action->toolTip()));
        QVERIFY(!toolButtonFor(action)->isEnabled());
    }

    // An exited agent is recovered like a stalled one; a replaced one is not.
    void recoverNowForExitedNotReplaced() {
        QSettings().setValue(QLatin1String(AgentActions::kConfirmRecoverKey), false);
        EngineBatch batch = fleet();
        batch.agents << unitAgent(700, AgentState::Exited) << unitAgent(701, AgentState::Replaced);
        m_window->applyBatch(batch);
        QAction *action = m_window->actions()->recoverNowAction();
        selectAgent(AgentKey::local(701));
        QVERIFY(!action->isEnabled());
        QVERIFY2(action->toolTip().contains(QStringLiteral("replaced")), qPrintable(action->toolTip()));
        selectAgent(AgentKey::local(700));
        QVERIFY(action->isEnabled());
        QSignalSpy recover(m_window.get(), &MainWindow::recoverNowRequested);
        action->trigger();
        QCOMPARE(recover.count(), 1);
        QCOMPARE(recover[0][0].value<QList<AgentKey>>(), QList<AgentKey>{AgentKey::local(700)});
    }

    // The unit's new pid takes the old row over: still selected, one lane, its history.
    void restartedUnitKeepsRowSelectionAndLane() {
        EngineBatch first = fleet();
        first.agents << unitAgent(700, AgentState::Up);
        m_window->applyBatch(first);
        const AgentKey a = AgentKey::local(700);
        const AgentKey b = AgentKey::local(900);
        EngineBatch exited;
        exited.stats = stats(kNow + 100);
        exited.agents = {unitAgent(700, AgentState::Exited)};
        exited.transitions = {{a, kNow + 100, AgentState::Up, AgentState::Exited}};
        m_window->applyBatch(exited);
        selectAgent(a);
        const int rows = m_window->agentView()->model()->rowCount();

        EngineBatch restarted;
        restarted.stats = stats(kNow + 200);
        restarted.removed = {a};
        restarted.agents = {unitAgent(900, AgentState::Up, a)};
        restarted.transitions = {{a, kNow + 200, AgentState::Exited, AgentState::Replaced}};
        m_window->applyBatch(restarted);

        QCOMPARE(m_window->agentView()->model()->rowCount(), rows);
        const QModelIndexList selected = m_window->agentView()->selectionModel()->selectedRows();
        QCOMPARE(selected.size(), 1);
        QCOMPARE(m_window->agentProxy()->keyAt(selected[0].row()), b);
        const QList<varta::ui::TimelineLane> &lanes = m_window->timelinePane()->view()->lanes();
        QCOMPARE(lanes.size(), 1);
        QCOMPARE(lanes[0].key, b);
        QVERIFY2(lanes[0].label.contains(QStringLiteral("api.service")), qPrintable(lanes[0].label));
        QVERIFY2(lanes[0].label.contains(QStringLiteral("900")), qPrintable(lanes[0].label));
        QCOMPARE(m_window->timelineStore().history(b).size(), 2);
        QVERIFY(m_window->timelineStore().history(a).isEmpty());
        QCOMPARE(m_window->timelineStore().agentCount(), 1);
    }

    void agentActionsFollowSelectionAndState() {
        m_window->applyBatch(fleet());
        AgentActions *actions = m_window->actions();
        QSignalSpy pause(m_window.get(), &MainWindow::pauseRequested);
        QSignalSpy resume(m_window.get(), &MainWindow::resumeRequested);
        QSignalSpy rearm(m_window.get(), &MainWindow::rearmRequested);

        selectAgents({udpKey(100), udpKey(122), udpKey(133)});  // up, paused, gave up
        QVERIFY(actions->pauseAction()->isEnabled());
        QVERIFY(actions->resumeAction()->isEnabled());
        QVERIFY(actions->rearmAction()->isEnabled());
        actions->pauseAction()->trigger();
        actions->resumeAction()->trigger();
        actions->rearmAction()->trigger();
        QCOMPARE(pause[0][0].value<QList<AgentKey>>().size(), 2);  // the paused one is left out
        QCOMPARE(resume[0][0].value<QList<AgentKey>>(), QList<AgentKey>{udpKey(122)});
        QCOMPARE(rearm[0][0].value<QList<AgentKey>>(), QList<AgentKey>{udpKey(133)});

        selectAgents({udpKey(100)});
        QVERIFY(!actions->resumeAction()->isEnabled());
        QVERIFY(!actions->rearmAction()->isEnabled());
        QVERIFY(!actions->rearmAction()->toolTip().isEmpty());

        // A batch that changes the selected agent's state re-evaluates the actions.
        EngineBatch gaveUp;
        gaveUp.stats = stats(kNow + 50);
        gaveUp.agents = {snapshot(udpKey(100), AgentState::GaveUp)};
        m_window->applyBatch(gaveUp);
        QVERIFY(actions->rearmAction()->isEnabled());
    }

    void childAndOutputFollowRecovery() {
        QSettings().setValue(QLatin1String(AgentActions::kConfirmRecoverKey), false);
        m_window->applyBatch(fleet());
        const AgentKey stalled = udpKey(111);
        selectAgent(stalled);
        m_window->actions()->recoverNowAction()->trigger();

        EngineBatch started;
        started.stats = stats(kNow + 50);
        started.children = {child(7, stalled, ChildState::Running, kNow + 40)};
        started.output = {chunk(7, OutputStream::Stdout, "restarting 111\n"),
                          chunk(7, OutputStream::Stderr, "warning: stale pidfile\n")};
        m_window->applyBatch(started);

        QCOMPARE(m_window->childrenView()->model()->rowCount(), 1);
        QCOMPARE(m_window->outputView()->childId(), std::optional<std::uint64_t>(7));
        QTRY_VERIFY(m_window->outputView()->text().contains(QStringLiteral("restarting 111")));
        QVERIFY(m_window->outputView()->text().contains(QStringLiteral("[err] warning: stale pidfile")));
        QVERIFY(!m_window->outputView()->isTruncationBannerShown());
        QAction *kill = m_window->actions()->killChildAction();
        QVERIFY(kill->isEnabled());
        QSignalSpy killed(m_window.get(), &MainWindow::killChildRequested);
        kill->trigger();
        QCOMPARE(killed.count(), 1);
        QCOMPARE(killed[0][0].value<std::uint64_t>(), 7u);

        ChildInfo done = child(7, stalled, ChildState::Killed, kNow + 40);
        done.truncated = true;
        done.bytesKept = 65536;
        EngineBatch ended;
        ended.stats = stats(kNow + 100);
        ended.children = {done};
        ended.output = {chunk(7, OutputStream::Stdout, "more\n")};
        m_window->applyBatch(ended);
        QVERIFY(m_window->outputView()->text().endsWith(QStringLiteral("more\n"))
                || m_window->outputView()->text().contains(QStringLiteral("more")));
        QVERIFY(m_window->outputView()->isTruncationBannerShown());
        QVERIFY2(m_window->outputView()->bannerText().contains(QLocale().toString(65536)),
                 qPrintable(m_window->outputView()->bannerText()));
        QVERIFY(!kill->isEnabled());
        const QModelIndex state = m_window->childrenView()->model()->index(0, varta::ui::ChildrenModel::StateColumn);
        QCOMPARE(state.data().toString(), QStringLiteral("killed (signal 9)"));
    }

    void filterAndSortThroughTheUi() {
        m_window->applyBatch(fleet());
        QTableView *view = m_window->agentView();
        QTest::keyClicks(m_window->filterEdit(), QStringLiteral("133"));
        QCOMPARE(view->model()->rowCount(), 1);
        QCOMPARE(m_window->agentProxy()->keyAt(0), udpKey(133));
        m_window->filterEdit()->setText(QStringLiteral("UDP:10.0"));
        QCOMPARE(view->model()->rowCount(), 6);
        m_window->filterEdit()->clear();

        ui::StateFilterButton *states = m_window->stateFilterButton();
        states->setMask(ui::AgentFilterProxy::stateBit(AgentState::Stalled));
        QCOMPARE(view->model()->rowCount(), 1);
        QCOMPARE(m_window->agentProxy()->keyAt(0), udpKey(111));
        states->allStatesAction()->trigger();

        // Beats are 10, 100 and 190: text order would put 100 before 190 before 10.
        QHeaderView *header = view->horizontalHeader();
        const int beats = AgentTableModel::BeatsColumn;
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {},
                          QPoint(header->sectionViewportPosition(beats) + 5, header->height() / 2));
        if (header->sortIndicatorOrder() != Qt::AscendingOrder)
            QTest::mouseClick(header->viewport(), Qt::LeftButton, {},
                              QPoint(header->sectionViewportPosition(beats) + 5, header->height() / 2));
        QCOMPARE(header->sortIndicatorSection(), beats);
        QList<qulonglong> shown;
        for (int row = 0; row < view->model()->rowCount(); ++row)
            shown.append(view->model()->index(row, beats).data(AgentTableModel::SortRole).toULongLong());
        QCOMPARE(shown, (QList<qulonglong>{10, 10, 100, 100, 190, 190}));
    }

    void timelineShowsSelectionOrTopRows() {
        m_window->applyBatch(fleet());
        varta::ui::StallTimelineView *timeline = m_window->timelinePane()->view();
        QCOMPARE(timeline->lanes().size(), 6);
        QCOMPARE(timeline->lanes().front().key, m_window->agentProxy()->keyAt(0));
        selectAgents({udpKey(111), udpKey(155)});
        QCOMPARE(timeline->lanes().size(), 2);
    }

    void statusBarCountsAndRates() {
        EngineBatch first = fleet();
        first.stats.nowMs = 10'000;
        first.stats.beatsAccepted = 1'000;
        m_window->applyBatch(first);
        EngineBatch second;
        second.stats = first.stats;
        second.stats.nowMs = 11'000;
        second.stats.beatsAccepted = 6'000;
        second.stats.decodeErrors = 3;
        m_window->applyBatch(second);
        const auto *panel = m_window->statusPanel();
        QCOMPARE(panel->beatsPerSecond(), 5000.0);
        QCOMPARE(panel->decodeErrorsPerSecond(), 3.0);
        QVERIFY2(panel->ratesText().contains(QLocale().toString(5000)), qPrintable(panel->ratesText()));
        QVERIFY(panel->listenersText().contains(QStringLiteral("udp 127.0.0.1:9000")));
        QVERIFY2(panel->agentsText().contains(QStringLiteral("1 stalled")), qPrintable(panel->agentsText()));
        QVERIFY(!panel->agentsText().contains(QStringLiteral("critical")));
    }

    void eventLogShowsEvents() {
        EngineBatch batch = fleet();
        batch.events = {
            {kNow, EventSeverity::Warning, EventCategory::Refused, QStringLiteral("debounced"), udpKey(111)}};
        m_window->applyBatch(batch);
        QCOMPARE(m_window->eventLogView()->model()->rowCount(), 1);
    }

    // A click on an event selects its agent, but never one the agents filter hides: an
    // action would then act on a row nobody sees.
    void clickingAnEventSelectsItsAgentIfShown() {
        EngineBatch batch = fleet();
        batch.events = {
            {kNow, EventSeverity::Warning, EventCategory::Refused, QStringLiteral("debounced"), udpKey(133)},
            {kNow, EventSeverity::Info, EventCategory::Recovery, QStringLiteral("gone"), udpKey(999)}};
        m_window->applyBatch(batch);
        QTableView *events = m_window->eventLogView();
        QTest::mouseClick(events->viewport(), Qt::LeftButton, {},
                          events->visualRect(events->model()->index(0, 0)).center());
        QModelIndexList selected = m_window->agentView()->selectionModel()->selectedRows();
        QCOMPARE(selected.size(), 1);
        QCOMPARE(m_window->agentProxy()->keyAt(selected[0].row()), udpKey(133));

        m_window->filterEdit()->setText(QStringLiteral("100"));  // hides 133
        m_window->agentView()->clearSelection();
        QTest::mouseClick(events->viewport(), Qt::LeftButton, {},
                          events->visualRect(events->model()->index(0, 0)).center());
        QVERIFY(m_window->agentView()->selectionModel()->selectedRows().isEmpty());
        QVERIFY2(m_window->statusBar()->currentMessage().contains(QStringLiteral("hidden by the agents filter")),
                 qPrintable(m_window->statusBar()->currentMessage()));
        QTest::mouseClick(events->viewport(), Qt::LeftButton, {},
                          events->visualRect(events->model()->index(1, 0)).center());
        QVERIFY(m_window->statusBar()->currentMessage().contains(QStringLiteral("no longer in the agents table")));
    }

    void theEventLogIsFilteredAndSearched() {
        EngineBatch batch = fleet();
        batch.events = {
            {kNow, EventSeverity::Info, EventCategory::Recovery, QStringLiteral("pid 111 stalled"), udpKey(111)},
            {kNow, EventSeverity::Error, EventCategory::Io, QStringLiteral("event file: write failed"), {}}};
        m_window->applyBatch(batch);
        QAbstractItemModel *shown = m_window->eventLogView()->model();
        QCOMPARE(shown->rowCount(), 2);
        m_window->eventSeverityCombo()->setCurrentIndex(2);  // errors
        QCOMPARE(shown->rowCount(), 1);
        QCOMPARE(shown->index(0, ui::EventLogModel::MessageColumn).data().toString(),
                 QStringLiteral("event file: write failed"));
        m_window->eventSeverityCombo()->setCurrentIndex(0);
        m_window->eventCategoryCombo()->setCurrentIndex(1 + int(EventCategory::Recovery));
        QCOMPARE(shown->rowCount(), 1);
        m_window->eventCategoryCombo()->setCurrentIndex(0);
        QTest::keyClicks(m_window->eventSearchEdit(), QStringLiteral("WRITE"));
        QCOMPARE(shown->rowCount(), 1);
        QCOMPARE(shown->index(0, ui::EventLogModel::MessageColumn).data().toString(),
                 QStringLiteral("event file: write failed"));
    }

    // Ctrl+F searches the pane that has the focus: the event log's search from the log,
    // the agents filter from anywhere else.
    void ctrlFSearchesThePaneInFocus() {
        m_window->applyBatch(fleet());
        m_window->eventLogView()->setFocus();
        QTest::keyClick(m_window.get(), Qt::Key_F, Qt::ControlModifier);
        QCOMPARE(QApplication::focusWidget(), m_window->eventSearchEdit());
        m_window->agentView()->setFocus();
        QTest::keyClick(m_window.get(), Qt::Key_F, Qt::ControlModifier);
        QCOMPARE(QApplication::focusWidget(), m_window->filterEdit());
    }

    // Each action is confirmed in the status bar as it is asked, and the engine's answer
    // (its operator event) replaces it.
    void actionsAreConfirmedInTheStatusBar() {
        QSettings().setValue(QLatin1String(AgentActions::kConfirmRecoverKey), false);
        m_window->applyBatch(fleet());
        selectAgent(udpKey(111));
        QTest::mouseClick(toolButtonFor(m_window->actions()->recoverNowAction()), Qt::LeftButton);
        QVERIFY2(m_window->statusBar()->currentMessage().startsWith(QStringLiteral("Recover now: asked for")),
                 qPrintable(m_window->statusBar()->currentMessage()));
        QVERIFY(m_window->statusBar()->currentMessage().contains(AgentTableModel::agentLabel(udpKey(111))));
        EngineBatch answer = fleet();
        EventLogEntry outcome =
            EventLogEntry::of(EventKind::Operator, EventSeverity::Info, EventCategory::Recovery,
                              QStringLiteral("console: recover now pid 111: child 7 started"), udpKey(111));
        answer.events = {outcome};
        m_window->applyBatch(answer);
        QCOMPARE(m_window->statusBar()->currentMessage(),
                 QStringLiteral("console: recover now pid 111: child 7 started"));
    }

    // "Filter, select all, change the filter": the rows that left the view leave the
    // selection, and an action never acts on a row nobody sees.
    void hiddenRowsLeaveTheSelection() {
        QSettings().setValue(QLatin1String(AgentActions::kConfirmRecoverKey), false);
        m_window->applyBatch(fleet());
        m_window->filterEdit()->setText(QStringLiteral("111"));  // the stalled one
        m_window->agentView()->selectAll();
        QVERIFY(m_window->actions()->recoverNowAction()->isEnabled());
        m_window->filterEdit()->setText(QStringLiteral("100"));  // an up one, not selected
        QVERIFY(m_window->agentView()->selectionModel()->selectedRows().isEmpty());
        QVERIFY(!m_window->actions()->recoverNowAction()->isEnabled());
        QSignalSpy recover(m_window.get(), &MainWindow::recoverNowRequested);
        m_window->actions()->recoverNowAction()->trigger();
        QCOMPARE(recover.count(), 0);
        // The same through the state filter, with rows selected on both sides of it.
        m_window->filterEdit()->clear();
        selectAgents({udpKey(111), udpKey(100)});
        m_window->stateFilterButton()->setMask(ui::AgentFilterProxy::stateBit(AgentState::Up));
        m_window->actions()->recoverNowAction()->trigger();
        QCOMPARE(recover.count(), 1);
        QCOMPARE(recover[0][0].value<QList<AgentKey>>(), QList<AgentKey>{udpKey(100)});
    }

    // The same safety whichever control changes the filter: a status-bar count, a fleet
    // band strip or the states menu.
    void hiddenRowsLeaveTheSelectionWhateverFilters_data() {
        QTest::addColumn<QString>("control");
        QTest::newRow("status bar") << QStringLiteral("status bar");
        QTest::newRow("fleet band") << QStringLiteral("fleet band");
        QTest::newRow("states menu") << QStringLiteral("states menu");
    }
    void hiddenRowsLeaveTheSelectionWhateverFilters() {
        QFETCH(QString, control);
        QSettings().setValue(QLatin1String(AgentActions::kConfirmRecoverKey), false);
        m_window->applyBatch(fleet());
        selectAgents({udpKey(111), udpKey(100)});  // stalled and up
        QCOMPARE(m_window->agentView()->selectionModel()->selectedRows().size(), 2);
        if (control == QLatin1String("status bar")) {
            QTest::mouseClick(m_window->statusPanel()->stateButton(AgentState::Up), Qt::LeftButton);
        } else if (control == QLatin1String("fleet band")) {
            Q_EMIT m_window->timelinePane()->band()->stateClicked(AgentState::Up);
        } else {
            ui::StateFilterButton *states = m_window->stateFilterButton();
            states->stateAction(AgentState::Stalled)->trigger();  // unticked: everything else stays
            QVERIFY(!(states->mask() & ui::AgentFilterProxy::stateBit(AgentState::Stalled)));
        }
        QSignalSpy recover(m_window.get(), &MainWindow::recoverNowRequested);
        m_window->actions()->recoverNowAction()->trigger();
        QCOMPARE(recover.count(), 1);
        QCOMPARE(recover[0][0].value<QList<AgentKey>>(), QList<AgentKey>{udpKey(100)});
    }

    void statusBarCountsFilterTheTable() {
        m_window->applyBatch(fleet());
        QToolButton *stalled = m_window->statusPanel()->stateButton(AgentState::Stalled);
        QVERIFY(stalled->isVisible());
        QCOMPARE(stalled->text(), QStringLiteral("1 stalled"));
        QTest::mouseClick(stalled, Qt::LeftButton);
        QCOMPARE(m_window->agentProxy()->stateFilter(), ui::AgentFilterProxy::stateBit(AgentState::Stalled));
        QCOMPARE(m_window->agentView()->model()->rowCount(), 1);
        QCOMPARE(m_window->agentProxy()->keyAt(0), udpKey(111));
        QVERIFY(m_window->stateFilterButton()->text().contains(QStringLiteral("stalled")));
        QVERIFY(m_window->stateFilterButton()->stateAction(AgentState::Stalled)->isChecked());
        QVERIFY(!m_window->stateFilterButton()->stateAction(AgentState::Up)->isChecked());
    }

    void aFleetBandClickFiltersTheTable() {
        EngineBatch batch = fleet();
        m_window->applyBatch(batch);
        ui::FleetBand *band = m_window->timelinePane()->band();
        QVERIFY(band->isVisible());
        QCOMPARE(m_window->fleetHistory().size(), 1);
        QCOMPARE(m_window->fleetHistory().current()[std::size_t(AgentState::GaveUp)], 1u);
        QVERIFY(band->shownStates().contains(AgentState::GaveUp));
        QTRY_VERIFY(!band->stripRect(AgentState::GaveUp).isEmpty());
        QTest::mouseClick(band, Qt::LeftButton, {}, band->stripRect(AgentState::GaveUp).center());
        QCOMPARE(m_window->agentProxy()->stateFilter(), ui::AgentFilterProxy::stateBit(AgentState::GaveUp));
        QCOMPARE(m_window->agentView()->model()->rowCount(), 1);
        QCOMPARE(m_window->agentProxy()->stateAt(0), AgentState::GaveUp);
    }

    // Several states at once show their union; every item carries its count; the presets
    // are kept.
    void theStatesMenuPicksSeveralWithTheirCounts() {
        m_window->applyBatch(fleet());
        ui::StateFilterButton *states = m_window->stateFilterButton();
        QCOMPARE(states->objectName(), QStringLiteral("stateFilter"));
        QCOMPARE(states->stateAction(AgentState::Stalled)->text(), QStringLiteral("stalled (1)"));
        QCOMPARE(states->stateAction(AgentState::Critical)->text(), QStringLiteral("critical (0)"));
        states->setMask(ui::AgentFilterProxy::stateBit(AgentState::Stalled));
        states->stateAction(AgentState::Paused)->trigger();
        QCOMPARE(states->mask(), ui::AgentFilterProxy::stateBit(AgentState::Stalled)
                                     | ui::AgentFilterProxy::stateBit(AgentState::Paused));
        QCOMPARE(m_window->agentView()->model()->rowCount(), 2);
        QSet<AgentState> shown;
        for (int row = 0; row < 2; ++row)
            shown.insert(m_window->agentProxy()->stateAt(row));
        QCOMPARE(shown, (QSet<AgentState>{AgentState::Stalled, AgentState::Paused}));
        QCOMPARE(states->text(), QStringLiteral("&States: stalled, paused"));
        // Counts follow the batches.
        EngineBatch more;
        more.stats = fleet().stats;
        more.stats.agentsByState[int(AgentState::Stalled)] = 400;
        m_window->applyBatch(more);
        QCOMPARE(states->stateAction(AgentState::Stalled)->text(), QStringLiteral("stalled (400)"));
        states->attentionAction()->trigger();
        QCOMPARE(m_window->agentProxy()->stateFilter(), ui::AgentFilterProxy::kAttentionStates);
        QCOMPARE(m_window->agentView()->model()->rowCount(), 4);  // stalled, gave up, recovering, degraded
        states->allStatesAction()->trigger();
        QCOMPARE(m_window->agentView()->model()->rowCount(), 6);
    }

    // A tick in the open menu leaves it open, by mouse and by keyboard.
    void tickingAStateKeepsTheMenuOpen() {
        m_window->applyBatch(fleet());
        ui::StateFilterButton *states = m_window->stateFilterButton();
        QMenu *menu = states->stateMenu();
        menu->popup(states->mapToGlobal(QPoint(0, states->height())));
        QTRY_VERIFY(menu->isVisible());
        QAction *exited = states->stateAction(AgentState::Exited);
        QTest::mouseClick(menu, Qt::LeftButton, {}, menu->actionGeometry(exited).center());
        QVERIFY(menu->isVisible());
        QVERIFY(!exited->isChecked());
        menu->setActiveAction(exited);
        QTest::keyClick(menu, Qt::Key_Space);
        QVERIFY(menu->isVisible());
        QVERIFY(exited->isChecked());
        QTest::mouseClick(menu, Qt::LeftButton, {}, menu->actionGeometry(states->attentionAction()).center());
        QTRY_VERIFY(!menu->isVisible());
        QCOMPARE(states->mask(), ui::AgentFilterProxy::kAttentionStates);
    }

    void theStatesButtonIsReachedByKeyboard() {
        ui::StateFilterButton *states = m_window->stateFilterButton();
        QVERIFY(states->focusPolicy() & Qt::TabFocus);
        QVERIFY(states->text().startsWith(QLatin1Char('&')));
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        m_window->filterEdit()->setFocus();
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QCOMPARE(QApplication::focusWidget(), states);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QCOMPARE(QApplication::focusWidget(), m_window->agentView());
    }

    void shownCountFollowsTheFilter() {
        QLabel *shown = m_window->shownCountLabel();
        QCOMPARE(shown->objectName(), QStringLiteral("shownCount"));
        QCOMPARE(shown->text(), QStringLiteral("0 of 0 shown"));
        m_window->applyBatch(fleet());
        QCOMPARE(shown->text(), QStringLiteral("6 of 6 shown"));
        m_window->filterEdit()->setText(QStringLiteral("111"));
        QCOMPARE(shown->text(), QStringLiteral("1 of 6 shown"));
        m_window->filterEdit()->clear();
        m_window->stateFilterButton()->attentionAction()->trigger();
        QCOMPARE(shown->text(), QStringLiteral("4 of 6 shown"));
        // A new agent the filter hides still counts as tracked.
        EngineBatch more;
        more.stats = fleet().stats;
        more.agents = {snapshot(udpKey(999), AgentState::Up, 1, kNow)};
        m_window->applyBatch(more);
        QCOMPARE(shown->text(), QStringLiteral("4 of 7 shown"));
    }

    void anEmptyTableSaysWhy() {
        ui::AgentTableView *view = m_window->agentView();
        QCOMPARE(view->shownEmptyMessage(), QStringLiteral("No agents yet — waiting for heartbeats"));
        EngineBatch nobody;
        nobody.stats = fleet().stats;
        m_window->applyBatch(nobody);
        QCOMPARE(view->shownEmptyMessage(),
                 QStringLiteral("No agents yet — waiting for heartbeats on udp 127.0.0.1:9000"));
        m_window->applyBatch(fleet());
        QVERIFY(view->shownEmptyMessage().isEmpty());
        m_window->filterEdit()->setText(QStringLiteral("no such agent"));
        QVERIFY2(view->shownEmptyMessage().startsWith(QStringLiteral("No agent matches the filter")),
                 qPrintable(view->shownEmptyMessage()));
        QVERIFY(view->shownEmptyMessage().contains(QStringLiteral("Clear the filter box")));
        m_window->filterEdit()->clear();
        m_window->statusPanel()->stateButton(AgentState::Critical)->click();
        QVERIFY2(view->shownEmptyMessage().startsWith(QStringLiteral("No agent matches the filter")),
                 qPrintable(view->shownEmptyMessage()));
        QVERIFY(view->shownEmptyMessage().contains(QStringLiteral("All states")));
        // Drawn in the view: its middle is no longer blank.
        const QImage image = view->viewport()->grab().toImage();
        const QRgb background = image.pixel(2, 2);
        int drawn = 0;
        for (int y = image.height() / 3; y < image.height() * 2 / 3; ++y)
            for (int x = 0; x < image.width(); ++x)
                drawn += image.pixel(x, y) != background ? 1 : 0;
        QVERIFY(drawn > 100);
    }

    // "Don't ask again" is not for ever: the Actions menu turns asking back on.
    void askingFirstCanBeTurnedBackOn() {
        m_window->applyBatch(fleet());
        selectAgent(udpKey(111));
        QAction *ask = m_window->actions()->askBeforeRecoverAction();
        QVERIFY(ask->isChecked());
        answerNextMessageBox(QMessageBox::Yes, true);
        QSignalSpy recover(m_window.get(), &MainWindow::recoverNowRequested);
        m_window->actions()->recoverNowAction()->trigger();
        QCOMPARE(recover.count(), 1);
        QVERIFY(!ask->isChecked());
        QCOMPARE(QSettings().value(QLatin1String(AgentActions::kConfirmRecoverKey)).toBool(), false);
        ask->trigger();
        QCOMPARE(QSettings().value(QLatin1String(AgentActions::kConfirmRecoverKey)).toBool(), true);
        answerNextMessageBox(QMessageBox::Cancel, false);
        m_window->actions()->recoverNowAction()->trigger();
        QCOMPARE(recover.count(), 1);  // it asked, and was told no
    }

    void layoutIsRemembered() {
        m_window->applyBatch(fleet());
        m_window->agentView()->setColumnWidth(AgentTableModel::OriginColumn, 321);
        m_window->timelinePane()->setWindowSpan(15 * 60'000);
        m_window->close();
        m_testers.clear();
        m_window = std::make_unique<MainWindow>();
        QCOMPARE(m_window->agentView()->columnWidth(AgentTableModel::OriginColumn), 321);
        QCOMPARE(m_window->timelinePane()->windowSpan(), 15 * 60'000);
    }

    // A layout saved with other columns is left alone rather than put on the wrong ones.
    void layoutOfOtherColumnsIsIgnored() {
        m_window->agentView()->setColumnWidth(AgentTableModel::OriginColumn, 321);
        m_window->saveSettings();
        QSettings().setValue(QStringLiteral("mainWindow/agentColumnCount"), int(AgentTableModel::ColumnCount) - 3);
        m_testers.clear();
        m_window = std::make_unique<MainWindow>();
        QVERIFY(m_window->agentView()->columnWidth(AgentTableModel::OriginColumn) != 321);
    }

    // The counts of agents in trouble reach a minimised console through its title.
    void windowTitleCarriesTheCountsOfAgentsInTrouble() {
        m_window->applyBatch(fleet());
        const QString title = m_window->windowTitle();
        for (const char *part : {"1 stalled", "1 gave up", "1 recovering", "6 agents", "varta-watch"})
            QVERIFY2(title.contains(QLatin1String(part)), qPrintable(title));
        QVERIFY2(!title.contains(QLatin1String("paused")) && !title.contains(QLatin1String("degraded")),
                 qPrintable(title));
        QCOMPARE(m_window->notifier()->worstState(), AgentState::GaveUp);
        QVERIFY(m_window->notifier()->trayToolTip().contains(QLatin1String("1 stalled")));
        m_window->notifier()->titleCountsAction()->setChecked(false);
        QCOMPARE(m_window->windowTitle(), QStringLiteral("varta-watch"));
        QCOMPARE(QSettings().value(QStringLiteral("notify/titleCounts")).toBool(), false);
    }

    // Offscreen there is no tray: the choice is offered greyed out, and nothing is shown.
    void theTrayIsOfferedOnlyWhereThereIsOne() {
        QVERIFY(!QSystemTrayIcon::isSystemTrayAvailable());
        QVERIFY(!m_window->notifier()->trayAction()->isEnabled());
        QVERIFY(!m_window->notifier()->trayShown());
    }

    // Three stalls at once are one notification; what follows within the hold waits for
    // its end and goes out as one more, grouped by kind.
    void stallsAreNotifiedGroupedAndHeld() {
        std::int64_t clockMs = 50'000;
        m_window->notifier()->setClock([&] { return clockMs; });
        QSignalSpy notified(m_window->notifier(), &ui::FleetNotifier::notified);
        EngineBatch first = fleet();
        for (std::uint32_t pid : {100u, 122u, 144u})
            first.transitions.append(StateTransition{udpKey(pid), kNow, AgentState::Up, AgentState::Stalled});
        m_window->applyBatch(first);
        QCOMPARE(notified.count(), 1);
        QCOMPARE(notified.at(0).at(0).toString(), QStringLiteral("3 agents stalled"));
        const QString body = notified.at(0).at(1).toString();
        QVERIFY2(body.contains(QLatin1String("pid 100 (udp:10.0.0.7)")) && !body.contains(QLatin1String("more")),
                 qPrintable(body));

        EngineBatch next;
        next.stats = first.stats;
        for (std::uint32_t pid = 200; pid < 210; ++pid)
            next.transitions.append(StateTransition{udpKey(pid), kNow, AgentState::Up, AgentState::Stalled});
        next.transitions.append(StateTransition{AgentKey::local(7), kNow, AgentState::Stalled, AgentState::Exited});
        next.transitions.append(StateTransition{udpKey(111), kNow, AgentState::Stalled, AgentState::Stalled});
        // Its recovery child ended: stalled still, not a new stall.
        next.transitions.append(StateTransition{udpKey(100), kNow, AgentState::Recovering, AgentState::Stalled});
        m_window->applyBatch(next);
        QCOMPARE(notified.count(), 1);  // within the hold
        clockMs += ui::AlertDigest::kHoldMs;
        m_window->notifier()->tick();
        QCOMPARE(notified.count(), 2);
        QCOMPARE(notified.at(1).at(0).toString(), QStringLiteral("10 agents stalled, 1 agent exited"));
        QVERIFY2(notified.at(1).at(1).toString().contains(QLatin1String("and 7 more")),
                 qPrintable(notified.at(1).at(1).toString()));
    }

    void notificationsSwitchedOffSendNothingLater() {
        QSignalSpy notified(m_window->notifier(), &ui::FleetNotifier::notified);
        m_window->notifier()->notificationsAction()->setChecked(false);
        EngineBatch batch = fleet();
        batch.transitions.append(StateTransition{udpKey(111), kNow, AgentState::Recovering, AgentState::GaveUp});
        m_window->applyBatch(batch);
        m_window->notifier()->notificationsAction()->setChecked(true);
        m_window->notifier()->tick();
        QCOMPARE(notified.count(), 0);  // nothing piled up while they were off
        QCOMPARE(QSettings().value(QStringLiteral("notify/desktop")).toBool(), true);
    }

    // Tab leaves a table, and every pane is reached in turn, the timeline, output and the
    // agent's details too.
    void tabVisitsEveryPaneInTurn() {
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        m_window->agentView()->setFocus();
        const QList<QWidget *> expected = {m_window->timelinePane()->windowCombo(),
                                           m_window->timelinePane()->view(),
                                           m_window->childrenView(),
                                           m_window->outputView()->focusProxy(),
                                           m_window->eventSearchEdit(),
                                           m_window->eventSeverityCombo(),
                                           m_window->eventCategoryCombo(),
                                           m_window->eventLogView(),
                                           m_window->detailsPane()->tabs()->tabBar()};
        for (QWidget *next : expected) {
            QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
            QCOMPARE(QApplication::focusWidget(), next);
        }
    }

    void f6CyclesThePanesBothWays() {
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        m_window->agentView()->setFocus();
        const QList<QWidget *> cycle = {m_window->timelinePane()->view(),          m_window->childrenView(),
                                        m_window->outputView()->focusProxy(),      m_window->eventLogView(),
                                        m_window->detailsPane()->tabs()->tabBar(), m_window->agentView()};
        for (QWidget *next : cycle) {
            QTest::keyClick(QApplication::focusWidget(), Qt::Key_F6);
            QCOMPARE(QApplication::focusWidget(), next);
        }
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_F6, Qt::ShiftModifier);
        QCOMPARE(QApplication::focusWidget(), m_window->detailsPane()->tabs()->tabBar());
    }

    // Alt and a letter reaches every menu item, and no two in one menu share it.
    void everyMenuItemHasItsOwnMnemonic() {
        const QString problem = menuMnemonicProblem(*m_window);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(m_window->menuBar()->actions().size() >= 4);  // File, Actions, View, Help
    }

    void outputLinesWrapWhenAskedAndTheChoiceIsKept() {
        QVERIFY(!m_window->outputView()->wrapsLines());
        m_window->outputView()->wrapAction()->setChecked(true);
        QVERIFY(m_window->outputView()->wrapsLines());
        m_testers.clear();
        m_window = std::make_unique<MainWindow>();
        QVERIFY(m_window->outputView()->wrapsLines());
        QVERIFY(m_window->outputView()->wrapAction()->isChecked());
    }

    void theTimelineAnswersTheKeyboard() {
        m_window->applyBatch(fleet());
        ui::StallTimelineView *timeline = m_window->timelinePane()->view();
        QCOMPARE(timeline->focusPolicy(), Qt::StrongFocus);
        const EngineMs span = timeline->windowSpan();
        const EngineMs end = timeline->visibleEnd();
        QTest::keyClick(timeline, Qt::Key_Left);
        QVERIFY(!timeline->isLive());
        QCOMPARE(timeline->visibleEnd(), end - span / 10);
        QTest::keyClick(timeline, Qt::Key_Plus);
        QCOMPARE(timeline->windowSpan(), static_cast<EngineMs>(double(span) * 0.8));
        QTest::keyClick(timeline, Qt::Key_Minus);
        QCOMPARE(timeline->windowSpan(), span);
        QTest::keyClick(timeline, Qt::Key_End);
        QVERIFY(timeline->isLive());
    }

    // Widths saved in another language are widened to what this one's texts need; in the
    // same language the operator's own widths stand.
    void widthsSavedInAnotherLanguageDoNotClipThisOne() {
        const int natural = m_window->agentView()->columnWidth(AgentTableModel::StateColumn);
        m_window->agentView()->setColumnWidth(AgentTableModel::StateColumn, 40);
        m_window->saveSettings();
        {
            MainWindow same;
            QCOMPARE(same.agentView()->columnWidth(AgentTableModel::StateColumn), 40);
        }
        QSettings().setValue(QStringLiteral("mainWindow/language"), QStringLiteral("xx_XX"));
        MainWindow other;
        QCOMPARE(other.agentView()->columnWidth(AgentTableModel::StateColumn), natural);
    }

    void rowsCarryTheirActionsAndTheShortcutsAreListed() {
        QVERIFY(m_window->agentView()->actions().contains(m_window->actions()->recoverNowAction()));
        QVERIFY(m_window->agentView()->actions().contains(m_window->actions()->rearmAction()));
        QVERIFY(m_window->childrenView()->actions().contains(m_window->actions()->killChildAction()));
        QStringList keys;
        for (const auto &row : ui::keyboardShortcuts(*m_window))
            keys << row.first + QLatin1Char('=') + row.second;
        const QString all = keys.join(QLatin1Char('\n'));
        for (const char *line : {"F6=View: Next pane", "Ctrl+R=Actions: Recover now", "Ctrl+F=View: Find", "F1="})
            QVERIFY2(all.contains(QLatin1String(line)), qPrintable(all));
    }

private:
    void selectAgents(const QList<AgentKey> &keys) {
        QTableView *view = m_window->agentView();
        view->clearSelection();
        for (int row = 0; row < view->model()->rowCount(); ++row)
            if (keys.contains(m_window->agentProxy()->keyAt(row)))
                view->selectionModel()->select(view->model()->index(row, 0),
                                               QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
    void selectAgent(const AgentKey &key) {
        QTableView *view = m_window->agentView();
        for (int row = 0; row < view->model()->rowCount(); ++row)
            if (m_window->agentProxy()->keyAt(row) == key) {
                QTest::mouseClick(view->viewport(), Qt::LeftButton, {},
                                  view->visualRect(view->model()->index(row, 0)).center());
                break;
            }
        const QModelIndexList selected = view->selectionModel()->selectedRows();
        QCOMPARE(selected.size(), 1);
        QCOMPARE(m_window->agentProxy()->keyAt(selected[0].row()), key);
    }
    QToolButton *toolButtonFor(QAction *action) const {
        for (QToolBar *bar : m_window->findChildren<QToolBar *>())
            if (auto *button = qobject_cast<QToolButton *>(bar->widgetForAction(action)))
                return button;
        return nullptr;
    }

    std::unique_ptr<MainWindow> m_window;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
