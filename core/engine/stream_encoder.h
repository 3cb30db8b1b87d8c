#pragma once
// The `subscribe` stream's batch messages as bytes (docs/control.md sections 4 and 5),
// cheap enough for 100,000 agents beating once a second, and bounded when they beat far
// faster.
//
// The rule: an agent whose only change since this stream last sent its full row is a
// beat (last_beat_ms, beats, nonce, payload) goes out as one compact entry of the batch's
// `beats` list, [KEY, last_beat_ms, beats, nonce, payload]; every other changed agent (its
// state, last status, down since, stalls, recoveries, terminating, silent, identity,
// continues, replaced-by pid or first seen differ, or it was never sent) goes out as a
// full row in `agents`, which becomes what later beats are relative to. Removed agents
// leave the cache.
//
// Beats are folded: an agent's beat goes out at most once per kBeatFoldMs. A beat that
// comes sooner is owed, and goes out (with the newest beat fields) in the first batch
// after its time, unless a full row carried it first. A console's view of a beat is so at
// most kBeatEveryMs old, and a flood of beats costs the stream what one beat a second
// per agent costs; changes of state are never held back. (Headless, BatchPublisher folds
// the same way before a snapshot is built, through AgentTracker::setBeatFolding.)
//
// All subscribers share one encoding, so the cache keeps one invariant: a row it holds
// is what every subscriber holds of that agent, slow fields alike. A snapshot is a full
// row of every agent, so each subscribe and resync (EngineControl's subscribe, which
// ControlServer calls for both) passes its rows through snapshotRow(): for the only
// subscriber they become the cache, and the next beats are compact at once; with others
// subscribed a cached row stays only where it equals the snapshot's, and the agents
// whose rows differ go out in full at their next change. A full row is never wrong.
//
// Per agent the cache holds the slow fields and the key's text, so a beat never formats
// the key (an IP address) again. The beats list and the full rows are written by hand
// (appendAgentJson), not as QJsonArrays.

#include "core/published/engine_batch.h"

#include <QByteArray>
#include <QHash>
#include <queue>

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace varta {

class StreamEncoder {
public:
    // A console sees an agent's newest beat within kBeatEveryMs. The fold is one batch
    // (BatchPublisher::kPublishIntervalMs) shorter: an agent beating once a second has
    // its beats land in batches 950 to 1050 ms apart, and is never held back.
    static constexpr EngineMs kBeatEveryMs = 1000;
    static constexpr EngineMs kBeatFoldMs = kBeatEveryMs - 50;

    // The members of one `batch` stream message, without braces: `"batch":{...}`, what
    // ControlServer::broadcastMembers takes. Its time is the batch's stats.nowMs.
    QByteArray encode(const EngineBatch &batch);
    // Forgets every row sent: the next time each agent changes it goes out in full.
    void reset();
    // A subscriber is about to be sent a snapshot taken at nowMs; `alone`: nobody else is
    // subscribed.
    void beginSnapshot(bool alone, EngineMs nowMs);
    // One row of that snapshot (every agent's, in any order).
    void snapshotRow(const AgentSnapshot &agent);

    qsizetype cachedAgents() const { return m_sent.size(); }
    // What the last encode() wrote: full rows and compact beats.
    qsizetype lastFullRows() const { return m_lastFull; }
    qsizetype lastBeats() const { return m_lastBeats; }
    // Agents with a beat not yet sent.
    qsizetype owedBeats() const { return m_owedCount; }

private:
    // What the stream last sent in full of one agent, and its newest beat.
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
        // The beat fields seen last, and when the agent last went out.
        EngineMs lastBeatMs = 0;
        std::uint64_t beats = 0;
        std::uint64_t nonce = 0;
        std::uint32_t payload = 0;
        EngineMs sentAtMs = 0;
        bool owed = false;  // a beat seen since sentAtMs is not sent yet (queued in m_due)

        static Sent of(const AgentSnapshot &agent, EngineMs nowMs);
        bool onlyBeatsDiffer(const AgentSnapshot &agent) const;
        void takeBeat(const AgentSnapshot &agent);
    };
    using Due = std::pair<EngineMs, AgentKey>;  // when an owed beat may go, and whose
    struct DueLater {
        bool operator()(const Due &a, const Due &b) const { return a.first > b.first; }
    };

    void appendBeat(QByteArray &beats, const Sent &sent);
    void sendOwedBeats(QByteArray &beats, EngineMs nowMs);

    QHash<AgentKey, Sent> m_sent;
    // Owed beats by due time. An entry whose agent has since gone out in full, or left,
    // is skipped when it comes up; there is at most one live entry per agent.
    std::priority_queue<Due, std::vector<Due>, DueLater> m_due;
    qsizetype m_owedCount = 0;
    bool m_snapshotAlone = false;
    EngineMs m_snapshotMs = 0;
    qsizetype m_lastFull = 0;
    qsizetype m_lastBeats = 0;
};

}  // namespace varta
