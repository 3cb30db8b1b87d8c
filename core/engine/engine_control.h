#pragma once
// The engine's answers on the control socket (docs/control.md section 5): reads of the
// tracker, the recovery side's children and the event stream, and the operator's
// commands through Engine's actions, with the peer as their author. Runs on the engine
// thread, like the ControlServer that calls it.

#include "core/control/control_handler.h"
#include "core/engine/stream_encoder.h"
#include "core/identity/agent_key.h"

#include <optional>

namespace varta {

class Engine;

class EngineControl final : public ControlHandler {
public:
    static constexpr qsizetype kMaxAgentsPerReply = 10000;
    static constexpr qsizetype kTransitionsPerAgent = 64;
    static constexpr qsizetype kDefaultEvents = 100;
    static constexpr qsizetype kMaxEvents = 1000;
    static constexpr qsizetype kMaxKeysPerRequest = 100000;

    explicit EngineControl(Engine &engine) : m_engine(engine) {}

    ControlReply handle(const ControlRequest &request, const ControlPeer &peer) override;
    qsizetype snapshotBytesEstimate() const override;

    // One batch as the `subscribe` stream's members (StreamEncoder): compact beats
    // relative to the rows sent since the last subscribe or resync.
    QByteArray streamBatch(const EngineBatch &batch) { return m_stream.encode(batch); }

private:
    ControlReply status() const;
    ControlReply agents(const QJsonObject &args) const;
    ControlReply agent(const QJsonObject &args) const;
    ControlReply children() const;
    ControlReply output(const QJsonObject &args) const;
    ControlReply events(const QJsonObject &args) const;
    ControlReply act(const QString &cmd, const QJsonObject &args, const ControlPeer &peer);
    // Also a resync's fresh snapshot: every agent's row, and the children and totals.
    ControlReply subscribe();
    static constexpr qsizetype kTypicalRowBytes = 320;  // a UDP agent's row, to reserve the snapshot once

    // A key's text or a bare pid naming one tracked agent; *error says why not.
    std::optional<AgentKey> resolve(const QString &text, QString *error) const;
    QJsonObject agentObject(const AgentKey &key) const;

    Engine &m_engine;
    StreamEncoder m_stream;
};

}  // namespace varta
