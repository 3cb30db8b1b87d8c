#include "core/export/metrics_service.h"

#include "core/export/metrics_endpoint.h"
#include "core/export/metrics_registry.h"
#include "core/export/varta_metrics.h"

namespace varta {

// Owns the registry, the endpoint and the snapshot they read; touched only on its thread.
class MetricsService::Worker {
public:
    explicit Worker(const PromOptions &options) : endpoint_(registry_, options) {
        MetricSources sources;
        sources.ingest = &current_.ingest;
        sources.tracker = &current_.tracker;
        sources.secure = &current_.secure;
        sources.recovery = &current_.recovery;
        sources.stallLag = &current_.stallLag;
        sources.pidsTracked = [this] { return current_.pidsTracked; };
        sources.trackerCapacity = [this] { return current_.trackerCapacity; };
        sources.forEachAgent = [this](const MetricSources::AgentVisitor &visit) {
            for (const MetricsAgentRow &row : current_.agents)
                visit(AgentMetricsRow{&row.key, row.beats, row.stalls, row.status});
        };
        registerVartaMetrics(registry_, sources);
    }

    MetricsEndpoint &endpoint() { return endpoint_; }

    void take(const MetricsSnapshot &snapshot) {
        current_ = snapshot;
        registry_.invalidate();
    }

private:
    MetricsSnapshot current_;
    MetricsRegistry registry_;
    MetricsEndpoint endpoint_;
};

MetricsService::MetricsService(PromOptions options, QObject *parent)
    : QObject(parent), options_(std::move(options)), anchor_(new QObject) {
    thread_.setObjectName(QStringLiteral("varta-metrics"));
    anchor_->moveToThread(&thread_);
}

MetricsService::~MetricsService() {
    if (thread_.isRunning()) {
        // The worker (its server and sockets) dies on its own thread.
        QMetaObject::invokeMethod(
            anchor_.get(), [this] { delete worker_; }, Qt::BlockingQueuedConnection);
        thread_.quit();
        thread_.wait();
    }
}

bool MetricsService::start(QString *error) {
    thread_.start();
    bool ok = false;
    // Built on the metrics thread, so the server and everything it owns live there.
    QMetaObject::invokeMethod(
        anchor_.get(),
        [&] {
            worker_ = new Worker(options_);
            ok = worker_->endpoint().listen(error);
            url_ = worker_->endpoint().url();
            warning_ = worker_->endpoint().startupWarning();
        },
        Qt::BlockingQueuedConnection);
    return ok;
}

void MetricsService::publish(std::shared_ptr<const MetricsSnapshot> snapshot) {
    Worker *worker = worker_;
    QMetaObject::invokeMethod(
        anchor_.get(), [worker, snapshot] { worker->take(*snapshot); }, Qt::QueuedConnection);
}

}  // namespace varta
