// Prints its environment, each KEY=VALUE followed by a NUL byte.
#include <cstring>

#include <unistd.h>

extern char **environ;

int main() {
    for (char **entry = environ; *entry != nullptr; ++entry)
        (void)!::write(STDOUT_FILENO, *entry, std::strlen(*entry) + 1);
    return 0;
}
