#include "core/identity/keyed_hash.h"

#include <cerrno>
#include <cstddef>
#include <ctime>

#include <sys/random.h>
#include <unistd.h>

namespace varta {
namespace {

std::uint64_t splitmix(std::uint64_t &state) noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

HashSeed readSeed() noexcept {
    HashSeed seed;
    auto *bytes = reinterpret_cast<unsigned char *>(seed.words.data());
    constexpr std::size_t want = sizeof seed.words;
    std::size_t have = 0;
    // Flags 0: before the kernel's pool is initialised (early boot) this waits rather than
    // hand out a guessable seed; after, it never blocks.
    while (have < want) {
        const ssize_t n = ::getrandom(bytes + have, want - have, 0);
        if (n > 0)
            have += static_cast<std::size_t>(n);
        else if (n < 0 && errno != EINTR)
            break;
    }
    if (have < want) {
        // No getrandom (a seccomp filter that predates it): clocks, pid and a randomised
        // address are guessable in part, but the tables' probe bounds still hold.
        timespec mono{};
        timespec real{};
        ::clock_gettime(CLOCK_MONOTONIC, &mono);
        ::clock_gettime(CLOCK_REALTIME, &real);
        std::uint64_t state = static_cast<std::uint64_t>(mono.tv_nsec) ^ static_cast<std::uint64_t>(real.tv_nsec) << 20
                              ^ static_cast<std::uint64_t>(real.tv_sec) << 40 ^ static_cast<std::uint64_t>(::getpid())
                              ^ reinterpret_cast<std::uintptr_t>(&seed);
        for (std::uint64_t &word : seed.words)
            word = splitmix(state);
    }
    // The last word is a multiplier: odd, so that no key's product with it is zero.
    seed.words[3] |= 1;
    return seed;
}

}  // namespace

// First among the program's static initialisers, so that none of them could hash a key
// with a seed still zero and look it up later with the real one.
const HashSeed g_processHashSeed __attribute__((init_priority(101))) = readSeed();

}  // namespace varta
