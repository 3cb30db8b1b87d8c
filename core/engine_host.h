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
    Observer *observer() const { return observer_; }
    QStringList listenerDescriptions() const { return listeners_; }
    QStringList startupWarnings() const { return warnings_; }
    std::uint16_t udpPort() const { return udpPort_; }  // the bound UDP port, 0 without one
    // The observer's totals as it stopped; valid after finished().
    QString finalSummary() const { return summary_; }

public Q_SLOTS:
    void requestShutdown();

Q_SIGNALS:
    void finished();  // the engine thread has ended

private:
    Options options_;
    QThread thread_;
    QPointer<Observer> observer_;
    QStringList listeners_;
    QStringList warnings_;
    std::uint16_t udpPort_ = 0;
    QString summary_;
};

}  // namespace varta
