// Stall-surfacing lag with 100,000 agents going silent together, through the real engine
// (engine thread, UDP listener, tracker, deadline timer, event file): each agent beats a
// few times over loopback UDP, then all stop. The lag of each stall is read back from the
// event file: stall line time − (last beat line time + threshold). Both columns come from
// the same monotonic clock, so the figure includes everything the engine does.
#include "core/engine/engine.h"
#include "core/engine/engine_thread.h"
#include "core/vlp/frame.h"

#include <QCoreApplication>
#include <QFile>
#include <QHash>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace varta;

namespace {

constexpr std::uint32_t kAgents = 100000;
constexpr int kRounds = 3;
constexpr std::int64_t kThresholdMs = 2000;
constexpr unsigned kBatch = 256;

void sendRounds(std::uint16_t port) {
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
        for (std::uint32_t first = 0; first < kAgents; first += kBatch) {
            const unsigned n = std::min<std::uint32_t>(kBatch, kAgents - first);
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
                ::usleep(200);
        }
    }
    ::close(fd);
}

}  // namespace

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    const QString events = dir.filePath(QStringLiteral("events.tsv"));
    Options options;
    options.udp = UdpOptions{};
    options.udp->port = 0;
    options.tracker.thresholdMs = kThresholdMs;
    options.tracker.capacity = 131072;
    options.tracker.maxBeatRate = 0;
    options.exportFile.path = events;

    EngineThread host(options);
    QString error;
    if (!host.start(&error)) {
        std::fprintf(stderr, "bench_stall_lag: %s\n", qPrintable(error));
        return 1;
    }
    std::uint16_t port = 0;
    QMetaObject::invokeMethod(
        host.engine(), [&] { port = host.engine()->udpPort(); }, Qt::BlockingQueuedConnection);
    sendRounds(port);
    // Every agent stalls within threshold + the send time; leave a margin, then stop.
    QThread::msleep(static_cast<unsigned long>(kThresholdMs) + 3000);
    QObject::connect(&host, &EngineThread::finished, &app, &QCoreApplication::quit);
    host.requestShutdown();
    app.exec();

    QFile file(events);
    file.open(QIODevice::ReadOnly);
    QHash<QByteArray, qint64> lastBeat;
    std::vector<double> lagsMs;
    std::uint64_t beats = 0;
    while (!file.atEnd()) {
        const QList<QByteArray> f = file.readLine().trimmed().split('\t');
        if (f.size() != 6)
            continue;
        if (f[1] == "beat") {
            lastBeat[f[2]] = f[0].toLongLong();
            ++beats;
        } else if (f[1] == "stall") {
            const qint64 deadline = lastBeat.value(f[2]) + kThresholdMs * 1'000'000;
            lagsMs.push_back(double(f[0].toLongLong() - deadline) / 1e6);
        }
    }
    if (qEnvironmentVariableIsSet("VARTA_BENCH_DEBUG")) {
        for (std::size_t i = 0; i < lagsMs.size(); i += lagsMs.size() / 40 + 1)
            std::fprintf(stderr, "stall %zu lag %.2f ms\n", i, lagsMs[i]);
    }
    std::sort(lagsMs.begin(), lagsMs.end());
    auto pct = [&](double p) {
        return lagsMs.empty() ? -1.0 : lagsMs[std::min(lagsMs.size() - 1, std::size_t(p * double(lagsMs.size())))];
    };
    const bool complete = lagsMs.size() == kAgents && beats == std::uint64_t(kAgents) * kRounds;
    std::printf("| stall lag, %u agents silent together (ms) | deadline (0) | p50 %.2f, p99 %.2f, max %.2f; %zu "
                "stalls, %llu beats | - | p99 <= 10 ms, every agent stalls once | %s |\n",
                kAgents, pct(0.5), pct(0.99), lagsMs.empty() ? -1.0 : lagsMs.back(), lagsMs.size(),
                static_cast<unsigned long long>(beats),
                (complete && pct(0.99) <= 10.0 && lagsMs.front() >= 0) ? "met" : "MISSED");
    return 0;
}
