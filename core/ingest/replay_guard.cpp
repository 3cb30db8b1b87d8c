#include "core/ingest/replay_guard.h"

#include "core/vlp/frame.h"

#include <algorithm>
#include <bit>
#include <limits>

namespace varta {
namespace {

std::size_t hashPid(std::uint32_t pid) noexcept {
    // Multiplicative mixing so that sequential pids do not form one long probe run.
    return static_cast<std::size_t>(static_cast<std::uint64_t>(pid) * 0x9E3779B97F4A7C15ull >> 32);
}

}  // namespace

ReplayGuard::ReplayGuard(std::size_t capacity)
    : m_capacity(std::clamp<std::size_t>(capacity, 1, kMaxCapacity)),
      m_slots(std::bit_ceil(m_capacity * 2)),
      m_spare(m_slots.size()),
      m_mask(m_slots.size() - 1) {}

ReplayGuard::Sender *ReplayGuard::find(std::uint32_t pid) noexcept {
    for (std::size_t i = hashPid(pid) & m_mask;; i = (i + 1) & m_mask) {
        Sender &slot = m_slots[i];
        if (!slot.used)
            return nullptr;
        if (slot.pid == pid)
            return &slot;
    }
}

ReplayGuard::Sender *ReplayGuard::insert(std::vector<Sender> &slots, std::uint32_t pid) noexcept {
    for (std::size_t i = hashPid(pid) & m_mask;; i = (i + 1) & m_mask) {
        if (!slots[i].used) {
            slots[i].used = true;
            slots[i].pid = pid;
            return &slots[i];
        }
    }
}

bool ReplayGuard::isIdle(const Sender &sender, std::int64_t nowNs) noexcept {
    return nowNs - sender.lastSeenNs >= kIdleExpiryNs;
}

void ReplayGuard::sweepIdle(std::int64_t nowNs) noexcept {
    std::fill(m_spare.begin(), m_spare.end(), Sender{});
    std::int64_t oldestSeen = std::numeric_limits<std::int64_t>::max();
    m_size = 0;
    for (const Sender &sender : m_slots) {
        if (!sender.used || isIdle(sender, nowNs))
            continue;
        *insert(m_spare, sender.pid) = sender;
        oldestSeen = std::min(oldestSeen, sender.lastSeenNs);
        ++m_size;
    }
    m_slots.swap(m_spare);
    m_nextSweepNs = m_size == 0 ? nowNs : oldestSeen + kIdleExpiryNs;
}

void ReplayGuard::start(Sender &sender, const vlp::IvRandom &ivRandom, std::uint32_t ivCounter,
                        std::uint64_t nonce) noexcept {
    sender.current = Session{ivRandom, ivCounter};
    sender.previous = Session{};
    sender.hasPrevious = false;
    sender.highestNonce = nonce == vlp::kNonceTerminal ? 0 : nonce;
}

ReplayGuard::Verdict ReplayGuard::update(Sender &sender, const vlp::IvRandom &ivRandom, std::uint32_t ivCounter,
                                         std::uint64_t nonce) noexcept {
    if (sender.current.ivRandom == ivRandom) {
        if (ivCounter <= sender.current.counter)
            return Verdict::StaleCounter;
        sender.current.counter = ivCounter;
    } else if (sender.hasPrevious && sender.previous.ivRandom == ivRandom) {
        // Late datagrams from just before a prefix rotation or reconnect.
        if (ivCounter <= sender.previous.counter)
            return Verdict::StaleCounter;
        sender.previous.counter = ivCounter;
    } else {
        if (nonce <= sender.highestNonce)
            return Verdict::StaleNonce;
        sender.previous = sender.current;
        sender.hasPrevious = true;
        sender.current = Session{ivRandom, ivCounter};
    }
    // A panic frame's terminal nonce is a marker, not a position in the sequence; letting
    // it raise the bar would lock out the pid's next process until the entry expires.
    if (nonce != vlp::kNonceTerminal)
        sender.highestNonce = std::max(sender.highestNonce, nonce);
    return Verdict::Accepted;
}

ReplayGuard::Verdict ReplayGuard::check(std::uint32_t pid, const vlp::IvRandom &ivRandom, std::uint32_t ivCounter,
                                        std::uint64_t nonce, std::int64_t nowNs) noexcept {
    Sender *sender = find(pid);
    if (sender != nullptr && isIdle(*sender, nowNs)) {
        start(*sender, ivRandom, ivCounter, nonce);
        sender->lastSeenNs = nowNs;
        return Verdict::Accepted;
    }
    if (sender == nullptr) {
        if (m_size >= m_capacity && nowNs >= m_nextSweepNs)
            sweepIdle(nowNs);
        if (m_size >= m_capacity)
            return Verdict::TableFull;
        sender = insert(m_slots, pid);
        ++m_size;
        start(*sender, ivRandom, ivCounter, nonce);
        sender->lastSeenNs = nowNs;
        return Verdict::Accepted;
    }
    const Verdict verdict = update(*sender, ivRandom, ivCounter, nonce);
    if (verdict == Verdict::Accepted)
        sender->lastSeenNs = nowNs;
    return verdict;
}

}  // namespace varta
