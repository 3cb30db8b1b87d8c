#include "ui/models/agent_children_filter.h"

#include "ui/models/children_model.h"

namespace varta::ui {

AgentChildrenFilter::AgentChildrenFilter(QObject *parent) : QSortFilterProxyModel(parent) {
    setSortRole(ChildrenModel::SortRole);
}

void AgentChildrenFilter::setSourceModel(QAbstractItemModel *model) {
    m_children = qobject_cast<const ChildrenModel *>(model);
    Q_ASSERT(m_children || !model);
    QSortFilterProxyModel::setSourceModel(model);
    sort(ChildrenModel::StartedColumn, Qt::DescendingOrder);
}

void AgentChildrenFilter::setAgents(const QList<AgentKey> &agents) {
    if (agents == m_agents)
        return;
    m_agents = agents;
    invalidateFilter();
}

bool AgentChildrenFilter::filterAcceptsRow(int sourceRow, const QModelIndex &) const {
    return m_children && m_agents.contains(m_children->child(sourceRow).agent);
}

}  // namespace varta::ui
