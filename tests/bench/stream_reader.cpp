// A console that keeps up and does nothing else: it subscribes to an observer's stream
// (docs/control.md) over the console TCP port and reads every byte as fast as the kernel
// hands it over, so what an observer with attached consoles pays is measured without a
// window competing for the observer's cores (bench_attach_ingest.sh).
//   stream_reader HOST PORT TOKEN_FILE
// Runs until SIGTERM or SIGINT, then prints one line:
//   stream_reader bytes=N lines=N resyncs=N
// `lines` counts newlines (the snapshot reply, then one per stream message); `resyncs` the
// fresh snapshots the observer sent because this reader fell behind.
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

volatile std::sig_atomic_t g_stop = 0;

void onSignal(int) { g_stop = 1; }

bool readToken(const char *path, std::string *token) {
    std::FILE *file = std::fopen(path, "r");
    if (file == nullptr)
        return false;
    char line[512];
    const bool ok = std::fgets(line, sizeof line, file) != nullptr;
    std::fclose(file);
    if (!ok)
        return false;
    *token = line;
    while (!token->empty() && (token->back() == '\n' || token->back() == '\r' || token->back() == ' '))
        token->pop_back();
    return !token->empty();
}

bool sendAll(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

int main(int argc, char *argv[]) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: stream_reader HOST PORT TOKEN_FILE\n");
        return 2;
    }
    std::string token;
    if (!readToken(argv[3], &token)) {
        std::fprintf(stderr, "stream_reader: %s: no token\n", argv[3]);
        return 1;
    }
    struct sigaction action {};
    action.sa_handler = onSignal;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);

    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[2])));
    if (fd < 0 || ::inet_pton(AF_INET, argv[1], &address.sin_addr) != 1
        || ::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        std::fprintf(stderr, "stream_reader: %s:%s: %s\n", argv[1], argv[2], std::strerror(errno));
        return 1;
    }
    const std::string hello = R"({"v":1,"id":"hello","cmd":"hello","args":{"token":")" + token + "\"}}\n";
    if (!sendAll(fd, hello) || !sendAll(fd, "{\"v\":1,\"id\":\"subscribe\",\"cmd\":\"subscribe\"}\n")) {
        std::fprintf(stderr, "stream_reader: send: %s\n", std::strerror(errno));
        return 1;
    }
    // The subscribe reply, and again each resync's fresh snapshot, answers the subscribe
    // request's id (docs/control.md section 7); stream messages carry that id too, but no
    // "ok".
    constexpr std::string_view kSnapshot = R"("id":"subscribe","ok")";
    std::vector<char> buffer(std::size_t{1} << 20);
    std::uint64_t bytes = 0;
    std::uint64_t lines = 0;
    std::uint64_t snapshots = 0;
    std::string lineStart;  // the first bytes of the current line, enough to see its id
    bool atLineStart = true;
    while (g_stop == 0) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0)
            continue;
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            std::fprintf(stderr, "stream_reader: the observer closed the connection\n");
            break;
        }
        bytes += static_cast<std::uint64_t>(n);
        for (ssize_t i = 0; i < n; ++i) {
            const char c = buffer[static_cast<std::size_t>(i)];
            if (atLineStart || lineStart.size() < 48) {
                lineStart.push_back(c);
                atLineStart = false;
            }
            if (c == '\n') {
                ++lines;
                if (lineStart.find(kSnapshot) != std::string::npos)
                    ++snapshots;
                lineStart.clear();
                atLineStart = true;
            }
        }
    }
    ::close(fd);
    std::printf("stream_reader bytes=%llu lines=%llu resyncs=%llu\n", static_cast<unsigned long long>(bytes),
                static_cast<unsigned long long>(lines),
                static_cast<unsigned long long>(snapshots > 0 ? snapshots - 1 : 0));
    return 0;
}
