#pragma once
// The `subscribe` stream's batch messages as bytes (docs/control.md sections 4 and 5),
// cheap enough for 100,000 agents beating once a second.
//
// The rule: an agent whose only change since this stream last sent its full row is a
// beat (last_beat_ms, beats, nonce, payload) goes out as one compact entry of the batch's
// `beats` list, [KEY, last_beat_ms, beats, nonce, payload]; every other changed agent (its
// state, last status, down since, stalls, recoveries, terminating, silent, identity,
// continues, replaced-by pid or first seen differ, or it was never sent) goes out as a
// full row in `agents`, which becomes what later beats are relative to. Removed agents
// leave the cache.
//
// A beat is only valid relative to a row the console has since its snapshot, so reset()
// must be called whenever a Batches subscription starts or resyncs (EngineControl's
// subscribe, which ControlServer calls for both): everything is sent in full again.
// All subscribers share one encoding, and a full row is never wrong, so a reset for one
// costs the others one batch of full rows and nothing else.
//
// Per agent the cache holds the slow fields and the key's text, so a beat never formats
// the key (an IP address) again. The beats list is written by hand, not as QJsonArrays.

#include "core/published/engine_batch.h"

#include <QByteArray>
#include <QHash>

#include <cstdint>
#include <memory>
#include <optional>

namespace varta {

class StreamEncoder {
public:
    // The members of one `batch` stream message, without braces: `"batch":{...}`, what
    // ControlServer::broadcastMembers takes.
    QByteArray encode(const EngineBatch &batch);
    // Forgets every row sent: the next time each agent changes it goes out in full.
    void reset() { m_sent = {}; }

    qsizetype cachedAgents() const { return m_sent.size(); }
    // What the last encode() wrote: full rows and compact beats.
    qsizetype lastFullRows() const { return m_lastFull; }
    qsizetype lastBeats() const { return m_lastBeats; }

private:
    // What the stream last sent in full of one agent, beats aside.
    struct Sent {
        QByteArray keyText;
        std::optional<EngineMs> downSinceMs;
        std::shared_ptr<const ProcessIdentity> identity;  // the engine's shared copy: compared by address
        std::optional<AgentKey> continues;
        std::optional<std::uint32_t> replacedByPid;
        EngineMs firstSeenMs = 0;
        std::uint64_t stalls = 0;
        std::uint64_t recoveries = 0;
        AgentState state = AgentState::Up;
        vlp::Status lastStatus = vlp::Status::Ok;
        bool terminating = false;
        bool silent = false;

        static Sent of(const AgentSnapshot &agent);
        bool onlyBeatsDiffer(const AgentSnapshot &agent) const;
    };

    QHash<AgentKey, Sent> m_sent;
    qsizetype m_lastFull = 0;
    qsizetype m_lastBeats = 0;
};

}  // namespace varta
