// UI responsiveness under load. A MainWindow (offscreen) receives engine batches from a
// producer thread, as it would from the engine: 10,000 agents, 20 batches a second, each
// updating ~5,000 distinct agents (100,000 beats/s). A 1 ms PreciseTimer on the UI thread
// measures how late the event loop gets to it; the same probe on an idle window is the
// baseline. Prints markdown table rows for tests/bench/run.sh.
#include "core/published/engine_batch.h"
#include "ui/models/agent_filter_proxy.h"
#include "ui/models/agent_table_model.h"
#include "ui/widgets/agent_details_pane.h"
#include "ui/widgets/main_window.h"
#include "ui/widgets/timeline/fleet_band.h"
#include "ui/widgets/timeline/timeline_pane.h"

#include <QApplication>
#include <QCoreApplication>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QItemSelectionModel>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

using namespace varta;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kAgents = 10'000;
constexpr int kAgentsPerBatch = 5'000;
constexpr int kBatchIntervalMs = 50;  // 20 Hz, the engine's publish rate
constexpr int kLoadedMs = 10'000;
constexpr int kIdleMs = 5'000;
constexpr double kTargetP99Ms = 16.0;  // one frame at 60 Hz

// Stands in for the engine: owns the agents' state and publishes what changed.
class Producer : public QObject {
    Q_OBJECT
public:
    Producer() : m_rng(42), m_timer(this) {
        m_agents.reserve(kAgents);
        for (int i = 0; i < kAgents; ++i) {
            AgentSnapshot s;
            s.key = i % 4 == 0 ? AgentKey::local(std::uint32_t(1000 + i))
                               : AgentKey::fromPeer(Transport::Udp, QHostAddress(quint32(0x0a000000 + i % 250)),
                                                    std::uint32_t(1000 + i));
            m_agents.push_back(s);
        }
        m_order.resize(kAgents);
        std::iota(m_order.begin(), m_order.end(), 0);
        m_clock.start();
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(kBatchIntervalMs);
        connect(&m_timer, &QTimer::timeout, this, &Producer::publish);
    }

    void start() {
        EngineBatch first;
        first.agents = QList<AgentSnapshot>(m_agents.begin(), m_agents.end());
        first.stats = stats();
        Q_EMIT batchReady(first);
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    int published() const { return m_published; }

Q_SIGNALS:
    void batchReady(const varta::EngineBatch &batch);

private:
    EngineStats stats() const {
        EngineStats s;
        s.nowMs = m_clock.elapsed();
        s.beatsAccepted = m_beats;
        s.agentsTracked = kAgents;
        s.agentsByState[int(AgentState::Up)] = kAgents - m_stalled;
        s.agentsByState[int(AgentState::Stalled)] = m_stalled;
        s.listeners = {QStringLiteral("udp 127.0.0.1:9000")};
        s.recoveryConfigured = true;
        return s;
    }

    void publish() {
        const EngineMs now = m_clock.elapsed();
        EngineBatch batch;
        batch.agents.reserve(kAgentsPerBatch);
        // A fresh random half of the agents each time: scattered rows, the hard case.
        for (int i = 0; i < kAgentsPerBatch; ++i) {
            std::swap(m_order[std::size_t(i)], m_order[std::size_t(i) + m_rng() % std::size_t(kAgents - i)]);
            AgentSnapshot &s = m_agents[std::size_t(m_order[std::size_t(i)])];
            s.beats += 1;
            s.nonce += 1;
            s.lastBeatMs = now;
            s.payload = std::uint32_t(m_rng());
            batch.agents.append(s);
        }
        m_beats += kAgentsPerBatch * 1000 / kBatchIntervalMs / 20;
        // A few agents stall and recover every batch, so the timeline and the state
        // column have work too.
        for (int i = 0; i < 5; ++i) {
            // The agent the details pane shows stalls and comes back twice a second too.
            AgentSnapshot &s = m_agents[i == 4 && m_published % 10 == 0 ? 0 : m_rng() % std::size_t(kAgents)];
            const AgentState to = s.state == AgentState::Up ? AgentState::Stalled : AgentState::Up;
            batch.transitions.append({s.key, now, s.state, to});
            m_stalled += to == AgentState::Stalled ? 1 : -1;
            s.state = to;
            batch.agents.append(s);
            batch.events.append(
                {now, EventSeverity::Warning, EventCategory::Recovery, QStringLiteral("agent went silent"), s.key});
        }
        batch.stats = stats();
        ++m_published;
        Q_EMIT batchReady(batch);
    }

    std::mt19937 m_rng;
    std::vector<AgentSnapshot> m_agents;
    std::vector<int> m_order;
    QElapsedTimer m_clock;
    QTimer m_timer;  // a child, so it moves to the engine thread with the producer
    std::uint64_t m_beats = 0;
    std::uint32_t m_stalled = 0;
    int m_published = 0;
};

struct Lag {
    double p50 = 0;
    double p99 = 0;
    double max = 0;
    std::size_t samples = 0;
};

// Runs the event loop for `ms` with a 1 ms precise timer and reports how late it fired.
Lag measureLag(int ms) {
    std::vector<double> lateMs;
    lateMs.reserve(std::size_t(ms) * 2);
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(1);
    Clock::time_point last = Clock::now();
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const Clock::time_point now = Clock::now();
        const double gap = std::chrono::duration<double, std::milli>(now - last).count();
        lateMs.push_back(std::max(0.0, gap - 1.0));
        last = now;
    });
    probe.start();
    QElapsedTimer elapsed;
    elapsed.start();
    while (elapsed.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    probe.stop();
    std::sort(lateMs.begin(), lateMs.end());
    Lag lag;
    lag.samples = lateMs.size();
    if (lateMs.empty())
        return lag;
    lag.p50 = lateMs[lateMs.size() / 2];
    lag.p99 = lateMs[std::min(lateMs.size() - 1, lateMs.size() * 99 / 100)];
    lag.max = lateMs.back();
    return lag;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, std::size_t(double(values.size()) * p))];
}

}  // namespace

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("varta-bench"));
    QCoreApplication::setApplicationName(QStringLiteral("bench_ui"));
    QSettings().clear();
    qRegisterMetaType<varta::EngineBatch>();

    varta::ui::MainWindow window;
    window.resize(1280, 800);
    window.show();
    // The worst sort for this load: every batch moves thousands of rows.
    const bool sortByBeats = app.arguments().contains(QStringLiteral("--sort-by-beats"));
    if (sortByBeats)
        window.agentView()->sortByColumn(varta::ui::AgentTableModel::BeatsColumn, Qt::DescendingOrder);
    const Lag idle = measureLag(kIdleMs);

    std::vector<double> applyMs;
    QThread engineThread;
    Producer producer;
    producer.moveToThread(&engineThread);
    QObject::connect(
        &producer, &Producer::batchReady, &window,
        [&](const EngineBatch &batch) {
            const auto start = Clock::now();
            window.applyBatch(batch);
            applyMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        },
        Qt::QueuedConnection);
    engineThread.start();
    QMetaObject::invokeMethod(&producer, &Producer::start, Qt::BlockingQueuedConnection);
    // Let the 10,000-agent insert and the first paint settle before measuring.
    measureLag(500);
    // Measured as an operator works: the details pane on the first agent (which flaps, so
    // the pane rebuilds), the fleet band above the lanes.
    const int first = window.agentModel()->rowOf(varta::AgentKey::local(1000));
    const QModelIndex shown = window.agentProxy()->mapFromSource(window.agentModel()->index(first, 0));
    window.agentView()->selectionModel()->select(shown,
                                                 QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    window.agentView()->setCurrentIndex(shown);
    if (!window.detailsDock()->isVisible() || !window.timelinePane()->band()->isVisible()
        || window.detailsPane()->shownAgent() != varta::AgentKey::local(1000)) {
        std::fprintf(stderr, "bench_ui: the details pane and the fleet band must be shown\n");
        return 2;
    }
    measureLag(500);
    applyMs.clear();
    const Lag loaded = measureLag(kLoadedMs);
    QMetaObject::invokeMethod(&producer, &Producer::stop, Qt::BlockingQueuedConnection);
    engineThread.quit();
    engineThread.wait();

    const double expected = double(kLoadedMs) / kBatchIntervalMs;
    const char *sorted = sortByBeats ? ", sorted by beats" : "";
    std::printf("| UI event-loop lag p50 (ms), 10k agents, 100k beats/s in 20 Hz batches, details pane and "
                "fleet band shown%s | idle %.2f | loaded %.2f "
                "| %.1fx | - | info |\n",
                sorted, idle.p50, loaded.p50, loaded.p50 / std::max(idle.p50, 0.001));
    std::printf("| UI event-loop lag p99 (ms), same load%s | idle %.2f | loaded %.2f (max %.1f) | %.1fx | <= %.0f ms "
                "| %s |\n",
                sorted, idle.p99, loaded.p99, loaded.max, loaded.p99 / std::max(idle.p99, 0.001), kTargetP99Ms,
                loaded.p99 <= kTargetP99Ms ? "met" : "MISSED");
    std::printf("| MainWindow::applyBatch, 5,000 changed agents (ms) | p50 %.2f | p99 %.2f | - | - | info |\n",
                percentile(applyMs, 0.5), percentile(applyMs, 0.99));
    std::printf("| batches applied while measuring | expected %.0f | applied %zu | %.2f | >= 95%% | %s |\n", expected,
                applyMs.size(), double(applyMs.size()) / expected,
                double(applyMs.size()) >= 0.95 * expected ? "met" : "MISSED");
    return loaded.p99 <= kTargetP99Ms ? 0 : 1;
}

#include "bench_ui.moc"
