#include "core/metrics/metrics_service.h"

#include "core/metrics/endpoint_metrics.h"
#include "core/metrics/metrics_endpoint.h"
#include "core/metrics/metrics_registry.h"
#include "core/metrics/metrics_rows.h"
#include "core/metrics/varta_metrics.h"

#include <utility>

namespace varta {

// Owns the registry, the endpoint and the snapshot they read; touched only on its thread.
class MetricsService::Worker {
public:
    Worker(const PromOptions &options, MetricsService &service) : m_service(service), m_endpoint(m_registry, options) {
        MetricSources sources;
        sources.ingest = &m_current.ingest;
        sources.tracker = &m_current.tracker;
        sources.secure = &m_current.secure;
        sources.recovery = &m_current.recovery;
        sources.stallLag = &m_current.stallLag;
        sources.loop = &m_current.loop;
        sources.observer = &m_current.observer;
        sources.audit = &m_current.audit;
        sources.auditFsync = &m_current.auditFsync;
        sources.pidsTracked = [this] { return m_current.pidsTracked; };
        sources.trackerCapacity = [this] { return m_current.trackerCapacity; };
        sources.uptimeSeconds = [this] { return static_cast<double>(m_current.takenNs) / 1e9; };
        sources.lastTurnUnixSeconds = [this] { return m_current.takenUnixSeconds; };
        sources.forEachAgent = [this](const MetricSources::AgentVisitor &visit) {
            for (const MetricsAgentRow &row : m_current.agents) {
                const ProcessIdentity *identity =
                    row.identity == MetricsAgentRow::kNoIdentity ? nullptr : m_current.identities[row.identity].get();
                visit(AgentMetricsRow{&row.key, row.beats, row.stalls, row.status, row.exited, identity});
            }
        };
        registerVartaMetrics(m_registry, sources);
        registerEndpointFamilies(m_registry, m_endpoint.counters());
    }

    MetricsEndpoint &endpoint() { return m_endpoint; }

    // Moved, not copied: at a million agents the rows are tens of megabytes a second.
    void take(MetricsSnapshot &&snapshot) {
        std::vector<MetricsAgentRow> shown = std::move(m_current.agents);
        m_current = std::move(snapshot);
        if (m_current.agentsMayRepeat)
            keepLastRowOfEachAgent(m_current.agents);
        m_registry.invalidate();
        shown.clear();  // its memory stays, for the engine's next copy; rows are plain data, so this is free
        const std::lock_guard lock(m_service.m_spareMutex);
        m_service.m_spareRows = std::move(shown);
    }

private:
    MetricsService &m_service;
    MetricsSnapshot m_current;
    MetricsRegistry m_registry;
    MetricsEndpoint m_endpoint;
};

MetricsService::MetricsService(PromOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_anchor(new QObject) {
    m_thread.setObjectName(QStringLiteral("varta-metrics"));
    m_anchor->moveToThread(&m_thread);
}

MetricsService::~MetricsService() {
    if (m_thread.isRunning()) {
        // The worker (its server and sockets) dies on its own thread.
        QMetaObject::invokeMethod(
            m_anchor.get(), [this] { delete m_worker; }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
}

bool MetricsService::start(QString *error) {
    m_thread.start();
    bool ok = false;
    // Built on the metrics thread, so the server and everything it owns live there.
    QMetaObject::invokeMethod(
        m_anchor.get(),
        [&] {
            m_worker = new Worker(m_options, *this);
            ok = m_worker->endpoint().listen(error);
            m_url = m_worker->endpoint().url();
            m_warning = m_worker->endpoint().startupWarning();
        },
        Qt::BlockingQueuedConnection);
    return ok;
}

void MetricsService::publish(std::shared_ptr<MetricsSnapshot> snapshot) {
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_anchor.get(), [worker, snapshot] { worker->take(std::move(*snapshot)); }, Qt::QueuedConnection);
}

std::vector<MetricsAgentRow> MetricsService::takeSpareRows() {
    const std::lock_guard lock(m_spareMutex);
    return std::exchange(m_spareRows, {});
}

}  // namespace varta
