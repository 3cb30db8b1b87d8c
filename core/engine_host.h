#pragma once
// Runs the Observer on its own thread (DESIGN.md section 2): starts it there, hands out
// the pointer for queued connections, and stops it cleanly — listeners closed, files
// flushed, children reaped — before the thread ends.

#include "core/options.h"

#include <QObject>
#include <QPointer>
#include <QThread>

namespace varta {

class Observer;

class EngineHost : public QObject {
    Q_OBJECT
public:
    explicit EngineHost(Options options, QObject *parent = nullptr);
    ~EngineHost() override;

    // Starts the engine thread and the observer on it; false (with the reason) when a
    // listener or file could not be opened.
    bool start(QString *error);
    Observer *observer() const { return m_observer; }
    QStringList listenerDescriptions() const { return m_listeners; }
    QStringList startupWarnings() const { return m_warnings; }
    std::uint16_t udpPort() const { return m_udpPort; }  // the bound UDP port, 0 without one
    // The observer's totals as it stopped; valid after finished().
    QString finalSummary() const { return m_summary; }

public Q_SLOTS:
    void requestShutdown();

Q_SIGNALS:
    void finished();  // the engine thread has ended

private:
    Options m_options;
    QThread m_thread;
    QPointer<Observer> m_observer;
    QStringList m_listeners;
    QStringList m_warnings;
    std::uint16_t m_udpPort = 0;
    QString m_summary;
};

}  // namespace varta
