// Forks a grandchild that inherits stdout/stderr (so it keeps the parent's pipes open)
// and waits forever. Prints "grandchild <pid>\n", then either exits at once (`exit`,
// the default) or waits forever too (`hang`).
#include <cstdio>
#include <cstring>

#include <unistd.h>

int main(int argc, char **argv) {
    const bool hang = argc > 1 && std::strcmp(argv[1], "hang") == 0;
    const pid_t grandchild = ::fork();
    if (grandchild < 0)
        return 71;
    if (grandchild == 0) {
        for (;;)
            ::pause();
    }
    char line[64];
    const int n = std::snprintf(line, sizeof line, "grandchild %d\n", static_cast<int>(grandchild));
    (void)!::write(STDOUT_FILENO, line, static_cast<size_t>(n));
    if (!hang)
        return 0;
    for (;;)
        ::pause();
}
