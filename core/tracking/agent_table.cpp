#include "core/tracking/agent_table.h"

#include <algorithm>
#include <bit>

namespace varta {

AgentTable::AgentTable(std::uint32_t capacity)
    : capacity_(capacity == 0 ? 1 : (capacity > kMaxCapacity ? kMaxCapacity : capacity)) {
    // At most half full: linear probing stays short even at capacity.
    maxBuckets_ = std::bit_ceil(static_cast<std::size_t>(capacity_) * 2);
    const std::size_t buckets = std::min(maxBuckets_, kInitialBuckets);
    mask_ = buckets - 1;
    index_.assign(buckets, Bucket{});
    records_.reserve(capacity_);
}

Slot AgentTable::find(const AgentKey &key, std::size_t hash) const noexcept {
    const auto tag = static_cast<std::uint32_t>(hash);
    for (std::size_t b = hash & mask_;; b = (b + 1) & mask_) {
        const Bucket &bucket = index_[b];
        if (bucket.slot == kNoSlot)
            return kNoSlot;
        if (bucket.hash == tag && records_[bucket.slot].key == key)
            return bucket.slot;
    }
}

void AgentTable::place(Bucket bucket) noexcept {
    std::size_t b = bucket.hash & mask_;
    while (index_[b].slot != kNoSlot)
        b = (b + 1) & mask_;
    index_[b] = bucket;
}

void AgentTable::grow() {
    // Doubling re-places every bucket from its stored hash; no record is read. It happens
    // log2(capacity / 512) times over the table's life, each O(agents).
    std::vector<Bucket> old(index_.size() * 2, Bucket{});
    old.swap(index_);
    mask_ = index_.size() - 1;
    for (const Bucket &bucket : old)
        if (bucket.slot != kNoSlot)
            place(bucket);
}

Slot AgentTable::insert(const AgentKey &key) {
    if ((static_cast<std::size_t>(size_) + 1) * 2 > index_.size() && index_.size() < maxBuckets_)
        grow();
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
    place(Bucket{slot, static_cast<std::uint32_t>(hashAgentKey(key))});
    ++size_;
    return slot;
}

void AgentTable::erase(Slot slot) noexcept {
    AgentRecord &record = records_[slot];
    std::size_t hole = hashAgentKey(record.key) & mask_;
    while (index_[hole].slot != slot)
        hole = (hole + 1) & mask_;
    // Backward-shift deletion: pull later members of the probe run into the hole so
    // that every lookup still finds its key without tombstones.
    for (std::size_t b = (hole + 1) & mask_; index_[b].slot != kNoSlot; b = (b + 1) & mask_) {
        const std::size_t home = index_[b].hash & mask_;
        const bool homeOutsideGap = ((b - home) & mask_) >= ((b - hole) & mask_);
        if (homeOutsideGap) {
            index_[hole] = index_[b];
            hole = b;
        }
    }
    index_[hole] = Bucket{};
    record.live = false;
    freeSlots_.push_back(slot);
    --size_;
}

}  // namespace varta
