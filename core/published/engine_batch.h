#pragma once
// What the engine thread publishes to the UI thread: plain values in implicitly shared
// Qt containers, carried by queued signals (docs/architecture.md section 2). Nothing here points
// back into the engine.

#include "core/identity/agent_key.h"
#include "core/identity/agent_state.h"
#include "core/identity/process_identity.h"
#include "core/vlp/frame.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <optional>

namespace varta {

// Engine time is monotonic milliseconds since the observer started; wall time only
// where a human reads it.
using EngineMs = std::int64_t;

// One agent's current row; sent whenever anything in it changed since the last publish
// (coalesced per agent between publishes).
struct AgentSnapshot {
    AgentKey key;
    AgentState state = AgentState::Up;
    vlp::Status lastStatus = vlp::Status::Ok;
    EngineMs firstSeenMs = 0;
    EngineMs lastBeatMs = 0;
    // When it went down (stalled, recovering, gave up, exited, replaced), across its
    // recoveries; none while up, degraded, critical or paused.
    std::optional<EngineMs> downSinceMs;
    std::uint64_t beats = 0;
    std::uint64_t stalls = 0;
    std::uint64_t recoveries = 0;
    std::uint64_t nonce = 0;
    std::uint32_t payload = 0;
    bool terminating = false;  // sent its panic frame
    // Silent past its threshold. Told apart from the state because paused, gave up and
    // recovering do not say whether the agent beats underneath.
    bool silent = false;
    // A local agent's process as the kernel described it at first contact; null for UDP
    // agents and when /proc had nothing. Immutable and shared, never written after.
    std::shared_ptr<const ProcessIdentity> identity;
    // Restarted: the agent of the same unit this one took over (its row and lane go on
    // under this key; the old key is also in the batch's removed list).
    std::optional<AgentKey> continues;
    std::optional<std::uint32_t> replacedByPid;  // state Replaced: the pid that took over
};

// A state change, for timelines. The engine keeps a bounded history per agent. Under
// paused, gave up and recovering, `from` == `to` says only that `silent` changed.
struct StateTransition {
    AgentKey key;
    EngineMs atMs = 0;
    AgentState from = AgentState::Up;
    AgentState to = AgentState::Up;
    bool silent = false;  // from here on: silent past its threshold
};

enum class EventSeverity : std::uint8_t { Info, Warning, Error };

// What an event-log line is about; the console names each in the operator's language.
enum class EventCategory : std::uint8_t { Recovery, Refused, Eviction, Audit, Io };
inline constexpr int kEventCategoryCount = 5;

// What happened, one kind per operator-relevant fact (docs/control.md section 4). The
// engine rate-limits and summarises per kind, so a storm of one kind never hides another.
enum class EventKind : std::uint8_t {
    Stall,            // an agent went silent past its threshold
    Back,             // a stalled agent beat again
    RecoveryStarted,  // a recovery child is running
    RecoveryEnded,    // ... and has ended (exit code or signal, output tail)
    Refused,          // a recovery decision said no
    GaveUp,           // the restart-loop limit was reached
    Rearmed,
    Paused,
    Resumed,
    PauseExpired,  // a pause with an end reached it
    Evicted,       // removed to make room
    Replaced,      // the same local pid over a stronger origin
    Exited,        // a local agent's process is gone
    Restarted,     // a new pid of the same unit took over an exited or stalled agent
    Recycled,      // a known local pid now belongs to another process
    Forgotten,     // an exited or replaced agent left after --forget-after-ms
    DecodeErrors,  // malformed datagrams, summarised once a second
    IoError,
    AuditError,
    Operator,    // an operator's action and its outcome
    Suppressed,  // "... and N more KIND in the last second"
    Notice,      // anything else worth a line (start-up facts)
};
inline constexpr int kEventKindCount = 22;

// "stall", "back", "recovery_started", ...: stable names for logs, JSON and metrics.
const char *eventKindName(EventKind kind) noexcept;

// The structured facts behind an event's text, for JSON readers; unset fields are absent.
struct EventDetails {
    std::optional<std::uint64_t> childId;
    std::optional<qint64> childPid;
    std::optional<std::int64_t> silentMs;  // stall: silent so far; back: how long it was
    std::optional<int> exitCode;
    std::optional<int> signal;
    std::optional<std::int64_t> durationMs;
    std::optional<std::int64_t> bytesKept;
    std::optional<bool> truncated;
    QStringList argv;
    QStringList outputTail;  // recovery_ended: its last lines
    QString reason;          // refused, paused: why; operator: the outcome
    QString by;              // paused, operator: who
    std::optional<std::int64_t> untilUnixMs;
    std::optional<std::uint64_t> count;        // suppressed, decode_errors
    QString action;                            // operator: recover, kill, pause, resume, rearm
    QString suppressedKind;                    // suppressed: of which kind
    QString unit;                              // exited, restarted: the agent's unit, when it has one
    std::optional<std::uint32_t> previousPid;  // restarted: the pid it took over from
};

// One line of the operator's event log: refusals, evictions, spawns, I/O errors...
struct EventLogEntry {
    EngineMs atMs = 0;
    EventSeverity severity = EventSeverity::Info;
    EventCategory category = EventCategory::Recovery;
    QString text;
    std::optional<AgentKey> agent;
    EventKind kind = EventKind::Notice;
    std::uint64_t seq = 0;    // 1, 2, 3 ... per observer run, set by the engine's event stream
    std::int64_t unixMs = 0;  // wall-clock time, set with seq
    EventDetails details{};

    // An event as its producer knows it; seq and the times are the event stream's to set.
    static EventLogEntry of(EventKind kind, EventSeverity severity, EventCategory category, QString text,
                            std::optional<AgentKey> agent, EventDetails details = {}) {
        EventLogEntry e;
        e.kind = kind;
        e.severity = severity;
        e.category = category;
        e.text = std::move(text);
        e.agent = agent;
        e.details = std::move(details);
        return e;
    }
};

enum class ChildState : std::uint8_t { Running, Exited, Killed, TimedOut, FailedToStart };

struct ChildInfo {
    std::uint64_t id = 0;  // engine-assigned, never reused in a run
    AgentKey agent;
    qint64 pid = 0;  // 0 when it never started
    QStringList argv;
    bool manual = false;  // started by the operator's Recover now
    EngineMs startedMs = 0;
    EngineMs endedMs = -1;  // -1 while running
    ChildState state = ChildState::Running;
    int exitCode = -1;  // for Exited
    int signal = 0;     // for Killed / TimedOut / crash
    std::int64_t bytesKept = 0;
    bool truncated = false;
    QString error;  // FailedToStart reason
};

enum class OutputStream : std::uint8_t { Stdout, Stderr };

struct OutputChunk {
    std::uint64_t childId = 0;
    OutputStream stream = OutputStream::Stdout;
    QByteArray data;
};

// Totals for the status bar; rates are computed by the receiver from successive batches.
struct EngineStats {
    EngineMs nowMs = 0;
    std::uint64_t beatsAccepted = 0;
    std::uint64_t decodeErrors = 0;
    std::uint64_t datagramsDropped = 0;  // every refused datagram, whatever the reason
    std::uint32_t agentsByState[kAgentStateCount] = {};
    std::uint32_t agentsTracked = 0;
    QStringList listeners;  // "udp 127.0.0.1:9000", "uds /run/varta.sock"
    bool recoveryConfigured = false;
    QStringList recoveryTemplate;  // --recovery-exec as split, placeholders unfilled (recovery_command.h)
};

// One publish: everything that changed since the previous one.
struct EngineBatch {
    QList<AgentSnapshot> agents;
    // Evicted and forgotten agents, local agents replaced over a stronger origin, and
    // agents whose unit restarted under another pid (see AgentSnapshot::continues).
    QList<AgentKey> removed;
    QList<StateTransition> transitions;
    QList<EventLogEntry> events;
    QList<ChildInfo> children;  // started or changed children
    QList<OutputChunk> output;
    // Ended children whose output the engine's history no longer keeps (oldest first):
    // the console drops its copy, so its store never holds what the history let go.
    QList<std::uint64_t> forgottenChildren;
    EngineStats stats;
};

}  // namespace varta

Q_DECLARE_METATYPE(varta::AgentKey)
Q_DECLARE_METATYPE(varta::EngineBatch)
Q_DECLARE_METATYPE(varta::EventLogEntry)
