#pragma once
// One record of a recovery audit log (--recovery-audit-file, schema v2, docs/compat.md
// section 3), read back for a post-mortem: who was recovered, refused, paused or re-armed,
// and when. The chain is not verified here: a post-mortem shows what the file says.

#include <QByteArrayView>
#include <QString>

#include <cstdint>
#include <optional>

namespace varta::ui {

struct AuditLine {
    enum class Kind : std::uint8_t { Boot, Spawn, Complete, Refused, Operator };

    std::uint64_t seq = 0;
    std::int64_t wallMs = 0;
    std::int64_t observerNs = 0;  // 0 in boot rows
    Kind kind = Kind::Boot;
    std::optional<std::uint32_t> agentPid;  // spawn, complete, refused; operator unless `-`
    qint64 childPid = 0;                    // spawn, complete
    QString program;                        // spawn: argv[0]
    bool manual = false;                    // spawn: source `manual`
    QString status;                         // complete: reaped, killed, reap_failed, lost
    std::optional<int> exitCode;            // complete
    std::optional<int> signal;              // complete
    std::int64_t durationNs = 0;            // complete
    std::int64_t bytesKept = 0;             // complete: stdout_len + stderr_len
    bool truncated = false;                 // complete
    QString reason;                         // boot, refused; operator: its outcome
    QString user;                           // operator
    QString action;                         // operator: recover, kill, pause, resume, rearm
    QString target;                         // operator
    QString detail;                         // operator, `-` read as empty
};

enum class AuditLineResult : std::uint8_t { Record, Header, UnknownKind, Malformed };

// Header lines (`# ...`) and kinds this reader does not know are told apart from lines
// that are no record at all.
AuditLineResult parseAuditLine(QByteArrayView line, AuditLine *out);

// The first line of a v2 audit log; an event file never starts with `#`.
inline constexpr QByteArrayView kAuditHeaderPrefix = "# varta-watch recovery audit";

}  // namespace varta::ui
