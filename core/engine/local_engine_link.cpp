#include "core/engine/local_engine_link.h"

#include "core/engine/engine.h"

namespace varta {

LocalEngineLink::LocalEngineLink(Engine *engine, QObject *parent) : EngineLink(parent), m_engine(engine) {
    qRegisterMetaType<varta::EngineBatch>();
    qRegisterMetaType<QList<varta::AgentKey>>();
    // The engine lives on another thread: a queued signal, delivered on ours. The console
    // applies it in our batchReady (direct connections on this thread); only then is the
    // engine told, so that at most one batch waits in this thread's event queue.
    connect(
        engine, &Engine::batchReady, this,
        [this](const EngineBatch &batch) {
            Q_EMIT batchReady(batch);
            post([](Engine &e) { e.batchTaken(); });
        },
        Qt::QueuedConnection);
}

template <typename Call>
void LocalEngineLink::post(Call call) {
    if (Engine *engine = m_engine.data())
        QMetaObject::invokeMethod(
            engine, [engine, call] { call(*engine); }, Qt::QueuedConnection);
}

void LocalEngineLink::setPublishing(bool on) {
    post([on](Engine &engine) { engine.setPublishing(on, true); });
}

void LocalEngineLink::recoverNow(const QList<AgentKey> &agents) {
    post([agents](Engine &engine) { engine.recoverNow(agents); });
}

void LocalEngineLink::killChild(std::uint64_t childId) {
    post([childId](Engine &engine) { engine.killChild(childId); });
}

void LocalEngineLink::pause(const QList<AgentKey> &agents) {
    post([agents](Engine &engine) { engine.pause(agents); });
}

void LocalEngineLink::resume(const QList<AgentKey> &agents) {
    post([agents](Engine &engine) { engine.resume(agents); });
}

void LocalEngineLink::rearm(const QList<AgentKey> &agents) {
    post([agents](Engine &engine) { engine.rearm(agents); });
}

}  // namespace varta
