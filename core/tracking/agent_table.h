#pragma once
// The tracked agents: a slab of AgentRecords addressed by stable Slot numbers, and an
// open-addressing index (linear probing, backward-shift deletion, no tombstones) from
// AgentKey to Slot. Capacity is fixed at construction, but memory follows the agents:
// the slab's memory is reserved up front and only touched (made resident) as agents
// arrive, and the index starts small and doubles as the table fills.
//
// Each bucket keeps the low 32 bits of its key's hash next to the slot, so a probe that
// meets another agent's bucket is rejected without reading that agent's record (a cache
// miss on a large table), and growing or erasing never rehashes a key.
//
// Probing is bounded: an insert that would land more than kMaxProbe buckets from its key's
// home is refused, so no key sits further than that, and a look-up stops after as many
// buckets whether its key is there or not. The seeded hash (identity/keyed_hash.h) is what
// keeps runs short; the bound is what a run costs if it ever is not (a leaked seed, a weak
// mix), instead of a walk as long as the attacker's set.

#include "core/base/prefetch.h"
#include "core/tracking/agent_record.h"

#include <cstdint>
#include <vector>

namespace varta {

class AgentTable {
public:
    static constexpr std::uint32_t kMaxCapacity = 1u << 20;  // 1,048,576 (--tracker-capacity ceiling)
    static constexpr std::size_t kInitialBuckets = 1024;
    // At most half full, a run this long does not happen by chance: a million keys (random
    // or sequential pids) in 2^21 buckets put the furthest about 40 buckets from home, 50
    // at most over 16 seeds. A look-up that walks it all reads 2 KiB of index, in order.
    static constexpr std::size_t kMaxProbe = 256;

    explicit AgentTable(std::uint32_t capacity);

    std::uint32_t capacity() const noexcept { return m_capacity; }
    std::uint32_t size() const noexcept { return m_size; }
    bool full() const noexcept { return m_size >= m_capacity; }

    Slot find(const AgentKey &key) const noexcept { return find(key, hashAgentKey(key)); }
    Slot find(const AgentKey &key, std::size_t hash) const noexcept;
    // Inserts a fresh record for `key`; the caller checked that it is absent and the
    // table not full. kNoSlot when its run of the index is kMaxProbe long already.
    Slot insert(const AgentKey &key);
    // Whether insert() would place the key now (erasing another key only makes room).
    bool placeable(const AgentKey &key) const noexcept { return vacancy(hashAgentKey(key)) != kNoVacancy; }
    void erase(Slot slot) noexcept;

    AgentRecord &at(Slot slot) noexcept { return m_records[slot]; }
    const AgentRecord &at(Slot slot) const noexcept { return m_records[slot]; }

    // Look-ahead for a batch of beats (IngestPipeline): start loading the key's home
    // bucket; later, once it has arrived, the record it names. Hints only: a wrong guess
    // costs a wasted load, never a wrong answer.
    void prefetchBucket(std::size_t hash) const noexcept { prefetchForRead(&m_index[hash & m_mask]); }
    Slot prefetchRecord(std::size_t hash) const noexcept {
        const Bucket &bucket = m_index[hash & m_mask];
        if (bucket.slot == kNoSlot || bucket.hash != static_cast<std::uint32_t>(hash))
            return kNoSlot;
        // Both ends: a record may straddle two cache lines.
        const auto *bytes = reinterpret_cast<const char *>(&m_records[bucket.slot]);
        prefetchForWrite(bytes);
        prefetchForWrite(bytes + sizeof(AgentRecord) - 1);
        return bucket.slot;
    }

    // Visits every live record (metrics rendering, snapshots). Order is unspecified.
    template <typename Fn>
    void forEach(Fn &&fn) const {
        for (const AgentRecord &record : m_records)
            if (record.live)
                fn(record);
    }

    // The same, for the slots in [from, to) alone: a visit spread over several event-loop
    // turns. Slots past slotSpan() are never live.
    template <typename Fn>
    void forEachIn(std::size_t from, std::size_t to, Fn &&fn) const {
        for (std::size_t slot = from; slot < to && slot < m_records.size(); ++slot)
            if (m_records[slot].live)
                fn(m_records[slot]);
    }
    std::size_t slotSpan() const noexcept { return m_records.size(); }
    // How many records were ever erased: a visit spread over turns that sees it change
    // may have met a key twice (erased behind it, inserted again ahead of it).
    std::uint64_t erasures() const noexcept { return m_erasures; }

    std::size_t bucketCount() const noexcept { return m_index.size(); }
    // How far from its home the furthest key was placed (since the index last grew; an
    // erase only moves keys nearer): where a look-up can stop.
    std::size_t longestProbe() const noexcept { return m_longestProbe; }

private:
    struct Bucket {
        Slot slot = kNoSlot;
        std::uint32_t hash = 0;  // low 32 bits of hashAgentKey(key); the index is at most 2^21 buckets
    };

    static constexpr std::size_t kNoVacancy = ~std::size_t{0};
    // The empty bucket an insert of `hash` would take, at most kMaxProbe from its home.
    std::size_t vacancy(std::size_t hash) const noexcept;
    void place(Bucket bucket) noexcept;
    void grow();

    std::uint32_t m_capacity;
    std::uint32_t m_size = 0;
    std::size_t m_maxBuckets;
    std::size_t m_mask;
    std::size_t m_longestProbe = 0;
    std::uint64_t m_erasures = 0;
    std::vector<Bucket> m_index;         // kept at most half full
    std::vector<AgentRecord> m_records;  // grows to m_capacity, never beyond
    std::vector<Slot> m_freeSlots;
};

}  // namespace varta
