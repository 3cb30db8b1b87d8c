#include "core/engine/engine_thread.h"

#include "core/base/engine_clock.h"
#include "core/engine/engine.h"
#include "core/engine/local_engine_link.h"
#include "core/engine/systemd_notifier.h"

#include <QTimer>

#include <chrono>
#include <thread>

#include <openssl/crypto.h>

namespace varta {

EngineThread::EngineThread(Options options, QObject *parent) : QObject(parent), m_options(std::move(options)) {
    m_thread.setObjectName(QStringLiteral("varta-engine"));
    connect(&m_thread, &QThread::finished, this, &EngineThread::finished);
}

EngineThread::~EngineThread() {
    if (m_thread.isRunning()) {
        requestShutdown();
        m_thread.wait();
    }
}

namespace {

// A test hook: VARTA_WATCH_TEST_WEDGE_AFTER_MS=N blocks the engine thread N ms after it
// starts, for ten minutes, so tests can see a wedged engine stop the watchdog pings and
// the self-watchdog abort the process. Unset in any real run.
void armTestWedge(Engine *engine) {
    bool ok = false;
    const int afterMs = qEnvironmentVariableIntValue("VARTA_WATCH_TEST_WEDGE_AFTER_MS", &ok);
    if (ok && afterMs > 0)
        QTimer::singleShot(afterMs, engine, [] { std::this_thread::sleep_for(std::chrono::minutes(10)); });
}

}  // namespace

bool EngineThread::start(QString *error) {
    m_engine = new Engine(m_options);
    m_lastTurnNs.store(monotonicNs());
    m_engine->moveToThread(&m_thread);
    // The observer dies on its own thread (its sockets and timers belong there), and
    // the thread ends once it is gone.
    Engine *observer = m_engine;
    connect(
        m_engine, &Engine::stopped, this,
        [this, observer] {
            m_summary = observer->summaryLine();
            m_fatalError = observer->fatalError();
        },
        Qt::DirectConnection);  // runs on the engine thread; read only after finished()
    connect(m_engine, &Engine::stopped, m_engine, &QObject::deleteLater);
    // OpenSSL frees a thread's state (its error queue) from a thread-exit hook, but Qt's
    // threads are detached and wait() returns before that hook runs, so the process can
    // exit first and leak it. Free it on the engine thread once the keys are gone.
    connect(
        m_engine, &QObject::destroyed, &m_thread, [] { OPENSSL_thread_stop(); }, Qt::DirectConnection);
    connect(
        m_engine, &QObject::destroyed, &m_thread,
        [this] {
            const std::lock_guard lock(m_postMutex);
            m_postTarget = nullptr;
        },
        Qt::DirectConnection);
    connect(m_engine, &QObject::destroyed, &m_thread, &QThread::quit, Qt::DirectConnection);
    {
        const std::lock_guard lock(m_postMutex);
        m_postTarget = m_engine;
    }
    m_thread.start();
    bool ok = false;
    QMetaObject::invokeMethod(
        m_engine,
        [&] {
            ok = m_engine->start(error);
            if (ok) {
                startTurnTicks();
                armTestWedge(m_engine);
                m_listeners = m_engine->listenerDescriptions();
                m_warnings = m_engine->startupWarnings();
                m_udpPort = m_engine->udpPort();
                m_metricsAddress = m_engine->metricsAddress();
            }
        },
        Qt::BlockingQueuedConnection);
    if (!ok) {
        requestShutdown();
        m_thread.wait();
        m_engine = nullptr;
        return false;
    }
    m_link = std::make_unique<LocalEngineLink>(m_engine);
    return true;
}

// On the engine thread: a timer there stores the time of each turn it gets.
void EngineThread::startTurnTicks() {
    if (m_turnTickMs <= 0)
        return;
    auto *ticker = new QTimer(m_engine);
    connect(ticker, &QTimer::timeout, ticker, [this] { m_lastTurnNs.store(monotonicNs()); });
    ticker->start(m_turnTickMs);
}

EngineLink &EngineThread::link() const {
    Q_ASSERT(m_link);
    return *m_link;
}

void EngineThread::requestShutdown() {
    if (!m_shutdownRequested) {
        m_shutdownRequested = true;
        SystemdNotifier::stopping();
    }
    postToEngine(&Engine::shutdown);
}

void EngineThread::requestReopen() {
    if (!m_shutdownRequested)
        postToEngine(&Engine::reopenFiles);
}

void EngineThread::postToEngine(void (Engine::*method)()) {
    const std::lock_guard lock(m_postMutex);
    if (m_postTarget)
        QMetaObject::invokeMethod(m_postTarget, method, Qt::QueuedConnection);
}

}  // namespace varta
