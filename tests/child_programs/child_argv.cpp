// Prints each of its arguments (argv[1]...) followed by a NUL byte, so a reader can
// compare them byte for byte, spaces and shell metacharacters included.
#include <cstring>

#include <unistd.h>

int main(int argc, char **argv) {
    for (int i = 1; i < argc; ++i)
        (void)!::write(STDOUT_FILENO, argv[i], std::strlen(argv[i]) + 1);
    return 0;
}
