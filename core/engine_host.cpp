#include "core/engine_host.h"

#include "core/observer.h"

#include <openssl/crypto.h>

namespace varta {

EngineHost::EngineHost(Options options, QObject *parent) : QObject(parent), m_options(std::move(options)) {
    m_thread.setObjectName(QStringLiteral("varta-engine"));
    connect(&m_thread, &QThread::finished, this, &EngineHost::finished);
}

EngineHost::~EngineHost() {
    if (m_thread.isRunning()) {
        requestShutdown();
        m_thread.wait();
    }
}

bool EngineHost::start(QString *error) {
    m_observer = new Observer(m_options);
    m_observer->moveToThread(&m_thread);
    // The observer dies on its own thread (its sockets and timers belong there), and
    // the thread ends once it is gone.
    Observer *observer = m_observer;
    connect(
        m_observer, &Observer::stopped, this, [this, observer] { m_summary = observer->summaryLine(); },
        Qt::DirectConnection);  // runs on the engine thread; read only after finished()
    connect(m_observer, &Observer::stopped, m_observer, &QObject::deleteLater);
    // OpenSSL frees a thread's state (its error queue) from a thread-exit hook, but Qt's
    // threads are detached and wait() returns before that hook runs, so the process can
    // exit first and leak it. Free it on the engine thread once the keys are gone.
    connect(
        m_observer, &QObject::destroyed, &m_thread, [] { OPENSSL_thread_stop(); }, Qt::DirectConnection);
    connect(m_observer, &QObject::destroyed, &m_thread, &QThread::quit, Qt::DirectConnection);
    m_thread.start();
    bool ok = false;
    QMetaObject::invokeMethod(
        m_observer,
        [&] {
            ok = m_observer->start(error);
            if (ok) {
                m_listeners = m_observer->listenerDescriptions();
                m_warnings = m_observer->startupWarnings();
                m_udpPort = m_observer->udpPort();
            }
        },
        Qt::BlockingQueuedConnection);
    if (!ok) {
        requestShutdown();
        m_thread.wait();
        m_observer = nullptr;
    }
    return ok;
}

void EngineHost::requestShutdown() {
    if (m_observer)
        QMetaObject::invokeMethod(m_observer, &Observer::shutdown, Qt::QueuedConnection);
}

}  // namespace varta
