#include "ui/models/event_log_model.h"

#include "ui/models/agent_table_model.h"
#include "ui/style/reason_text.h"
#include "ui/style/state_style.h"
#include "ui/style/time_format.h"

#include <QBrush>
#include <QGuiApplication>
#include <QPalette>

#include <algorithm>

namespace varta::ui {

EventLogModel::EventLogModel(QObject *parent, int maxEntries)
    : QAbstractTableModel(parent), m_maxEntries(std::max(1, maxEntries)) {
    for (int i = 0; i < 3; ++i)
        m_icons[std::size_t(i)] = StateStyle::severityIcon(static_cast<EventSeverity>(i));
}

int EventLogModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

void EventLogModel::clear() {
    beginResetModel();
    m_entries.clear();
    endResetModel();
}

void EventLogModel::appendEvents(const QList<EventLogEntry> &events) {
    if (events.isEmpty())
        return;
    // A flood larger than the log itself: only its newest entries can survive.
    const qsizetype skip = std::max<qsizetype>(0, events.size() - m_maxEntries);
    const int incoming = static_cast<int>(events.size() - skip);
    m_dropped += std::uint64_t(skip);

    const int overflow = rowCount() + incoming - m_maxEntries;
    if (overflow > 0) {
        beginRemoveRows({}, 0, overflow - 1);
        m_entries.erase(m_entries.begin(), m_entries.begin() + overflow);
        m_dropped += std::uint64_t(overflow);
        endRemoveRows();
    }
    const int first = rowCount();
    beginInsertRows({}, first, first + incoming - 1);
    m_entries.insert(m_entries.end(), events.cbegin() + skip, events.cend());
    endInsertRows();
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const EventLogEntry &e = m_entries[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole: return displayData(e, index.column());
    case SeverityRole: return static_cast<int>(e.severity);
    case Qt::DecorationRole:
        if (index.column() == SeverityColumn)
            return m_icons[std::size_t(e.severity)];
        break;
    case Qt::ForegroundRole:
        if (index.column() == SeverityColumn || e.severity == EventSeverity::Error) {
            const bool dark = StateStyle::isDark(QGuiApplication::palette().color(QPalette::Base));
            return QBrush(StateStyle::severityColor(e.severity, dark));
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == TimeColumn)
            return TimeFormat::exact(e.atMs, wallOffsetOf(e));
        if (index.column() == MessageColumn)
            return e.text;
        break;
    default: break;
    }
    return {};
}

QString EventLogModel::categoryName(EventCategory category) {
    switch (category) {
    case EventCategory::Recovery: return tr("recovery");
    case EventCategory::Refused: return tr("refused");
    case EventCategory::Eviction: return tr("eviction");
    case EventCategory::Audit: return tr("audit");
    case EventCategory::Io: return tr("I/O");
    }
    return {};
}

// The wall time the event stream stamped, once: not re-derived from each batch's clock,
// so an event's time never moves while it is on screen.
std::int64_t EventLogModel::wallOffsetOf(const EventLogEntry &entry) const {
    return entry.unixMs != 0 ? entry.unixMs - entry.atMs : m_wallOffsetMs;
}

QVariant EventLogModel::displayData(const EventLogEntry &e, int column) const {
    switch (column) {
    case TimeColumn: return TimeFormat::wallTime(e.atMs, wallOffsetOf(e), true);
    case SeverityColumn: return StateStyle::severityName(e.severity);
    case CategoryColumn: return categoryName(e.category);
    case AgentColumn: return e.agent ? AgentTableModel::agentLabel(*e.agent) : QString();
    case MessageColumn: {
        // An operator action's outcome is a token ("not_paused"); its words follow it.
        const QString words = e.kind == EventKind::Operator ? ReasonText::words(e.details.reason) : QString();
        return words.isEmpty() ? e.text : tr("%1 — %2").arg(e.text, words);
    }
    default: return {};
    }
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn: return tr("Time");
    case SeverityColumn: return tr("Severity");
    case CategoryColumn: return tr("Category");
    case AgentColumn: return tr("Agent");
    case MessageColumn: return tr("Message");
    default: return {};
    }
}

}  // namespace varta::ui
