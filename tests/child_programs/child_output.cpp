// Writes runs of bytes to stdout and stderr in the order of its arguments:
//   varta_child_output o:5 e:3 o:1073741824
// Run k is filled with the letter 'a' + k % 26 so a reader can tell runs apart. Before
// each run it waits until the previous run's pipe is empty (FIONREAD == 0), i.e. the
// parent has read it: only then is "the order the parent saw" the order written.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include <sys/ioctl.h>
#include <unistd.h>

namespace {

void waitUntilRead(int fd) {
    int pending = 0;
    const timespec pause{0, 1'000'000};
    while (::ioctl(fd, FIONREAD, &pending) == 0 && pending > 0)
        ::nanosleep(&pause, nullptr);
}

bool writeRun(int fd, long long count, char fill) {
    std::vector<char> block(64 * 1024, fill);
    while (count > 0) {
        const size_t chunk = count < static_cast<long long>(block.size()) ? static_cast<size_t>(count) : block.size();
        const ssize_t n = ::write(fd, block.data(), chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        count -= n;
    }
    return true;
}

}  // namespace

int main(int argc, char **argv) {
    int previousFd = -1;
    for (int i = 1; i < argc; ++i) {
        const char *spec = argv[i];
        if ((spec[0] != 'o' && spec[0] != 'e') || spec[1] != ':')
            return 64;
        const int fd = spec[0] == 'o' ? STDOUT_FILENO : STDERR_FILENO;
        if (previousFd >= 0)
            waitUntilRead(previousFd);
        if (!writeRun(fd, std::atoll(spec + 2), static_cast<char>('a' + (i - 1) % 26)))
            return 65;
        previousFd = fd;
    }
    return 0;
}
