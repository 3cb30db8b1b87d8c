#pragma once
// Runs the Engine on its own thread (docs/architecture.md section 2): starts it there, hands out
// the pointer for queued connections, and stops it cleanly — listeners closed, files
// flushed, children reaped — before the thread ends.

#include "core/config/options.h"

#include <QObject>
#include <QPointer>
#include <QThread>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace varta {

class Engine;
class EngineLink;
class LocalEngineLink;

class EngineThread : public QObject {
    Q_OBJECT
public:
    explicit EngineThread(Options options, QObject *parent = nullptr);
    ~EngineThread() override;

    // Starts the engine thread and the engine on it; false (with the reason) when a
    // listener or file could not be opened.
    bool start(QString *error);
    Engine *engine() const { return m_engine; }
    // What a console in this process talks to; valid after a successful start().
    EngineLink &link() const;

    // Before start(): have the engine thread store the time of its event-loop turns
    // every `ms` (0: never), for an EngineWatchdog to read from another thread.
    void setTurnTickMs(int ms) { m_turnTickMs = ms; }
    // CLOCK_MONOTONIC (monotonicNs()): a suspend under --clock-source boottime is no wedge.
    const std::atomic<std::int64_t> &lastTurnNs() const { return m_lastTurnNs; }
    QStringList listenerDescriptions() const { return m_listeners; }
    QStringList startupWarnings() const { return m_warnings; }
    std::uint16_t udpPort() const { return m_udpPort; }          // the bound UDP port, 0 without one
    QString metricsAddress() const { return m_metricsAddress; }  // Engine::metricsAddress()
    // The engine's totals as it stopped; valid after finished().
    QString finalSummary() const { return m_summary; }
    // Engine::fatalError() as it stopped; valid after finished().
    QString fatalError() const { return m_fatalError; }

public Q_SLOTS:
    void requestShutdown();
    // Engine::reopenFiles on the engine thread, which owns the files.
    void requestReopen();

Q_SIGNALS:
    void finished();  // the engine thread has ended

private:
    void startTurnTicks();
    // Posts `method` to the engine if it still exists (see m_postMutex).
    void postToEngine(void (Engine::*method)());

    Options m_options;
    QThread m_thread;
    QPointer<Engine> m_engine;
    // The engine is deleted on its own thread while a signal may still ask it, from this
    // one, to stop or reopen. Checking that it is alive and posting to it is one step
    // under this mutex against its destroyed(), which clears m_postTarget before Qt drops
    // the events posted to it; a QPointer alone could be read just before it is cleared.
    std::mutex m_postMutex;
    Engine *m_postTarget = nullptr;
    std::unique_ptr<LocalEngineLink> m_link;
    QStringList m_listeners;
    QStringList m_warnings;
    std::uint16_t m_udpPort = 0;
    QString m_metricsAddress;
    QString m_summary;
    QString m_fatalError;
    int m_turnTickMs = 0;
    bool m_shutdownRequested = false;
    std::atomic<std::int64_t> m_lastTurnNs{0};
};

}  // namespace varta
