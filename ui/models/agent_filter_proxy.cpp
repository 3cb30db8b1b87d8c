#include "ui/models/agent_filter_proxy.h"

#include "ui/models/agent_table_model.h"
#include "ui/models/state_style.h"

namespace varta::ui {

namespace {
template <typename T>
int threeWay(const T &a, const T &b) {
    return a < b ? -1 : (b < a ? 1 : 0);
}
} // namespace

AgentFilterProxy::AgentFilterProxy(QObject *parent) : QSortFilterProxyModel(parent) {
    setSortRole(AgentTableModel::SortRole);
    setDynamicSortFilter(true);
}

void AgentFilterProxy::setSourceModel(QAbstractItemModel *model) {
    m_agents = qobject_cast<AgentTableModel *>(model);
    Q_ASSERT(m_agents || !model);
    QSortFilterProxyModel::setSourceModel(model);
}

void AgentFilterProxy::setTextFilter(const QString &text) {
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
}

void AgentFilterProxy::setStateFilter(unsigned stateMask) {
    if (stateMask == m_stateMask)
        return;
    m_stateMask = stateMask;
    invalidateRowsFilter();
}

AgentKey AgentFilterProxy::keyAt(int proxyRow) const {
    return m_agents->snapshot(mapToSource(index(proxyRow, 0)).row()).key;
}

AgentState AgentFilterProxy::stateAt(int proxyRow) const {
    return m_agents->snapshot(mapToSource(index(proxyRow, 0)).row()).state;
}

bool AgentFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const {
    if (!m_agents || sourceParent.isValid())
        return false;
    if ((m_stateMask & stateBit(m_agents->snapshot(sourceRow).state)) == 0)
        return false;
    if (m_text.isEmpty())
        return true;
    return m_agents->pidText(sourceRow).contains(m_text, Qt::CaseInsensitive) ||
           m_agents->originText(sourceRow).contains(m_text, Qt::CaseInsensitive);
}

bool AgentFilterProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const {
    const int byColumn = compareRows(left.row(), right.row(), left.column());
    if (byColumn != 0)
        return byColumn < 0;
    // Ties (many agents share a state) fall back to pid, then origin: a stable,
    // predictable order instead of arrival order.
    const int byPid = compareRows(left.row(), right.row(), AgentTableModel::PidColumn);
    if (byPid != 0)
        return byPid < 0;
    return compareRows(left.row(), right.row(), AgentTableModel::OriginColumn) < 0;
}

int AgentFilterProxy::compareRows(int left, int right, int column) const {
    const AgentSnapshot &a = m_agents->snapshot(left);
    const AgentSnapshot &b = m_agents->snapshot(right);
    switch (column) {
    case AgentTableModel::PidColumn: return threeWay(a.key.pid, b.key.pid);
    case AgentTableModel::OriginColumn:
        return m_agents->originText(left).compare(m_agents->originText(right));
    case AgentTableModel::StateColumn:
        return threeWay(StateStyle::urgency(a.state), StateStyle::urgency(b.state));
    case AgentTableModel::LastStatusColumn: return threeWay(a.lastStatus, b.lastStatus);
    case AgentTableModel::AgeColumn: return threeWay(b.lastBeatMs, a.lastBeatMs);
    case AgentTableModel::BeatsColumn: return threeWay(a.beats, b.beats);
    case AgentTableModel::StallsColumn: return threeWay(a.stalls, b.stalls);
    case AgentTableModel::RecoveriesColumn: return threeWay(a.recoveries, b.recoveries);
    case AgentTableModel::NonceColumn: return threeWay(a.nonce, b.nonce);
    case AgentTableModel::PayloadColumn: return threeWay(a.payload, b.payload);
    default: return 0;
    }
}

} // namespace varta::ui
