// Dies by the signal whose number is its only argument (default SIGSEGV). The default
// disposition is restored first so no sanitizer or inherited handler intercepts it.
#include <csignal>
#include <cstdlib>

int main(int argc, char **argv) {
    const int sig = argc > 1 ? std::atoi(argv[1]) : SIGSEGV;
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return 70;  // only reached for a signal whose default is to ignore
}
