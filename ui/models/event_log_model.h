#pragma once
// The operator's event log: decode errors, refusals, evictions, spawns... Bounded; the
// oldest entries are dropped first, in one removal per batch.

#include "core/published/engine_batch.h"

#include <QAbstractTableModel>
#include <QIcon>

#include <array>
#include <deque>

namespace varta::ui {

class EventLogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, SeverityColumn, CategoryColumn, AgentColumn, MessageColumn, ColumnCount };
    enum Role { SeverityRole = Qt::UserRole + 1 };

    static constexpr int kMaxEntries = 10000;

    // A smaller bound for a log of fewer entries (one agent's, in its details).
    explicit EventLogModel(QObject *parent = nullptr, int maxEntries = kMaxEntries);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    void appendEvents(const QList<EventLogEntry> &events);
    void clear();
    void setWallOffset(std::int64_t wallOffsetMs) { m_wallOffsetMs = wallOffsetMs; }
    const EventLogEntry &entry(int row) const { return m_entries[std::size_t(row)]; }
    // Entries dropped to honour the bound since the model was created.
    std::uint64_t droppedCount() const { return m_dropped; }

    // A category as the console shows it, in the operator's language.
    static QString categoryName(EventCategory category);

private:
    QVariant displayData(const EventLogEntry &entry, int column) const;
    std::int64_t wallOffsetOf(const EventLogEntry &entry) const;

    std::deque<EventLogEntry> m_entries;
    int m_maxEntries = kMaxEntries;
    std::int64_t m_wallOffsetMs = 0;
    std::uint64_t m_dropped = 0;
    std::array<QIcon, 3> m_icons;
};

}  // namespace varta::ui
