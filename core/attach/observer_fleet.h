#pragma once
// A console attached to several observers: one EngineLink over their RemoteEngineLinks.
// Each link already stamps its observer's number on keys and child ids, so batches pass
// through unchanged but for their totals, which are the sum over every observer (an
// unreachable one's agents counted as tracked, in no state). Commands go to every link;
// each acts only on its own observer's agents and children.

#include "core/attach/remote_engine_link.h"

#include <QList>

#include <vector>

namespace varta {

class ObserverFleet : public EngineLink {
    Q_OBJECT
public:
    // Observer numbers are 1 .. kMaxObservers (AgentKey::observer; 0 is a console's own).
    static constexpr int kMaxObservers = 64;

    explicit ObserverFleet(QObject *parent = nullptr);

    // Adds a link, numbering it after the ones before; nullptr past kMaxObservers.
    RemoteEngineLink *add(RemoteEngineLink::Settings settings);
    const QList<RemoteEngineLink *> &links() const { return m_links; }
    // The link of observer `number`, or nullptr.
    RemoteEngineLink *link(std::uint16_t observer) const;

public Q_SLOTS:
    void setPublishing(bool on) override;
    void recoverNow(const QList<varta::AgentKey> &agents) override;
    void killChild(std::uint64_t childId) override;
    void pause(const QList<varta::AgentKey> &agents) override;
    void resume(const QList<varta::AgentKey> &agents) override;
    void rearm(const QList<varta::AgentKey> &agents) override;
    void requestOutput(std::uint64_t childId) override;

Q_SIGNALS:
    // A link's status() changed (connected, reconnecting, refused).
    void observerStatusChanged(std::uint16_t observer);

private:
    void forward(int index, EngineBatch batch);
    EngineStats total() const;

    QList<RemoteEngineLink *> m_links;
    std::vector<EngineStats> m_stats;  // each link's last totals, by index
};

}  // namespace varta
