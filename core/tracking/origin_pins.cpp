#include "core/tracking/origin_pins.h"

#include "core/identity/keyed_hash.h"

#include <algorithm>
#include <bit>

namespace varta {

OriginPins::OriginPins(std::uint32_t capacity)
    : m_maxBuckets(std::bit_ceil(static_cast<std::size_t>(std::max<std::uint32_t>(capacity, 1)) * 2)) {
    const std::size_t buckets = std::min(m_maxBuckets, kInitialBuckets);
    m_mask = buckets - 1;
    m_index.assign(buckets, Bucket{});
}

// Seeded (identity/keyed_hash.h): a loopback sender names any pid it likes, and under a
// fixed mix could choose pids that all probe one run.
std::size_t OriginPins::home(std::uint32_t pid) const noexcept {
    return static_cast<std::size_t>(seededHash(0, 0, pid)) & m_mask;
}

Slot OriginPins::find(std::uint32_t pid) const noexcept {
    for (std::size_t b = home(pid);; b = (b + 1) & m_mask) {
        const Bucket &bucket = m_index[b];
        if (bucket.slot == kNoSlot)
            return kNoSlot;
        if (bucket.pid == pid)
            return bucket.slot;
    }
}

void OriginPins::place(Bucket bucket) noexcept {
    std::size_t b = home(bucket.pid);
    while (m_index[b].slot != kNoSlot)
        b = (b + 1) & m_mask;
    m_index[b] = bucket;
}

void OriginPins::grow() {
    std::vector<Bucket> old(m_index.size() * 2, Bucket{});
    old.swap(m_index);
    m_mask = m_index.size() - 1;
    for (const Bucket &bucket : old)
        if (bucket.slot != kNoSlot)
            place(bucket);
}

void OriginPins::pin(std::uint32_t pid, Slot slot) {
    if ((static_cast<std::size_t>(m_size) + 1) * 2 > m_index.size() && m_index.size() < m_maxBuckets)
        grow();
    place(Bucket{pid, slot});
    ++m_size;
}

void OriginPins::unpin(std::uint32_t pid) noexcept {
    std::size_t hole = home(pid);
    while (m_index[hole].slot != kNoSlot && m_index[hole].pid != pid)
        hole = (hole + 1) & m_mask;
    if (m_index[hole].slot == kNoSlot)
        return;  // not pinned
    // Backward-shift deletion, as AgentTable: later members of the probe run move into
    // the hole, so every look-up still finds its pid and no tombstone is left.
    for (std::size_t b = (hole + 1) & m_mask; m_index[b].slot != kNoSlot; b = (b + 1) & m_mask) {
        const std::size_t at = home(m_index[b].pid);
        if (((b - at) & m_mask) >= ((b - hole) & m_mask)) {
            m_index[hole] = m_index[b];
            hole = b;
        }
    }
    m_index[hole] = Bucket{};
    --m_size;
}

}  // namespace varta
