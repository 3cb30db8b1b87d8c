#pragma once
// Narrows the event log to what the operator is looking for: a lowest severity, one
// category or all, and a text that must appear in the message or the agent's label (any
// case). Reads the entries directly; a batch of events re-examines only its new rows.

#include "core/published/engine_batch.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace varta::ui {

class EventLogModel;

class EventLogFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit EventLogFilter(QObject *parent = nullptr);

    // Must be an EventLogModel.
    void setSourceModel(QAbstractItemModel *model) override;

    void setMinimumSeverity(EventSeverity severity);
    void setCategory(std::optional<EventCategory> category);  // nullopt: every category
    void setText(const QString &text);

    EventSeverity minimumSeverity() const { return m_minimum; }
    std::optional<EventCategory> category() const { return m_category; }
    QString text() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    const EventLogModel *m_log = nullptr;
    EventSeverity m_minimum = EventSeverity::Info;
    std::optional<EventCategory> m_category;
    QString m_text;
};

}  // namespace varta::ui
