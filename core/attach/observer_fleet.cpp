#include "core/attach/observer_fleet.h"

#include <algorithm>

namespace varta {

ObserverFleet::ObserverFleet(QObject *parent) : EngineLink(parent) {}

RemoteEngineLink *ObserverFleet::add(RemoteEngineLink::Settings settings) {
    if (m_links.size() >= kMaxObservers)
        return nullptr;
    const int index = static_cast<int>(m_links.size());
    settings.observer = static_cast<std::uint16_t>(index + 1);
    auto *link = new RemoteEngineLink(std::move(settings), this);
    m_links.append(link);
    m_stats.emplace_back();
    connect(link, &EngineLink::batchReady, this, [this, index](const EngineBatch &batch) { forward(index, batch); });
    connect(link, &RemoteEngineLink::statusChanged, this,
            [this, link] { Q_EMIT observerStatusChanged(link->observer()); });
    return link;
}

RemoteEngineLink *ObserverFleet::link(std::uint16_t observer) const {
    return observer >= 1 && observer <= m_links.size() ? m_links[observer - 1] : nullptr;
}

void ObserverFleet::forward(int index, EngineBatch batch) {
    m_stats[static_cast<std::size_t>(index)] = batch.stats;
    batch.stats = total();
    Q_EMIT batchReady(batch);
}

EngineStats ObserverFleet::total() const {
    EngineStats sum;
    sum.nowMs = RemoteEngineLink::consoleNowMs();
    for (qsizetype i = 0; i < m_links.size(); ++i) {
        const EngineStats &s = m_stats[static_cast<std::size_t>(i)];
        const RemoteEngineLink *link = m_links[i];
        sum.beatsAccepted += s.beatsAccepted;
        sum.decodeErrors += s.decodeErrors;
        sum.datagramsDropped += s.datagramsDropped;
        sum.agentsTracked += s.agentsTracked;
        if (!link->unreachableSinceMs())  // never counted as up, or as anything, while unknown
            for (int state = 0; state < kAgentStateCount; ++state)
                sum.agentsByState[state] += s.agentsByState[state];
        for (const QString &listener : s.listeners)
            sum.listeners.append(link->target().text() + QStringLiteral(": ") + listener);
        sum.recoveryConfigured = sum.recoveryConfigured || s.recoveryConfigured;
        if (sum.recoveryTemplate.isEmpty())
            sum.recoveryTemplate = s.recoveryTemplate;
    }
    return sum;
}

void ObserverFleet::setPublishing(bool on) {
    for (RemoteEngineLink *link : std::as_const(m_links))
        link->setPublishing(on);
}

void ObserverFleet::recoverNow(const QList<AgentKey> &agents) {
    for (RemoteEngineLink *link : std::as_const(m_links))
        link->recoverNow(agents);
}

void ObserverFleet::killChild(std::uint64_t childId) {
    if (RemoteEngineLink *owner = link(static_cast<std::uint16_t>(childId >> RemoteEngineLink::kObserverShift)))
        owner->killChild(childId);
}

void ObserverFleet::requestOutput(std::uint64_t childId) {
    if (RemoteEngineLink *owner = link(static_cast<std::uint16_t>(childId >> RemoteEngineLink::kObserverShift)))
        owner->requestOutput(childId);
}

void ObserverFleet::pause(const QList<AgentKey> &agents) {
    for (RemoteEngineLink *link : std::as_const(m_links))
        link->pause(agents);
}

void ObserverFleet::resume(const QList<AgentKey> &agents) {
    for (RemoteEngineLink *link : std::as_const(m_links))
        link->resume(agents);
}

void ObserverFleet::rearm(const QList<AgentKey> &agents) {
    for (RemoteEngineLink *link : std::as_const(m_links))
        link->rearm(agents);
}

}  // namespace varta
