#pragma once
// Filters the agents table by text (pid or origin) and by state, and sorts it. Both
// filtering and comparison read the rows directly instead of going through QVariant:
// the proxy re-examines every row a batch touched, thousands of times a second.

#include "core/engine_types.h"

#include <QSortFilterProxyModel>

namespace varta::ui {

class AgentTableModel;

class AgentFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    static constexpr unsigned kAllStates = (1u << kAgentStateCount) - 1;
    // Everything except Up and Paused: what an operator on watch cares about.
    static constexpr unsigned kAttentionStates = kAllStates & ~((1u << unsigned(AgentState::Up)) |
                                                                (1u << unsigned(AgentState::Paused)));
    static constexpr unsigned stateBit(AgentState state) { return 1u << unsigned(state); }

    explicit AgentFilterProxy(QObject *parent = nullptr);

    // Must be an AgentTableModel.
    void setSourceModel(QAbstractItemModel *model) override;

    // Case-insensitive substring of the pid or the origin label; empty shows all.
    void setTextFilter(const QString &text);
    QString textFilter() const { return m_text; }
    void setStateFilter(unsigned stateMask);
    unsigned stateFilter() const { return m_stateMask; }

    AgentKey keyAt(int proxyRow) const;
    AgentState stateAt(int proxyRow) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    int compareRows(int left, int right, int column) const;

    AgentTableModel *m_agents = nullptr;
    QString m_text;
    unsigned m_stateMask = kAllStates;
};

} // namespace varta::ui
