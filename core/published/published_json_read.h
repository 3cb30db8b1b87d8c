#pragma once
// The published values read back from the JSON published_json writes: a console attached
// to an observer elsewhere rebuilds the batches an in-process engine would have handed it.
//
// The peer is not trusted: every field is checked for its type and range, a missing
// optional field takes its default, and a wrong one refuses the whole object with a line
// naming the field (the caller counts it and drops the message, never the connection's
// other messages). Nothing here throws or asserts on input.

#include "core/published/engine_batch.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace varta::json {

// Inverse of the writers' names; nullopt for a name this build does not know.
std::optional<AgentState> agentStateNamed(QStringView name);
std::optional<vlp::Status> statusNamed(QStringView name);
std::optional<EventKind> eventKindNamed(QStringView name);
std::optional<EventSeverity> severityNamed(QStringView name);
std::optional<EventCategory> categoryNamed(QStringView name);
std::optional<ChildState> childStateNamed(QStringView name);

// Each returns nullopt and sets *error ("agent.last_beat_ms: not a number") when the
// object is not what the writer of the same name makes.
std::optional<AgentSnapshot> agentFromJson(const QJsonObject &object, QString *error);
std::optional<ChildInfo> childFromJson(const QJsonObject &object, QString *error);
std::optional<EventLogEntry> eventFromJson(const QJsonObject &object, QString *error);
std::optional<EngineStats> statsFromJson(const QJsonObject &object, QString *error);
std::optional<OutputChunk> outputFromJson(const QJsonObject &object, QString *error);
// A `batch` stream message's body, or a `subscribe` reply's `snapshot` (agents, children
// and stats only; its other lists are empty).
std::optional<EngineBatch> batchFromJson(const QJsonObject &object, QString *error);

}  // namespace varta::json
