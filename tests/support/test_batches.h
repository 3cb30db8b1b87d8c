#pragma once
// Builders for engine batches, shared by the UI tests and the UI benchmark.

#include "core/published/engine_batch.h"

#include <QHostAddress>

namespace varta::test {

inline AgentKey udpKey(std::uint32_t pid, const char *address = "10.0.0.7") {
    return AgentKey::fromPeer(Transport::Udp, QHostAddress(QString::fromLatin1(address)), pid);
}

inline AgentSnapshot snapshot(const AgentKey &key, AgentState state = AgentState::Up, std::uint64_t beats = 1,
                              EngineMs lastBeatMs = 1000) {
    AgentSnapshot s;
    s.key = key;
    s.state = state;
    s.lastStatus = state == AgentState::Degraded   ? vlp::Status::Degraded
                   : state == AgentState::Critical ? vlp::Status::Critical
                                                   : vlp::Status::Ok;
    s.firstSeenMs = 0;
    s.lastBeatMs = lastBeatMs;
    s.beats = beats;
    s.nonce = beats;
    s.payload = static_cast<std::uint32_t>(beats * 7);
    return s;
}

inline EngineStats stats(EngineMs nowMs, bool recoveryConfigured = true) {
    EngineStats s;
    s.nowMs = nowMs;
    s.recoveryConfigured = recoveryConfigured;
    s.listeners = {QStringLiteral("udp 127.0.0.1:9000")};
    return s;
}

inline ChildInfo child(std::uint64_t id, const AgentKey &agent, ChildState state, EngineMs startedMs = 1000) {
    ChildInfo c;
    c.id = id;
    c.agent = agent;
    c.pid = state == ChildState::FailedToStart ? 0 : qint64(40000 + id);
    c.argv = {QStringLiteral("/usr/local/bin/restart-agent"), QString::number(agent.pid)};
    c.startedMs = startedMs;
    c.state = state;
    if (state != ChildState::Running)
        c.endedMs = startedMs + 1500;
    if (state == ChildState::Exited)
        c.exitCode = int(id % 3);
    if (state == ChildState::Killed || state == ChildState::TimedOut)
        c.signal = state == ChildState::Killed ? 9 : 15;
    if (state == ChildState::FailedToStart)
        c.error = QStringLiteral("No such file or directory");
    return c;
}

inline OutputChunk chunk(std::uint64_t childId, OutputStream stream, const char *text) {
    return OutputChunk{childId, stream, QByteArray(text)};
}

}  // namespace varta::test
