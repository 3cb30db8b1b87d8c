#pragma once
// Filters the agents table by text (pid, origin, or a local agent's name, unit, command
// and user) and by state, and sorts it. Both
// filtering and comparison read the rows directly instead of going through QVariant:
// the proxy re-examines every row a batch touched, thousands of times a second.
//
// Columns that change with every beat (last beat, beats, nonce, payload, last status)
// sort by values frozen once a second: re-sorting thousands of rows twenty times a
// second costs the UI thread most of its time and makes rows jump faster than anyone
// can read them. Rarely changing columns (state, stalls, recoveries, pid, origin and the
// identity columns) sort live.

#include "core/published/engine_batch.h"

#include <QSortFilterProxyModel>
#include <QTimer>

#include <vector>

namespace varta::ui {

class AgentTableModel;

class AgentFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    static constexpr unsigned kAllStates = (1u << kAgentStateCount) - 1;
    // Everything except Up, Paused and Replaced (a unit's old pid whose row the new one
    // took over): what an operator on watch cares about. Exited is in, like Stalled.
    static constexpr unsigned kAttentionStates =
        kAllStates
        & ~((1u << unsigned(AgentState::Up)) | (1u << unsigned(AgentState::Paused))
            | (1u << unsigned(AgentState::Replaced)));
    static constexpr unsigned stateBit(AgentState state) { return 1u << unsigned(state); }

    static constexpr int kFrozenSortRefreshMs = 1000;

    explicit AgentFilterProxy(QObject *parent = nullptr);

    // Must be an AgentTableModel.
    void setSourceModel(QAbstractItemModel *model) override;

    // Case-insensitive substring of the pid, the origin label, or a local agent's unit,
    // container, comm, command line or user; empty shows all.
    void setTextFilter(const QString &text);
    QString textFilter() const { return m_text; }
    void setStateFilter(unsigned stateMask);
    unsigned stateFilter() const { return m_stateMask; }

    AgentKey keyAt(int proxyRow) const;
    AgentState stateAt(int proxyRow) const;

    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    static bool isVolatileColumn(int column);
    // Re-sorts by the current values now rather than at the next refresh.
    void refreshFrozenSort();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    int compareRows(int left, int right, int column) const;
    std::uint64_t volatileKey(int row, int column) const;
    void freezeKeys();
    void onSourceDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight);
    void onSourceRowsRemoved(const QModelIndex &parent, int first, int last);

    AgentTableModel *m_agents = nullptr;
    // Sort keys of the volatile sort column by source row; rows past the end (new since
    // the last refresh) compare by their live values.
    std::vector<std::uint64_t> m_frozenKeys;
    int m_frozenColumn = -1;
    bool m_frozenStale = false;
    QTimer m_frozenRefresh;
    QString m_text;
    unsigned m_stateMask = kAllStates;
};

}  // namespace varta::ui
