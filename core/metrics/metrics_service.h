#pragma once
// The /metrics endpoint on a thread of its own. The engine hands it a fresh
// MetricsSnapshot once a second (a copy of plain counters, a few milliseconds at
// 100,000 agents); rendering and serving happen here, off the engine thread. The rows of
// the snapshot it replaces come back for the engine's next copy: at a million agents they
// are 64 MB, which fresh from the kernel would cost the engine thread a page fault every
// 4 KiB.

#include "core/config/options.h"
#include "core/metrics/metrics_snapshot.h"

#include <QObject>
#include <QThread>

#include <memory>
#include <mutex>
#include <vector>

namespace varta {

class MetricsEndpoint;
class MetricsRegistry;

class MetricsService : public QObject {
    Q_OBJECT
public:
    explicit MetricsService(PromOptions options, QObject *parent = nullptr);
    ~MetricsService() override;  // stops the endpoint and its thread

    // Starts the thread and binds the endpoint; false with a one-line reason otherwise.
    bool start(QString *error);
    QString url() const { return m_url; }
    QString startupWarning() const { return m_warning; }

    // Called from the engine thread: the next render shows this snapshot.
    void publish(std::shared_ptr<MetricsSnapshot> snapshot);
    // Called from the engine thread: an empty row vector for the next snapshot, with the
    // capacity of one the endpoint no longer shows (none before the second snapshot).
    std::vector<MetricsAgentRow> takeSpareRows();

private:
    class Worker;
    PromOptions m_options;
    QThread m_thread;
    std::unique_ptr<QObject> m_anchor;  // lives on m_thread: where queued work for it runs
    Worker *m_worker = nullptr;         // created, used and deleted on m_thread
    QString m_url;
    QString m_warning;
    std::mutex m_spareMutex;  // twice a second, never on the beat path
    std::vector<MetricsAgentRow> m_spareRows;
};

}  // namespace varta
