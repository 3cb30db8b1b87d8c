#pragma once
// The published values as JSON objects, in the shapes docs/control.md section 4 fixes:
// what the control socket answers and streams, and what the JSON log lines carry. One
// place, so a remote console, `ctl` and the log read the same names.

#include "core/published/engine_batch.h"

#include <QJsonObject>

namespace varta::json {

const char *severityName(EventSeverity severity) noexcept;  // "info", "warning", "error"
const char *childStateName(ChildState state) noexcept;      // "running", "exited", ...
const char *categoryName(EventCategory category) noexcept;  // "recovery", "refused", ...

QJsonObject identityJson(const ProcessIdentity &identity);
QJsonObject agentJson(const AgentSnapshot &agent, EngineMs nowMs);
QJsonObject childJson(const ChildInfo &child);
// The event's common fields and its kind's details.
QJsonObject eventJson(const EventLogEntry &event);
// Only the details (for log lines, which name the common fields upstream's way).
void addEventDetails(QJsonObject &object, const EventDetails &details);
QJsonObject statsJson(const EngineStats &stats);
QJsonObject outputJson(const OutputChunk &chunk);
QJsonObject batchJson(const EngineBatch &batch);

}  // namespace varta::json
