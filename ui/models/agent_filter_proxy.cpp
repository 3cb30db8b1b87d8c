#include "ui/models/agent_filter_proxy.h"

#include "ui/models/agent_table_model.h"
#include "ui/style/state_style.h"

namespace varta::ui {

namespace {
template <typename T>
int threeWay(const T &a, const T &b) {
    return a < b ? -1 : (b < a ? 1 : 0);
}
}  // namespace

AgentFilterProxy::AgentFilterProxy(QObject *parent) : QSortFilterProxyModel(parent) {
    setSortRole(AgentTableModel::SortRole);
    setDynamicSortFilter(true);
    m_frozenRefresh.setInterval(kFrozenSortRefreshMs);
    connect(&m_frozenRefresh, &QTimer::timeout, this, [this] {
        if (m_frozenStale)
            refreshFrozenSort();
    });
}

void AgentFilterProxy::setSourceModel(QAbstractItemModel *model) {
    if (m_agents)
        disconnect(m_agents, nullptr, this, nullptr);
    m_agents = qobject_cast<AgentTableModel *>(model);
    Q_ASSERT(m_agents || !model);
    m_frozenKeys.clear();
    QSortFilterProxyModel::setSourceModel(model);
    if (!m_agents)
        return;
    connect(m_agents, &QAbstractItemModel::dataChanged, this, &AgentFilterProxy::onSourceDataChanged);
    connect(m_agents, &QAbstractItemModel::rowsRemoved, this, &AgentFilterProxy::onSourceRowsRemoved);
    connect(m_agents, &QAbstractItemModel::modelReset, this, [this] { m_frozenKeys.clear(); });
}

bool AgentFilterProxy::isVolatileColumn(int column) {
    switch (column) {
    case AgentTableModel::LastStatusColumn:
    case AgentTableModel::AgeColumn:
    case AgentTableModel::BeatsColumn:
    case AgentTableModel::NonceColumn:
    case AgentTableModel::PayloadColumn: return true;
    default: return false;
    }
}

void AgentFilterProxy::sort(int column, Qt::SortOrder order) {
    m_frozenColumn = isVolatileColumn(column) ? column : -1;
    freezeKeys();
    if (m_frozenColumn >= 0)
        m_frozenRefresh.start();
    else
        m_frozenRefresh.stop();
    QSortFilterProxyModel::sort(column, order);
}

void AgentFilterProxy::refreshFrozenSort() {
    freezeKeys();
    // sort() ignores a request for the current column and order; invalidate() re-sorts
    // (and re-filters) while keeping persistent indexes such as the selection.
    invalidate();
}

void AgentFilterProxy::freezeKeys() {
    m_frozenStale = false;
    m_frozenKeys.clear();
    if (m_frozenColumn < 0 || !m_agents)
        return;
    m_frozenKeys.resize(std::size_t(m_agents->rowCount()));
    for (int row = 0; row < m_agents->rowCount(); ++row)
        m_frozenKeys[std::size_t(row)] = volatileKey(row, m_frozenColumn);
}

void AgentFilterProxy::onSourceDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight) {
    if (m_frozenColumn >= topLeft.column() && m_frozenColumn <= bottomRight.column())
        m_frozenStale = true;
}

void AgentFilterProxy::onSourceRowsRemoved(const QModelIndex &parent, int first, int last) {
    if (parent.isValid() || std::size_t(first) >= m_frozenKeys.size())
        return;
    const auto end = m_frozenKeys.begin() + std::min<std::ptrdiff_t>(last + 1, std::ssize(m_frozenKeys));
    m_frozenKeys.erase(m_frozenKeys.begin() + first, end);
}

// Ascending keys give the column's ascending order.
std::uint64_t AgentFilterProxy::volatileKey(int row, int column) const {
    const AgentSnapshot &s = m_agents->snapshot(row);
    switch (column) {
    case AgentTableModel::LastStatusColumn: return std::uint64_t(s.lastStatus);
    // Youngest beat first; the sign bit flip orders signed times as unsigned.
    case AgentTableModel::AgeColumn: return ~(std::uint64_t(s.lastBeatMs) ^ (1ull << 63));
    case AgentTableModel::BeatsColumn: return s.beats;
    case AgentTableModel::NonceColumn: return s.nonce;
    case AgentTableModel::PayloadColumn: return s.payload;
    default: return 0;
    }
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
    if (m_agents->pidText(sourceRow).contains(m_text, Qt::CaseInsensitive)
        || m_agents->originText(sourceRow).contains(m_text, Qt::CaseInsensitive)
        || m_agents->observerName(m_agents->snapshot(sourceRow).key.observer).contains(m_text, Qt::CaseInsensitive))
        return true;
    const ProcessIdentity *identity = m_agents->snapshot(sourceRow).identity.get();
    if (!identity)
        return false;
    // The name is the unit, the container or comm: matching those covers it.
    for (const QString *field :
         {&identity->unit, &identity->container, &identity->comm, &identity->cmdline, &identity->user})
        if (field->contains(m_text, Qt::CaseInsensitive))
            return true;
    return false;
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
    if (column == m_frozenColumn) {
        const auto key = [this, column](int row) {
            return std::size_t(row) < m_frozenKeys.size() ? m_frozenKeys[std::size_t(row)] : volatileKey(row, column);
        };
        return threeWay(key(left), key(right));
    }
    const AgentSnapshot &a = m_agents->snapshot(left);
    const AgentSnapshot &b = m_agents->snapshot(right);
    switch (column) {
    case AgentTableModel::PidColumn: return threeWay(a.key.pid, b.key.pid);
    case AgentTableModel::NameColumn:
        return AgentTableModel::nameText(a).compare(AgentTableModel::nameText(b), Qt::CaseInsensitive);
    case AgentTableModel::UserColumn:
        return AgentTableModel::userText(a).compare(AgentTableModel::userText(b), Qt::CaseInsensitive);
    case AgentTableModel::CommandColumn:
        return AgentTableModel::commandText(a).compare(AgentTableModel::commandText(b), Qt::CaseInsensitive);
    case AgentTableModel::OriginColumn: return m_agents->originText(left).compare(m_agents->originText(right));
    case AgentTableModel::ObserverColumn: return threeWay(a.key.observer, b.key.observer);
    case AgentTableModel::StateColumn: return threeWay(StateStyle::urgency(a.state), StateStyle::urgency(b.state));
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

}  // namespace varta::ui
