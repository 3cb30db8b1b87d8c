#pragma once
// The per-process secret behind every hash of what a peer sends (agent keys, pids, source
// addresses), and the mix that uses it. Under a fixed function anyone can compute offline
// which keys share a bucket of an open-addressing index, and a run of such keys makes every
// look-up walk it: 60,000 pids chosen so cost 98 % of a core. With a secret drawn at start
// nobody outside the process knows which keys collide, so chosen keys spread as random ones.
//
// The mix is not a cryptographic PRF: two folded multiplies (a 128-bit product's halves,
// xored) of the input words with secret words, as foldhash and ahash build theirs, then a
// finaliser. SipHash-1-3 measured about 10 ns a key on the development machine against 3
// for this (2.5 for the unseeded mix it replaced), and the beat path hashes its key twice,
// against a budget of 10 % of an 80 ns path. This is enough because a peer sees no output
// that depends on a hash (no reply, no order), only the engine's speed from outside, and
// the tracker bounds its probes too (AgentTable::kMaxProbe): even a leaked seed buys
// bounded work, never a core.

#include <array>
#include <cstdint>

namespace varta {

struct HashSeed {
    std::array<std::uint64_t, 4> words{};
};

// Read from getrandom(2) before main() runs, and never changed: a table built with it is
// always looked up with it. Tests pass other seeds explicitly.
extern const HashSeed g_processHashSeed;

__extension__ typedef unsigned __int128 WideProduct;

inline std::uint64_t foldedMultiply(std::uint64_t x, std::uint64_t y) noexcept {
    const WideProduct product = static_cast<WideProduct>(x) * y;
    return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

// Three words in (an address's two halves and a pid with its transport, say), one out.
// Inline: the tracker runs it once or twice per beat.
inline std::uint64_t seededHash(std::uint64_t a, std::uint64_t b, std::uint64_t c,
                                const HashSeed &seed = g_processHashSeed) noexcept {
    std::uint64_t h = foldedMultiply(a ^ seed.words[0], b ^ seed.words[1]);
    h = foldedMultiply(h ^ c ^ seed.words[2], seed.words[3]);
    // Sequential inputs (pids, a subnet's addresses) leave a pattern in a product's low
    // bits, which linear probing turns into long runs; this spreads the high bits down.
    h ^= h >> 31;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 29;
    return h;
}

}  // namespace varta
