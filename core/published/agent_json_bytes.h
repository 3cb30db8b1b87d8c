#pragma once
// An agent's row (docs/control.md section 4) written straight into bytes: the same bytes
// as QJsonDocument(json::agentJson(agent, nowMs)).toJson(Compact), without building the
// object. A snapshot holds a row for every agent (100,000 rows, ~30 MB) and is built on
// the engine thread, where building QJsonObjects would hold up ingest for seconds.
// agentJson stays the definition; tests hold the two to the same bytes.

#include "core/published/engine_batch.h"

#include <QByteArray>

namespace varta::json {

void appendAgentJson(QByteArray &out, const AgentSnapshot &agent, EngineMs nowMs);

// The agent key's text (AgentKey::text) as a JSON string's contents. What one origin's
// keys share is made once while its agents come one after another, as a flood or a
// snapshot brings them; only the pid is written per agent.
QByteArray keyText(const AgentKey &key);

}  // namespace varta::json
