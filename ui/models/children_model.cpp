#include "ui/models/children_model.h"

#include "ui/models/agent_table_model.h"
#include "ui/models/row_ranges.h"
#include "ui/style/state_style.h"
#include "ui/style/time_format.h"

#include <QBrush>
#include <QGuiApplication>
#include <QLocale>
#include <QPalette>

namespace varta::ui {

ChildrenModel::ChildrenModel(QObject *parent) : QAbstractTableModel(parent) {
    for (int i = 0; i < kAgentStateCount; ++i)
        m_icons[std::size_t(i)] = StateStyle::icon(static_cast<AgentState>(i));
}

int ChildrenModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_children.size());
}

int ChildrenModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

void ChildrenModel::clear() {
    beginResetModel();
    m_children.clear();
    m_rowById.clear();
    endResetModel();
}

void ChildrenModel::applyChildren(const QList<ChildInfo> &children, EngineMs nowMs) {
    m_nowMs = std::max(m_nowMs, nowMs);
    std::vector<ChildInfo> fresh;
    std::vector<int> changed;
    for (const ChildInfo &info : children) {
        const int row = rowOfChild(info.id);
        if (row >= 0) {
            m_children[std::size_t(row)] = info;
            changed.push_back(row);
            continue;
        }
        const auto same = std::find_if(fresh.begin(), fresh.end(), [&](const ChildInfo &f) { return f.id == info.id; });
        if (same != fresh.end())
            *same = info;
        else
            fresh.push_back(info);
    }
    for (const RowRange &range : RowRanges::merge(std::move(changed), 0, 0))
        Q_EMIT dataChanged(index(range.first, 0), index(range.last, ColumnCount - 1),
                           {Qt::DisplayRole, Qt::DecorationRole, Qt::ForegroundRole, Qt::ToolTipRole, SortRole});
    appendChildren(std::move(fresh));
    enforceLimit();
}

void ChildrenModel::addRunningOutput(const QList<OutputChunk> &output) {
    std::vector<int> changed;
    for (const OutputChunk &chunk : output) {
        const int row = rowOfChild(chunk.childId);
        if (row < 0)
            continue;
        ChildInfo &child = m_children[std::size_t(row)];
        if (child.state != ChildState::Running)
            continue;  // its end, in the same batch, already counted this
        child.bytesKept += chunk.data.size();
        changed.push_back(row);
    }
    for (const RowRange &range : RowRanges::merge(std::move(changed), 0, 0))
        Q_EMIT dataChanged(index(range.first, BytesColumn), index(range.last, BytesColumn),
                           {Qt::DisplayRole, Qt::ToolTipRole, SortRole});
}

void ChildrenModel::appendChildren(std::vector<ChildInfo> &&fresh) {
    if (fresh.empty())
        return;
    const int first = rowCount();
    beginInsertRows({}, first, first + static_cast<int>(fresh.size()) - 1);
    for (ChildInfo &info : fresh) {
        m_rowById.insert(info.id, static_cast<int>(m_children.size()));
        m_children.push_back(std::move(info));
    }
    endInsertRows();
}

void ChildrenModel::enforceLimit() {
    QList<std::uint64_t> dropped;
    while (rowCount() > kHistoryLimit) {
        int row = oldestFinishedRow();
        if (row < 0)
            row = 0;  // all running: the oldest running child is the least bad to forget
        beginRemoveRows({}, row, row);
        dropped.append(m_children[std::size_t(row)].id);
        m_children.erase(m_children.begin() + row);
        endRemoveRows();
    }
    if (dropped.isEmpty())
        return;
    rebuildIndex();
    Q_EMIT childrenDropped(dropped);
}

int ChildrenModel::oldestFinishedRow() const {
    int best = -1;
    for (int row = 0; row < rowCount(); ++row) {
        const ChildInfo &c = m_children[std::size_t(row)];
        if (c.state == ChildState::Running)
            continue;
        if (best < 0 || c.endedMs < m_children[std::size_t(best)].endedMs)
            best = row;
    }
    return best;
}

void ChildrenModel::rebuildIndex() {
    m_rowById.clear();
    for (std::size_t row = 0; row < m_children.size(); ++row)
        m_rowById.insert(m_children[row].id, static_cast<int>(row));
}

void ChildrenModel::setNow(EngineMs nowMs) {
    m_nowMs = nowMs;
    std::vector<int> running;
    for (std::size_t row = 0; row < m_children.size(); ++row)
        if (m_children[row].state == ChildState::Running)
            running.push_back(static_cast<int>(row));
    for (const RowRange &range : RowRanges::merge(std::move(running), 0, 0))
        Q_EMIT dataChanged(index(range.first, DurationColumn), index(range.last, DurationColumn),
                           {Qt::DisplayRole, SortRole});
}

std::optional<ChildInfo> ChildrenModel::childById(std::uint64_t id) const {
    const int row = rowOfChild(id);
    if (row < 0)
        return std::nullopt;
    return m_children[std::size_t(row)];
}

QList<ChildInfo> ChildrenModel::childrenOf(const AgentKey &agent) const {
    QList<ChildInfo> result;
    for (const ChildInfo &c : m_children)
        if (c.agent == agent)
            result.append(c);
    return result;
}

QString ChildrenModel::stateText(const ChildInfo &child) {
    switch (child.state) {
    case ChildState::Running: return tr("running");
    case ChildState::Exited: return tr("exited %1").arg(child.exitCode);
    case ChildState::Killed: return child.signal > 0 ? tr("killed (signal %1)").arg(child.signal) : tr("killed");
    case ChildState::TimedOut: return tr("timed out");
    case ChildState::FailedToStart: return tr("failed to start");
    }
    return {};
}

QString ChildrenModel::commandText(const ChildInfo &child) { return child.argv.join(QLatin1Char(' ')); }

// Children borrow the agent state icons, each meaning what it means for agents.
AgentState ChildrenModel::lookalikeState(const ChildInfo &child) const {
    switch (child.state) {
    case ChildState::Running: return AgentState::Recovering;
    case ChildState::Exited: return child.exitCode == 0 ? AgentState::Up : AgentState::Degraded;
    case ChildState::Killed: return AgentState::Critical;
    case ChildState::TimedOut: return AgentState::Stalled;
    case ChildState::FailedToStart: return AgentState::GaveUp;
    }
    return AgentState::Up;
}

QIcon ChildrenModel::stateIcon(const ChildInfo &child) const { return m_icons[std::size_t(lookalikeState(child))]; }

QVariant ChildrenModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ChildInfo &child = m_children[std::size_t(index.row())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole: return displayData(child, column);
    case SortRole: return sortData(child, column);
    case ChildIdRole: return QVariant::fromValue<qulonglong>(child.id);
    case Qt::DecorationRole:
        if (column == StateColumn)
            return stateIcon(child);
        break;
    case Qt::ForegroundRole:
        if (column == StateColumn) {
            const bool dark = StateStyle::isDark(QGuiApplication::palette().color(QPalette::Base));
            return QBrush(StateStyle::textColor(lookalikeState(child), dark));
        }
        break;
    case Qt::ToolTipRole:
        if (column == CommandColumn)
            return commandText(child);
        if (column == StateColumn && child.state == ChildState::FailedToStart)
            return child.error;
        if (column == StartedColumn)
            return TimeFormat::exact(child.startedMs, m_wallOffsetMs);
        break;
    case Qt::TextAlignmentRole:
        if (column == PidColumn || column == DurationColumn || column == BytesColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    default: break;
    }
    return {};
}

QVariant ChildrenModel::displayData(const ChildInfo &child, int column) const {
    switch (column) {
    case AgentColumn: return AgentTableModel::agentLabel(child.agent);
    case PidColumn: return child.pid > 0 ? QString::number(child.pid) : QStringLiteral("–");
    case CommandColumn: return child.manual ? tr("%1 (manual)").arg(commandText(child)) : commandText(child);
    case StartedColumn: return TimeFormat::wallTime(child.startedMs, m_wallOffsetMs, false);
    case DurationColumn: return TimeFormat::duration((child.endedMs >= 0 ? child.endedMs : m_nowMs) - child.startedMs);
    case StateColumn: return stateText(child);
    case BytesColumn: return QLocale().formattedDataSize(child.bytesKept);
    case TruncatedColumn: return child.truncated ? tr("truncated") : QString();
    default: return {};
    }
}

QVariant ChildrenModel::sortData(const ChildInfo &child, int column) const {
    switch (column) {
    case AgentColumn: return child.agent.pid;
    case PidColumn: return child.pid;
    case StartedColumn: return qlonglong(child.startedMs);
    case DurationColumn: return qlonglong((child.endedMs >= 0 ? child.endedMs : m_nowMs) - child.startedMs);
    case StateColumn: return static_cast<int>(child.state);
    case BytesColumn: return qlonglong(child.bytesKept);
    case TruncatedColumn: return child.truncated;
    default: return displayData(child, column);
    }
}

QVariant ChildrenModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case AgentColumn: return tr("Agent");
    case PidColumn: return tr("Child PID");
    case CommandColumn: return tr("Command");
    case StartedColumn: return tr("Started");
    case DurationColumn: return tr("Duration");
    case StateColumn: return tr("State");
    case BytesColumn: return tr("Output kept");
    case TruncatedColumn: return tr("Truncated");
    default: return {};
    }
}

}  // namespace varta::ui
