#include "ui/widgets/agent_details_pane.h"

#include "ui/models/agent_children_filter.h"
#include "ui/models/agent_table_model.h"
#include "ui/models/children_model.h"
#include "ui/models/event_log_model.h"
#include "ui/models/timeline_store.h"
#include "ui/style/state_style.h"
#include "ui/style/time_format.h"
#include "ui/widgets/child_output_view.h"
#include "ui/widgets/table_setup.h"
#include "ui/widgets/timeline/stall_timeline_view.h"

#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

namespace varta::ui {

namespace {
constexpr int kAttemptsTab = 1;
constexpr int kEventsTab = 2;
constexpr int kStateIconPx = 16;

QLabel *sectionHeading(const QString &text, QWidget *parent) {
    auto *heading = new QLabel(text, parent);
    QFont bold = heading->font();
    bold.setBold(true);
    heading->setFont(bold);
    return heading;
}
}  // namespace

QString AgentDetailsPane::noValue() { return QStringLiteral("—"); }

AgentDetailsPane::AgentDetailsPane(QWidget *parent) : QWidget(parent) {
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("detailsTitle"));
    m_title->setTextFormat(Qt::PlainText);  // a unit's name is whatever the system calls it
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_selection = new QLabel(this);
    m_selection->setObjectName(QStringLiteral("detailsSelection"));
    m_selection->setForegroundRole(QPalette::PlaceholderText);
    m_selection->hide();
    m_timeline = new StallTimelineView(this);
    m_timeline->setObjectName(QStringLiteral("detailsTimeline"));
    m_timeline->setCompact(true);
    // The pane's lane follows the main timeline, which the keyboard already drives.
    m_timeline->setFocusPolicy(Qt::NoFocus);
    m_timeline->hide();

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("detailsTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(createOverview(), tr("Overview"));
    m_tabs->addTab(createAttempts(), QString());
    m_tabs->addTab(createEvents(), QString());
    m_tabs->setTabToolTip(kAttemptsTab, tr("Its recovery children, newest first; select one to see its output"));
    m_tabs->setTabToolTip(kEventsTab, tr("The event log's entries about this agent, newest last"));

    auto *header = new QHBoxLayout;
    header->setContentsMargins(4, 2, 4, 0);
    header->addWidget(m_title, 1);
    header->addWidget(m_selection, 0, Qt::AlignTop);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(header);
    layout->addWidget(m_timeline);
    layout->addWidget(m_tabs, 1);
    setFocusProxy(m_tabs);
    showAgent(std::nullopt);
}

QWidget *AgentDetailsPane::createOverview() {
    auto *page = new QWidget(this);
    m_hint = new QLabel(tr("Select an agent in the table to see its process, its state, its recovery attempts "
                           "and their output, and its events here."),
                        page);
    m_hint->setObjectName(QStringLiteral("detailsHint"));
    m_hint->setWordWrap(true);
    m_hint->setForegroundRole(QPalette::PlaceholderText);
    m_hint->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    m_form = new QWidget(page);
    auto *form = new QFormLayout(m_form);
    form->setContentsMargins(4, 4, 4, 4);
    form->setRowWrapPolicy(QFormLayout::DontWrapRows);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setLabelAlignment(Qt::AlignLeft | Qt::AlignTop);
    // What it is doing first: that is what an operator selects a stalled agent to see.
    form->addRow(sectionHeading(tr("Heartbeat"), m_form));
    // The state's row: its icon beside its name, the name in the state's colour.
    m_stateIcon = new QLabel(m_form);
    m_stateIcon->setFixedSize(kStateIconPx, kStateIconPx);
    auto *stateValue = new QLabel(m_form);
    m_values[std::size_t(Field::State)] = stateValue;
    stateValue->setTextFormat(Qt::PlainText);
    auto *stateRow = new QHBoxLayout;
    stateRow->setSpacing(4);
    stateRow->addWidget(m_stateIcon);
    stateRow->addWidget(stateValue, 1);
    form->addRow(tr("State"), stateRow);
    addField(form, Field::Since, tr("Since"));
    addField(form, Field::DownFor, tr("Down for"));
    addField(form, Field::LastBeat, tr("Last beat"));
    addField(form, Field::LastStatus, tr("Last status"));
    addField(form, Field::Payload, tr("Payload"));
    addField(form, Field::Nonce, tr("Nonce"));
    addField(form, Field::Beats, tr("Beats"));
    addField(form, Field::Stalls, tr("Stalls"));
    addField(form, Field::Recoveries, tr("Recoveries"));
    form->addRow(sectionHeading(tr("Process"), m_form));
    addField(form, Field::Agent, tr("Agent"));
    addField(form, Field::Pid, tr("PID"));
    addField(form, Field::Origin, tr("Origin"));
    addField(form, Field::Unit, tr("Unit"));
    addField(form, Field::Command, tr("Command"));
    addField(form, Field::User, tr("User"));
    addField(form, Field::Comm, tr("Comm"));

    auto *content = new QWidget(page);
    auto *contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    contentLayout->addWidget(m_hint);
    contentLayout->addWidget(m_form);
    contentLayout->addStretch(1);
    auto *scroll = new QScrollArea(page);
    scroll->setObjectName(QStringLiteral("detailsOverview"));
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setFocusPolicy(Qt::NoFocus);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll);
    return page;
}

void AgentDetailsPane::addField(QFormLayout *form, Field field, const QString &name) {
    auto *value = new QLabel(m_form);
    value->setTextFormat(Qt::PlainText);  // a command line may look like markup
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setWordWrap(true);
    // A long command line wraps within the pane instead of widening it, even one long
    // word: a minimum of its own overrides the longest word's.
    value->setMinimumWidth(1);
    m_values[std::size_t(field)] = value;
    form->addRow(name, value);
}

QWidget *AgentDetailsPane::createAttempts() {
    m_attempts = new AgentChildrenFilter(this);
    m_attemptsView = new QTableView(this);
    m_attemptsView->setObjectName(QStringLiteral("detailsAttempts"));
    m_attemptsView->setTabKeyNavigation(false);
    m_outputView = new ChildOutputView(this);
    m_outputView->setObjectName(QStringLiteral("detailsOutput"));
    auto *split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("detailsAttemptsSplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(m_attemptsView);
    split->addWidget(m_outputView);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    return split;
}

QWidget *AgentDetailsPane::createEvents() {
    m_eventModel = new EventLogModel(this, kMaxEvents);
    m_eventsView = new QTableView(this);
    m_eventsView->setObjectName(QStringLiteral("detailsEvents"));
    m_eventsView->setModel(m_eventModel);
    m_eventsView->setTabKeyNavigation(false);
    TableSetup::configure(m_eventsView, true);
    TableSetup::setColumnWidths(m_eventsView, {8, 9, 0, 0, 40});
    QStringList severities;
    for (EventSeverity severity : {EventSeverity::Info, EventSeverity::Warning, EventSeverity::Error})
        severities << StateStyle::severityName(severity);
    TableSetup::fitColumnToTexts(m_eventsView, EventLogModel::SeverityColumn, severities);
    // Every row is this agent's: its name and the category would repeat what the pane says.
    m_eventsView->setColumnHidden(EventLogModel::CategoryColumn, true);
    m_eventsView->setColumnHidden(EventLogModel::AgentColumn, true);
    return m_eventsView;
}

void AgentDetailsPane::setSources(const AgentTableModel *agents, ChildrenModel *children, const EventLogModel *events,
                                  const ChildOutputStore *output, const TimelineStore *timeline) {
    m_agents = agents;
    m_children = children;
    m_events = events;
    m_timelineStore = timeline;
    m_attempts->setSourceModel(children);
    m_attemptsView->setModel(m_attempts);
    TableSetup::configure(m_attemptsView, true);
    TableSetup::setColumnWidths(m_attemptsView, {0, 0, 0, 9, 8, 14, 10, 0});
    // Started, how it ended, how long it took and what it printed; the rest is the
    // recovery children table's.
    for (int column : {ChildrenModel::AgentColumn, ChildrenModel::PidColumn, ChildrenModel::CommandColumn,
                       ChildrenModel::TruncatedColumn})
        m_attemptsView->setColumnHidden(column, true);
    m_attemptsView->horizontalHeader()->moveSection(ChildrenModel::StateColumn, ChildrenModel::StartedColumn + 1);
    m_attemptsView->setSelectionMode(QAbstractItemView::SingleSelection);
    connect(m_attemptsView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &AgentDetailsPane::onAttemptSelectionChanged);
    connect(m_attempts, &QAbstractItemModel::rowsInserted, this, &AgentDetailsPane::updateTabTitles);
    connect(m_attempts, &QAbstractItemModel::rowsRemoved, this, &AgentDetailsPane::updateTabTitles);
    connect(m_attempts, &QAbstractItemModel::modelReset, this, &AgentDetailsPane::updateTabTitles);
    m_outputView->setStore(output);
    m_timeline->setSources(timeline, children);
    showAgent(agentToShow());
}

void AgentDetailsPane::setSelection(const QList<AgentKey> &selected, const std::optional<AgentKey> &current) {
    m_selected = selected;
    m_current = current;
    const std::optional<AgentKey> next = agentToShow();
    if (next != m_shown)
        showAgent(next);
    updateSelectionText();
}

std::optional<AgentKey> AgentDetailsPane::agentToShow() const {
    if (!m_agents)
        return std::nullopt;
    if (m_current && m_selected.contains(*m_current) && m_agents->rowOf(*m_current) >= 0)
        return m_current;
    for (const AgentKey &key : m_selected)
        if (m_agents->rowOf(key) >= 0)
            return key;
    return std::nullopt;
}

void AgentDetailsPane::continueAs(const AgentKey &from, const AgentKey &to) {
    if (!m_keys.contains(from) || m_keys.contains(to))
        return;
    m_keys.append(to);
    if (m_shown == from)
        m_shown = to;
    m_attempts->setAgents(m_keys);
}

void AgentDetailsPane::showAgent(const std::optional<AgentKey> &key) {
    m_shown = key;
    m_keys = key ? QList<AgentKey>{*key} : QList<AgentKey>{};
    if (m_attempts)
        m_attempts->setAgents(m_keys);
    m_hint->setVisible(!key);
    m_form->setVisible(key.has_value());
    m_timeline->setVisible(key.has_value());
    if (!key) {
        m_title->setText(tr("No agent selected"));
        m_outputView->showChild(std::nullopt);
        m_eventModel->clear();
        m_timeline->setLanes({});
        updateTabTitles();
        return;
    }
    const AgentSnapshot &snapshot = m_agents->snapshot(m_agents->rowOf(*key));
    updateSummary(snapshot);
    loadEvents();
    m_outputView->showChild(std::nullopt);
    m_attemptsView->clearSelection();
    selectNewestAttemptIfNone();
    updateTabTitles();
}

void AgentDetailsPane::updateSelectionText() {
    int selected = 0;
    if (m_agents)
        for (const AgentKey &key : std::as_const(m_selected))
            if (m_agents->rowOf(key) >= 0)
                ++selected;
    m_selection->setText(selected > 1 && m_shown ? tr("1 of %n selected", nullptr, selected) : QString());
    m_selection->setVisible(!m_selection->text().isEmpty());
}

void AgentDetailsPane::applyBatch(const EngineBatch &batch) {
    if (!m_shown || m_agents->rowOf(*m_shown) < 0) {
        // Gone from the table (evicted, forgotten), or a selected agent shown at last.
        const std::optional<AgentKey> next = agentToShow();
        if (next != m_shown)
            showAgent(next);
        updateSelectionText();
        if (!m_shown)
            return;
    }
    const AgentSnapshot &snapshot = m_agents->snapshot(m_agents->rowOf(*m_shown));
    bool transitioned = false;
    for (const StateTransition &t : batch.transitions)
        transitioned = transitioned || m_keys.contains(t.key);
    if (transitioned || !sameRow(snapshot, m_snapshot))
        updateSummary(snapshot);

    bool newChild = false;
    for (const ChildInfo &child : batch.children) {
        if (!m_keys.contains(child.agent))
            continue;
        m_outputView->updateChild(child);
        newChild = true;
    }
    if (newChild)
        selectNewestAttemptIfNone();

    QList<EventLogEntry> mine;
    for (const EventLogEntry &entry : batch.events)
        if (entry.agent && m_keys.contains(*entry.agent))
            mine.append(entry);
    if (!mine.isEmpty()) {
        QScrollBar *bar = m_eventsView->verticalScrollBar();
        const bool follow = bar->value() == bar->maximum();
        m_eventModel->appendEvents(mine);
        if (follow)
            m_eventsView->scrollToBottom();
        updateTabTitles();
    }
    m_timeline->setNow(m_agents->now());
}

void AgentDetailsPane::setNow(EngineMs nowMs) {
    m_timeline->setNow(nowMs);
    if (m_shown)
        updateAges();
}

void AgentDetailsPane::setWallOffset(std::int64_t wallOffsetMs) {
    if (wallOffsetMs == m_wallOffsetMs)
        return;
    m_wallOffsetMs = wallOffsetMs;
    m_eventModel->setWallOffset(wallOffsetMs);
    m_timeline->setWallOffset(wallOffsetMs);
}

// The fields a beat, a transition or a new identity changes; ages are updateAges'.
void AgentDetailsPane::updateSummary(const AgentSnapshot &snapshot) {
    m_snapshot = snapshot;
    const QLocale locale;
    const ProcessIdentity *identity = snapshot.identity.get();
    const auto orNone = [](const QString &text) { return text.isEmpty() ? noValue() : text; };
    m_title->setText(AgentTableModel::agentLabel(snapshot));
    setField(Field::Agent, AgentTableModel::agentLabel(snapshot), snapshot.key.text());
    setField(Field::Pid, QString::number(snapshot.key.pid));
    setField(Field::Origin, snapshot.key.originLabel());
    setField(Field::Unit, identity ? orNone(identity->unit) : noValue(), identity ? identity->cgroup : QString());
    if (identity && !identity->cmdline.isEmpty())
        setField(Field::Command, identity->cmdlineTruncated ? tr("%1 (cut)").arg(identity->cmdline) : identity->cmdline,
                 identity->cmdline);
    else
        setField(Field::Command, noValue());
    QString user = noValue();
    if (identity && identity->uid)
        user = identity->user.isEmpty() ? tr("uid %1").arg(*identity->uid)
                                        : tr("%1 (uid %2)").arg(identity->user, QString::number(*identity->uid));
    setField(Field::User, user);
    setField(Field::Comm, identity ? orNone(identity->comm) : noValue());

    const bool dark = StateStyle::isDark(palette().color(QPalette::Window));
    m_stateIcon->setPixmap(StateStyle::icon(snapshot.state).pixmap(kStateIconPx, kStateIconPx));
    setField(Field::State, StateStyle::nameWithLiveness(snapshot.state, snapshot.silent),
             StateStyle::description(snapshot.state));
    QPalette statePalette = label(Field::State)->palette();
    statePalette.setColor(QPalette::WindowText, StateStyle::textColor(snapshot.state, dark));
    label(Field::State)->setPalette(statePalette);
    setField(Field::LastStatus, snapshot.terminating
                                    ? tr("%1 (exiting)").arg(StateStyle::statusName(snapshot.lastStatus))
                                    : StateStyle::statusName(snapshot.lastStatus));
    setField(Field::Payload, QString::number(snapshot.payload));
    setField(Field::Nonce, snapshot.nonce == vlp::kNonceTerminal ? tr("terminal") : QString::number(snapshot.nonce));
    setField(Field::Beats, locale.toString(qulonglong(snapshot.beats)));
    setField(Field::Stalls, locale.toString(qulonglong(snapshot.stalls)));
    setField(Field::Recoveries, locale.toString(qulonglong(snapshot.recoveries)));
    updateAges();
    updateLane();
}

void AgentDetailsPane::updateAges() {
    const AgentSnapshot &s = m_snapshot;
    const EngineMs now = m_agents->now();
    bool firstSeen = false;
    const EngineMs since = sinceMs(s, &firstSeen);
    const QString sinceText = firstSeen ? tr("%1, %2 ago (first seen)") : tr("%1, %2 ago");
    setField(Field::Since,
             sinceText.arg(TimeFormat::wallTime(since, m_wallOffsetMs, false), TimeFormat::age(now - since)),
             TimeFormat::exact(since, m_wallOffsetMs));
    if (s.downSinceMs)
        setField(Field::DownFor, TimeFormat::age(now - *s.downSinceMs),
                 tr("Down since %1").arg(TimeFormat::exact(*s.downSinceMs, m_wallOffsetMs)));
    else
        setField(Field::DownFor, noValue());
    if (s.beats == 0)
        setField(Field::LastBeat, tr("never"));
    else
        setField(
            Field::LastBeat,
            tr("%1 ago, at %2")
                .arg(TimeFormat::age(now - s.lastBeatMs), TimeFormat::wallTime(s.lastBeatMs, m_wallOffsetMs, true)),
            TimeFormat::exact(s.lastBeatMs, m_wallOffsetMs));
}

// The last transition into the state it is in; an agent that never changed state has
// been in it since it was first seen.
EngineMs AgentDetailsPane::sinceMs(const AgentSnapshot &snapshot, bool *firstSeen) const {
    *firstSeen = false;
    if (m_timelineStore) {
        const QList<StateTransition> &history = m_timelineStore->history(snapshot.key);
        for (auto it = history.crbegin(); it != history.crend(); ++it)
            if (it->to == snapshot.state && it->from != snapshot.state)
                return it->atMs;
    }
    *firstSeen = true;
    return snapshot.firstSeenMs;
}

void AgentDetailsPane::updateLane() {
    m_timeline->setLanes({{m_snapshot.key, AgentTableModel::agentLabel(m_snapshot), m_snapshot.state,
                           m_snapshot.firstSeenMs, m_snapshot.silent}});
    m_timeline->setNow(m_agents->now());
}

void AgentDetailsPane::setField(Field field, const QString &text, const QString &toolTip) {
    QLabel *value = label(field);
    if (value->text() != text)
        value->setText(text);
    value->setToolTip(toolTip);
}

QString AgentDetailsPane::fieldText(Field field) const { return label(field)->text(); }

QString AgentDetailsPane::titleText() const { return m_title->text(); }

QString AgentDetailsPane::selectionText() const { return m_selection->text(); }

void AgentDetailsPane::loadEvents() {
    m_eventModel->clear();
    if (!m_events || !m_shown)
        return;
    QList<EventLogEntry> mine;
    for (int row = m_events->rowCount() - 1; row >= 0 && mine.size() < kMaxEvents; --row) {
        const EventLogEntry &entry = m_events->entry(row);
        if (entry.agent && m_keys.contains(*entry.agent))
            mine.append(entry);
    }
    std::reverse(mine.begin(), mine.end());
    m_eventModel->appendEvents(mine);
    m_eventsView->scrollToBottom();
}

void AgentDetailsPane::updateTabTitles() {
    m_tabs->setTabText(kAttemptsTab, tr("Attempts (%1)").arg(m_attempts ? m_attempts->rowCount() : 0));
    m_tabs->setTabText(kEventsTab, tr("Events (%1)").arg(m_eventModel->rowCount()));
}

// The newest attempt's output is what an operator looking at an agent wants first; a
// choice of theirs stands until they look at another agent.
void AgentDetailsPane::selectNewestAttemptIfNone() {
    if (!m_attemptsView->selectionModel() || m_attemptsView->selectionModel()->hasSelection()
        || m_attempts->rowCount() == 0)
        return;
    const QModelIndex newest = m_attempts->index(0, 0);
    m_attemptsView->selectionModel()->select(newest, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_attemptsView->selectionModel()->setCurrentIndex(newest, QItemSelectionModel::NoUpdate);
}

void AgentDetailsPane::onAttemptSelectionChanged() {
    const QModelIndexList rows = m_attemptsView->selectionModel()->selectedRows();
    m_outputView->showChild(rows.isEmpty() || !m_children
                                ? std::nullopt
                                : m_children->childById(rows.front().data(ChildrenModel::ChildIdRole).toULongLong()));
}

QList<QWidget *> AgentDetailsPane::tabOrder() const {
    return {m_tabs->tabBar(), m_attemptsView, m_outputView->focusProxy(), m_eventsView};
}

bool AgentDetailsPane::sameRow(const AgentSnapshot &a, const AgentSnapshot &b) {
    return a.key == b.key && a.state == b.state && a.lastStatus == b.lastStatus && a.firstSeenMs == b.firstSeenMs
           && a.lastBeatMs == b.lastBeatMs && a.downSinceMs == b.downSinceMs && a.beats == b.beats
           && a.stalls == b.stalls && a.recoveries == b.recoveries && a.nonce == b.nonce && a.payload == b.payload
           && a.terminating == b.terminating && a.silent == b.silent && a.identity == b.identity;
}

}  // namespace varta::ui
