// /metrics render cost at scale: 100,000 tracked agents (three per-agent families, so
// 300,000 rows) through MetricsRegistry: the first render, a steady-state cold render
// (cache expired, last body's memory reused), and one from the one-second cache, against
// a straightforward QString-per-row render of the same rows in the same run.
// Prints markdown table rows for tests/bench/run.sh.
#include "core/base/histogram.h"
#include "core/identity/agent_key.h"
#include "core/metrics/metrics_registry.h"
#include "core/metrics/varta_metrics.h"

#include <QByteArray>
#include <QString>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include <sys/mman.h>

using namespace varta;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint32_t kAgents = 100'000;
constexpr std::uint32_t kLargeAgents = 1'048'576;  // --tracker-capacity maximum
constexpr int kRepeats = 5;                        // best of 5, to shed the other core's noise
constexpr int kCachedCalls = 100'000;

// A realistic fleet: mostly IPv4 UDP peers, some local-socket agents, a few IPv6 peers.
struct Fleet {
    std::vector<AgentKey> keys;
    std::vector<AgentMetricsRow> rows;

    explicit Fleet(std::uint32_t agents) {
        keys.reserve(agents);
        rows.reserve(agents);
        for (std::uint32_t i = 0; i < agents; ++i) {
            const std::uint32_t pid = 1000 + (i * 7919u) % 4'000'000u;
            if (i % 16 == 0)
                keys.push_back(AgentKey::local(pid));
            else if (i % 16 == 1)
                keys.push_back(AgentKey::fromPeer(
                    Transport::Udp, QHostAddress(QStringLiteral("2001:db8::%1").arg(i % 65536, 0, 16)), pid));
            else
                keys.push_back(AgentKey::fromPeer(Transport::Udp, QHostAddress(0x0a000000u + i / 64), pid));
        }
        for (std::uint32_t i = 0; i < agents; ++i)
            rows.push_back(AgentMetricsRow{&keys[i], 1000ull + i * 13ull, i % 5, static_cast<vlp::Status>(i % 4)});
    }

    MetricSources sources() {
        MetricSources s;
        s.forEachAgent = [this](const MetricSources::AgentVisitor &visit) {
            for (const AgentMetricsRow &row : rows)
                visit(row);
        };
        s.pidsTracked = [this] { return static_cast<std::uint64_t>(rows.size()); };
        return s;
    }
};

template <typename Body>
double bestMs(Body body) {
    double best = 1e30;
    for (int r = 0; r < kRepeats; ++r) {
        const auto start = Clock::now();
        const qsizetype sink = body();
        best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        asm volatile("" : : "r"(sink));
    }
    return best;
}

// What a first implementation tends to look like: a QString per row, originLabel() per row.
QByteArray naiveRender(const Fleet &fleet) {
    QByteArray out;
    const auto family = [&](const char *name, auto value) {
        for (const AgentMetricsRow &row : fleet.rows)
            out += QStringLiteral("%1{pid=\"%2\",origin=\"%3\"} %4\n")
                       .arg(QLatin1String(name))
                       .arg(row.key->pid)
                       .arg(row.key->originLabel())
                       .arg(value(row))
                       .toUtf8();
    };
    family("varta_beats_total", [](const AgentMetricsRow &r) { return r.beats; });
    family("varta_stalls_total", [](const AgentMetricsRow &r) { return r.stalls; });
    family("varta_status", [](const AgentMetricsRow &r) { return static_cast<int>(r.status); });
    return out;
}

// A registry whose every render() is cold: the clock jumps past the cache each call.
struct ColdRegistry {
    std::int64_t now = 0;
    MetricsRegistry registry{[this] { return now += 2 * MetricsRegistry::kRenderCacheNs; }};
};

// The floor under a first render: mapping and touching as many fresh pages as the body.
double freshMemoryTouchMs(std::size_t bytes) {
    return bestMs([bytes] {
        void *memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED)
            return qsizetype{0};
        std::memset(memory, 'x', bytes);
        const auto sink = static_cast<qsizetype>(static_cast<const char *>(memory)[bytes / 2]);
        ::munmap(memory, bytes);
        return sink;
    });
}

const char *verdict(bool met) { return met ? "met" : "MISSED"; }

}  // namespace

int main() {
    Fleet fleet(kAgents);
    ColdRegistry cold;
    registerVartaMetrics(cold.registry, fleet.sources());
    // The first render writes into freshly mapped memory; later ones reuse the last body's.
    const auto firstStart = Clock::now();
    const qsizetype bodySize = cold.registry.render().size();
    const double firstMs = std::chrono::duration<double, std::milli>(Clock::now() - firstStart).count();

    const double naiveMs = bestMs([&] { return naiveRender(fleet).size(); });
    const double coldMs = bestMs([&] { return cold.registry.render().size(); });

    std::int64_t frozen = 0;
    MetricsRegistry cached([&frozen] { return frozen; });
    registerVartaMetrics(cached, fleet.sources());
    cached.render();
    const double cachedMs = bestMs([&] {
        qsizetype total = 0;
        for (int i = 0; i < kCachedCalls; ++i)
            total += cached.render().size();
        return total;
    });
    const double cachedUs = cachedMs * 1000.0 / kCachedCalls;
    const double rowsPerSecond = 3.0 * kAgents / (coldMs / 1000.0);

    std::printf("| /metrics render, 100k agents, cold (ms) | QString per row %.1f | registry %.1f | %.1fx faster | < "
                "100 ms | %s |\n",
                naiveMs, coldMs, naiveMs / coldMs, verdict(coldMs < 100.0));
    const double touchMs = freshMemoryTouchMs(static_cast<std::size_t>(bodySize));
    std::printf("| /metrics first render, 100k agents (ms) | touching %.1f MB of fresh memory %.1f | registry %.1f | "
                "%.1fx the page faults alone | - (once per process) | info |\n",
                bodySize / 1e6, touchMs, firstMs, firstMs / touchMs);
    std::printf(
        "| /metrics render, 100k agents, cached (us) | cold %.0f | cached %.3f | %.0fx faster | < 1 us | %s |\n",
        coldMs * 1000.0, cachedUs, coldMs * 1000.0 / cachedUs, verdict(cachedUs < 1.0));
    std::printf(
        "| /metrics rows per second (M rows/s) | QString per row %.2f | registry %.2f | %.1fx | > 3 M rows/s | %s |\n",
        3.0 * kAgents / (naiveMs / 1000.0) / 1e6, rowsPerSecond / 1e6, naiveMs / coldMs, verdict(rowsPerSecond > 3e6));
    std::printf("| /metrics body, 100k agents (MB) | - | %.1f MB (%.0f bytes/agent) | - | < 20 MB | %s |\n",
                bodySize / 1e6, double(bodySize) / kAgents, verdict(bodySize < 20'000'000));

    Fleet large(kLargeAgents);
    ColdRegistry largeCold;
    registerVartaMetrics(largeCold.registry, large.sources());
    const double largeMs = bestMs([&] { return largeCold.registry.render().size(); });
    const qsizetype largeSize = largeCold.registry.render().size();
    std::printf("| /metrics render, 1,048,576 agents, cold (ms) | 100k agents %.1f | %.1f (%.0f MB) | %.1fx for 10.5x "
                "the agents | < 1000 ms | %s |\n",
                coldMs, largeMs, largeSize / 1e6, largeMs / coldMs, verdict(largeMs < 1000.0));
    return 0;
}
