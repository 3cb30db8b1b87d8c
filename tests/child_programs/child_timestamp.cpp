// Prints CLOCK_MONOTONIC in nanoseconds as the first thing it does, so a benchmark can
// tell when the child was actually running.
#include <cstdio>
#include <ctime>

#include <unistd.h>

int main() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    char line[32];
    const int n =
        std::snprintf(line, sizeof line, "%lld\n", static_cast<long long>(now.tv_sec) * 1'000'000'000LL + now.tv_nsec);
    (void)!::write(STDOUT_FILENO, line, static_cast<size_t>(n));
    return 0;
}
