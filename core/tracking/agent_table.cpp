#include "core/tracking/agent_table.h"

#include <bit>

namespace varta {

AgentTable::AgentTable(std::uint32_t capacity)
    : capacity_(capacity == 0 ? 1 : (capacity > kMaxCapacity ? kMaxCapacity : capacity)) {
    // At most half full: linear probing stays short even at capacity.
    const std::size_t buckets = std::bit_ceil(static_cast<std::size_t>(capacity_) * 2);
    mask_ = buckets - 1;
    index_.assign(buckets, kNoSlot);
    records_.reserve(capacity_);
}

std::size_t AgentTable::bucketOf(const AgentKey &key) const noexcept {
    return hashAgentKey(key) & mask_;
}

Slot AgentTable::find(const AgentKey &key) const noexcept {
    for (std::size_t b = bucketOf(key);; b = (b + 1) & mask_) {
        const Slot slot = index_[b];
        if (slot == kNoSlot)
            return kNoSlot;
        if (records_[slot].key == key)
            return slot;
    }
}

Slot AgentTable::insert(const AgentKey &key) noexcept {
    Slot slot;
    if (!freeSlots_.empty()) {
        slot = freeSlots_.back();
        freeSlots_.pop_back();
        records_[slot] = AgentRecord{};
    } else {
        slot = static_cast<Slot>(records_.size());
        records_.emplace_back();
    }
    AgentRecord &record = records_[slot];
    record.key = key;
    record.live = true;
    std::size_t b = bucketOf(key);
    while (index_[b] != kNoSlot)
        b = (b + 1) & mask_;
    index_[b] = slot;
    ++size_;
    return slot;
}

void AgentTable::erase(Slot slot) noexcept {
    AgentRecord &record = records_[slot];
    std::size_t hole = bucketOf(record.key);
    while (index_[hole] != slot)
        hole = (hole + 1) & mask_;
    // Backward-shift deletion: pull later members of the probe run into the hole so
    // that every lookup still finds its key without tombstones.
    for (std::size_t b = (hole + 1) & mask_; index_[b] != kNoSlot; b = (b + 1) & mask_) {
        const std::size_t home = bucketOf(records_[index_[b]].key);
        const bool homeOutsideGap = ((b - home) & mask_) >= ((b - hole) & mask_);
        if (homeOutsideGap) {
            index_[hole] = index_[b];
            hole = b;
        }
    }
    index_[hole] = kNoSlot;
    record.live = false;
    freeSlots_.push_back(slot);
    --size_;
}

} // namespace varta
