// Ignores SIGTERM, says "ready" once it does, and waits forever: only SIGKILL ends it.
#include <csignal>

#include <unistd.h>

int main() {
    std::signal(SIGTERM, SIG_IGN);
    (void)!::write(STDOUT_FILENO, "ready\n", 6);
    for (;;)
        ::pause();
}
