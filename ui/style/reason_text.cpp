#include "ui/style/reason_text.h"

namespace varta::ui {

QString ReasonText::words(const QString &token) {
    // Refusals (docs/compat.md section 3), operator outcomes (docs/control.md section 5)
    // and the audit log's boot reasons.
    static const struct {
        const char *token;
        const char *words;
    } kWords[] = {
        {"cross_namespace_agent", QT_TR_NOOP("the agent is in another pid namespace")},
        {"unauthenticated_transport", QT_TR_NOOP("its transport is not allowed to trigger recovery")},
        {"paused", QT_TR_NOOP("the agent is paused")},
        {"gave_up", QT_TR_NOOP("the agent gave up; re-arm it first")},
        {"debounced", QT_TR_NOOP("a recovery started too recently")},
        {"outstanding_in_flight", QT_TR_NOOP("a recovery child is still running for it")},
        {"outstanding_capacity", QT_TR_NOOP("the most recovery children allowed are running")},
        {"spawn_failed", QT_TR_NOOP("the command could not be started")},
        {"skipped_agent_resumed", QT_TR_NOOP("the agent beat again first")},
        {"skipped_pid_recycled", QT_TR_NOOP("its pid now belongs to another process")},
        {"missing_placeholder", QT_TR_NOOP("the command names a fact this agent lacks")},
        {"not_found", QT_TR_NOOP("no such agent or child")},
        {"not_paused", QT_TR_NOOP("it was not paused")},
        {"child_running", QT_TR_NOOP("a recovery child is running for it")},
        {"fresh", QT_TR_NOOP("a new audit log")},
        {"resume", QT_TR_NOOP("the audit log continued")},
        {"legacy_v1", QT_TR_NOOP("an old audit log migrated")},
        {"corrupt_tail", QT_TR_NOOP("the audit log's end was damaged")},
        {"schema_drift", QT_TR_NOOP("the audit log's last line was not a record")},
        {"rotation", QT_TR_NOOP("the audit log was rotated")},
        {"reopen", QT_TR_NOOP("the audit log was reopened")},
    };
    for (const auto &entry : kWords)
        if (token == QLatin1String(entry.token))
            return tr(entry.words);
    return {};
}

QString ReasonText::withWords(const QString &token) {
    const QString text = words(token);
    return text.isEmpty() ? token : tr("%1 (%2)").arg(token, text);
}

}  // namespace varta::ui
