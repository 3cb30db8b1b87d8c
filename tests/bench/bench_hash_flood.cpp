// Hash flooding: what 60,000 agents cost when their pids were chosen to collide, against
// 60,000 random pids, both from one UDP sender and measured in the same run. The flooder's
// pids are the ones whose keys share 64 of 4,096 buckets under the key hash as it was
// before it was seeded (what anyone can compute offline; at every size the index grows to
// they stay in clusters of 64 homes). Under that hash each beat walked a run of about 1,900
// buckets; seeded, the set costs what random pids cost.
//
// The third set is chosen against this process's own seed, as if it had leaked: the index's
// probe bound (AgentTable::kMaxProbe) refuses what does not fit, and a beat, admitted or
// refused, walks at most that far.
//
// Each beat goes through IngestPipeline as in bench_ingest_path: round 1 and 2 admit the
// agents (and let the index finish growing), rounds 3.. are timed, thread CPU time.
#include "core/ingest/batch_reader.h"
#include "core/ingest/ingest_pipeline.h"
#include "core/vlp/frame.h"
#include "tests/support/colliding_keys.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace varta;

namespace {

constexpr std::size_t kAgents = 60000;
constexpr std::uint32_t kMaxPid = 4'194'304;  // what a UDP beat may claim
constexpr std::uint64_t kWarmRounds = 2;
constexpr std::uint64_t kRounds = 10;
constexpr int kRepeats = 3;  // best of 3, to shed the other core's noise
constexpr unsigned kBatch = BatchReader::kBatch;

struct NoEvents final : IngestEvents {
    void onAgentResumed(Slot, std::int64_t) override {}
    void onAgentEvicted(const AgentKey &) override {}
    void onAgentReplaced(const AgentKey &, const AgentKey &) override {}
    void onIngestBatchEnd() override {}
    void onIngestIoError(std::string_view) override {}
    void onForeignNamespaceBeat(std::uint32_t) override {}
};

double threadCpuNs() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

sockaddr_storage sender() {
    sockaddr_storage peer{};
    auto &v4 = reinterpret_cast<sockaddr_in &>(peer);
    v4.sin_family = AF_INET;
    v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return peer;
}

AgentKey fromSender(std::uint32_t pid) {
    static const sockaddr_storage peer = sender();
    return AgentKey::fromSockaddr(Transport::Udp, peer, pid);
}

std::vector<std::uint32_t> pidsOf(const std::vector<AgentKey> &keys) {
    std::vector<std::uint32_t> pids;
    pids.reserve(keys.size());
    for (const AgentKey &key : keys)
        pids.push_back(key.pid);
    return pids;
}

std::vector<std::uint32_t> randomPids() {
    std::mt19937 random(42);
    std::uniform_int_distribution<std::uint32_t> pick(2, kMaxPid);
    std::unordered_set<std::uint32_t> seen;
    std::vector<std::uint32_t> pids;
    while (pids.size() < kAgents)
        if (const std::uint32_t pid = pick(random); seen.insert(pid).second)
            pids.push_back(pid);
    return pids;
}

struct Result {
    double nsPerBeat = 0;
    std::uint32_t tracked = 0;
    std::size_t longestProbe = 0;
    std::uint64_t probeLimited = 0;
};

// Every pid beats once a round, round-robin, in batches of kBatch as UdpListener hands
// them on.
Result run(const std::vector<std::uint32_t> &pids) {
    std::vector<std::array<std::uint8_t, vlp::kFrameSize>> wire;
    wire.reserve(pids.size() * (kWarmRounds + kRounds));
    for (std::uint64_t round = 1; round <= kWarmRounds + kRounds; ++round)
        for (const std::uint32_t pid : pids)
            wire.push_back(vlp::encode(vlp::Frame{vlp::Status::Ok, pid, round, round, 0}));

    TrackerOptions options;  // --tracker-capacity's default, 65,536
    options.maxBeatRate = 0;
    options.thresholdMs = 600000;
    IngestCounters ingest;
    TrackerCounters counters;
    AgentTracker tracker(options, counters);
    NoEvents events;
    IngestPipeline pipeline(tracker, ingest, nullptr, false, events);
    const sockaddr_storage peer = sender();
    std::array<Datagram, kBatch> batch{};
    // From the first batch of round 3 on (a batch may hold the end of round 2 too).
    const std::size_t warm = pids.size() * kWarmRounds;
    const std::size_t timedFrom = (warm + kBatch - 1) / kBatch * kBatch;
    double start = 0;
    std::uint64_t limitedBefore = 0;
    for (std::size_t first = 0; first < wire.size(); first += kBatch) {
        if (first == timedFrom) {
            start = threadCpuNs();
            limitedBefore = counters.probeLimited;
        }
        const std::size_t n = std::min<std::size_t>(kBatch, wire.size() - first);
        const auto now = static_cast<std::int64_t>(first) * 1000;  // 1 us a beat
        for (std::size_t i = 0; i < n; ++i)
            batch[i] = Datagram{.data = wire[first + i].data(),
                                .length = vlp::kFrameSize,
                                .transport = Transport::Udp,
                                .peer = &peer,
                                .kernelPid = -1,
                                .receivedNs = now};
        pipeline.onDatagrams(std::span<const Datagram>(batch.data(), n));
        pipeline.onBatchEnd();
    }
    const double elapsed = threadCpuNs() - start;
    return Result{elapsed / double(wire.size() - timedFrom), tracker.table().size(), tracker.table().longestProbe(),
                  (counters.probeLimited - limitedBefore) / kRounds};
}

Result best(const std::vector<std::uint32_t> &pids) {
    Result b;
    b.nsPerBeat = 1e30;
    for (int r = 0; r < kRepeats; ++r)
        if (const Result one = run(pids); one.nsPerBeat < b.nsPerBeat)
            b = one;
    return b;
}

}  // namespace

int main(int argc, char **argv) {
    const std::vector<std::uint32_t> random = randomPids();
    const std::vector<std::uint32_t> flood =
        pidsOf(test::collidingKeys(fromSender, test::unseededAgentKeyHash, kAgents, 64, 4096, kMaxPid));
    const std::vector<std::uint32_t> leaked = pidsOf(test::collidingKeys(
        fromSender, [](const AgentKey &key) { return hashAgentKey(key); }, kAgents, 64, 4096, kMaxPid));
    // "random", "flood" or "leaked": one set alone, for a profiler.
    if (argc == 2) {
        const std::string_view part = argv[1];
        const Result r = run(part == "flood" ? flood : part == "leaked" ? leaked : random);
        std::printf("%.1f ns/beat, %u tracked, longest probe %zu\n", r.nsPerBeat, r.tracked, r.longestProbe);
        return 0;
    }
    // Interleaved, so that a change in the machine's load falls on every set alike.
    Result r = best(random);
    Result f = best(flood);
    Result l = best(leaked);
    for (int pass = 0; pass < 2; ++pass) {
        if (const Result again = best(random); again.nsPerBeat < r.nsPerBeat)
            r = again;
        if (const Result again = best(flood); again.nsPerBeat < f.nsPerBeat)
            f = again;
        if (const Result again = best(leaked); again.nsPerBeat < l.nsPerBeat)
            l = again;
    }
    const double target = 1.5;
    std::printf("| hash flood: %zu pids from one sender sharing 64 of 4096 buckets under the unseeded key hash "
                "(ns/beat) | %zu random pids %.1f (longest probe %zu) | flood %.1f (%u tracked, longest probe %zu) | "
                "%.2fx | <= %.1fx random | %s |\n",
                flood.size(), random.size(), r.nsPerBeat, r.longestProbe, f.nsPerBeat, f.tracked, f.longestProbe,
                f.nsPerBeat / r.nsPerBeat, target, f.nsPerBeat <= target * r.nsPerBeat ? "met" : "MISSED");
    std::printf("| the same, %zu pids chosen against this process's own seed, as if it leaked (ns/beat) | %zu random "
                "pids %.1f | leaked %.1f (%u tracked; %llu beats a round refused at the probe limit, longest probe "
                "%zu) | %.2fx | - (probes bounded at %zu) | info |\n",
                leaked.size(), random.size(), r.nsPerBeat, l.nsPerBeat, l.tracked,
                static_cast<unsigned long long>(l.probeLimited), l.longestProbe, l.nsPerBeat / r.nsPerBeat,
                AgentTable::kMaxProbe);
    return 0;
}
