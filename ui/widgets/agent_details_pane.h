#pragma once
// Everything the console knows about one agent, the one selected in the agents table (of
// several, the current one): who its process is, its state and since when, its last beat,
// its lane of the timeline, its recovery attempts with their output, and its events.
//
// Fed by the window after its models took a batch; reads those models and keeps copies
// of nothing but this agent's last snapshot and its newest kMaxEvents events. A batch
// that does not touch the agent (its row, its transitions, its children, its events)
// costs a comparison of one snapshot and a look through the batch's short lists.

#include "core/published/engine_batch.h"

#include <QList>
#include <QWidget>

#include <array>
#include <optional>

class QFormLayout;
class QLabel;
class QTabWidget;
class QTableView;

namespace varta::ui {

class AgentChildrenFilter;
class AgentTableModel;
class ChildOutputStore;
class ChildOutputView;
class ChildrenModel;
class EventLogModel;
class StallTimelineView;
class TimelineStore;

class AgentDetailsPane : public QWidget {
    Q_OBJECT
public:
    // The agent's events kept for the pane; the event log keeps more of everyone's.
    static constexpr int kMaxEvents = 200;

    enum class Field {
        Agent,
        Pid,
        Origin,
        Unit,
        Command,
        User,
        Comm,
        State,
        Since,
        DownFor,
        LastBeat,
        LastStatus,
        Payload,
        Nonce,
        Beats,
        Stalls,
        Recoveries,
    };
    static constexpr int kFieldCount = int(Field::Recoveries) + 1;
    // What a field without a value shows.
    static QString noValue();

    explicit AgentDetailsPane(QWidget *parent = nullptr);

    // The window's models, which outlive the pane.
    void setSources(const AgentTableModel *agents, ChildrenModel *children, const EventLogModel *events,
                    const ChildOutputStore *output, const TimelineStore *timeline);
    // The agents selected in the table; `current` is shown when it is one of them and
    // still in the table, else the first that is.
    void setSelection(const QList<AgentKey> &selected, const std::optional<AgentKey> &current);
    // A restarted unit's new pid carries on the old one's details, its attempts and events.
    void continueAs(const AgentKey &from, const AgentKey &to);
    // After the window's models applied `batch`.
    void applyBatch(const EngineBatch &batch);
    // The 1 Hz tick: ages only.
    void setNow(EngineMs nowMs);
    void setWallOffset(std::int64_t wallOffsetMs);

    std::optional<AgentKey> shownAgent() const { return m_shown; }
    QString fieldText(Field field) const;
    // The agent's label, or a hint when there is none.
    QString titleText() const;
    // "1 of 3 selected"; empty with one agent or none.
    QString selectionText() const;

    QTabWidget *tabs() const { return m_tabs; }
    QTableView *attemptsView() const { return m_attemptsView; }
    ChildOutputView *outputView() const { return m_outputView; }
    QTableView *eventsView() const { return m_eventsView; }
    StallTimelineView *timeline() const { return m_timeline; }
    const EventLogModel *eventModel() const { return m_eventModel; }
    // The pane's widgets in the order Tab visits them.
    QList<QWidget *> tabOrder() const;

private:
    QWidget *createOverview();
    QWidget *createAttempts();
    QWidget *createEvents();
    void addField(QFormLayout *form, Field field, const QString &name);
    QLabel *label(Field field) const { return m_values[std::size_t(field)]; }
    void setField(Field field, const QString &text, const QString &toolTip = {});

    std::optional<AgentKey> agentToShow() const;
    void showAgent(const std::optional<AgentKey> &key);
    void updateSelectionText();
    void updateSummary(const AgentSnapshot &snapshot);
    void updateAges();
    void updateLane();
    void updateTabTitles();
    void loadEvents();
    void selectNewestAttemptIfNone();
    void onAttemptSelectionChanged();
    EngineMs sinceMs(const AgentSnapshot &snapshot, bool *firstSeen) const;
    static bool sameRow(const AgentSnapshot &a, const AgentSnapshot &b);

    const AgentTableModel *m_agents = nullptr;
    ChildrenModel *m_children = nullptr;
    const EventLogModel *m_events = nullptr;
    const TimelineStore *m_timelineStore = nullptr;

    QLabel *m_title = nullptr;
    QLabel *m_selection = nullptr;
    StallTimelineView *m_timeline = nullptr;
    QTabWidget *m_tabs = nullptr;
    QLabel *m_hint = nullptr;
    QWidget *m_form = nullptr;
    QLabel *m_stateIcon = nullptr;
    std::array<QLabel *, kFieldCount> m_values{};
    AgentChildrenFilter *m_attempts = nullptr;
    QTableView *m_attemptsView = nullptr;
    ChildOutputView *m_outputView = nullptr;
    EventLogModel *m_eventModel = nullptr;
    QTableView *m_eventsView = nullptr;

    QList<AgentKey> m_selected;
    std::optional<AgentKey> m_current;
    std::optional<AgentKey> m_shown;
    QList<AgentKey> m_keys;  // the shown agent's, and the pids its unit had before
    AgentSnapshot m_snapshot;
    std::int64_t m_wallOffsetMs = 0;
};

}  // namespace varta::ui
