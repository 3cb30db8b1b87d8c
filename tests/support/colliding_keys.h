#pragma once
// Agent keys chosen to collide, as a flooder would choose them: the key hash as it was
// before it was seeded (what anyone could compute offline), and a search for the pids
// whose keys from one peer all land in a few buckets under a given hash.
#include "core/identity/agent_key.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace varta::test {

// hashAgentKey before it took a seed: the splitmix64 finaliser over folded words.
inline std::uint64_t unseededAgentKeyHash(const AgentKey &key) noexcept {
    std::uint64_t a, b;
    std::memcpy(&a, key.address.data(), 8);
    std::memcpy(&b, key.address.data() + 8, 8);
    std::uint64_t h = (static_cast<std::uint64_t>(key.pid) << 8) ^ static_cast<std::uint64_t>(key.transport);
    h ^= a * 0x9E3779B97F4A7C15ull;
    h ^= b * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 31;
    return h;
}

// The first `count` keys `make(pid)`, pids from 2 up to `maxPid`, whose `hash` lands in
// the first `buckets` of an index of `indexSize` buckets (a power of two). Fewer when the
// pids run out.
template <typename Make, typename Hash>
std::vector<AgentKey> collidingKeys(Make make, Hash hash, std::size_t count, std::size_t buckets, std::size_t indexSize,
                                    std::uint32_t maxPid = 4'194'304) {
    std::vector<AgentKey> keys;
    keys.reserve(count);
    for (std::uint32_t pid = 2; pid <= maxPid && keys.size() < count; ++pid) {
        const AgentKey key = make(pid);
        if ((hash(key) & (indexSize - 1)) < buckets)
            keys.push_back(key);
    }
    return keys;
}

}  // namespace varta::test
