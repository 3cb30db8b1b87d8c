#include "core/tracking/agent_table.h"

#include <algorithm>
#include <bit>

namespace varta {

AgentTable::AgentTable(std::uint32_t capacity)
    : m_capacity(capacity == 0 ? 1 : (capacity > kMaxCapacity ? kMaxCapacity : capacity)) {
    // At most half full: linear probing stays short even at capacity.
    m_maxBuckets = std::bit_ceil(static_cast<std::size_t>(m_capacity) * 2);
    const std::size_t buckets = std::min(m_maxBuckets, kInitialBuckets);
    m_mask = buckets - 1;
    m_index.assign(buckets, Bucket{});
    m_records.reserve(m_capacity);
}

Slot AgentTable::find(const AgentKey &key, std::size_t hash) const noexcept {
    const auto tag = static_cast<std::uint32_t>(hash);
    std::size_t b = hash & m_mask;
    // No key is further than m_longestProbe from its home: past that, a key is not here,
    // however long the run its home is in.
    for (std::size_t probe = 0; probe <= m_longestProbe; ++probe, b = (b + 1) & m_mask) {
        const Bucket &bucket = m_index[b];
        if (bucket.slot == kNoSlot)
            return kNoSlot;
        if (bucket.hash == tag && m_records[bucket.slot].key == key)
            return bucket.slot;
    }
    return kNoSlot;
}

std::size_t AgentTable::vacancy(std::size_t hash) const noexcept {
    std::size_t b = hash & m_mask;
    for (std::size_t probe = 0; m_index[b].slot != kNoSlot; ++probe, b = (b + 1) & m_mask)
        if (probe == kMaxProbe) [[unlikely]]
            return kNoVacancy;
    return b;
}

void AgentTable::place(Bucket bucket) noexcept {
    const std::size_t home = bucket.hash & m_mask;
    std::size_t b = home;
    while (m_index[b].slot != kNoSlot)
        b = (b + 1) & m_mask;
    m_index[b] = bucket;
    m_longestProbe = std::max(m_longestProbe, (b - home) & m_mask);
}

void AgentTable::grow() {
    // Doubling re-places every bucket from its stored hash; no record is read. It happens
    // log2(capacity / 512) times over the table's life, each O(agents).
    std::vector<Bucket> old(m_index.size() * 2, Bucket{});
    old.swap(m_index);
    m_mask = m_index.size() - 1;
    m_longestProbe = 0;
    for (const Bucket &bucket : old)
        if (bucket.slot != kNoSlot)
            place(bucket);
}

Slot AgentTable::insert(const AgentKey &key) {
    if ((static_cast<std::size_t>(m_size) + 1) * 2 > m_index.size() && m_index.size() < m_maxBuckets)
        grow();
    const auto hash = static_cast<std::uint32_t>(hashAgentKey(key));
    const std::size_t at = vacancy(hash);
    if (at == kNoVacancy) [[unlikely]]
        return kNoSlot;  // before a slot is taken
    Slot slot;
    if (!m_freeSlots.empty()) {
        slot = m_freeSlots.back();
        m_freeSlots.pop_back();
        m_records[slot] = AgentRecord{};
    } else {
        slot = static_cast<Slot>(m_records.size());
        m_records.emplace_back();
    }
    AgentRecord &record = m_records[slot];
    record.key = key;
    record.live = true;
    m_index[at] = Bucket{slot, hash};
    m_longestProbe = std::max(m_longestProbe, (at - hash) & m_mask);
    ++m_size;
    return slot;
}

void AgentTable::erase(Slot slot) noexcept {
    AgentRecord &record = m_records[slot];
    std::size_t hole = hashAgentKey(record.key) & m_mask;
    while (m_index[hole].slot != slot)
        hole = (hole + 1) & m_mask;
    // Backward-shift deletion: pull later members of the probe run into the hole so
    // that every lookup still finds its key without tombstones.
    for (std::size_t b = (hole + 1) & m_mask; m_index[b].slot != kNoSlot; b = (b + 1) & m_mask) {
        const std::size_t home = m_index[b].hash & m_mask;
        const bool homeOutsideGap = ((b - home) & m_mask) >= ((b - hole) & m_mask);
        if (homeOutsideGap) {
            m_index[hole] = m_index[b];
            hole = b;
        }
    }
    m_index[hole] = Bucket{};
    record.live = false;
    m_freeSlots.push_back(slot);
    --m_size;
    ++m_erasures;
}

}  // namespace varta
