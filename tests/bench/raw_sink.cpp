// The baseline for ingest benchmarks: the fastest a single thread can take datagrams off
// a UDP socket (recvmmsg in batches, no decoding), so an observer's ingest rate can be
// reported as a fraction of it, measured on the same machine in the same run.
//
//   raw_sink [--bind ADDR] [--port P] [--seconds S] [--idle-ms I] [--wait-secs W] [--as-listener 1]
//
// Prints "raw_sink listening port=P rcvbuf=B" once bound, then counts datagrams from the
// first one until S seconds have passed (0: no limit) or none came for I ms, and prints
// "raw_sink frames=N seconds=S rate=R cpu_ns=C" over the first-to-last datagram span (C:
// the process's user and system time). Exits 1 if nothing arrives within W seconds.
// --as-listener 1 reads as varta-watch's listeners must: each datagram's sender address
// and its kernel arrival stamp (SO_TIMESTAMPNS) with it, which is what the kernel's
// share of the observer's cost is measured with.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

constexpr unsigned kBatch = 1024;
// One byte more than the largest valid VLP datagram (64), as the real listeners read.
constexpr std::size_t kDatagramBuffer = 65;
// What varta-watch's UDP listener asks for (UdpListener::kReceiveBufferBytes), the same
// way (SO_RCVBUFFORCE first, which root may use past net.core.rmem_max): a baseline
// with a smaller buffer would drop sooner and flatter the subject.
constexpr int kWantedReceiveBuffer = 32 << 20;

struct Args {
    std::string bind = "127.0.0.1";
    int port = 0;
    double seconds = 0.0;
    double idleMs = 500.0;
    double waitSeconds = 30.0;
    bool asListener = false;
};

bool parseArgs(int argc, char **argv, Args &args) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const char *value = argv[i + 1];
        if (flag == "--bind")
            args.bind = value;
        else if (flag == "--port")
            args.port = std::atoi(value);
        else if (flag == "--seconds")
            args.seconds = std::atof(value);
        else if (flag == "--idle-ms")
            args.idleMs = std::atof(value);
        else if (flag == "--wait-secs")
            args.waitSeconds = std::atof(value);
        else if (flag == "--as-listener")
            args.asListener = std::atoi(value) != 0;
        else
            return false;
    }
    return argc % 2 == 1 && args.port >= 0 && args.port <= 65535 && args.seconds >= 0 && args.idleMs > 0;
}

int openSocket(const Args &args) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(args.port));
    if (fd < 0 || ::inet_pton(AF_INET, args.bind.c_str(), &address.sin_addr) != 1
        || ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        std::fprintf(stderr, "raw_sink: cannot bind %s:%d: %s\n", args.bind.c_str(), args.port, std::strerror(errno));
        std::exit(1);
    }
    // After bind, as on the real listeners; read back what the kernel granted.
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kWantedReceiveBuffer, sizeof kWantedReceiveBuffer) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kWantedReceiveBuffer, sizeof kWantedReceiveBuffer);
    int granted = 0;
    socklen_t length = sizeof granted;
    ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &length);
    // Wake up now and then even when no traffic comes, to notice the end or the idle limit.
    const timeval tick{0, 50'000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
    std::printf("raw_sink listening port=%d rcvbuf=%d\n", ntohs(address.sin_port), granted);
    std::fflush(stdout);
    return fd;
}

}  // namespace

int main(int argc, char **argv) {
    Args args;
    if (!parseArgs(argc, argv, args)) {
        std::fprintf(stderr, "usage: raw_sink [--bind ADDR] [--port P] [--seconds S] [--idle-ms I] [--wait-secs W]\n");
        return 2;
    }
    const int fd = openSocket(args);

    std::vector<char> buffers(kBatch * kDatagramBuffer);
    std::vector<iovec> iovecs(kBatch);
    std::vector<mmsghdr> messages(kBatch);
    std::vector<sockaddr_storage> peers(kBatch);
    constexpr std::size_t kControlBytes = CMSG_SPACE(sizeof(timespec));
    std::vector<char> control(kBatch * kControlBytes);
    if (args.asListener) {
        const int on = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    }
    for (unsigned k = 0; k < kBatch; ++k) {
        iovecs[k] = iovec{&buffers[k * kDatagramBuffer], kDatagramBuffer};
        messages[k].msg_hdr.msg_iov = &iovecs[k];
        messages[k].msg_hdr.msg_iovlen = 1;
    }
    // The kernel rewrites the lengths it fills in: reset before every read, as the
    // listeners do.
    const auto prepare = [&] {
        if (!args.asListener)
            return;
        for (unsigned k = 0; k < kBatch; ++k) {
            messages[k].msg_hdr.msg_name = &peers[k];
            messages[k].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
            messages[k].msg_hdr.msg_control = &control[k * kControlBytes];
            messages[k].msg_hdr.msg_controllen = kControlBytes;
        }
    };

    using Seconds = std::chrono::duration<double>;
    const auto opened = Clock::now();
    unsigned long long frames = 0;
    Clock::time_point first{};
    Clock::time_point last{};
    for (;;) {
        prepare();
        const int got = ::recvmmsg(fd, messages.data(), kBatch, MSG_WAITFORONE, nullptr);
        const auto now = Clock::now();
        if (got > 0) {
            if (frames == 0)
                first = now;
            last = now;
            frames += static_cast<unsigned>(got);
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            std::fprintf(stderr, "raw_sink: recvmmsg: %s\n", std::strerror(errno));
            return 1;
        }
        if (frames == 0 && Seconds(now - opened).count() >= args.waitSeconds)
            break;
        if (frames > 0 && args.seconds > 0 && Seconds(now - first).count() >= args.seconds)
            break;
        if (frames > 0 && Seconds(now - last).count() * 1000 >= args.idleMs)
            break;
    }
    const double seconds = Seconds(last - first).count();
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto ns = [](const timeval &t) {
        return static_cast<long long>(t.tv_sec) * 1'000'000'000 + t.tv_usec * 1000LL;
    };
    std::printf("raw_sink frames=%llu seconds=%.3f rate=%.0f cpu_ns=%lld\n", frames, seconds,
                seconds > 0 ? static_cast<double>(frames) / seconds : 0.0, ns(usage.ru_utime) + ns(usage.ru_stime));
    ::close(fd);
    return frames > 0 ? 0 : 1;
}
