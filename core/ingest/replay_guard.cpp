#include "core/ingest/replay_guard.h"

#include "core/identity/keyed_hash.h"
#include "core/vlp/frame.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <new>

namespace varta {
namespace {

std::size_t hashPid(std::uint32_t pid) noexcept {
    // Seeded (identity/keyed_hash.h): a sender with the key picks its pids, and under a
    // fixed mix could pick ones that all probe one run of the index.
    return static_cast<std::size_t>(seededHash(0, 0, pid));
}

}  // namespace

ReplayGuard::ReplayGuard(std::size_t capacity, bool keepAgentKeys)
    : m_capacity(std::clamp<std::size_t>(capacity, 1, kMaxCapacity)),
      m_keepKeys(keepAgentKeys),
      m_maxBuckets(std::bit_ceil(m_capacity * 2)),
      m_mask(std::min(m_maxBuckets, kInitialBuckets) - 1) {
    m_index.assign(m_mask + 1, Bucket{});
    // Reserved, not touched: resident memory grows with the senders seen.
    m_senders.reserve(m_capacity);
    m_freeSlots.reserve(m_capacity);
    if (m_keepKeys)
        m_keys.reserve(m_capacity);
}

ReplayGuard::~ReplayGuard() {
    if (!m_keys.empty())
        vlp::wipe(std::span(m_keys.data()->data(), m_keys.size() * sizeof(vlp::KeyBytes)));
}

ReplayGuard::Slot ReplayGuard::find(std::uint32_t pid) const noexcept {
    for (std::size_t b = hashPid(pid) & m_mask;; b = (b + 1) & m_mask) {
        const Bucket &bucket = m_index[b];
        if (bucket.slot == kNoSlot)
            return kNoSlot;
        if (bucket.pid == pid)
            return bucket.slot;
    }
}

const vlp::KeyBytes *ReplayGuard::agentKey(std::uint32_t pid) const noexcept {
    const Slot slot = find(pid);
    if (slot == kNoSlot || !m_senders[slot].hasKey)
        return nullptr;
    return &m_keys[slot];
}

void ReplayGuard::place(Bucket bucket) noexcept {
    std::size_t b = hashPid(bucket.pid) & m_mask;
    while (m_index[b].slot != kNoSlot)
        b = (b + 1) & m_mask;
    m_index[b] = bucket;
}

// Doubles the index while it would pass half full: log2(capacity / 512) times over the
// guard's life, each O(senders). False when the allocation failed: the caller fails closed.
bool ReplayGuard::makeRoom() noexcept {
    if ((m_size + 1) * 2 <= m_index.size() || m_index.size() >= m_maxBuckets)
        return true;
    std::vector<Bucket> old;
    try {
        old.assign(m_index.size() * 2, Bucket{});
    } catch (const std::bad_alloc &) {
        return false;
    }
    old.swap(m_index);
    m_mask = m_index.size() - 1;
    for (const Bucket &bucket : old)
        if (bucket.slot != kNoSlot)
            place(bucket);
    return true;
}

ReplayGuard::Slot ReplayGuard::insert(std::uint32_t pid) noexcept {
    Slot slot;
    if (!m_freeSlots.empty()) {
        slot = m_freeSlots.back();
        m_freeSlots.pop_back();
        m_senders[slot] = Sender{};
    } else {
        // Within the reservation: neither vector reallocates.
        slot = static_cast<Slot>(m_senders.size());
        m_senders.emplace_back();
        if (m_keepKeys)
            m_keys.emplace_back();
    }
    Sender &sender = m_senders[slot];
    sender.pid = pid;
    sender.live = true;
    place(Bucket{pid, slot});
    ++m_size;
    return slot;
}

void ReplayGuard::erase(Slot slot) noexcept {
    Sender &sender = m_senders[slot];
    std::size_t hole = hashPid(sender.pid) & m_mask;
    while (m_index[hole].slot != slot)
        hole = (hole + 1) & m_mask;
    // Backward-shift deletion: pull later members of the probe run into the hole so
    // that every lookup still finds its pid without tombstones.
    for (std::size_t b = (hole + 1) & m_mask; m_index[b].slot != kNoSlot; b = (b + 1) & m_mask) {
        const std::size_t home = hashPid(m_index[b].pid) & m_mask;
        if (((b - home) & m_mask) >= ((b - hole) & m_mask)) {
            m_index[hole] = m_index[b];
            hole = b;
        }
    }
    m_index[hole] = Bucket{};
    if (sender.hasKey) {
        vlp::wipe(m_keys[slot]);
        --m_keysHeld;
    }
    sender = Sender{};
    m_freeSlots.push_back(slot);  // within the reservation
    --m_size;
}

bool ReplayGuard::isIdle(const Sender &sender, std::int64_t nowNs) noexcept {
    return nowNs - sender.lastSeenNs >= kIdleExpiryNs;
}

void ReplayGuard::sweepStep(std::int64_t nowNs) noexcept {
    for (std::size_t step = 0; step < kSweepStepsPerInsert && !m_senders.empty(); ++step) {
        if (m_sweepCursor >= m_senders.size())
            m_sweepCursor = 0;
        const Sender &sender = m_senders[m_sweepCursor];
        if (sender.live && isIdle(sender, nowNs))
            erase(static_cast<Slot>(m_sweepCursor));
        ++m_sweepCursor;
    }
}

void ReplayGuard::sweepIdle(std::int64_t nowNs) noexcept {
    std::int64_t oldestSeen = std::numeric_limits<std::int64_t>::max();
    for (std::size_t slot = 0; slot < m_senders.size(); ++slot) {
        const Sender &sender = m_senders[slot];
        if (!sender.live)
            continue;
        if (isIdle(sender, nowNs))
            erase(static_cast<Slot>(slot));
        else
            oldestSeen = std::min(oldestSeen, sender.lastSeenNs);
    }
    m_nextSweepNs = m_size == 0 ? nowNs : oldestSeen + kIdleExpiryNs;
}

void ReplayGuard::remember(Slot slot, const vlp::KeyBytes *agentKey) noexcept {
    Sender &sender = m_senders[slot];
    if (!m_keepKeys || agentKey == nullptr || sender.hasKey)
        return;
    m_keys[slot] = *agentKey;
    sender.hasKey = true;
    ++m_keysHeld;
}

void ReplayGuard::start(Sender &sender, const vlp::IvRandom &ivRandom, std::uint32_t ivCounter,
                        std::uint64_t nonce) noexcept {
    sender.currentIv = ivRandom;
    sender.currentCounter = ivCounter;
    sender.previousIv = {};
    sender.previousCounter = 0;
    sender.hasPrevious = false;
    sender.highestNonce = nonce == vlp::kNonceTerminal ? 0 : nonce;
}

ReplayGuard::Verdict ReplayGuard::update(Sender &sender, const vlp::IvRandom &ivRandom, std::uint32_t ivCounter,
                                         std::uint64_t nonce) noexcept {
    if (sender.currentIv == ivRandom) {
        if (ivCounter <= sender.currentCounter)
            return Verdict::StaleCounter;
        sender.currentCounter = ivCounter;
    } else if (sender.hasPrevious && sender.previousIv == ivRandom) {
        // Late datagrams from just before a prefix rotation or reconnect.
        if (ivCounter <= sender.previousCounter)
            return Verdict::StaleCounter;
        sender.previousCounter = ivCounter;
    } else {
        if (nonce <= sender.highestNonce)
            return Verdict::StaleNonce;
        sender.previousIv = sender.currentIv;
        sender.previousCounter = sender.currentCounter;
        sender.hasPrevious = true;
        sender.currentIv = ivRandom;
        sender.currentCounter = ivCounter;
    }
    // A panic frame's terminal nonce is a marker, not a position in the sequence; letting
    // it raise the bar would lock out the pid's next process until the entry expires.
    if (nonce != vlp::kNonceTerminal)
        sender.highestNonce = std::max(sender.highestNonce, nonce);
    return Verdict::Accepted;
}

ReplayGuard::Verdict ReplayGuard::check(std::uint32_t pid, const vlp::IvRandom &ivRandom, std::uint32_t ivCounter,
                                        std::uint64_t nonce, std::int64_t nowNs,
                                        const vlp::KeyBytes *agentKey) noexcept {
    Slot slot = find(pid);
    if (slot != kNoSlot) {
        Sender &sender = m_senders[slot];
        if (isIdle(sender, nowNs)) {
            start(sender, ivRandom, ivCounter, nonce);
            sender.lastSeenNs = nowNs;
            remember(slot, agentKey);
            return Verdict::Accepted;
        }
        const Verdict verdict = update(sender, ivRandom, ivCounter, nonce);
        if (verdict == Verdict::Accepted) {
            sender.lastSeenNs = nowNs;
            remember(slot, agentKey);
        }
        return verdict;
    }
    if (m_size < m_capacity)
        sweepStep(nowNs);
    else if (nowNs >= m_nextSweepNs)
        sweepIdle(nowNs);
    if (m_size >= m_capacity || !makeRoom())
        return Verdict::TableFull;
    slot = insert(pid);
    Sender &sender = m_senders[slot];
    start(sender, ivRandom, ivCounter, nonce);
    sender.lastSeenNs = nowNs;
    remember(slot, agentKey);
    return Verdict::Accepted;
}

}  // namespace varta
