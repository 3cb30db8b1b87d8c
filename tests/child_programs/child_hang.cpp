// Says "ready" and waits forever; the default SIGTERM disposition ends it.
#include <unistd.h>

int main() {
    (void)!::write(STDOUT_FILENO, "ready\n", 6);
    for (;;)
        ::pause();
}
