#pragma once
// Recovery children, running and recent. The history is bounded: when it is full the
// oldest finished child goes first, so a running child is only dropped when every kept
// child is still running.

#include "core/published/engine_batch.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QIcon>
#include <QList>

#include <array>
#include <optional>
#include <vector>

namespace varta::ui {

class ChildrenModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        AgentColumn,
        PidColumn,
        CommandColumn,
        StartedColumn,
        DurationColumn,
        StateColumn,
        BytesColumn,
        TruncatedColumn,
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1, ChildIdRole };

    static constexpr int kHistoryLimit = 500;

    explicit ChildrenModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // Started or changed children; unknown ids are appended, known ones updated.
    void applyChildren(const QList<ChildInfo> &children, EngineMs nowMs);
    void clear();
    // Output that arrived for running children adds to their bytes kept, so a child still
    // printing shows what it has printed so far; its end brings the engine's own count.
    void addRunningOutput(const QList<OutputChunk> &output);
    // The 1 Hz tick: repaints the elapsed time of running children.
    void setNow(EngineMs nowMs);
    void setWallOffset(std::int64_t wallOffsetMs) { m_wallOffsetMs = wallOffsetMs; }

    int rowOfChild(std::uint64_t id) const { return m_rowById.value(id, -1); }
    const ChildInfo &child(int row) const { return m_children[std::size_t(row)]; }
    std::optional<ChildInfo> childById(std::uint64_t id) const;
    // For timeline markers; at most kHistoryLimit rows to scan.
    QList<ChildInfo> childrenOf(const AgentKey &agent) const;

    static QString stateText(const ChildInfo &child);
    static QString commandText(const ChildInfo &child);

Q_SIGNALS:
    // Children no longer kept, so their captured output can be released too.
    void childrenDropped(const QList<std::uint64_t> &ids);

private:
    void appendChildren(std::vector<ChildInfo> &&fresh);
    void enforceLimit();
    int oldestFinishedRow() const;
    void rebuildIndex();
    QVariant displayData(const ChildInfo &child, int column) const;
    QVariant sortData(const ChildInfo &child, int column) const;
    QIcon stateIcon(const ChildInfo &child) const;
    AgentState lookalikeState(const ChildInfo &child) const;

    std::vector<ChildInfo> m_children;
    QHash<std::uint64_t, int> m_rowById;
    EngineMs m_nowMs = 0;
    std::int64_t m_wallOffsetMs = 0;
    std::array<QIcon, kAgentStateCount> m_icons;
};

}  // namespace varta::ui
