#include "ui/incident/incident_replay.h"

#include "core/identity/state_groups.h"
#include "ui/incident/incident_log.h"
#include "ui/style/reason_text.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QLocale>
#include <QMap>
#include <QPair>
#include <QRegularExpression>

#include <algorithm>

namespace varta::ui {

namespace {

QString seconds(std::int64_t ms) { return QLocale().toString(double(ms) / 1000.0, 'f', 1); }

AgentState liveState(vlp::Status status) {
    switch (status) {
    case vlp::Status::Degraded: return AgentState::Degraded;
    case vlp::Status::Critical: return AgentState::Critical;
    default: return AgentState::Up;
    }
}

// `for_ms=N` in an operator pause's detail: how long it was meant to last.
std::optional<std::int64_t> pauseLength(const QString &detail) {
    static const QRegularExpression forMs(QStringLiteral("(?:^|[; ])for_ms=([0-9]+)"));
    const QRegularExpressionMatch match = forMs.match(detail);
    if (!match.hasMatch())
        return std::nullopt;
    bool ok = false;
    const qlonglong value = match.captured(1).toLongLong(&ok);
    return ok ? std::optional<std::int64_t>(value) : std::nullopt;
}

}  // namespace

// Liveness from beats and stalls; overlays from recovery children and the operator.
struct IncidentReplay::Live {
    AgentState liveness = AgentState::Up;
    AgentState shown = AgentState::Up;
    bool shownSilent = false;
    int running = 0;
    bool gaveUp = false;
    bool paused = false;
    std::optional<EngineMs> pauseEndsMs;
    EngineMs lastBeatMs = 0;

    AgentState state() const {
        if (paused)
            return AgentState::Paused;
        if (gaveUp)
            return AgentState::GaveUp;
        if (running > 0 && liveness == AgentState::Stalled)
            return AgentState::Recovering;
        return liveness;
    }
};

IncidentReplay::IncidentReplay(const IncidentLog &log)
    : m_audited(!log.audit().isEmpty()),
      m_wallOffsetMs(log.wallOffsetMs()),
      m_startMs(log.startMs()),
      m_endMs(log.endMs()) {
    for (const IncidentFileReport &file : log.files())
        m_sources.append((file.audit ? tr("audit %1") : tr("events %1")).arg(QFileInfo(file.path).fileName()));
    run(log);
}

IncidentReplay::Agent &IncidentReplay::agentFor(std::uint32_t pid, EngineMs atMs, std::vector<Live> &live) {
    const auto found = m_byPid.constFind(pid);
    if (found != m_byPid.constEnd())
        return m_agents[*found];
    m_byPid.insert(pid, m_agents.size());
    Agent agent;
    agent.key = AgentKey::local(pid);
    agent.firstSeenMs = atMs;
    m_agents.push_back(std::move(agent));
    live.emplace_back();
    return m_agents.back();
}

void IncidentReplay::addEvent(EventLogEntry entry, EngineMs atMs) {
    if (m_events.size() >= kMaxEvents) {
        ++m_eventsNotKept;
        return;
    }
    entry.atMs = atMs;
    entry.seq = static_cast<std::uint64_t>(m_events.size()) + 1;
    entry.unixMs = m_wallOffsetMs + atMs;
    m_events.append(std::move(entry));
}

void IncidentReplay::run(const IncidentLog &log) {
    std::vector<Live> live;
    // Children still running, by (agent pid, child pid): their complete row ends them.
    QHash<QPair<std::uint32_t, qint64>, qsizetype> running;
    // Malformed datagrams are folded per second into one line, as the engine does.
    EngineMs decodeSecond = -1;
    QMap<QString, int> decodeKinds;
    qsizetype decodeCount = 0;
    const auto flushDecode = [&] {
        if (decodeCount == 0)
            return;
        QStringList kinds;
        for (auto it = decodeKinds.cbegin(); it != decodeKinds.cend(); ++it)
            kinds << QStringLiteral("%1 ×%2").arg(it.key()).arg(it.value());
        EventDetails details;
        details.count = static_cast<std::uint64_t>(decodeCount);
        addEvent(EventLogEntry::of(EventKind::DecodeErrors, EventSeverity::Warning, EventCategory::Io,
                                   tr("%n malformed datagram(s): %1", nullptr, int(decodeCount)).arg(kinds.join(", ")),
                                   std::nullopt, details),
                 decodeSecond * 1000);
        decodeKinds.clear();
        decodeCount = 0;
    };

    const auto settle = [&](std::size_t index, EngineMs atMs) {
        Live &l = live[index];
        const AgentState now = l.state();
        const bool silent = l.liveness == AgentState::Stalled;
        // As the engine tells it: under paused, gave up or recovering, silence alone is a
        // transition to the same state.
        if (now != l.shown || (isOverlay(now) && silent != l.shownSilent)) {
            m_agents[index].transitions.append({m_agents[index].key, atMs, l.shown, now, silent});
            l.shown = now;
            l.shownSilent = silent;
        }
    };
    const auto expirePause = [&](std::size_t index, EngineMs atMs) {
        Live &l = live[index];
        if (l.paused && l.pauseEndsMs && *l.pauseEndsMs <= atMs) {
            l.paused = false;
            settle(index, *l.pauseEndsMs);
            addEvent(EventLogEntry::of(EventKind::PauseExpired, EventSeverity::Info, EventCategory::Recovery,
                                       tr("the pause of pid %1 ended at its expiry").arg(m_agents[index].key.pid),
                                       m_agents[index].key),
                     *l.pauseEndsMs);
        }
    };

    for (const IncidentFact &fact : log.facts()) {
        if (fact.kind != IncidentFact::Kind::Decode && fact.atMs / 1000 != decodeSecond)
            flushDecode();
        switch (fact.kind) {
        case IncidentFact::Kind::Beat: {
            Agent &agent = agentFor(fact.pid, fact.atMs, live);
            const std::size_t index = m_byPid.value(fact.pid);
            Live &l = live[index];
            expirePause(index, fact.atMs);
            const bool first = agent.beats.empty();
            const std::uint64_t before = first ? 0 : agent.beats.back().beatsSoFar;
            agent.beats.push_back({fact.atMs, before + 1 + fact.merged, fact.nonce, fact.payload, fact.status});
            if (l.liveness == AgentState::Stalled && !first) {
                EventDetails details;
                details.silentMs = fact.atMs - l.lastBeatMs;
                addEvent(
                    EventLogEntry::of(
                        EventKind::Back, EventSeverity::Info, EventCategory::Recovery,
                        tr("pid %1 is back after %2 s silent").arg(fact.pid).arg(seconds(fact.atMs - l.lastBeatMs)),
                        agent.key, details),
                    fact.atMs);
            }
            l.liveness = liveState(fact.status);
            l.lastBeatMs = fact.atMs;
            if (first) {
                agent.initial = l.state();
                l.shown = agent.initial;
            }
            settle(index, fact.atMs);
            break;
        }
        case IncidentFact::Kind::Stall: {
            Agent &agent = agentFor(fact.pid, fact.atMs, live);
            const std::size_t index = m_byPid.value(fact.pid);
            Live &l = live[index];
            expirePause(index, fact.atMs);
            if (agent.beats.empty()) {
                agent.initial = AgentState::Up;
                l.shown = AgentState::Up;
            }
            agent.stalls.push_back(fact.atMs);
            l.liveness = AgentState::Stalled;
            EventDetails details;
            details.silentMs = fact.atMs - l.lastBeatMs;
            addEvent(
                EventLogEntry::of(
                    EventKind::Stall, EventSeverity::Warning, EventCategory::Recovery,
                    agent.beats.empty()
                        ? tr("pid %1 stalled").arg(fact.pid)
                        : tr("pid %1 stalled: silent for %2 s").arg(fact.pid).arg(seconds(fact.atMs - l.lastBeatMs)),
                    agent.key, details),
                fact.atMs);
            settle(index, fact.atMs);
            break;
        }
        case IncidentFact::Kind::Eviction: {
            Agent &agent = agentFor(fact.pid, fact.atMs, live);
            agent.evictions.push_back(fact.atMs);
            addEvent(EventLogEntry::of(EventKind::Evicted, EventSeverity::Warning, EventCategory::Eviction,
                                       tr("pid %1 evicted to make room").arg(fact.pid), agent.key),
                     fact.atMs);
            break;
        }
        case IncidentFact::Kind::Mismatch:
            addEvent(EventLogEntry::of(EventKind::Notice, EventSeverity::Warning, EventCategory::Io,
                                       tr("a beat claiming pid %1 was refused: %2")
                                           .arg(fact.pid)
                                           .arg(fact.ref >= 0 ? log.texts()[fact.ref] : QString()),
                                       std::nullopt),
                     fact.atMs);
            break;
        case IncidentFact::Kind::Decode: {
            decodeSecond = fact.atMs / 1000;
            m_decodeTimes.push_back(fact.atMs);
            QString kind = fact.ref >= 0 ? log.texts()[fact.ref] : QString();
            kind = kind.left(kind.indexOf(QRegularExpression(QStringLiteral("[ ({]"))));
            ++decodeKinds[kind];
            ++decodeCount;
            break;
        }
        case IncidentFact::Kind::Io:
        case IncidentFact::Kind::Ctrunc:
            addEvent(EventLogEntry::of(EventKind::IoError, EventSeverity::Error, EventCategory::Io,
                                       fact.ref >= 0 ? log.texts()[fact.ref] : QString(), std::nullopt),
                     fact.atMs);
            break;
        case IncidentFact::Kind::Audit: {
            const AuditLine &row = log.audit()[fact.ref];
            if (row.kind == AuditLine::Kind::Boot) {
                addEvent(
                    EventLogEntry::of(
                        EventKind::Notice, EventSeverity::Info, EventCategory::Audit,
                        tr("observer started (audit log: %1)")
                            .arg(ReasonText::words(row.reason).isEmpty() ? row.reason : ReasonText::words(row.reason)),
                        std::nullopt),
                    fact.atMs);
                break;
            }
            if (!row.agentPid) {
                addEvent(EventLogEntry::of(EventKind::Operator, EventSeverity::Info, EventCategory::Recovery,
                                           tr("%1: %2 %3: %4").arg(row.user, row.action, row.target, row.reason),
                                           std::nullopt),
                         fact.atMs);
                break;
            }
            Agent &agent = agentFor(*row.agentPid, fact.atMs, live);
            const std::size_t index = m_byPid.value(*row.agentPid);
            Live &l = live[index];
            expirePause(index, fact.atMs);
            switch (row.kind) {
            case AuditLine::Kind::Boot: break;
            case AuditLine::Kind::Spawn: {
                ChildInfo child;
                child.id = static_cast<std::uint64_t>(m_children.size()) + 1;
                child.agent = agent.key;
                child.pid = row.childPid;
                child.argv = {row.program};
                child.manual = row.manual;
                child.startedMs = fact.atMs;
                running.insert({*row.agentPid, row.childPid}, m_children.size());
                m_children.append(child);
                agent.recoveries.push_back(fact.atMs);
                ++l.running;
                EventDetails details;
                details.childId = child.id;
                details.childPid = child.pid;
                details.argv = child.argv;
                addEvent(
                    EventLogEntry::of(EventKind::RecoveryStarted, EventSeverity::Info, EventCategory::Recovery,
                                      (row.manual ? tr("manual recovery of pid %1: started child %2 (pid %3): %4")
                                                  : tr("automatic recovery of pid %1: started child %2 (pid %3): %4"))
                                          .arg(agent.key.pid)
                                          .arg(child.id)
                                          .arg(child.pid)
                                          .arg(row.program),
                                      agent.key, details),
                    fact.atMs);
                break;
            }
            case AuditLine::Kind::Complete: {
                const auto found = running.constFind({*row.agentPid, row.childPid});
                if (found == running.constEnd())
                    break;  // its spawn is in a generation not loaded
                ChildInfo &child = m_children[*found];
                running.erase(found);
                l.running = std::max(0, l.running - 1);
                child.endedMs = fact.atMs;
                child.bytesKept = row.bytesKept;
                child.truncated = row.truncated;
                if (row.status == QLatin1String("reaped") && row.exitCode) {
                    child.state = ChildState::Exited;
                    child.exitCode = *row.exitCode;
                } else {
                    child.state = ChildState::Killed;
                    child.signal = row.signal.value_or(0);
                    if (row.status != QLatin1String("killed") && row.status != QLatin1String("reaped"))
                        child.error = row.status;
                }
                EventDetails details;
                details.childId = child.id;
                details.exitCode = row.exitCode;
                details.signal = row.signal;
                details.durationMs = row.durationNs / 1'000'000;
                details.bytesKept = row.bytesKept;
                details.truncated = row.truncated;
                const QString how = row.exitCode ? tr("exited with code %1").arg(*row.exitCode)
                                    : row.signal ? tr("died by signal %1").arg(*row.signal)
                                                 : tr("ended: %1").arg(row.status);
                addEvent(EventLogEntry::of(EventKind::RecoveryEnded,
                                           row.exitCode == 0 ? EventSeverity::Info : EventSeverity::Warning,
                                           EventCategory::Recovery,
                                           tr("recovery child %1 for pid %2 %3 after %4 s, %5 bytes kept")
                                               .arg(child.id)
                                               .arg(agent.key.pid)
                                               .arg(how, seconds(row.durationNs / 1'000'000))
                                               .arg(row.bytesKept),
                                           agent.key, details),
                         fact.atMs);
                break;
            }
            case AuditLine::Kind::Refused: {
                EventDetails details;
                details.reason = row.reason;
                if (row.reason == QLatin1String("gave_up")) {
                    const bool already = l.gaveUp;
                    l.gaveUp = true;
                    if (!already) {
                        addEvent(EventLogEntry::of(EventKind::GaveUp, EventSeverity::Error, EventCategory::Recovery,
                                                   tr("gave up on pid %1: its recoveries did not help; re-arm it to "
                                                      "recover again")
                                                       .arg(agent.key.pid),
                                                   agent.key, details),
                                 fact.atMs);
                        break;
                    }
                }
                addEvent(
                    EventLogEntry::of(
                        EventKind::Refused, EventSeverity::Warning, EventCategory::Refused,
                        tr("recovery of pid %1 refused: %2").arg(agent.key.pid).arg(ReasonText::withWords(row.reason)),
                        agent.key, details),
                    fact.atMs);
                break;
            }
            case AuditLine::Kind::Operator: {
                const bool ok = row.reason == QLatin1String("ok");
                if (ok && row.action == QLatin1String("pause")) {
                    l.paused = true;
                    const std::optional<std::int64_t> length = pauseLength(row.detail);
                    l.pauseEndsMs = length ? std::optional<EngineMs>(fact.atMs + *length) : std::nullopt;
                } else if (ok && row.action == QLatin1String("resume")) {
                    l.paused = false;
                } else if (ok && row.action == QLatin1String("rearm")) {
                    l.gaveUp = false;
                }
                EventDetails details;
                details.action = row.action;
                details.reason = row.reason;
                details.by = row.user;
                addEvent(EventLogEntry::of(EventKind::Operator, ok ? EventSeverity::Info : EventSeverity::Warning,
                                           EventCategory::Recovery,
                                           tr("%1: %2 %3: %4").arg(row.user, row.action, row.target, row.reason),
                                           agent.key, details),
                         fact.atMs);
                break;
            }
            }
            settle(index, fact.atMs);
            break;
        }
        }
    }
    flushDecode();
    for (std::size_t i = 0; i < live.size(); ++i)
        expirePause(i, m_endMs);
    // Pause expiries and decode summaries are told after the facts that revealed them.
    std::stable_sort(m_events.begin(), m_events.end(),
                     [](const EventLogEntry &a, const EventLogEntry &b) { return a.atMs < b.atMs; });
    std::uint64_t seq = 0;
    for (EventLogEntry &e : m_events)
        e.seq = ++seq;
}

AgentSnapshot IncidentReplay::snapshotAt(const Agent &agent, EngineMs atMs) const {
    AgentSnapshot s;
    s.key = agent.key;
    s.firstSeenMs = agent.firstSeenMs;
    const auto beat = std::upper_bound(agent.beats.begin(), agent.beats.end(), atMs,
                                       [](EngineMs t, const BeatPoint &b) { return t < b.atMs; });
    if (beat != agent.beats.begin()) {
        const BeatPoint &last = *std::prev(beat);
        s.lastBeatMs = last.atMs;
        s.beats = last.beatsSoFar;
        s.nonce = last.nonce;
        s.payload = last.payload;
        s.lastStatus = last.status;
    } else {
        s.lastBeatMs = agent.firstSeenMs;
    }
    const auto upTo = [atMs](const std::vector<EngineMs> &times) {
        return static_cast<std::uint64_t>(std::upper_bound(times.begin(), times.end(), atMs) - times.begin());
    };
    s.stalls = upTo(agent.stalls);
    s.recoveries = upTo(agent.recoveries);
    const auto next = std::upper_bound(agent.transitions.begin(), agent.transitions.end(), atMs,
                                       [](EngineMs t, const StateTransition &tr) { return t < tr.atMs; });
    s.state = next == agent.transitions.begin() ? agent.initial : std::prev(next)->to;
    s.silent = next != agent.transitions.begin() && std::prev(next)->silent;
    if (isDown(s.state) && next != agent.transitions.begin()) {
        // Down since the transition that took it down from a state that was not.
        auto since = std::prev(next);
        while (since != agent.transitions.begin() && isDown(since->from))
            --since;
        s.downSinceMs = since->atMs;
    }
    return s;
}

EngineBatch IncidentReplay::batchAt(EngineMs atMs, qsizetype maxEvents) const {
    EngineBatch batch;
    EngineStats &stats = batch.stats;
    stats.nowMs = atMs;
    stats.listeners = m_sources;
    stats.recoveryConfigured = m_audited;
    for (const Agent &agent : m_agents) {
        if (agent.firstSeenMs > atMs)
            continue;
        // Evicted, and no beat since: no longer in the table.
        const auto eviction = std::upper_bound(agent.evictions.begin(), agent.evictions.end(), atMs);
        AgentSnapshot s = snapshotAt(agent, atMs);
        if (eviction != agent.evictions.begin() && s.lastBeatMs < *std::prev(eviction))
            continue;
        for (const StateTransition &t : agent.transitions) {
            if (t.atMs > atMs)
                break;
            batch.transitions.append(t);
        }
        ++stats.agentsByState[static_cast<int>(s.state)];
        ++stats.agentsTracked;
        stats.beatsAccepted += s.beats;
        batch.agents.append(std::move(s));
    }
    const auto eventsEnd = std::upper_bound(m_events.begin(), m_events.end(), atMs,
                                            [](EngineMs t, const EventLogEntry &e) { return t < e.atMs; });
    const auto eventsBegin = eventsEnd - std::min<qsizetype>(maxEvents, eventsEnd - m_events.begin());
    batch.events = QList<EventLogEntry>(eventsBegin, eventsEnd);
    for (ChildInfo child : m_children) {
        if (child.startedMs > atMs)
            break;
        if (child.endedMs > atMs) {
            child.endedMs = -1;
            child.state = ChildState::Running;
            child.exitCode = -1;
            child.signal = 0;
            child.bytesKept = 0;
            child.truncated = false;
            child.error.clear();
        }
        batch.children.append(child);
    }
    stats.decodeErrors = static_cast<std::uint64_t>(std::upper_bound(m_decodeTimes.begin(), m_decodeTimes.end(), atMs)
                                                    - m_decodeTimes.begin());
    return batch;
}

std::vector<std::pair<EngineMs, std::array<std::uint32_t, kAgentStateCount>>> IncidentReplay::fleetCounts() const {
    struct Change {
        EngineMs atMs;
        int removeFrom;  // -1: an agent appears
        int addTo;
    };
    std::vector<Change> changes;
    for (const Agent &agent : m_agents) {
        changes.push_back({agent.firstSeenMs, -1, int(agent.initial)});
        for (const StateTransition &t : agent.transitions)
            if (t.from != t.to)
                changes.push_back({t.atMs, int(t.from), int(t.to)});
    }
    std::stable_sort(changes.begin(), changes.end(), [](const Change &a, const Change &b) { return a.atMs < b.atMs; });
    std::vector<std::pair<EngineMs, std::array<std::uint32_t, kAgentStateCount>>> samples;
    std::array<std::uint32_t, kAgentStateCount> counts{};
    for (std::size_t i = 0; i < changes.size(); ++i) {
        const Change &c = changes[i];
        if (c.removeFrom >= 0 && counts[std::size_t(c.removeFrom)] > 0)
            --counts[std::size_t(c.removeFrom)];
        ++counts[std::size_t(c.addTo)];
        // One sample per moment, after all of its changes.
        if (i + 1 == changes.size() || changes[i + 1].atMs != c.atMs)
            samples.emplace_back(c.atMs, counts);
    }
    return samples;
}

EngineMs IncidentReplay::previousEventMs(EngineMs atMs) const {
    const auto it = std::lower_bound(m_events.begin(), m_events.end(), atMs,
                                     [](const EventLogEntry &e, EngineMs t) { return e.atMs < t; });
    return it == m_events.begin() ? atMs : std::prev(it)->atMs;
}

EngineMs IncidentReplay::nextEventMs(EngineMs atMs) const {
    const auto it = std::upper_bound(m_events.begin(), m_events.end(), atMs,
                                     [](EngineMs t, const EventLogEntry &e) { return t < e.atMs; });
    return it == m_events.end() ? atMs : it->atMs;
}

}  // namespace varta::ui
