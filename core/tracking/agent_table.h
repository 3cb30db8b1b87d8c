#pragma once
// The tracked agents: a slab of AgentRecords addressed by stable Slot numbers, and an
// open-addressing index (linear probing, backward-shift deletion, no tombstones) from
// AgentKey to Slot. Capacity is fixed at construction; the slab's memory is reserved up
// front but only touched (made resident) as agents arrive.

#include "core/tracking/agent_record.h"

#include <cstdint>
#include <vector>

namespace varta {

class AgentTable {
public:
    static constexpr std::uint32_t kMaxCapacity = 1u << 20;  // 1,048,576 (--tracker-capacity ceiling)

    explicit AgentTable(std::uint32_t capacity);

    std::uint32_t capacity() const noexcept { return capacity_; }
    std::uint32_t size() const noexcept { return size_; }
    bool full() const noexcept { return size_ >= capacity_; }

    Slot find(const AgentKey &key) const noexcept;
    // Inserts a fresh record for `key`; the caller checked that it is absent and the
    // table not full.
    Slot insert(const AgentKey &key) noexcept;
    void erase(Slot slot) noexcept;

    AgentRecord &at(Slot slot) noexcept { return records_[slot]; }
    const AgentRecord &at(Slot slot) const noexcept { return records_[slot]; }

    // Visits every live record (metrics rendering, snapshots). Order is unspecified.
    template <typename Fn>
    void forEach(Fn &&fn) const {
        for (const AgentRecord &record : records_)
            if (record.live)
                fn(record);
    }

private:
    std::size_t bucketOf(const AgentKey &key) const noexcept;

    std::uint32_t capacity_;
    std::uint32_t size_ = 0;
    std::size_t mask_;
    std::vector<Slot> index_;          // buckets holding slots, kNoSlot = empty
    std::vector<AgentRecord> records_; // grows to capacity_, never beyond
    std::vector<Slot> freeSlots_;
};

} // namespace varta
