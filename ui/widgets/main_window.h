#pragma once
// The operator console. The app wires it to the engine: applyBatch() receives the
// engine's queued batches (at most 20 a second); the *Requested signals carry the
// operator's commands back. Everything shown comes from those batches.

#include "core/published/engine_batch.h"
#include "ui/models/fleet_history.h"
#include "ui/models/timeline_store.h"
#include "ui/widgets/agent_table_view.h"

#include <QElapsedTimer>
#include <QList>
#include <QMainWindow>
#include <QTimer>

#include <optional>

class QComboBox;
class QDockWidget;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;

namespace varta::ui {

class AgentActions;
class AgentDetailsPane;
class AgentFilterProxy;
class AgentTableModel;
class ChildOutputStore;
class ChildOutputView;
class ChildrenModel;
class EventLogFilter;
class EventLogModel;
class FleetNotifier;
class StateFilterButton;
class StatusBarPanel;
class TimelinePane;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);

    AgentTableModel *agentModel() const { return m_agents; }
    AgentFilterProxy *agentProxy() const { return m_agentProxy; }
    ChildrenModel *childrenModel() const { return m_children; }
    EventLogModel *eventLogModel() const { return m_events; }
    EventLogFilter *eventLogFilter() const { return m_eventFilter; }
    ChildOutputStore *outputStore() const { return m_output; }
    const TimelineStore &timelineStore() const { return m_timeline; }
    const FleetHistory &fleetHistory() const { return m_fleet; }
    AgentTableView *agentView() const { return m_agentView; }
    QTableView *childrenView() const { return m_childrenView; }
    QTableView *eventLogView() const { return m_eventView; }
    ChildOutputView *outputView() const { return m_outputView; }
    TimelinePane *timelinePane() const { return m_timelinePane; }
    AgentDetailsPane *detailsPane() const { return m_details; }
    QDockWidget *detailsDock() const { return m_detailsDock; }
    StatusBarPanel *statusPanel() const { return m_statusPanel; }
    AgentActions *actions() const { return m_actions; }
    // File -> Connect to observer…: enabled by a console attached to observers elsewhere
    // (connectObservers), which answers it.
    QAction *connectObserverAction() const { return m_connectObserver; }
    FleetNotifier *notifier() const { return m_notifier; }
    QLineEdit *filterEdit() const { return m_filter; }
    StateFilterButton *stateFilterButton() const { return m_stateFilter; }
    // "N of M shown": the rows the filter lets through of the agents tracked.
    QLabel *shownCountLabel() const { return m_shownCount; }
    QLineEdit *eventSearchEdit() const { return m_eventSearch; }
    QComboBox *eventSeverityCombo() const { return m_eventSeverity; }
    QComboBox *eventCategoryCombo() const { return m_eventCategory; }

    // A post-mortem of files: no commands, no clock of its own, no notifications, and
    // times shown on the files' wall clock. Its layout is not saved over the live one's.
    void setReadOnly(std::int64_t wallOffsetMs, const QString &title);
    bool isReadOnly() const { return m_wallOffsetMs.has_value(); }
    // Read-only: replaces everything shown by `batch`, which holds the whole state at one
    // moment (IncidentReplay::batchAt). The agents selected stay selected where they are shown.
    void showAt(const varta::EngineBatch &batch);
    // Read-only: the fleet band's counts over the whole incident, oldest first.
    void setFleetHistory(const std::vector<std::pair<EngineMs, FleetCounts>> &samples);

    // A post-mortem window over these event files and audit logs, shown and deleted when
    // closed; null, and the problem told in a message box, when they cannot be read.
    MainWindow *openIncident(const QStringList &paths);

    // Geometry, dock and splitter layout, column widths/order/sort, timeline window.
    // A console attached to observers elsewhere: each one's name and since when its
    // agents are of unknown state (the Observer column appears with the first), and the
    // connections as the status bar shows them.
    void setObserver(std::uint16_t observer, const QString &name, std::optional<EngineMs> unknownSinceMs);
    void setObserverStatus(const QString &text, bool trouble);

    void saveSettings() const;
    void restoreSettings();

public Q_SLOTS:
    void applyBatch(const varta::EngineBatch &batch);
    // The agents table shows `state` alone (the text filter stays): what a click on a
    // status-bar count or a fleet-band strip asks for.
    void showOnlyState(varta::AgentState state);

Q_SIGNALS:
    void recoverNowRequested(const QList<varta::AgentKey> &agents);
    void killChildRequested(std::uint64_t childId);
    void pauseRequested(const QList<varta::AgentKey> &agents);
    void resumeRequested(const QList<varta::AgentKey> &agents);
    void rearmRequested(const QList<varta::AgentKey> &agents);
    // A child was selected whose kept output the console does not hold.
    void outputWanted(std::uint64_t childId);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createModels();
    void createCentral();
    void createToolBar();
    void createEventDock();
    void createDetailsDock();
    void createMenus();
    void connectActions();
    void setUpKeyboard();
    // The panes F6 cycles through, in the order Tab visits them.
    QList<QWidget *> panes() const;
    void focusPane(int step);
    void configureAgentView();
    void configureChildrenView();

    void onTick();
    EngineMs estimatedNow() const;
    void onAgentSelectionChanged();
    void refreshSelectedAgents();
    // The details pane shows the current agent of the selection.
    void refreshDetailsSelection();
    void onChildSelectionChanged();
    std::optional<ChildInfo> selectedChild() const;
    void selectNewChildOfSelectedAgent(const QList<ChildInfo> &changed, const QList<std::uint64_t> &knownBefore);
    void updateLanes();
    // "N of M shown" and the empty table's message.
    void updateShownCount();
    // A click on an event: its agent is selected in the table, if the filter shows it.
    void onEventActivated(const QModelIndex &index);
    void confirmRequest(const QString &what, const QList<AgentKey> &agents);
    void showOperatorOutcomes(const QList<EventLogEntry> &events);

    struct Continuation {
        AgentKey from;
        AgentKey to;
        std::optional<EngineMs> fromFirstSeenMs;
    };
    QList<Continuation> continuationsIn(const QList<AgentSnapshot> &agents) const;
    void applyContinuations(const QList<Continuation> &continuations);
    static QList<StateTransition> continuedTransitions(const EngineBatch &batch,
                                                       const QList<Continuation> &continuations);

    AgentTableModel *m_agents = nullptr;
    AgentFilterProxy *m_agentProxy = nullptr;
    ChildrenModel *m_children = nullptr;
    QSortFilterProxyModel *m_childrenProxy = nullptr;
    EventLogModel *m_events = nullptr;
    EventLogFilter *m_eventFilter = nullptr;
    ChildOutputStore *m_output = nullptr;
    TimelineStore m_timeline;
    FleetHistory m_fleet;

    AgentTableView *m_agentView = nullptr;
    QTableView *m_childrenView = nullptr;
    QTableView *m_eventView = nullptr;
    TimelinePane *m_timelinePane = nullptr;
    ChildOutputView *m_outputView = nullptr;
    QSplitter *m_mainSplitter = nullptr;
    QSplitter *m_bottomSplitter = nullptr;
    QDockWidget *m_eventDock = nullptr;
    AgentDetailsPane *m_details = nullptr;
    QDockWidget *m_detailsDock = nullptr;
    QAction *m_connectObserver = nullptr;
    StatusBarPanel *m_statusPanel = nullptr;
    AgentActions *m_actions = nullptr;
    FleetNotifier *m_notifier = nullptr;
    QLineEdit *m_filter = nullptr;
    StateFilterButton *m_stateFilter = nullptr;
    QLabel *m_shownCount = nullptr;
    QLineEdit *m_eventSearch = nullptr;
    QComboBox *m_eventSeverity = nullptr;
    QComboBox *m_eventCategory = nullptr;

    QTimer m_tick;
    QElapsedTimer m_sinceBatch;
    EngineMs m_lastNowMs = 0;
    QStringList m_listeners;  // the newest batch's, for the empty table's message
    QList<AgentKey> m_selectedKeys;
    bool m_trimDue = false;                      // output arrived since the last tick
    std::optional<std::int64_t> m_wallOffsetMs;  // read-only: the files' wall clock
};

}  // namespace varta::ui
