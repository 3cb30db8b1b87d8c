#include "ui/models/timeline_store.h"

#include <algorithm>

namespace varta::ui {

void TimelineStore::append(const QList<StateTransition> &transitions) {
    for (const StateTransition &t : transitions)
        appendOne(t);
    while (m_total > kMaxTotal && !m_byLastTouch.empty())
        dropLeastRecent();
}

void TimelineStore::appendOne(const StateTransition &transition) {
    History &history = m_histories[transition.key];
    QList<StateTransition> &items = history.items;
    if (items.isEmpty() || items.back().atMs <= transition.atMs) {
        items.append(transition);
    } else {
        const auto at = std::upper_bound(items.begin(), items.end(), transition.atMs,
                                         [](EngineMs ms, const StateTransition &t) { return ms < t.atMs; });
        items.insert(at, transition);
    }
    ++m_total;
    if (items.size() > kMaxPerAgent) {
        items.removeFirst();
        --m_total;
        ++m_dropped;
    }
    touch(history, transition.key);
}

void TimelineStore::touch(History &history, const AgentKey &agent) {
    if (history.lastTouch != 0)
        m_byLastTouch.erase(history.lastTouch);
    history.lastTouch = ++m_touchClock;
    m_byLastTouch.emplace(history.lastTouch, agent);
}

void TimelineStore::dropLeastRecent() {
    const auto oldest = m_byLastTouch.begin();
    const auto it = m_histories.find(oldest->second);
    if (it != m_histories.end()) {
        m_total -= it->items.size();
        m_dropped += std::uint64_t(it->items.size());
        m_histories.erase(it);
    }
    m_byLastTouch.erase(oldest);
}

void TimelineStore::remove(const QList<AgentKey> &agents) {
    for (const AgentKey &agent : agents) {
        const auto it = m_histories.find(agent);
        if (it == m_histories.end())
            continue;
        m_total -= it->items.size();
        m_byLastTouch.erase(it->lastTouch);
        m_histories.erase(it);
    }
}

void TimelineStore::continueAs(const AgentKey &from, const AgentKey &to, std::optional<EngineMs> fromFirstSeenMs) {
    if (from == to)
        return;
    History moved;
    if (const auto it = m_histories.find(from); it != m_histories.end()) {
        moved = std::move(*it);
        m_byLastTouch.erase(moved.lastTouch);
        m_histories.erase(it);
    }
    if (moved.items.isEmpty() && !fromFirstSeenMs && !moved.sinceMs)
        return;
    for (StateTransition &t : moved.items)
        t.key = to;
    History &target = m_histories[to];
    const auto earliest = [](std::optional<EngineMs> a, std::optional<EngineMs> b) {
        return a && b ? std::optional(std::min(*a, *b)) : (a ? a : b);
    };
    target.sinceMs = earliest(earliest(target.sinceMs, moved.sinceMs), fromFirstSeenMs);
    if (!moved.items.isEmpty()) {
        QList<StateTransition> &items = target.items;
        items = std::move(moved.items) + items;
        // Both runs are in time order already; the old pid's come first but may overlap.
        std::stable_sort(items.begin(), items.end(),
                         [](const StateTransition &a, const StateTransition &b) { return a.atMs < b.atMs; });
        const qsizetype excess = std::max<qsizetype>(0, items.size() - kMaxPerAgent);
        items.remove(0, excess);
        m_total -= excess;
        m_dropped += std::uint64_t(excess);
    }
    // The moved history's transitions were counted under `from` and stay counted.
    touch(target, to);
}

void TimelineStore::clear() {
    m_histories.clear();
    m_byLastTouch.clear();
    m_total = 0;
}

const QList<StateTransition> &TimelineStore::history(const AgentKey &agent) const {
    static const QList<StateTransition> kNone;
    const auto it = m_histories.constFind(agent);
    return it == m_histories.cend() ? kNone : it->items;
}

QList<TimelineSegment> TimelineStore::segments(const AgentKey &agent, EngineMs firstSeenMs, AgentState current,
                                               EngineMs nowMs, bool currentSilent) const {
    const auto found = m_histories.constFind(agent);
    if (found != m_histories.cend() && found->sinceMs)
        firstSeenMs = std::min(firstSeenMs, *found->sinceMs);
    const QList<StateTransition> &items = history(agent);
    QList<TimelineSegment> result;
    if (items.isEmpty()) {
        result.append({firstSeenMs, std::max(firstSeenMs, nowMs), current, currentSilent});
        return result;
    }
    // Neighbours in the same state become one segment, so a lane shows what changed.
    const auto add = [&result](EngineMs fromMs, EngineMs toMs, AgentState state, bool silent) {
        if (!result.isEmpty() && result.back().state == state && result.back().silent == silent
            && result.back().toMs == fromMs)
            result.back().toMs = toMs;
        else
            result.append({fromMs, toMs, state, silent});
    };
    EngineMs from = std::min(firstSeenMs, items.front().atMs);
    AgentState state = items.front().from;
    bool silent = state == AgentState::Stalled;
    for (const StateTransition &t : items) {
        if (t.atMs > from)
            add(from, t.atMs, state, silent);
        from = std::max(from, t.atMs);
        state = t.to;
        silent = t.silent;
    }
    // The tail starts at the last transition: when that is into the current state, its
    // silence is how the tail began; otherwise the table's word for now is all there is.
    add(from, std::max(from, nowMs), current, current == state ? silent : currentSilent);
    return result;
}

}  // namespace varta::ui
