// A fleet of real local agents for the Unix-socket benchmarks: N processes, each beating
// over the Unix datagram socket at PATH with its own pid (the listener checks the
// kernel's credentials, so one process cannot stand in for many). Beats are spread
// evenly over each period, as independent agents' would be.
//
//   uds_fleet PATH AGENTS RATE_HZ SECONDS
//
// Prints "uds_fleet agents=N" once every agent is forked, and "uds_fleet sent=M failed=F"
// at the end (each agent reports its count through a pipe). Exits 1 if an agent could not
// be started or failed.
#include "core/vlp/frame.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

std::int64_t monotonicNs() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void sleepUntil(std::int64_t ns) {
    const timespec at{time_t(ns / 1'000'000'000), long(ns % 1'000'000'000)};
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {}
}

volatile std::sig_atomic_t stopping = 0;
void onTerm(int) { stopping = 1; }

// One agent: beats until SIGTERM or `endNs`; writes how many it sent to `report`.
[[noreturn]] void agent(const sockaddr_un &address, std::int64_t periodNs, std::int64_t firstNs, std::int64_t endNs,
                        int report) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::signal(SIGTERM, onTerm);
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
        std::_Exit(1);
    varta::vlp::Frame frame;
    frame.pid = std::uint32_t(::getpid());
    std::uint64_t sent = 0;
    for (std::int64_t at = firstNs; at < endNs && !stopping; at += periodNs) {
        sleepUntil(at);
        frame.nonce = sent + 1;
        frame.timestamp = std::uint64_t(monotonicNs() / 1'000'000) + 1;
        const auto bytes = varta::vlp::encode(frame);
        if (::send(fd, bytes.data(), bytes.size(), 0) == ssize_t(bytes.size()))
            ++sent;
    }
    if (::write(report, &sent, sizeof sent) != ssize_t(sizeof sent))
        std::_Exit(1);
    std::_Exit(0);
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: uds_fleet PATH AGENTS RATE_HZ SECONDS\n");
        return 2;
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (std::strlen(argv[1]) >= sizeof address.sun_path) {
        std::fprintf(stderr, "uds_fleet: path too long\n");
        return 2;
    }
    std::strcpy(address.sun_path, argv[1]);
    const int agents = std::atoi(argv[2]);
    const double rate = std::atof(argv[3]);
    const double seconds = std::atof(argv[4]);
    if (agents <= 0 || rate <= 0 || seconds <= 0) {
        std::fprintf(stderr, "uds_fleet: AGENTS, RATE_HZ and SECONDS must be positive\n");
        return 2;
    }
    int pipeFds[2];
    if (::pipe(pipeFds) != 0)
        return 1;

    const std::int64_t periodNs = std::int64_t(1e9 / rate);
    // Every agent starts beating one second from now, at its own offset in the period.
    const std::int64_t startNs = monotonicNs() + 1'000'000'000;
    const std::int64_t endNs = startNs + std::int64_t(seconds * 1e9);
    std::vector<pid_t> children;
    children.reserve(std::size_t(agents));
    for (int i = 0; i < agents; ++i) {
        const pid_t pid = ::fork();
        if (pid < 0) {
            std::fprintf(stderr, "uds_fleet: fork: %s\n", std::strerror(errno));
            for (pid_t child : children)
                ::kill(child, SIGKILL);
            return 1;
        }
        if (pid == 0) {
            ::close(pipeFds[0]);
            agent(address, periodNs, startNs + periodNs * i / agents, endNs, pipeFds[1]);
        }
        children.push_back(pid);
    }
    ::close(pipeFds[1]);
    std::printf("uds_fleet agents=%d\n", agents);
    std::fflush(stdout);

    std::uint64_t total = 0;
    std::uint64_t sent = 0;
    while (::read(pipeFds[0], &sent, sizeof sent) == ssize_t(sizeof sent))
        total += sent;
    int failed = 0;
    for (pid_t child : children) {
        int status = 0;
        ::waitpid(child, &status, 0);
        failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    std::printf("uds_fleet sent=%llu failed=%d\n", static_cast<unsigned long long>(total), failed);
    return failed == 0 ? 0 : 1;
}
