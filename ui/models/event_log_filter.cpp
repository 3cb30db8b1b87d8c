#include "ui/models/event_log_filter.h"

#include "ui/models/agent_table_model.h"
#include "ui/models/event_log_model.h"

namespace varta::ui {

EventLogFilter::EventLogFilter(QObject *parent) : QSortFilterProxyModel(parent) {}

void EventLogFilter::setSourceModel(QAbstractItemModel *model) {
    m_log = qobject_cast<const EventLogModel *>(model);
    Q_ASSERT(m_log || !model);
    QSortFilterProxyModel::setSourceModel(model);
}

void EventLogFilter::setMinimumSeverity(EventSeverity severity) {
    if (severity == m_minimum)
        return;
    m_minimum = severity;
    invalidateRowsFilter();
}

void EventLogFilter::setCategory(std::optional<EventCategory> category) {
    if (category == m_category)
        return;
    m_category = category;
    invalidateRowsFilter();
}

void EventLogFilter::setText(const QString &text) {
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
}

bool EventLogFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const {
    if (!m_log || sourceParent.isValid())
        return false;
    const EventLogEntry &entry = m_log->entry(sourceRow);
    if (static_cast<int>(entry.severity) < static_cast<int>(m_minimum))
        return false;
    if (m_category && entry.category != *m_category)
        return false;
    if (m_text.isEmpty())
        return true;
    return entry.text.contains(m_text, Qt::CaseInsensitive)
           || (entry.agent && AgentTableModel::agentLabel(*entry.agent).contains(m_text, Qt::CaseInsensitive));
}

}  // namespace varta::ui
