#pragma once
// The recovery children of one agent, for its details: the children model narrowed to
// the agent's keys (its own and, for a restarted unit, the pids it took over from), the
// newest attempt first. The children model holds at most kHistoryLimit rows, so a
// change of agent re-examines few.

#include "core/published/engine_batch.h"

#include <QList>
#include <QSortFilterProxyModel>

namespace varta::ui {

class ChildrenModel;

class AgentChildrenFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit AgentChildrenFilter(QObject *parent = nullptr);

    // Must be a ChildrenModel.
    void setSourceModel(QAbstractItemModel *model) override;
    // Empty: no children at all.
    void setAgents(const QList<AgentKey> &agents);
    const QList<AgentKey> &agents() const { return m_agents; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    const ChildrenModel *m_children = nullptr;
    QList<AgentKey> m_agents;
};

}  // namespace varta::ui
