#pragma once
// Many simulated agents over one UDP socket, for load tests of an observer. Each agent
// has its own pid (basePid + index; the observer cannot verify UDP pids) and its own
// nonce sequence from 1. Frames go out with sendmmsg in batches; nothing is allocated
// once run() starts.
//
// Agents beat round-robin: at a rate of HZ per agent the generator owes one "slot" every
// 1 / (agents * HZ) seconds and agent (slot % agents) sends in it, so every agent beats
// at HZ and the total rate holds. Between batches it sleeps instead of spinning.

#include "core/sender/beat_client.h"
#include "core/sender/secure_sealer.h"

#include <QHostAddress>
#include <QString>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <sys/socket.h>

namespace varta {

class LoadGenerator {
public:
    // High in the pid range, where few hosts hand out pids, with room below Linux's
    // PID_MAX_LIMIT (above it the observer drops the frames) for a million agents.
    static constexpr std::uint32_t kDefaultBasePid = 3'000'000;
    static constexpr std::size_t kDefaultBatchSize = 64;

    struct Config {
        std::uint32_t agents = 1;
        std::uint32_t basePid = kDefaultBasePid;
        double ratePerAgentHz = 1.0;      // 0: as fast as possible
        std::uint64_t beatsPerAgent = 0;  // 0: no limit
        std::int64_t durationMs = 0;      // 0: no limit
        std::size_t batchSize = kDefaultBatchSize;
        // Every agent's first nonce: a fleet the observer already knows (an earlier run
        // sent nonces below it) carries on instead of replaying.
        std::uint64_t nonceStart = 1;
        // Stall injection: stallFraction of the agents (spread evenly over the indices)
        // go silent stallAfterMs after the start, and resume their sequence after
        // resumeAfterMs of silence. Negative times mean never.
        double stallFraction = 0.0;
        std::int64_t stallAfterMs = -1;
        std::int64_t resumeAfterMs = -1;
        // Secure UDP: a 32-byte key, and each agent seals with a SecureSealer of its own
        // (its own random session, as separate client processes have; one cipher context
        // is shared, so a million sealing agents fit in about 100 MiB). Empty: plain frames.
        QByteArray key;
        bool masterKey = false;  // `key` is a master key: 64-byte frames, one agent key per pid
    };

    explicit LoadGenerator(const Config &config);

    bool connectUdp(const QHostAddress &host, quint16 port);
    QString errorString() const { return m_error; }

    // Blocks until every agent has sent beatsPerAgent beats (agents stalled for good
    // excepted), durationMs has passed, `stop` becomes true, or a send fails for a reason
    // other than a transient one (then errorString() says why).
    void run(const std::atomic<bool> &stop);

    std::uint64_t framesSent() const noexcept { return m_framesSent; }
    // Transient send failures (ECONNREFUSED, ENOBUFS, ...); those frames were retried.
    std::uint64_t sendFailures() const noexcept { return m_sendFailures; }
    // Nanoseconds the last run() took.
    std::int64_t elapsedNs() const noexcept { return m_elapsedNs; }

    std::uint32_t agentCount() const noexcept { return m_config.agents; }
    std::uint32_t pidOf(std::uint32_t agent) const noexcept { return m_config.basePid + agent; }
    std::uint32_t stalledAgentCount() const noexcept { return m_stallCount; }
    bool stallsAgent(std::uint32_t agent) const noexcept { return m_stallCandidate[agent] != 0; }

private:
    enum class StallPhase : std::uint8_t { Before, Stalled, Over };

    // What the send buffer at the same index holds, to undo it if it was not sent.
    struct Entry {
        std::uint32_t agent;
        std::uint64_t slot;
        std::uint64_t nonce;
    };

    void updateStallPhase(std::int64_t now);
    bool finished() const noexcept;
    bool sendable(std::uint32_t agent) const noexcept;
    std::uint64_t dueSlots(std::int64_t now) const noexcept;
    std::size_t buildBatch(std::uint64_t slotLimit, std::int64_t now);
    bool writeDatagram(std::size_t index, std::uint32_t agent, const vlp::Frame &frame) noexcept;
    bool transmit(std::size_t count);
    void rollBack(std::size_t built, std::size_t sent);
    std::int64_t nextWakeNs(std::int64_t now) const noexcept;

    Config m_config;
    BeatClient m_client;
    QString m_error;
    std::uint32_t m_stallCount = 0;

    std::vector<std::uint64_t> m_nextNonce;
    std::vector<std::uint64_t> m_beats;
    std::vector<std::uint8_t> m_stallCandidate;
    vlp::AeadContext m_aead;                               // shared by the sealers (one thread)
    std::vector<std::unique_ptr<SecureSealer>> m_sealers;  // one per agent when sealing
    bool m_sealFailed = false;
    std::vector<std::array<std::uint8_t, SecureSealer::kMaxDatagramSize>> m_buffers;
    std::vector<iovec> m_iovecs;
    std::vector<mmsghdr> m_messages;
    std::vector<Entry> m_entries;

    std::uint64_t m_slot = 0;
    std::uint32_t m_slotAgent = 0;
    std::uint32_t m_unfinished = 0;
    std::uint32_t m_unfinishedWhileStalled = 0;
    StallPhase m_phase = StallPhase::Before;
    std::int64_t m_startNs = 0;
    std::int64_t m_stallAtNs = 0;
    std::int64_t m_resumeAtNs = 0;
    std::uint64_t m_framesSent = 0;
    std::uint64_t m_sendFailures = 0;
    std::int64_t m_elapsedNs = 0;
};

}  // namespace varta
