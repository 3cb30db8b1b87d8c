// Stall-surfacing lag with 100,000 agents going silent together (and once with a million,
// at --tracker-capacity 1048576), through the real engine
// (engine thread, UDP listener, tracker, deadline timer, event file): each agent beats a
// few times over loopback UDP, then all stop. The lag of each stall is read back from the
// event file: stall line time − (last beat line time + threshold). Both columns come from
// the same monotonic clock, so the figure includes everything the engine does.
//
// Twice: with the log's lines (one per stall, summarised past ten a second) written to
// /dev/null, then to a full 4 KiB pipe read 64 bytes every 100 ms — a journal far
// behind. The second must surface stalls as fast and accept every beat.
#include "core/base/log.h"
#include "core/engine/engine.h"
#include "core/engine/engine_thread.h"
#include "core/vlp/frame.h"

#include <QCoreApplication>
#include <QFile>
#include <QHash>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace varta;

namespace {

constexpr std::uint32_t kAgents = 100000;
constexpr std::uint32_t kMillion = 1000000;
constexpr int kRounds = 3;
constexpr std::int64_t kThresholdMs = 2000;
constexpr std::int64_t kMillionThresholdMs = 5000;
constexpr unsigned kBatch = 256;

// Every 8 batches (2,048 beats) the sender sleeps `pauseUs`.
void sendRounds(std::uint16_t port, std::uint32_t agents, unsigned pauseUs) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof to);
    std::vector<std::array<std::uint8_t, 32>> frames(kBatch);
    std::vector<iovec> iov(kBatch);
    std::vector<mmsghdr> msgs(kBatch);
    for (int round = 1; round <= kRounds; ++round) {
        for (std::uint32_t first = 0; first < agents; first += kBatch) {
            const unsigned n = std::min<std::uint32_t>(kBatch, agents - first);
            for (unsigned i = 0; i < n; ++i) {
                frames[i] =
                    vlp::encode(vlp::Frame{vlp::Status::Ok, 2 + first + i, 0, static_cast<std::uint64_t>(round), 0});
                iov[i] = iovec{frames[i].data(), 32};
                msgs[i] = mmsghdr{};
                msgs[i].msg_hdr.msg_iov = &iov[i];
                msgs[i].msg_hdr.msg_iovlen = 1;
            }
            unsigned sent = 0;
            while (sent < n) {
                const int r = ::sendmmsg(fd, msgs.data() + sent, n - sent, 0);
                if (r > 0)
                    sent += static_cast<unsigned>(r);
            }
            // Pace a little so the loopback queue never overflows: this measures stall
            // lag, not receive-buffer drops.
            if ((first / kBatch) % 8 == 7)
                ::usleep(pauseUs);
        }
    }
    ::close(fd);
}

struct Run {
    std::uint32_t agents = 0;
    std::vector<double> lagsMs;  // sorted
    std::uint64_t beats = 0;
    double pct(double p) const {
        return lagsMs.empty() ? -1.0 : lagsMs[std::min(lagsMs.size() - 1, std::size_t(p * double(lagsMs.size())))];
    }
    bool complete() const { return lagsMs.size() == agents && beats == std::uint64_t(agents) * kRounds; }
};

Run runOnce(QCoreApplication &app, std::uint32_t agents = kAgents, unsigned pauseUs = 200,
            std::int64_t thresholdMs = kThresholdMs) {
    QTemporaryDir dir;
    const QString events = dir.filePath(QStringLiteral("events.tsv"));
    Options options;
    options.udp = UdpOptions{};
    options.udp->port = 0;
    options.tracker.thresholdMs = thresholdMs;
    options.tracker.capacity = agents > 131072 ? 1048576 : 131072;
    options.tracker.maxBeatRate = 0;
    options.exportFile.path = events;

    Run run;
    run.agents = agents;
    EngineThread host(options);
    QString error;
    if (!host.start(&error)) {
        std::fprintf(stdout, "bench_stall_lag: %s\n", qPrintable(error));
        return run;
    }
    std::uint16_t port = 0;
    QMetaObject::invokeMethod(
        host.engine(), [&] { port = host.engine()->udpPort(); }, Qt::BlockingQueuedConnection);
    sendRounds(port, agents, pauseUs);
    // Every agent stalls within threshold + the send time; leave a margin, then stop.
    QThread::msleep(static_cast<unsigned long>(thresholdMs) + 3000);
    QObject::connect(&host, &EngineThread::finished, &app, &QCoreApplication::quit);
    host.requestShutdown();
    app.exec();

    QFile file(events);
    file.open(QIODevice::ReadOnly);
    QHash<QByteArray, qint64> lastBeat;
    while (!file.atEnd()) {
        const QList<QByteArray> f = file.readLine().trimmed().split('\t');
        if (f.size() != 6)
            continue;
        if (f[1] == "beat") {
            lastBeat[f[2]] = f[0].toLongLong();
            ++run.beats;
        } else if (f[1] == "stall") {
            const qint64 deadline = lastBeat.value(f[2]) + thresholdMs * 1'000'000;
            run.lagsMs.push_back(double(f[0].toLongLong() - deadline) / 1e6);
        }
    }
    std::sort(run.lagsMs.begin(), run.lagsMs.end());
    return run;
}

}  // namespace

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    startLogWriter();  // as varta-watch does
    const int savedStderr = ::dup(STDERR_FILENO);

    const int devNull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    ::dup2(devNull, STDERR_FILENO);
    const Run discarded = runOnce(app);
    // A million: paced to about 600,000 beats a second, within what the engine takes in
    // while it learns a million new agents, so that every beat counts; a round then takes
    // about two seconds, so the threshold is 5 s.
    const Run million = runOnce(app, kMillion, 3000, kMillionThresholdMs);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return 1;
    ::fcntl(fds[1], F_SETPIPE_SZ, 4096);
    const QByteArray backlog(4096, '.');  // the journal is already behind: the pipe is full
    if (::write(fds[1], backlog.constData(), static_cast<size_t>(backlog.size())) != backlog.size())
        return 1;
    ::dup2(fds[1], STDERR_FILENO);
    std::atomic<bool> done{false};
    std::uint64_t readBytes = 0;
    std::thread slowReader([&] {
        char buffer[64];
        while (!done.load()) {
            ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
            const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
            if (n > 0)
                readBytes += static_cast<std::uint64_t>(n);
            ::usleep(100'000);
        }
    });
    const Run slow = runOnce(app);
    const std::uint64_t lost = logLinesLost();
    done.store(true);
    slowReader.join();
    ::dup2(savedStderr, STDERR_FILENO);

    std::printf(
        "| stall lag, %u agents silent together (ms) | deadline (0) | p50 %.2f, p99 %.2f, max %.2f; %zu "
        "stalls, %llu beats | - | p99 <= 10 ms, every agent stalls once | %s |\n",
        kAgents, discarded.pct(0.5), discarded.pct(0.99), discarded.lagsMs.empty() ? -1.0 : discarded.lagsMs.back(),
        discarded.lagsMs.size(), static_cast<unsigned long long>(discarded.beats),
        (discarded.complete() && discarded.pct(0.99) <= 10.0 && discarded.lagsMs.front() >= 0) ? "met" : "MISSED");
    std::printf("| stall lag, %u agents silent together, --tracker-capacity 1048576, --threshold-ms 5000 (ms) | "
                "deadline (0) | p50 %.2f, p99 %.2f, "
                "max %.2f; %zu stalls, %llu beats | - | p99 <= 10 ms, every agent stalls once | %s |\n",
                kMillion, million.pct(0.5), million.pct(0.99), million.lagsMs.empty() ? -1.0 : million.lagsMs.back(),
                million.lagsMs.size(), static_cast<unsigned long long>(million.beats),
                (million.complete() && million.pct(0.99) <= 10.0 && million.lagsMs.front() >= 0) ? "met" : "MISSED");
    std::printf(
        "| the same, log lines to a full 4 KiB pipe read 640 B/s (ms) | log to /dev/null: p99 %.2f, %llu beats | "
        "p50 %.2f, p99 %.2f, max %.2f; %zu stalls, %llu beats; %llu log bytes read, %llu lines lost | %.2fx "
        "beats | p99 <= 10 ms, beats unchanged | %s |\n",
        discarded.pct(0.99), static_cast<unsigned long long>(discarded.beats), slow.pct(0.5), slow.pct(0.99),
        slow.lagsMs.empty() ? -1.0 : slow.lagsMs.back(), slow.lagsMs.size(),
        static_cast<unsigned long long>(slow.beats), static_cast<unsigned long long>(readBytes),
        static_cast<unsigned long long>(lost), discarded.beats ? double(slow.beats) / double(discarded.beats) : 0.0,
        (slow.complete() && slow.beats == discarded.beats && slow.pct(0.99) <= 10.0 && slow.lagsMs.front() >= 0)
            ? "met"
            : "MISSED");
    return 0;
}
