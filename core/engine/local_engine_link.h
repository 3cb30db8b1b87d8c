#pragma once
// The EngineLink to an Engine on its own thread in this process: every command is a
// queued call onto the engine thread, every batch a queued signal back, paced: the engine
// builds the next batch once this one's batchReady has returned, so receivers connect
// directly (on this thread) and apply the batch before they return.

#include "core/published/engine_link.h"

#include <QPointer>

namespace varta {

class Engine;

class LocalEngineLink : public EngineLink {
    Q_OBJECT
public:
    explicit LocalEngineLink(Engine *engine, QObject *parent = nullptr);

    void setPublishing(bool on) override;
    void recoverNow(const QList<varta::AgentKey> &agents) override;
    void killChild(std::uint64_t childId) override;
    void pause(const QList<varta::AgentKey> &agents) override;
    void resume(const QList<varta::AgentKey> &agents) override;
    void rearm(const QList<varta::AgentKey> &agents) override;

private:
    template <typename Call>
    void post(Call call);

    QPointer<Engine> m_engine;  // gone once the engine has stopped; commands are then dropped
};

}  // namespace varta
