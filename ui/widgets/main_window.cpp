#include "ui/widgets/main_window.h"

#include "ui/models/agent_filter_proxy.h"
#include "ui/models/agent_table_model.h"
#include "ui/models/child_output_store.h"
#include "ui/models/children_model.h"
#include "ui/models/event_log_filter.h"
#include "ui/models/event_log_model.h"
#include "ui/style/resources_init.h"
#include "ui/style/state_style.h"
#include "ui/widgets/agent_actions.h"
#include "ui/widgets/agent_details_pane.h"
#include "ui/widgets/agent_table_view.h"
#include "ui/widgets/child_output_view.h"
#include "ui/widgets/fleet_notifier.h"
#include "ui/widgets/incident_window.h"
#include "ui/widgets/keyboard_help.h"
#include "ui/widgets/state_filter_button.h"
#include "ui/widgets/status_bar_panel.h"
#include "ui/widgets/table_export.h"
#include "ui/widgets/table_setup.h"
#include "ui/widgets/timeline/fleet_band.h"
#include "ui/widgets/timeline/stall_timeline_view.h"
#include "ui/widgets/timeline/timeline_pane.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDockWidget>
#include <QFileDialog>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include <utility>

#include <malloc.h>

namespace varta::ui {

namespace {
constexpr int kTickMs = 1000;
// How long a confirmation or an operator command's outcome stays in the status bar.
constexpr int kStatusMessageMs = 10000;
// A confirmation in the status bar names this many agents and counts the rest.
constexpr qsizetype kNamedInStatus = 3;
// The details pane's first width: the tables keep two thirds of a 1024-pixel window.
constexpr int kDetailsWidthPx = 340;
}  // namespace

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent) {
    initUiResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/varta-watch.svg")));
    resize(1280, 800);
    createModels();
    m_notifier = new FleetNotifier(
        this,
        [this](const AgentKey &key) {
            const int row = m_agents->rowOf(key);
            return row >= 0 ? AgentTableModel::agentLabel(m_agents->snapshot(row)) : AgentTableModel::agentLabel(key);
        },
        this);
    m_actions = new AgentActions(this);
    createCentral();
    createToolBar();
    createEventDock();
    createDetailsDock();
    createMenus();
    m_statusPanel = new StatusBarPanel(this);
    statusBar()->addWidget(m_statusPanel, 1);
    setUpKeyboard();
    connectActions();
    connect(m_statusPanel, &StatusBarPanel::stateClicked, this, &MainWindow::showOnlyState);
    connect(m_timelinePane->band(), &FleetBand::stateClicked, this, &MainWindow::showOnlyState);
    updateShownCount();
    restoreSettings();
    // Shown by setObserver() only: a console with its own engine has one observer.
    m_agentView->setColumnHidden(AgentTableModel::ObserverColumn, true);
    m_tick.setInterval(kTickMs);
    connect(&m_tick, &QTimer::timeout, this, &MainWindow::onTick);
    m_tick.start();
}

void MainWindow::createModels() {
    m_agents = new AgentTableModel(this);
    m_agentProxy = new AgentFilterProxy(this);
    m_agentProxy->setSourceModel(m_agents);
    m_children = new ChildrenModel(this);
    m_childrenProxy = new QSortFilterProxyModel(this);
    m_childrenProxy->setSourceModel(m_children);
    m_childrenProxy->setSortRole(ChildrenModel::SortRole);
    m_events = new EventLogModel(this);
    m_eventFilter = new EventLogFilter(this);
    m_eventFilter->setSourceModel(m_events);
    m_output = new ChildOutputStore(this);
    connect(m_children, &ChildrenModel::childrenDropped, m_output, &ChildOutputStore::remove);
}

void MainWindow::createCentral() {
    m_agentView = new AgentTableView(this);
    m_agentView->setObjectName(QStringLiteral("agentTable"));
    m_agentView->setModel(m_agentProxy);
    configureAgentView();

    m_timelinePane = new TimelinePane(this);
    m_timelinePane->view()->setSources(&m_timeline, m_children);
    m_timelinePane->band()->setHistory(&m_fleet);

    m_childrenView = new QTableView(this);
    m_childrenView->setObjectName(QStringLiteral("childrenTable"));
    m_childrenView->setModel(m_childrenProxy);
    configureChildrenView();
    m_outputView = new ChildOutputView(this);
    m_outputView->setObjectName(QStringLiteral("childOutput"));
    m_outputView->setStore(m_output);

    auto *childrenPane = new QWidget(this);
    auto *childrenLayout = new QVBoxLayout(childrenPane);
    childrenLayout->setContentsMargins(0, 0, 0, 0);
    childrenLayout->setSpacing(2);
    childrenLayout->addWidget(new QLabel(tr("<b>Recovery children</b>"), childrenPane));
    childrenLayout->addWidget(m_childrenView, 1);

    m_bottomSplitter = new QSplitter(Qt::Horizontal, this);
    m_bottomSplitter->setObjectName(QStringLiteral("bottomSplitter"));
    m_bottomSplitter->addWidget(childrenPane);
    m_bottomSplitter->addWidget(m_outputView);
    m_bottomSplitter->setStretchFactor(0, 3);
    m_bottomSplitter->setStretchFactor(1, 2);

    m_mainSplitter = new QSplitter(Qt::Vertical, this);
    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_mainSplitter->addWidget(m_agentView);
    m_mainSplitter->addWidget(m_timelinePane);
    m_mainSplitter->addWidget(m_bottomSplitter);
    m_mainSplitter->setChildrenCollapsible(false);
    m_mainSplitter->setSizes({300, 300, 180});
    setCentralWidget(m_mainSplitter);
}

void MainWindow::configureAgentView() {
    // The command line is the last column and the widest value: it takes what is left.
    TableSetup::configure(m_agentView, true);
    m_agentView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    TableSetup::setColumnWidths(m_agentView, {8, 16, 22, 13, 12, 11, 12, 8, 10, 10, 14, 12, 10, 30});
    QStringList stateNames;
    for (int i = 0; i < kAgentStateCount; ++i) {
        const auto state = static_cast<AgentState>(i);
        stateNames << StateStyle::nameWithLiveness(state, false)
                   << StateStyle::nameWithLiveness(state, true) + QStringLiteral(" 59 min 59 s");
    }
    TableSetup::fitColumnToTexts(m_agentView, AgentTableModel::StateColumn, stateNames);
    m_agentView->setSortingEnabled(true);
    m_agentView->sortByColumn(AgentTableModel::StateColumn, Qt::DescendingOrder);
    connect(m_agentView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::onAgentSelectionChanged);
    // Moving with Ctrl and the arrows changes the current row alone.
    connect(m_agentView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::refreshDetailsSelection);
    // Sorting and filtering change which rows are "the top of the table".
    connect(m_agentProxy, &QAbstractItemModel::layoutChanged, this, &MainWindow::updateLanes);
    connect(m_agentProxy, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateLanes);
    connect(m_agentProxy, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateLanes);
    for (const auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_agentProxy, signal, this, &MainWindow::updateShownCount);
    connect(m_agentProxy, &QAbstractItemModel::modelReset, this, &MainWindow::updateShownCount);
    connect(m_agentProxy, &QAbstractItemModel::layoutChanged, this, &MainWindow::updateShownCount);
}

void MainWindow::configureChildrenView() {
    TableSetup::configure(m_childrenView, true);
    m_childrenView->setSelectionMode(QAbstractItemView::SingleSelection);
    TableSetup::setColumnWidths(m_childrenView, {16, 8, 18, 9, 8, 17, 10, 9});
    ChildInfo sample;
    QStringList stateTexts;
    for (ChildState state : {ChildState::Running, ChildState::Exited, ChildState::Killed, ChildState::TimedOut,
                             ChildState::FailedToStart}) {
        sample.state = state;
        sample.exitCode = 255;
        sample.signal = 15;
        stateTexts << ChildrenModel::stateText(sample);
    }
    TableSetup::fitColumnToTexts(m_childrenView, ChildrenModel::StateColumn, stateTexts);
    m_childrenView->setSortingEnabled(true);
    m_childrenView->sortByColumn(ChildrenModel::StartedColumn, Qt::DescendingOrder);
    connect(m_childrenView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::onChildSelectionChanged);
}

void MainWindow::createToolBar() {
    QToolBar *bar = addToolBar(tr("Actions"));
    bar->setObjectName(QStringLiteral("actionsToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_actions->recoverNowAction());
    bar->addAction(m_actions->killChildAction());
    bar->addSeparator();
    bar->addAction(m_actions->pauseAction());
    bar->addAction(m_actions->resumeAction());
    bar->addAction(m_actions->rearmAction());
    bar->addSeparator();

    m_filter = new QLineEdit(bar);
    m_filter->setObjectName(QStringLiteral("agentFilter"));
    m_filter->setPlaceholderText(tr("Filter by pid, name, command, user or origin"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMaximumWidth(260);
    bar->addWidget(m_filter);

    m_stateFilter = new StateFilterButton(bar);
    m_stateFilter->setObjectName(QStringLiteral("stateFilter"));
    bar->addWidget(m_stateFilter);
    m_shownCount = new QLabel(bar);
    m_shownCount->setObjectName(QStringLiteral("shownCount"));
    m_shownCount->setContentsMargins(6, 0, 6, 0);
    bar->addWidget(m_shownCount);

    connect(m_filter, &QLineEdit::textChanged, m_agentProxy, &AgentFilterProxy::setTextFilter);
    connect(m_stateFilter, &StateFilterButton::maskChanged, m_agentProxy, &AgentFilterProxy::setStateFilter);
    // The filter's changes move rows in or out, which updates the count; a text that
    // changes nothing still changes what an empty table should say.
    connect(m_filter, &QLineEdit::textChanged, this, &MainWindow::updateShownCount);
    connect(m_stateFilter, &StateFilterButton::maskChanged, this, &MainWindow::updateShownCount);
}

void MainWindow::createEventDock() {
    m_eventView = new QTableView(this);
    m_eventView->setObjectName(QStringLiteral("eventLog"));
    m_eventView->setModel(m_eventFilter);
    TableSetup::configure(m_eventView, true);
    TableSetup::setColumnWidths(m_eventView, {13, 10, 11, 28, 40});
    QStringList severities;
    for (EventSeverity severity : {EventSeverity::Info, EventSeverity::Warning, EventSeverity::Error})
        severities << StateStyle::severityName(severity);
    TableSetup::fitColumnToTexts(m_eventView, EventLogModel::SeverityColumn, severities);
    QStringList categories;
    for (int category = 0; category < kEventCategoryCount; ++category)
        categories << EventLogModel::categoryName(static_cast<EventCategory>(category));
    TableSetup::fitColumnToTexts(m_eventView, EventLogModel::CategoryColumn, categories);
    connect(m_eventView, &QTableView::clicked, this, &MainWindow::onEventActivated);
    connect(m_eventView, &QTableView::activated, this, &MainWindow::onEventActivated);

    auto *pane = new QWidget(this);
    m_eventSearch = new QLineEdit(pane);
    m_eventSearch->setObjectName(QStringLiteral("eventSearch"));
    m_eventSearch->setPlaceholderText(tr("Search events"));
    m_eventSearch->setClearButtonEnabled(true);
    m_eventSeverity = new QComboBox(pane);
    m_eventSeverity->setObjectName(QStringLiteral("eventSeverity"));
    m_eventSeverity->addItem(tr("All severities"), int(EventSeverity::Info));
    m_eventSeverity->addItem(tr("Warnings and errors"), int(EventSeverity::Warning));
    m_eventSeverity->addItem(tr("Errors"), int(EventSeverity::Error));
    m_eventCategory = new QComboBox(pane);
    m_eventCategory->setObjectName(QStringLiteral("eventCategory"));
    m_eventCategory->addItem(tr("All categories"), -1);
    for (int category = 0; category < kEventCategoryCount; ++category)
        m_eventCategory->addItem(EventLogModel::categoryName(static_cast<EventCategory>(category)), category);
    connect(m_eventSearch, &QLineEdit::textChanged, m_eventFilter, &EventLogFilter::setText);
    connect(m_eventSeverity, &QComboBox::currentIndexChanged, this, [this] {
        m_eventFilter->setMinimumSeverity(static_cast<EventSeverity>(m_eventSeverity->currentData().toInt()));
    });
    connect(m_eventCategory, &QComboBox::currentIndexChanged, this, [this] {
        const int category = m_eventCategory->currentData().toInt();
        m_eventFilter->setCategory(category < 0 ? std::nullopt : std::optional(static_cast<EventCategory>(category)));
    });
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_eventSearch, 1);
    bar->addWidget(m_eventSeverity);
    bar->addWidget(m_eventCategory);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(bar);
    layout->addWidget(m_eventView, 1);

    m_eventDock = new QDockWidget(tr("Event log"), this);
    m_eventDock->setObjectName(QStringLiteral("eventLogDock"));
    m_eventDock->setWidget(pane);
    addDockWidget(Qt::BottomDockWidgetArea, m_eventDock);
    resizeDocks({m_eventDock}, {160}, Qt::Vertical);
}

// Docked right of the tables and shown: selecting an agent is asking about it, and the
// answer belongs beside its row, not behind a menu. The event log keeps the whole width
// below; the tables scroll sideways as they always did. Ctrl+D hides it, and where it is
// and whether it is shown are part of the saved layout.
void MainWindow::createDetailsDock() {
    m_details = new AgentDetailsPane(this);
    m_details->setObjectName(QStringLiteral("agentDetails"));
    m_details->setSources(m_agents, m_children, m_events, m_output, &m_timeline);
    m_detailsDock = new QDockWidget(tr("Agent details"), this);
    m_detailsDock->setObjectName(QStringLiteral("agentDetailsDock"));
    m_detailsDock->setWidget(m_details);
    addDockWidget(Qt::RightDockWidgetArea, m_detailsDock);
    resizeDocks({m_detailsDock}, {kDetailsWidthPx}, Qt::Horizontal);
    QAction *toggle = m_detailsDock->toggleViewAction();
    toggle->setText(tr("&Agent details"));
    toggle->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    toggle->setToolTip(tr("Show or hide the details of the selected agent"));

    // Its lane shows the time the main timeline shows.
    StallTimelineView *timeline = m_timelinePane->view();
    connect(timeline, &StallTimelineView::viewChanged, this,
            [this] { m_details->timeline()->followView(*m_timelinePane->view()); });
    m_details->timeline()->followView(*timeline);
    // One choice of wrapping for both output views.
    QAction *wrap = m_details->outputView()->wrapAction();
    connect(m_outputView->wrapAction(), &QAction::toggled, wrap, &QAction::setChecked);
    connect(wrap, &QAction::toggled, m_outputView->wrapAction(), &QAction::setChecked);
}

void MainWindow::createMenus() {
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *openFiles = file->addAction(tr("&Open event file…"), this, [this] {
        const QStringList paths = QFileDialog::getOpenFileNames(
            this, tr("Open an event file and its audit log"), QString(),
            tr("Event files and audit logs (*.tsv *.tsv.* *.log *.log.*);;All files (*)"));
        if (!paths.isEmpty())
            openIncident(paths);
    });
    openFiles->setShortcut(QKeySequence::Open);
    openFiles->setToolTip(tr("A read-only post-mortem of an event file (with its rotated generations) and, "
                             "optionally, its audit log"));
    m_connectObserver = file->addAction(tr("&Connect to observer…"));
    m_connectObserver->setEnabled(false);
    m_connectObserver->setToolTip(tr("Watch an observer on another host, or on this one through its control "
                                     "socket (a console started with --attach)"));
    file->addSeparator();
    // What is exported is what is shown: the selected rows, or all the filter shows.
    file->addAction(tr("Export &agents…"), this, [this] {
        TableExport::saveAs(this, tr("Export agents"), QStringLiteral("agents.tsv"), TableExport::tsv(*m_agentView));
    });
    file->addAction(tr("Export &events…"), this, [this] {
        TableExport::saveAs(this, tr("Export events"), QStringLiteral("events-log.tsv"),
                            TableExport::tsv(*m_eventView));
    });
    QAction *exportOutput = file->addAction(tr("Export child out&put…"), this, [this] {
        if (const std::optional<ChildInfo> child = selectedChild())
            TableExport::saveAs(this, tr("Export child output"), QStringLiteral("child-%1-output.txt").arg(child->id),
                                m_outputView->text());
    });
    exportOutput->setToolTip(tr("The selected recovery child's output as shown"));
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    QMenu *actions = menuBar()->addMenu(tr("&Actions"));
    actions->addActions({m_actions->recoverNowAction(), m_actions->killChildAction(), m_actions->pauseAction(),
                         m_actions->resumeAction(), m_actions->rearmAction()});
    actions->addSeparator();
    actions->addAction(m_actions->askBeforeRecoverAction());
    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_eventDock->toggleViewAction());
    view->addAction(m_detailsDock->toggleViewAction());
    // One Ctrl+F: it searches the pane the focus is in (two would be an ambiguous shortcut).
    QAction *focusFilter = view->addAction(tr("&Find"), this, [this] {
        QLineEdit *target = m_eventDock->isAncestorOf(QApplication::focusWidget()) ? m_eventSearch : m_filter;
        target->setFocus(Qt::ShortcutFocusReason);
        target->selectAll();
    });
    focusFilter->setShortcut(QKeySequence::Find);
    focusFilter->setToolTip(tr("Search the event log when it has the focus, otherwise filter the agents"));
    QAction *searchEvents = view->addAction(tr("&Search events"), this, [this] {
        m_eventDock->show();
        m_eventSearch->setFocus(Qt::ShortcutFocusReason);
        m_eventSearch->selectAll();
    });
    searchEvents->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    view->addSeparator();
    QAction *nextPane = view->addAction(tr("Ne&xt pane"), this, [this] { focusPane(+1); });
    nextPane->setShortcut(QKeySequence(Qt::Key_F6));
    QAction *previousPane = view->addAction(tr("Pre&vious pane"), this, [this] { focusPane(-1); });
    previousPane->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F6));
    view->addSeparator();
    view->addAction(m_outputView->wrapAction());
    view->addSeparator();
    view->addActions({m_notifier->titleCountsAction(), m_notifier->trayAction(), m_notifier->notificationsAction()});

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *keys = help->addAction(tr("&Keyboard shortcuts"), this, [this] { showKeyboardHelp(this); });
    keys->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("&About varta-watch"), this, [this] {
        QMessageBox::about(this, tr("About varta-watch"),
                           tr("<b>varta-watch %1</b><p>Watches Varta heartbeats, declares silent agents stalled "
                              "and runs their recovery command.</p>")
                               .arg(QCoreApplication::applicationVersion()));
    });
}

QList<QWidget *> MainWindow::panes() const {
    return {m_agentView, m_timelinePane->view(), m_childrenView, m_outputView, m_eventView, m_details};
}

void MainWindow::focusPane(int step) {
    const QList<QWidget *> order = panes();
    const QWidget *focus = QApplication::focusWidget();
    qsizetype current = -1;
    for (qsizetype i = 0; i < order.size(); ++i)
        if (focus && (order[i] == focus || order[i]->isAncestorOf(focus) || order[i]->focusProxy() == focus))
            current = i;
    const qsizetype n = order.size();
    const qsizetype next = current < 0 ? (step > 0 ? 0 : n - 1) : ((current + step) % n + n) % n;
    if (order[next] == m_eventView)
        m_eventDock->show();
    if (order[next] == m_details)
        m_detailsDock->show();
    order[next]->setFocus(Qt::OtherFocusReason);
}

void MainWindow::setUpKeyboard() {
    // Tab leaves a table (arrows move inside it), so every pane is reachable in turn.
    for (QTableView *table : {static_cast<QTableView *>(m_agentView), m_childrenView, m_eventView})
        table->setTabKeyNavigation(false);
    QList<QWidget *> order = {m_filter,
                              m_stateFilter,
                              m_agentView,
                              m_timelinePane->windowCombo(),
                              m_timelinePane->view(),
                              m_childrenView,
                              m_outputView->focusProxy(),
                              m_eventSearch,
                              m_eventSeverity,
                              m_eventCategory,
                              m_eventView};
    order += m_details->tabOrder();
    for (int i = 0; i < kAgentStateCount; ++i)
        order.append(m_statusPanel->stateButton(static_cast<AgentState>(i)));
    for (qsizetype i = 1; i < order.size(); ++i)
        QWidget::setTabOrder(order[i - 1], order[i]);
    m_eventDock->toggleViewAction()->setText(tr("&Event log"));

    // What the toolbar does, where the rows are.
    m_agentView->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto *copyAgents = new QAction(tr("&Copy agents"), m_agentView);
    connect(copyAgents, &QAction::triggered, this, [this] {
        QGuiApplication::clipboard()->setText(
            AgentTableModel::agentLabels(m_selectedKeys, m_selectedKeys.size()).join(QLatin1Char('\n')));
    });
    auto *agentSeparator = new QAction(m_agentView);
    agentSeparator->setSeparator(true);
    m_agentView->addActions({m_actions->recoverNowAction(), m_actions->pauseAction(), m_actions->resumeAction(),
                             m_actions->rearmAction(), agentSeparator, copyAgents});
    m_childrenView->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto *copyCommand = new QAction(tr("Copy the &command"), m_childrenView);
    connect(copyCommand, &QAction::triggered, this, [this] {
        if (const std::optional<ChildInfo> child = selectedChild())
            QGuiApplication::clipboard()->setText(ChildrenModel::commandText(*child));
    });
    auto *copyOutput = new QAction(tr("Copy its &output"), m_childrenView);
    connect(copyOutput, &QAction::triggered, this,
            [this] { QGuiApplication::clipboard()->setText(m_outputView->text()); });
    m_childrenView->addActions({m_actions->killChildAction(), copyCommand, copyOutput});
    // Rows as tab-separated text, for a ticket or a spreadsheet.
    auto *copyAgentRows = new QAction(tr("Copy &rows"), m_agentView);
    connect(copyAgentRows, &QAction::triggered, this,
            [this] { QGuiApplication::clipboard()->setText(TableExport::tsv(*m_agentView)); });
    m_agentView->addAction(copyAgentRows);
    m_eventView->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto *copyEvents = new QAction(tr("&Copy events"), m_eventView);
    copyEvents->setShortcut(QKeySequence::Copy);
    copyEvents->setShortcutContext(Qt::WidgetShortcut);
    connect(copyEvents, &QAction::triggered, this,
            [this] { QGuiApplication::clipboard()->setText(TableExport::tsv(*m_eventView)); });
    m_eventView->addAction(copyEvents);
}

void MainWindow::connectActions() {
    connect(m_actions, &AgentActions::recoverNowRequested, this, &MainWindow::recoverNowRequested);
    connect(m_actions, &AgentActions::killChildRequested, this, &MainWindow::killChildRequested);
    connect(m_actions, &AgentActions::pauseRequested, this, &MainWindow::pauseRequested);
    connect(m_actions, &AgentActions::resumeRequested, this, &MainWindow::resumeRequested);
    connect(m_actions, &AgentActions::rearmRequested, this, &MainWindow::rearmRequested);
    // Said at once; what the engine made of it follows as an operator event.
    connect(m_actions, &AgentActions::recoverNowRequested, this,
            [this](const QList<AgentKey> &agents) { confirmRequest(tr("Recover now"), agents); });
    connect(m_actions, &AgentActions::pauseRequested, this,
            [this](const QList<AgentKey> &agents) { confirmRequest(tr("Pause"), agents); });
    connect(m_actions, &AgentActions::resumeRequested, this,
            [this](const QList<AgentKey> &agents) { confirmRequest(tr("Resume"), agents); });
    connect(m_actions, &AgentActions::rearmRequested, this,
            [this](const QList<AgentKey> &agents) { confirmRequest(tr("Re-arm"), agents); });
    connect(m_actions, &AgentActions::killChildRequested, this, [this](std::uint64_t childId) {
        statusBar()->showMessage(tr("Kill child: asked for child %1").arg(childId), kStatusMessageMs);
    });
}

void MainWindow::confirmRequest(const QString &what, const QList<AgentKey> &agents) {
    statusBar()->showMessage(
        tr("%1: asked for %2")
            .arg(what, AgentTableModel::agentLabels(agents, kNamedInStatus).join(QStringLiteral(", "))),
        kStatusMessageMs);
}

void MainWindow::showOperatorOutcomes(const QList<EventLogEntry> &events) {
    for (auto it = events.crbegin(); it != events.crend(); ++it) {
        if (it->kind == EventKind::Operator) {
            statusBar()->showMessage(it->text, kStatusMessageMs);
            return;
        }
    }
}

void MainWindow::onEventActivated(const QModelIndex &index) {
    if (!index.isValid())
        return;
    const EventLogEntry &entry = m_events->entry(m_eventFilter->mapToSource(index).row());
    if (!entry.agent)
        return;
    const QString label = AgentTableModel::agentLabel(*entry.agent);
    const int row = m_agents->rowOf(*entry.agent);
    if (row < 0) {
        statusBar()->showMessage(tr("%1 is no longer in the agents table").arg(label), kStatusMessageMs);
        return;
    }
    const QModelIndex shown = m_agentProxy->mapFromSource(m_agents->index(row, 0));
    if (!shown.isValid()) {
        // Never select what the operator cannot see: an action would act on it unseen.
        statusBar()->showMessage(tr("%1 is hidden by the agents filter").arg(label), kStatusMessageMs);
        return;
    }
    m_agentView->selectionModel()->select(shown, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_agentView->scrollTo(shown);
}

void MainWindow::setObserver(std::uint16_t observer, const QString &name, std::optional<EngineMs> unknownSinceMs) {
    m_agents->setObserver(observer, name, unknownSinceMs);
    QHeaderView *header = m_agentView->horizontalHeader();
    if (header->isSectionHidden(AgentTableModel::ObserverColumn)) {
        m_agentView->setColumnHidden(AgentTableModel::ObserverColumn, false);
        header->moveSection(header->visualIndex(AgentTableModel::ObserverColumn), 0);
    }
}

void MainWindow::setObserverStatus(const QString &text, bool trouble) {
    m_statusPanel->setObserverStatus(text, trouble);
}

void MainWindow::applyBatch(const EngineBatch &batch) {
    const EngineStats &stats = batch.stats;
    m_lastNowMs = std::max(m_lastNowMs, stats.nowMs);
    m_sinceBatch.start();
    const std::int64_t wallOffset = m_wallOffsetMs.value_or(QDateTime::currentMSecsSinceEpoch() - stats.nowMs);
    m_agents->setWallOffset(wallOffset);
    m_children->setWallOffset(wallOffset);
    m_events->setWallOffset(wallOffset);
    m_timelinePane->view()->setWallOffset(wallOffset);
    m_details->setWallOffset(wallOffset);

    const QList<Continuation> continuations = continuationsIn(batch.agents);
    m_agents->applyBatch(batch);
    applyContinuations(continuations);
    m_timeline.remove(batch.removed);
    m_timeline.append(continuations.isEmpty() ? batch.transitions : continuedTransitions(batch, continuations));

    if (!batch.children.isEmpty()) {
        QList<std::uint64_t> known;
        for (const ChildInfo &c : batch.children)
            if (m_children->rowOfChild(c.id) >= 0)
                known.append(c.id);
        m_children->applyChildren(batch.children, stats.nowMs);
        for (const ChildInfo &c : batch.children)
            m_outputView->updateChild(c);
        selectNewChildOfSelectedAgent(batch.children, known);
        m_actions->setSelectedChild(selectedChild());
    }
    m_output->remove(batch.forgottenChildren);  // the engine's history let them go
    m_output->append(batch.output);
    m_children->addRunningOutput(batch.output);
    m_trimDue = m_trimDue || !batch.output.isEmpty();

    QScrollBar *eventBar = m_eventView->verticalScrollBar();
    const bool followEvents = eventBar->value() == eventBar->maximum();
    m_events->appendEvents(batch.events);
    if (followEvents && !batch.events.isEmpty())
        m_eventView->scrollToBottom();
    showOperatorOutcomes(batch.events);

    m_statusPanel->applyStats(stats);
    if (!isReadOnly()) {  // a post-mortem's band shows the whole incident (setFleetHistory)
        m_fleet.append(stats);
        m_timelinePane->band()->historyChanged();
    }
    m_stateFilter->setCounts(stats.agentsByState);
    m_listeners = stats.listeners;
    updateShownCount();
    m_notifier->applyStats(stats);
    m_notifier->applyTransitions(batch.transitions);
    m_actions->setRecoveryConfigured(stats.recoveryConfigured);
    m_actions->setRecoveryTemplate(stats.recoveryTemplate);
    if (!m_selectedKeys.isEmpty())
        refreshSelectedAgents();
    updateLanes();
    m_timelinePane->view()->setNow(m_lastNowMs);
    refreshDetailsSelection();
    m_details->applyBatch(batch);
}

// Read before the table takes the old rows over: the lane of a restarted unit starts when
// its first pid was seen.
QList<MainWindow::Continuation> MainWindow::continuationsIn(const QList<AgentSnapshot> &agents) const {
    QList<Continuation> result;
    for (const AgentSnapshot &s : agents) {
        if (!s.continues || *s.continues == s.key)
            continue;
        const int row = m_agents->rowOf(*s.continues);
        result.append(
            {*s.continues, s.key, row >= 0 ? std::optional(m_agents->snapshot(row).firstSeenMs) : std::nullopt});
    }
    return result;
}

// The table keeps the old row (and so the view its selection) under the new key; the
// timeline and the selected keys follow it.
void MainWindow::applyContinuations(const QList<Continuation> &continuations) {
    for (const Continuation &c : continuations) {
        m_timeline.continueAs(c.from, c.to, c.fromFirstSeenMs);
        m_details->continueAs(c.from, c.to);
        if (const qsizetype i = m_selectedKeys.indexOf(c.from); i >= 0) {
            if (m_selectedKeys.contains(c.to))
                m_selectedKeys.removeAt(i);
            else
                m_selectedKeys[i] = c.to;
        }
    }
}

// The old pid's last transitions (to exited, to replaced) belong to the lane it handed on,
// not to a history of its own that nothing would show or remove.
QList<StateTransition> MainWindow::continuedTransitions(const EngineBatch &batch,
                                                        const QList<Continuation> &continuations) {
    QList<StateTransition> transitions = batch.transitions;
    for (StateTransition &t : transitions)
        for (const Continuation &c : continuations)
            if (t.key == c.from)
                t.key = c.to;
    return transitions;
}

void MainWindow::setFleetHistory(const std::vector<std::pair<EngineMs, FleetCounts>> &samples) {
    m_fleet.clear();
    for (const auto &[atMs, counts] : samples)
        m_fleet.append(atMs, counts);
    m_timelinePane->band()->historyChanged();
}

MainWindow *MainWindow::openIncident(const QStringList &paths) {
    QString error;
    std::unique_ptr<IncidentWindow> incident = IncidentWindow::open(paths, &error);
    if (!incident) {
        QMessageBox::warning(this, tr("Open event file"), error);
        return nullptr;
    }
    incident->setAttribute(Qt::WA_DeleteOnClose, true);
    incident->show();
    return incident.release();
}

void MainWindow::setReadOnly(std::int64_t wallOffsetMs, const QString &title) {
    m_wallOffsetMs = wallOffsetMs;
    setWindowTitle(title);
    m_tick.stop();
    m_actions->setReadOnly(true);
    m_notifier->setSilent();
}

void MainWindow::showAt(const EngineBatch &batch) {
    const QList<AgentKey> selected = m_selectedKeys;
    const QSignalBlocker blockSelection(m_agentView->selectionModel());
    m_agents->clear();
    m_children->clear();
    m_events->clear();
    m_timeline.clear();
    // The pane rebuilds only for another agent: forget the one shown, its rows are gone.
    m_details->setSelection({}, std::nullopt);
    m_lastNowMs = batch.stats.nowMs;
    applyBatch(batch);
    m_agents->setNow(batch.stats.nowMs);
    m_children->setNow(batch.stats.nowMs);
    m_timelinePane->view()->setNow(batch.stats.nowMs);
    QItemSelection shown;
    for (const AgentKey &key : selected)
        if (const int row = m_agents->rowOf(key); row >= 0)
            if (const QModelIndex index = m_agentProxy->mapFromSource(m_agents->index(row, 0)); index.isValid())
                shown.select(index, index);
    m_agentView->selectionModel()->select(shown, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    onAgentSelectionChanged();
}

EngineMs MainWindow::estimatedNow() const {
    if (isReadOnly())
        return m_lastNowMs;
    // Between batches the engine's clock keeps running at the same rate as ours.
    return m_sinceBatch.isValid() ? m_lastNowMs + m_sinceBatch.elapsed() : m_lastNowMs;
}

void MainWindow::onTick() {
    // Output chunks are allocated on the engine thread and freed on either: glibc keeps
    // what dropped output freed in the arenas, where new output reuses only part of it, so
    // the console's resident memory stayed 20-30 MiB above its bounds. Handed back once a
    // second while output arrives, not at all when none does.
    if (std::exchange(m_trimDue, false))
        ::malloc_trim(0);
    const EngineMs now = estimatedNow();
    m_agents->setNow(now);
    m_children->setNow(now);
    m_timelinePane->view()->setNow(now);
    m_details->setNow(now);
    m_notifier->tick();
}

void MainWindow::onAgentSelectionChanged() {
    m_selectedKeys.clear();
    const QModelIndexList rows = m_agentView->selectionModel()->selectedRows();
    m_selectedKeys.reserve(rows.size());
    for (const QModelIndex &index : rows)
        m_selectedKeys.append(m_agentProxy->keyAt(index.row()));
    refreshSelectedAgents();
    updateLanes();
    refreshDetailsSelection();
}

void MainWindow::refreshDetailsSelection() {
    if (!m_details)
        return;  // the table is set up before the pane
    const QModelIndex current = m_agentView->selectionModel()->currentIndex();
    m_details->setSelection(m_selectedKeys,
                            current.isValid() ? std::optional(m_agentProxy->keyAt(current.row())) : std::nullopt);
}

void MainWindow::refreshSelectedAgents() {
    QList<AgentActions::SelectedAgent> selected;
    selected.reserve(m_selectedKeys.size());
    for (const AgentKey &key : std::as_const(m_selectedKeys))
        if (const int row = m_agents->rowOf(key); row >= 0) {
            const AgentSnapshot &snapshot = m_agents->snapshot(row);
            selected.append({key, snapshot.state, AgentTableModel::agentLabel(snapshot), snapshot.identity});
        }
    m_actions->setSelectedAgents(selected);
}

std::optional<ChildInfo> MainWindow::selectedChild() const {
    const QModelIndexList rows = m_childrenView->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return std::nullopt;
    return m_children->childById(rows.front().data(ChildrenModel::ChildIdRole).toULongLong());
}

void MainWindow::onChildSelectionChanged() {
    const std::optional<ChildInfo> child = selectedChild();
    m_outputView->showChild(child);
    m_actions->setSelectedChild(child);
    if (child && child->bytesKept > 0 && m_output->bytes(child->id) == 0)
        Q_EMIT outputWanted(child->id);
}

// After Recover now the operator wants to see the child it started: select a new child
// of a selected agent, unless the operator already picked a child to look at.
void MainWindow::selectNewChildOfSelectedAgent(const QList<ChildInfo> &changed,
                                               const QList<std::uint64_t> &knownBefore) {
    if (m_childrenView->selectionModel()->hasSelection())
        return;
    for (auto it = changed.crbegin(); it != changed.crend(); ++it) {
        // With agents selected, follow their new children; with none, follow the newest.
        if (knownBefore.contains(it->id) || (!m_selectedKeys.isEmpty() && !m_selectedKeys.contains(it->agent)))
            continue;
        const int row = m_children->rowOfChild(it->id);
        if (row < 0)
            continue;
        const QModelIndex index = m_childrenProxy->mapFromSource(m_children->index(row, 0));
        m_childrenView->selectionModel()->select(index,
                                                 QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_childrenView->scrollTo(index);
        return;
    }
}

void MainWindow::updateLanes() {
    QList<TimelineLane> lanes;
    const auto addRow = [&lanes](const AgentSnapshot &s) {
        lanes.append({s.key, AgentTableModel::agentLabel(s), s.state, s.firstSeenMs, s.silent});
    };
    if (!m_selectedKeys.isEmpty()) {
        for (const AgentKey &key : std::as_const(m_selectedKeys)) {
            if (lanes.size() >= StallTimelineView::kMaxLanes)
                break;
            if (const int row = m_agents->rowOf(key); row >= 0)
                addRow(m_agents->snapshot(row));
        }
    } else {
        const int count = std::min(m_agentProxy->rowCount(), StallTimelineView::kMaxLanes);
        for (int r = 0; r < count; ++r)
            addRow(m_agents->snapshot(m_agentProxy->mapToSource(m_agentProxy->index(r, 0)).row()));
    }
    m_timelinePane->view()->setLanes(lanes);
}

void MainWindow::showOnlyState(AgentState state) { m_stateFilter->setMask(AgentFilterProxy::stateBit(state)); }

void MainWindow::updateShownCount() {
    if (!m_shownCount)
        return;  // rows arrive only once the window is built
    const QLocale locale;
    const int shown = m_agentProxy->rowCount();
    const int tracked = m_agents->rowCount();
    m_shownCount->setText(tr("%1 of %2 shown").arg(locale.toString(shown), locale.toString(tracked)));

    QString empty;
    if (tracked == 0) {
        empty = m_listeners.isEmpty()
                    ? tr("No agents yet — waiting for heartbeats")
                    : tr("No agents yet — waiting for heartbeats on %1").arg(m_listeners.join(QStringLiteral(", ")));
    } else if (shown == 0) {
        const bool byText = !m_agentProxy->textFilter().isEmpty();
        const bool byState = m_agentProxy->stateFilter() != AgentFilterProxy::kAllStates;
        const QString all = locale.toString(tracked);
        if (byText && byState)
            empty = tr("No agent matches the filter.\nClear the filter box and choose States: All states "
                       "to show all %1 agents.")
                        .arg(all);
        else if (byText)
            empty = tr("No agent matches the filter “%1”.\nClear the filter box to show all %2 agents.")
                        .arg(m_agentProxy->textFilter(), all);
        else
            empty = tr("No agent matches the filter (States: %1).\nChoose States: All states to show all %2 agents.")
                        .arg(StateFilterButton::summary(m_agentProxy->stateFilter()), all);
    }
    m_agentView->setEmptyMessage(empty);
}

void MainWindow::saveSettings() const {
    QSettings settings;
    settings.beginGroup(QStringLiteral("mainWindow"));
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("state"), saveState());
    settings.setValue(QStringLiteral("mainSplitter"), m_mainSplitter->saveState());
    settings.setValue(QStringLiteral("bottomSplitter"), m_bottomSplitter->saveState());
    settings.setValue(QStringLiteral("agentColumns"), m_agentView->horizontalHeader()->saveState());
    settings.setValue(QStringLiteral("agentColumnCount"), int(AgentTableModel::ColumnCount));
    settings.setValue(QStringLiteral("childColumns"), m_childrenView->horizontalHeader()->saveState());
    settings.setValue(QStringLiteral("eventColumns"), m_eventView->horizontalHeader()->saveState());
    settings.setValue(QStringLiteral("language"), QLocale().name());
    settings.setValue(QStringLiteral("timelineWindowMs"), qlonglong(m_timelinePane->windowSpan()));
    settings.endGroup();
}

void MainWindow::restoreSettings() {
    QSettings settings;
    settings.beginGroup(QStringLiteral("mainWindow"));
    const QList<int> agentWidths = TableSetup::columnWidths(m_agentView);
    const QList<int> childWidths = TableSetup::columnWidths(m_childrenView);
    const QList<int> eventWidths = TableSetup::columnWidths(m_eventView);
    restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("state")).toByteArray());
    m_mainSplitter->restoreState(settings.value(QStringLiteral("mainSplitter")).toByteArray());
    m_bottomSplitter->restoreState(settings.value(QStringLiteral("bottomSplitter")).toByteArray());
    // A layout saved with other columns would put widths and order on the wrong ones.
    if (settings.value(QStringLiteral("agentColumnCount")).toInt() == AgentTableModel::ColumnCount)
        m_agentView->horizontalHeader()->restoreState(settings.value(QStringLiteral("agentColumns")).toByteArray());
    m_childrenView->horizontalHeader()->restoreState(settings.value(QStringLiteral("childColumns")).toByteArray());
    m_eventView->horizontalHeader()->restoreState(settings.value(QStringLiteral("eventColumns")).toByteArray());
    // Widths saved in another language may clip this one's headers and state names: each
    // column keeps at least the width this language's texts were given above.
    if (settings.value(QStringLiteral("language")).toString() != QLocale().name()) {
        TableSetup::widenTo(m_agentView, agentWidths);
        TableSetup::widenTo(m_childrenView, childWidths);
        TableSetup::widenTo(m_eventView, eventWidths);
    }
    if (const QVariant span = settings.value(QStringLiteral("timelineWindowMs")); span.isValid())
        m_timelinePane->setWindowSpan(span.toLongLong());
    settings.endGroup();
}

void MainWindow::closeEvent(QCloseEvent *event) {
    if (!isReadOnly())
        saveSettings();
    QMainWindow::closeEvent(event);
}

}  // namespace varta::ui
