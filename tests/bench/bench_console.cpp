// The console under load: the real engine on its thread, the real window (offscreen),
// 10,000 agents beating 10 times a second each (100,000 beats/s over loopback UDP from
// a generator thread). Measures the UI thread's event-loop lag — how late a 1 ms precise
// timer fires — against the same window idle, and counts beats lost between the
// generator and the engine.
#include "core/engine/engine.h"
#include "core/engine/engine_thread.h"
#include "core/sender/load_generator.h"
#include "ui/style/resources_init.h"
#include "ui/widgets/console_wiring.h"
#include "ui/widgets/main_window.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

using namespace varta;

namespace {

constexpr std::uint32_t kAgents = 10000;
constexpr double kRatePerAgent = 10.0;  // 100,000 beats/s in all
constexpr int kLoadMs = 10000;
constexpr int kIdleMs = 4000;

// Lateness of a 1 ms precise timer on the UI thread, in ms.
class LagProbe : public QObject {
public:
    explicit LagProbe(QObject *parent) : QObject(parent) {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(1);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
            const double now = double(m_clock.nsecsElapsed()) / 1e6;
            if (m_last >= 0)
                m_samples.push_back(std::max(0.0, now - m_last - 1.0));
            m_last = now;
        });
    }
    void start() {
        m_samples.clear();
        m_last = -1;
        m_clock.start();
        m_timer.start();
    }
    std::vector<double> stop() {
        m_timer.stop();
        return m_samples;
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    std::vector<double> m_samples;
    double m_last = -1;
};

double percentile(std::vector<double> v, double p) {
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
}

void runFor(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

}  // namespace

int main(int argc, char *argv[]) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("varta-bench"));
    ui::initUiResources();

    Options options;
    options.udp = UdpOptions{};
    options.udp->port = 0;
    options.tracker.thresholdMs = 60'000;
    options.tracker.maxBeatRate = 0;
    EngineThread host(options);
    QString error;
    if (!host.start(&error)) {
        std::fprintf(stderr, "bench_console: %s\n", qPrintable(error));
        return 1;
    }
    ui::MainWindow window;
    ui::connectConsole(window, host.link());
    window.resize(1280, 800);
    window.show();

    LagProbe probe(&app);
    probe.start();
    runFor(kIdleMs);
    const std::vector<double> idle = probe.stop();

    LoadGenerator::Config config;
    config.agents = kAgents;
    config.ratePerAgentHz = kRatePerAgent;
    config.durationMs = kLoadMs;
    LoadGenerator generator(config);
    if (!generator.connectUdp(QHostAddress::LocalHost, host.udpPort())) {
        std::fprintf(stderr, "bench_console: %s\n", qPrintable(generator.errorString()));
        return 1;
    }
    std::atomic<bool> stop{false};
    std::atomic<bool> done{false};
    probe.start();
    std::thread sender([&] {
        generator.run(stop);
        done = true;
    });
    while (!done)
        runFor(100);
    sender.join();
    const std::vector<double> loaded = probe.stop();
    runFor(1000);  // let the engine drain what is queued

    std::uint64_t accepted = 0;
    QMetaObject::invokeMethod(
        host.engine(), [&] { accepted = host.engine()->trackerCounters().beatsAccepted; },
        Qt::BlockingQueuedConnection);
    const std::uint64_t sent = generator.framesSent();
    const double seconds = double(generator.elapsedNs()) / 1e9;

    const double idle99 = percentile(idle, 0.99);
    const double loaded99 = percentile(loaded, 0.99);
    std::printf("| console UI event-loop lag p99, %u agents at %.0f beats/s (ms) | idle window %.2f | under load %.2f "
                "(p50 %.2f) | %.2fx | <= 16 ms | %s |\n",
                kAgents, double(sent) / seconds, idle99, loaded99, percentile(loaded, 0.5),
                idle99 > 0 ? loaded99 / idle99 : 0.0, loaded99 <= 16.0 ? "met" : "MISSED");
    std::printf("| console beats lost, GUI open (beats) | %llu sent | %llu accepted | %.3f%% lost | 0 lost | %s |\n",
                static_cast<unsigned long long>(sent), static_cast<unsigned long long>(accepted),
                sent ? 100.0 * double(sent - std::min(sent, accepted)) / double(sent) : 0.0,
                accepted >= sent ? "met" : "MISSED");

    QObject::connect(&host, &EngineThread::finished, &app, &QCoreApplication::quit);
    host.requestShutdown();
    app.exec();
    return 0;
}
