#pragma once
// Who acted and what came of it, for the operator's commands (docs/control.md section 5):
// the control socket names its peer, the in-process console is `console`. Every action
// on every key ends in one ActionResult, one `operator` audit row and one event.

#include <QString>

#include <cstdint>
#include <optional>

#include <sys/types.h>

namespace varta {

struct OperatorActor {
    std::optional<uid_t> uid;  // none: the in-process console
    QString name;              // the user's name, or "console"

    static OperatorActor console() { return OperatorActor{std::nullopt, QStringLiteral("console")}; }
    // "alice (uid 1000)", or "console".
    QString label() const { return uid ? QStringLiteral("%1 (uid %2)").arg(name).arg(*uid) : name; }
};

struct ActionResult {
    QString target;  // the agent key's text, or "child:N"
    bool ok = true;
    QString error{};                            // when !ok: a label ("not_found", "gave_up", ...)
    std::optional<std::uint64_t> childId{};     // recover: the child started
    std::optional<std::int64_t> untilUnixMs{};  // pause: when it ends by itself
};

}  // namespace varta
