#pragma once
// Origin pinning (docs/compat.md section 1, Tracking). An agent is (transport, peer
// address, pid), so agents on different hosts may share a pid. The one case where two
// keys name the same process is a process on this host: it can reach the observer over
// the Unix socket and over UDP from a loopback address. Among those local keys a pid
// belongs to one agent, the one seen over the strongest transport, ranked as upstream's
// origins: plain UDP (NetworkUnverified, 0) < secure UDP (OperatorAttested, 2) < Unix
// socket (KernelAttested, 3). Remote UDP peers are never pinned.
//
// This is the index from pid to the slot of the local agent that holds it: open
// addressing (linear probing, backward-shift deletion) over (pid, slot) pairs. Only a
// new agent's first beat looks it up; a beat of a tracked agent never does. It holds at
// most one entry per tracked local agent, so its bound is the tracker's capacity: it
// starts at kInitialBuckets and doubles, kept at most half full, up to
// bit_ceil(2 x capacity) buckets.

#include "core/identity/agent_key.h"
#include "core/tracking/agent_record.h"

#include <cstdint>
#include <vector>

namespace varta {

class OriginPins {
public:
    static constexpr std::size_t kInitialBuckets = 256;

    explicit OriginPins(std::uint32_t capacity);

    // Whether the key is a local origin, one that competes for its pid.
    static bool pinnable(const AgentKey &key) noexcept {
        return key.transport == Transport::Uds || key.isLoopbackPeer();
    }
    // Upstream's origin ranks; a stronger origin takes a pid from a weaker one.
    static int rank(Transport transport) noexcept {
        switch (transport) {
        case Transport::Udp: return 0;        // NetworkUnverified
        case Transport::SecureUdp: return 2;  // OperatorAttested
        case Transport::Uds: return 3;        // KernelAttested
        }
        return 0;
    }

    // The slot of the local agent holding the pid, or kNoSlot.
    Slot find(std::uint32_t pid) const noexcept;
    // The pid is not pinned, and at most `capacity` pids are.
    void pin(std::uint32_t pid, Slot slot);
    // Forgets the pid's pin, if it has one.
    void unpin(std::uint32_t pid) noexcept;

    std::uint32_t size() const noexcept { return m_size; }
    std::size_t bucketCount() const noexcept { return m_index.size(); }
    std::size_t maxBuckets() const noexcept { return m_maxBuckets; }

private:
    struct Bucket {
        std::uint32_t pid = 0;
        Slot slot = kNoSlot;  // kNoSlot: an empty bucket
    };

    std::size_t home(std::uint32_t pid) const noexcept;
    void place(Bucket bucket) noexcept;
    void grow();

    std::size_t m_maxBuckets;
    std::size_t m_mask;
    std::uint32_t m_size = 0;
    std::vector<Bucket> m_index;
};

}  // namespace varta
