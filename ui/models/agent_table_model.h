#pragma once
// The agents table. Fed whole engine batches (never single beats): new agents arrive
// with one beginInsertRows per batch, changed rows are announced as a few merged
// dataChanged ranges with explicit roles, and the "last beat" ages are repainted by a
// once-a-second tick instead of by beats (docs/architecture.md section 5).

#include "core/published/engine_batch.h"
#include "ui/models/origin_labels.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QIcon>
#include <QLocale>
#include <QStringList>

#include <array>
#include <vector>

namespace varta::ui {

class AgentTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        PidColumn,
        NameColumn,
        OriginColumn,
        StateColumn,
        LastStatusColumn,
        DownForColumn,
        AgeColumn,
        BeatsColumn,
        StallsColumn,
        FlapsColumn,
        RecoveriesColumn,
        NonceColumn,
        PayloadColumn,
        UserColumn,
        CommandColumn,
        ObserverColumn,  // last, so saved column layouts stay valid; hidden without observers
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1,  // numbers as numbers, so sorting is numeric
        StateRole,                    // AgentState as int
    };

    // Changed rows this close together share one dataChanged range.
    static constexpr int kMergeGapRows = 16;
    // Beyond this many ranges one span is cheaper than many signals.
    static constexpr int kMaxChangedRanges = 64;
    // Beyond this many scattered removals a reset is cheaper than many removals.
    static constexpr int kMaxRemovalRanges = 256;
    // "Flaps (10 min)": the times an agent went down within this window, at most this
    // many kept per agent (shown as "64+").
    static constexpr EngineMs kFlapWindowMs = 10 * 60'000;
    static constexpr qsizetype kMaxFlapsKept = 64;

    explicit AgentTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // Continuations first: a snapshot that continues an agent with a row takes that row
    // over under its own key, so the old key's removal, in this batch or a later one,
    // finds nothing and the unit stays one row. Then removals (an evicted agent that
    // beats again comes back in the same batch), then snapshots. EngineStats::nowMs
    // becomes the model's "now".
    void applyBatch(const EngineBatch &batch);
    // Every row gone at once (a post-mortem moving to another moment).
    void clear();
    // The 1 Hz tick: moves "now" and repaints the age column only.
    void setNow(EngineMs nowMs);
    EngineMs now() const { return m_nowMs; }
    void setWallOffset(std::int64_t wallOffsetMs) { m_wallOffsetMs = wallOffsetMs; }

    // A console attached to observers elsewhere: each one's name (AgentKey::observer) and
    // since when it is unreachable, its rows then shown grey, as "unknown since ...", and
    // never as their last state.
    void setObserver(std::uint16_t observer, const QString &name, std::optional<EngineMs> unknownSinceMs);
    QString observerName(std::uint16_t observer) const;
    bool isUnknown(const AgentKey &key) const;

    int rowOf(const AgentKey &key) const { return m_rowByKey.value(key, -1); }
    const AgentSnapshot &snapshot(int row) const { return m_rows[std::size_t(row)].snap; }
    QString pidText(int row) const { return QString::number(m_rows[std::size_t(row)].snap.key.pid); }
    const QString &originText(int row) const { return m_rows[std::size_t(row)].origin; }
    // "pid 42 (udp:10.0.0.7)": how lanes, dialogs and logs name an agent.
    static QString agentLabel(const AgentKey &key);
    // The first `named` agents' labels, then "and N more" for the rest.
    static QStringList agentLabels(const QList<AgentKey> &agents, qsizetype named);
    // "api.service (pid 42, uds)" when the kernel named the process, else as above.
    static QString agentLabel(const AgentSnapshot &snapshot);

    // What the identity columns show; empty for agents without an identity (UDP). The
    // filter and the sort proxy read these too.
    static QString nameText(const AgentSnapshot &snapshot);
    static QString commandText(const AgentSnapshot &snapshot);
    static QString userText(const AgentSnapshot &snapshot);

private:
    // Kept small: 100,000 of them. The pid's text is made when asked for; the origin is
    // shared with every agent of the same host; the identity is shared with the engine's
    // snapshots and every later one of the same agent.
    struct Row {
        AgentSnapshot snap;
        QString origin;
        std::vector<EngineMs> downs;  // when it went down, within kFlapWindowMs, oldest first
    };

    // Re-keys the rows the batch's continuations take over; returns their new keys.
    QList<AgentKey> continueAgents(const QList<AgentSnapshot> &snapshots);
    void removeAgents(const QList<AgentKey> &keys);
    void countFlaps(const QList<StateTransition> &transitions);
    static int flaps(const Row &row, EngineMs nowMs);
    void removeRowRanges(const std::vector<int> &rows);
    void rebuildIndex(int fromRow);
    void appendRows(std::vector<Row> &&rows);
    static unsigned changedColumns(const AgentSnapshot &before, const AgentSnapshot &after);
    // `changes` pairs a row with the mask of its changed columns.
    void announceChanges(std::vector<std::pair<unsigned, int>> &&changes);
    void announceColumns(std::vector<int> &&rows, unsigned columnMask);

    QVariant displayData(const Row &row, int column) const;
    QVariant sortData(const Row &row, int column) const;
    QVariant toolTipData(const Row &row, int column) const;
    static QString identityToolTip(const ProcessIdentity &identity);

    struct Observer {
        QString name;
        std::optional<EngineMs> unknownSinceMs;
    };

    std::vector<Row> m_rows;
    std::vector<Observer> m_observers;  // by AgentKey::observer
    OriginLabels m_origins;
    QHash<AgentKey, int> m_rowByKey;
    EngineMs m_nowMs = 0;
    std::int64_t m_wallOffsetMs = 0;
    std::array<QIcon, kAgentStateCount> m_stateIcons;
    QLocale m_locale;
};

}  // namespace varta::ui
