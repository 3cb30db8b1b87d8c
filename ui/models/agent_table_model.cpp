#include "ui/models/agent_table_model.h"

#include "core/identity/state_groups.h"
#include "ui/models/row_ranges.h"
#include "ui/style/state_style.h"
#include "ui/style/time_format.h"

#include <QBrush>
#include <QGuiApplication>
#include <QPalette>

#include <algorithm>
#include <bit>
#include <limits>

#include <unistd.h>

namespace varta::ui {

namespace {
constexpr unsigned bit(int column) { return 1u << column; }

bool isNumeric(int column) {
    return column == AgentTableModel::PidColumn
           || (column >= AgentTableModel::DownForColumn && column <= AgentTableModel::PayloadColumn);
}

constexpr unsigned kIdentityColumns =
    bit(AgentTableModel::NameColumn) | bit(AgentTableModel::UserColumn) | bit(AgentTableModel::CommandColumn);

// The engine hands every snapshot of an agent the same identity, so the pointers decide
// almost always; the fields only when a snapshot brought another copy.
bool sameIdentity(const std::shared_ptr<const ProcessIdentity> &a, const std::shared_ptr<const ProcessIdentity> &b) {
    if (a == b)
        return true;
    if (!a || !b)
        return false;
    return a->startTime == b->startTime && a->uid == b->uid && a->comm == b->comm && a->cmdline == b->cmdline
           && a->cmdlineTruncated == b->cmdlineTruncated && a->user == b->user && a->unit == b->unit
           && a->container == b->container && a->cgroup == b->cgroup;
}
}  // namespace

AgentTableModel::AgentTableModel(QObject *parent) : QAbstractTableModel(parent) {
    for (int i = 0; i < kAgentStateCount; ++i)
        m_stateIcons[std::size_t(i)] = StateStyle::icon(static_cast<AgentState>(i));
}

int AgentTableModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int AgentTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QStringList AgentTableModel::agentLabels(const QList<AgentKey> &agents, qsizetype named) {
    QStringList labels;
    for (qsizetype i = 0; i < agents.size() && i < named; ++i)
        labels << agentLabel(agents[i]);
    if (agents.size() > named)
        labels << tr("and %n more", nullptr, static_cast<int>(agents.size() - named));
    return labels;
}

namespace {

// The observers' names as labels say them ("pid 42 (uds) on db1:7300"): labels are made by
// static functions all over the console, so the names live here, set by setObserver().
// Touched on the console's thread only.
QHash<std::uint16_t, QString> &observerLabels() {
    static QHash<std::uint16_t, QString> names;
    return names;
}

QString onObserver(const QString &label, std::uint16_t observer) {
    const QString name = observer == 0 ? QString() : observerLabels().value(observer);
    return name.isEmpty() ? label : AgentTableModel::tr("%1 on %2").arg(label, name);
}

}  // namespace

QString AgentTableModel::agentLabel(const AgentKey &key) {
    return onObserver(tr("pid %1 (%2)").arg(key.pid).arg(key.originLabel()), key.observer);
}

QString AgentTableModel::agentLabel(const AgentSnapshot &snapshot) {
    const QString name = nameText(snapshot);
    if (name.isEmpty())
        return agentLabel(snapshot.key);
    // One arg() for all: a unit's name may itself hold "%2".
    return onObserver(tr("%1 (pid %2, %3)").arg(name, QString::number(snapshot.key.pid), snapshot.key.originLabel()),
                      snapshot.key.observer);
}

QString AgentTableModel::nameText(const AgentSnapshot &snapshot) {
    return snapshot.identity ? snapshot.identity->name() : QString();
}

QString AgentTableModel::commandText(const AgentSnapshot &snapshot) {
    if (!snapshot.identity)
        return {};
    return snapshot.identity->cmdline.isEmpty() ? snapshot.identity->comm : snapshot.identity->cmdline;
}

QString AgentTableModel::userText(const AgentSnapshot &snapshot) {
    if (!snapshot.identity)
        return {};
    if (!snapshot.identity->user.isEmpty())
        return snapshot.identity->user;
    return snapshot.identity->uid ? QString::number(*snapshot.identity->uid) : QString();
}

void AgentTableModel::clear() {
    beginResetModel();
    m_rows.clear();
    m_rowByKey.clear();
    endResetModel();
}

void AgentTableModel::applyBatch(const EngineBatch &batch) {
    m_nowMs = std::max(m_nowMs, batch.stats.nowMs);
    const QList<AgentKey> continued = continueAgents(batch.agents);
    if (!batch.removed.isEmpty())
        removeAgents(batch.removed);

    std::vector<Row> fresh;
    QHash<AgentKey, int> freshIndex;
    std::vector<std::pair<unsigned, int>> changed;
    changed.reserve(std::size_t(batch.agents.size()));
    for (const AgentSnapshot &snap : batch.agents) {
        if (const auto it = m_rowByKey.constFind(snap.key); it != m_rowByKey.cend()) {
            Row &row = m_rows[std::size_t(*it)];
            unsigned columns = changedColumns(row.snap, snap);
            if (!continued.isEmpty() && continued.contains(snap.key))
                columns |= bit(PidColumn) | bit(OriginColumn);
            row.snap = snap;
            if (columns != 0)
                changed.emplace_back(columns, *it);
        } else if (const auto f = freshIndex.constFind(snap.key); f != freshIndex.cend()) {
            fresh[std::size_t(*f)].snap = snap;  // the engine coalesces, but never trust a duplicate
        } else {
            freshIndex.insert(snap.key, static_cast<int>(fresh.size()));
            fresh.push_back(Row{snap, m_origins.label(snap.key), {}});
        }
    }
    announceChanges(std::move(changed));
    appendRows(std::move(fresh));
    countFlaps(batch.transitions);
}

// A flap: going down from a state that was not (stalled, exited... from up).
void AgentTableModel::countFlaps(const QList<StateTransition> &transitions) {
    std::vector<int> rows;
    for (const StateTransition &t : transitions) {
        if (!isDown(t.to) || isDown(t.from))
            continue;
        const auto it = m_rowByKey.constFind(t.key);
        if (it == m_rowByKey.cend())
            continue;
        std::vector<EngineMs> &downs = m_rows[std::size_t(*it)].downs;
        if (static_cast<qsizetype>(downs.size()) >= kMaxFlapsKept)
            downs.erase(downs.begin());
        downs.push_back(t.atMs);
        rows.push_back(*it);
    }
    if (!rows.empty())
        announceColumns(std::move(rows), bit(FlapsColumn));
}

int AgentTableModel::flaps(const Row &row, EngineMs nowMs) {
    const auto recent = std::upper_bound(row.downs.begin(), row.downs.end(), nowMs - kFlapWindowMs);
    return static_cast<int>(row.downs.end() - recent);
}

QList<AgentKey> AgentTableModel::continueAgents(const QList<AgentSnapshot> &snapshots) {
    QList<AgentKey> continued;
    for (const AgentSnapshot &snap : snapshots) {
        if (!snap.continues || *snap.continues == snap.key || m_rowByKey.contains(snap.key))
            continue;
        const auto it = m_rowByKey.constFind(*snap.continues);
        if (it == m_rowByKey.cend())
            continue;
        const int row = *it;
        m_rowByKey.erase(it);
        m_rowByKey.insert(snap.key, row);
        // Only the key moves here; the snapshot pass below finds the row under it and
        // announces what changed, pid and origin included.
        Row &r = m_rows[std::size_t(row)];
        r.snap.key = snap.key;
        r.origin = m_origins.label(snap.key);
        continued.append(snap.key);
    }
    return continued;
}

void AgentTableModel::setNow(EngineMs nowMs) {
    m_nowMs = nowMs;
    if (m_rows.empty())
        return;
    // The two columns that count from now: how long down, how long since the last beat.
    Q_EMIT dataChanged(index(0, DownForColumn), index(rowCount() - 1, AgeColumn), {Qt::DisplayRole, Qt::ToolTipRole});
    // And, for the few rows they concern, "paused · silent 3 min" and flaps leaving the window.
    std::vector<int> silentUnder;
    std::vector<int> expiring;
    for (std::size_t i = 0; i < m_rows.size(); ++i) {
        Row &row = m_rows[i];
        if (row.snap.silent && isOverlay(row.snap.state))
            silentUnder.push_back(static_cast<int>(i));
        if (!row.downs.empty() && row.downs.front() <= nowMs - kFlapWindowMs) {
            row.downs.erase(row.downs.begin(),
                            std::upper_bound(row.downs.begin(), row.downs.end(), nowMs - kFlapWindowMs));
            expiring.push_back(static_cast<int>(i));
        }
    }
    if (!silentUnder.empty())
        announceColumns(std::move(silentUnder), bit(StateColumn));
    if (!expiring.empty())
        announceColumns(std::move(expiring), bit(FlapsColumn));
}

unsigned AgentTableModel::changedColumns(const AgentSnapshot &before, const AgentSnapshot &after) {
    unsigned mask = 0;
    if (before.state != after.state || before.silent != after.silent)
        mask |= bit(StateColumn);
    if (before.lastStatus != after.lastStatus || before.terminating != after.terminating)
        mask |= bit(LastStatusColumn);
    if (before.downSinceMs != after.downSinceMs)
        mask |= bit(DownForColumn);
    if (before.lastBeatMs != after.lastBeatMs)
        mask |= bit(AgeColumn);
    if (before.beats != after.beats)
        mask |= bit(BeatsColumn);
    if (before.stalls != after.stalls)
        mask |= bit(StallsColumn);
    if (before.recoveries != after.recoveries)
        mask |= bit(RecoveriesColumn);
    if (before.nonce != after.nonce)
        mask |= bit(NonceColumn);
    if (before.payload != after.payload)
        mask |= bit(PayloadColumn);
    if (!sameIdentity(before.identity, after.identity))
        mask |= kIdentityColumns;
    return mask;
}

// Rows are grouped by which columns changed, and each group is announced per run of
// adjacent changed columns. The sort proxy re-sorts every row of a range that spans its
// sort column, so a beat (age, beats, nonce, payload) must not announce the state or
// stall columns, and the few state changes must not drag thousands of beats with them.
void AgentTableModel::announceChanges(std::vector<std::pair<unsigned, int>> &&changes) {
    // Few distinct masks occur in a batch (beats; beats plus a status or state change).
    std::vector<std::pair<unsigned, std::vector<int>>> groups;
    for (const auto &[mask, row] : changes) {
        auto group = std::find_if(groups.begin(), groups.end(), [m = mask](const auto &g) { return g.first == m; });
        if (group == groups.end())
            group = groups.insert(groups.end(), {mask, {}});
        group->second.push_back(row);
    }
    for (auto &[mask, rows] : groups)
        announceColumns(std::move(rows), mask);
}

void AgentTableModel::announceColumns(std::vector<int> &&rows, unsigned columnMask) {
    QList<int> roles{Qt::DisplayRole, Qt::ToolTipRole, SortRole};
    if (columnMask & bit(StateColumn))
        roles << Qt::DecorationRole << Qt::ForegroundRole << StateRole;
    const std::vector<RowRange> ranges =
        RowRanges::merge(std::move(rows), kMergeGapRows, kMaxChangedRanges, rowCount());
    unsigned remaining = columnMask;
    while (remaining != 0) {
        const int left = std::countr_zero(remaining);
        const int right = left + std::countr_one(remaining >> left) - 1;
        for (const RowRange &range : ranges)
            Q_EMIT dataChanged(index(range.first, left), index(range.last, right), roles);
        remaining &= ~(((2u << right) - 1) & ~((1u << left) - 1));
    }
}

void AgentTableModel::appendRows(std::vector<Row> &&rows) {
    if (rows.empty())
        return;
    const int first = rowCount();
    beginInsertRows({}, first, first + static_cast<int>(rows.size()) - 1);
    m_rows.reserve(m_rows.size() + rows.size());
    for (Row &row : rows) {
        m_rowByKey.insert(row.snap.key, static_cast<int>(m_rows.size()));
        m_rows.push_back(std::move(row));
    }
    endInsertRows();
}

void AgentTableModel::removeAgents(const QList<AgentKey> &keys) {
    std::vector<int> rows;
    rows.reserve(std::size_t(keys.size()));
    for (const AgentKey &key : keys) {
        const int row = rowOf(key);
        if (row >= 0)
            rows.push_back(row);
    }
    if (!rows.empty())
        removeRowRanges(rows);
}

void AgentTableModel::removeRowRanges(const std::vector<int> &rows) {
    const std::vector<RowRange> ranges = RowRanges::merge(rows, 0, 0);
    const int firstAffected = ranges.front().first;
    for (const RowRange &range : ranges)
        for (int row = range.first; row <= range.last; ++row)
            m_rowByKey.remove(m_rows[std::size_t(row)].snap.key);

    if (static_cast<int>(ranges.size()) > kMaxRemovalRanges) {
        beginResetModel();
        for (auto it = ranges.rbegin(); it != ranges.rend(); ++it)
            m_rows.erase(m_rows.begin() + it->first, m_rows.begin() + it->last + 1);
        rebuildIndex(firstAffected);
        endResetModel();
        return;
    }
    // Back to front, so the rows of the ranges still to remove keep their numbers. The
    // key index is renumbered once at the end rather than once per range.
    for (auto it = ranges.rbegin(); it != ranges.rend(); ++it) {
        beginRemoveRows({}, it->first, it->last);
        m_rows.erase(m_rows.begin() + it->first, m_rows.begin() + it->last + 1);
        endRemoveRows();
    }
    rebuildIndex(firstAffected);
}

void AgentTableModel::setObserver(std::uint16_t observer, const QString &name, std::optional<EngineMs> unknownSinceMs) {
    if (m_observers.size() <= observer)
        m_observers.resize(std::size_t(observer) + 1);
    Observer &o = m_observers[observer];
    observerLabels().insert(observer, name);
    const bool changed = o.name != name || o.unknownSinceMs != unknownSinceMs;
    o.name = name;
    o.unknownSinceMs = unknownSinceMs;
    if (changed && !m_rows.empty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                           {Qt::DisplayRole, Qt::ToolTipRole, Qt::DecorationRole, Qt::ForegroundRole});
}

QString AgentTableModel::observerName(std::uint16_t observer) const {
    return observer < m_observers.size() ? m_observers[observer].name : QString();
}

bool AgentTableModel::isUnknown(const AgentKey &key) const {
    return key.observer < m_observers.size() && m_observers[key.observer].unknownSinceMs.has_value();
}

void AgentTableModel::rebuildIndex(int fromRow) {
    for (std::size_t row = std::size_t(fromRow); row < m_rows.size(); ++row)
        m_rowByKey.insert(m_rows[row].snap.key, static_cast<int>(row));
}

QVariant AgentTableModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[std::size_t(index.row())];
    const int column = index.column();
    if (isUnknown(row.snap.key)) {
        const std::optional<EngineMs> since = m_observers[row.snap.key.observer].unknownSinceMs;
        switch (role) {
        case Qt::DisplayRole:
            if (column == StateColumn)
                return tr("unknown since %1").arg(TimeFormat::wallTime(*since, m_wallOffsetMs, false));
            break;
        case Qt::ToolTipRole:
            if (column == StateColumn)
                return tr("Observer %1 cannot be reached since %2: this agent's state is unknown (it was %3)")
                    .arg(observerName(row.snap.key.observer), TimeFormat::exact(*since, m_wallOffsetMs),
                         StateStyle::name(row.snap.state));
            break;
        case Qt::DecorationRole: return {};
        case Qt::ForegroundRole: return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        default: break;
        }
    }
    switch (role) {
    case Qt::DisplayRole: return displayData(row, column);
    case SortRole: return sortData(row, column);
    case StateRole: return static_cast<int>(row.snap.state);
    case Qt::ToolTipRole: return toolTipData(row, column);
    case Qt::DecorationRole:
        if (column == StateColumn)
            return m_stateIcons[std::size_t(row.snap.state)];
        break;
    case Qt::ForegroundRole:
        if (column == StateColumn) {
            const bool dark = StateStyle::isDark(QGuiApplication::palette().color(QPalette::Base));
            return QBrush(StateStyle::textColor(row.snap.state, dark));
        }
        break;
    case Qt::TextAlignmentRole:
        if (isNumeric(column))
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    default: break;
    }
    return {};
}

QVariant AgentTableModel::displayData(const Row &row, int column) const {
    const AgentSnapshot &s = row.snap;
    switch (column) {
    case PidColumn: return QString::number(s.key.pid);
    case NameColumn: return nameText(s);
    case OriginColumn: return row.origin;
    case StateColumn:
        if (isOverlay(s.state) && s.silent)
            return tr("%1 %2").arg(StateStyle::nameWithLiveness(s.state, true),
                                   TimeFormat::age(m_nowMs - s.lastBeatMs));
        return StateStyle::nameWithLiveness(s.state, false);
    case LastStatusColumn:
        return s.terminating ? tr("%1 (exiting)").arg(StateStyle::statusName(s.lastStatus))
                             : StateStyle::statusName(s.lastStatus);
    case DownForColumn: return s.downSinceMs ? TimeFormat::age(m_nowMs - *s.downSinceMs) : QString();
    case AgeColumn: return s.beats == 0 ? tr("never") : TimeFormat::age(m_nowMs - s.lastBeatMs);
    case BeatsColumn: return m_locale.toString(qulonglong(s.beats));
    case StallsColumn: return m_locale.toString(qulonglong(s.stalls));
    case FlapsColumn: {
        const int n = flaps(row, m_nowMs);
        return n >= kMaxFlapsKept ? tr("%1+").arg(m_locale.toString(n)) : m_locale.toString(n);
    }
    case RecoveriesColumn: return m_locale.toString(qulonglong(s.recoveries));
    case NonceColumn: return s.nonce == vlp::kNonceTerminal ? tr("terminal") : QString::number(s.nonce);
    case PayloadColumn: return QString::number(s.payload);
    case UserColumn: return userText(s);
    case CommandColumn: return commandText(s);
    case ObserverColumn: return observerName(s.key.observer);
    default: return {};
    }
}

QVariant AgentTableModel::sortData(const Row &row, int column) const {
    const AgentSnapshot &s = row.snap;
    switch (column) {
    case PidColumn: return s.key.pid;
    case NameColumn: return nameText(s);
    case OriginColumn: return row.origin;
    case StateColumn: return StateStyle::urgency(s.state);
    case LastStatusColumn: return static_cast<int>(s.lastStatus);
    // Up first when ascending, then the agents down the shortest time.
    case DownForColumn: return s.downSinceMs ? qlonglong(-*s.downSinceMs) : std::numeric_limits<qlonglong>::min();
    case AgeColumn: return qlonglong(-s.lastBeatMs);  // youngest beat first when ascending
    case BeatsColumn: return qulonglong(s.beats);
    case StallsColumn: return qulonglong(s.stalls);
    case FlapsColumn: return flaps(row, m_nowMs);
    case RecoveriesColumn: return qulonglong(s.recoveries);
    case NonceColumn: return qulonglong(s.nonce);
    case PayloadColumn: return s.payload;
    case UserColumn: return userText(s);
    case CommandColumn: return commandText(s);
    case ObserverColumn: return observerName(s.key.observer);
    default: return {};
    }
}

QVariant AgentTableModel::toolTipData(const Row &row, int column) const {
    const AgentSnapshot &s = row.snap;
    switch (column) {
    case StateColumn: return StateStyle::description(s.state);
    case DownForColumn:
        return s.downSinceMs ? tr("Down since %1").arg(TimeFormat::exact(*s.downSinceMs, m_wallOffsetMs)) : QVariant();
    case AgeColumn:
        return s.beats == 0 ? QVariant() : tr("Last beat at %1").arg(TimeFormat::exact(s.lastBeatMs, m_wallOffsetMs));
    case OriginColumn: return tr("First seen at %1").arg(TimeFormat::exact(s.firstSeenMs, m_wallOffsetMs));
    case NameColumn:
    case UserColumn:
    case CommandColumn: return s.identity ? identityToolTip(*s.identity) : QVariant();
    default: return {};
    }
}

// Rich text with every value escaped: a command line is whatever the process chose, and
// plain text that merely looks like markup would be rendered as markup. Rich text also
// wraps a command line of thousands of characters instead of one endless line.
QString AgentTableModel::identityToolTip(const ProcessIdentity &identity) {
    QStringList lines;
    const QString command = identity.cmdline.isEmpty() ? identity.comm : identity.cmdline;
    if (!command.isEmpty())
        lines << (identity.cmdlineTruncated ? tr("%1 (cut)") : QStringLiteral("%1")).arg(command.toHtmlEscaped());
    if (!identity.unit.isEmpty())
        lines << tr("Unit: %1").arg(identity.unit.toHtmlEscaped());
    if (!identity.container.isEmpty())
        lines << tr("Container: %1").arg(identity.container.toHtmlEscaped());
    if (!identity.cgroup.isEmpty())
        lines << tr("Cgroup: %1").arg(identity.cgroup.toHtmlEscaped());
    if (identity.uid)
        lines << (identity.user.isEmpty()
                      ? tr("User: uid %1").arg(*identity.uid)
                      : tr("User: %1 (uid %2)").arg(identity.user.toHtmlEscaped(), QString::number(*identity.uid)));
    if (identity.startTime != 0) {
        // /proc counts in the kernel's USER_HZ, which sysconf reports. It is part of the
        // kernel's ABI (100 wherever Linux runs), so a console on another host than the
        // engine's reads the same value.
        static const long ticksPerSecond = std::max(1L, ::sysconf(_SC_CLK_TCK));
        const auto ms = std::int64_t(identity.startTime * 1000 / std::uint64_t(ticksPerSecond));
        lines << tr("Started %1 after boot").arg(TimeFormat::age(ms));
    }
    return QStringLiteral("<qt>%1</qt>").arg(lines.join(QStringLiteral("<br/>")));
}

QVariant AgentTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case PidColumn: return tr("PID");
        case NameColumn: return tr("Name");
        case OriginColumn: return tr("Origin");
        case StateColumn: return tr("State");
        case LastStatusColumn: return tr("Last status");
        case DownForColumn: return tr("Down for");
        case AgeColumn: return tr("Last beat");
        case BeatsColumn: return tr("Beats");
        case StallsColumn: return tr("Stalls");
        case FlapsColumn: return tr("Flaps (10 min)");
        case RecoveriesColumn: return tr("Recoveries");
        case NonceColumn: return tr("Nonce");
        case PayloadColumn: return tr("Payload");
        case UserColumn: return tr("User");
        case CommandColumn: return tr("Command");
        case ObserverColumn: return tr("Observer");
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case OriginColumn: return tr("Transport and peer address the agent beats from");
        case DownForColumn:
            return tr("How long the agent has been down: stalled since its last beat, through its recoveries, "
                      "or exited; empty while it is up or paused");
        case AgeColumn: return tr("Time since the last accepted beat");
        case StallsColumn: return tr("Times the agent went silent past the threshold");
        case FlapsColumn:
            return tr("Times the agent went down (stalled, exited...) in the last 10 minutes: an agent that "
                      "keeps coming back and going down again");
        case RecoveriesColumn: return tr("Recovery children started for the agent");
        case PayloadColumn: return tr("The application value carried by the last beat");
        case NameColumn: return tr("The local agent's systemd unit, else its container, else its command name");
        case UserColumn: return tr("The user the local agent's process runs as");
        case CommandColumn: return tr("The local agent's command line, as the kernel reported it at first contact");
        case ObserverColumn: return tr("The observer that tracks the agent and runs its recoveries");
        default: return {};
        }
    }
    if (role == Qt::TextAlignmentRole && isNumeric(section))
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

}  // namespace varta::ui
