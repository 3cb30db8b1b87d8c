#pragma once
// What the control server (ControlServer, both transports) counts: connections, requests, and every bound
// or check that turned a connection or a request away, by reason (docs/control.md
// section 1; varta_control_refused_total{reason}). Plain integers written and read on the
// server's thread; whoever exports them takes a copy.

#include <array>
#include <cstddef>
#include <cstdint>

namespace varta {

enum class ControlRefusal : std::uint8_t {
    PermissionDenied,
    Busy,
    TooLarge,
    Timeout,
    Idle,
    SlowReader,
    BadRequest,
    BadToken,   // a console's first line was no hello with a known token
    TlsFailed,  // a console's TLS handshake did not complete
    ViewOnly,   // an operator action asked by a view token; its connection stays
};
inline constexpr std::size_t kControlRefusalCount = 10;

// The `reason` label of varta_control_refused_total.
constexpr const char *controlRefusalLabel(ControlRefusal refusal) {
    switch (refusal) {
    case ControlRefusal::PermissionDenied: return "permission_denied";
    case ControlRefusal::Busy: return "busy";
    case ControlRefusal::TooLarge: return "too_large";
    case ControlRefusal::Timeout: return "timeout";
    case ControlRefusal::Idle: return "idle";
    case ControlRefusal::SlowReader: return "slow_reader";
    case ControlRefusal::BadRequest: return "bad_request";
    case ControlRefusal::BadToken: return "bad_token";
    case ControlRefusal::TlsFailed: return "tls_failed";
    case ControlRefusal::ViewOnly: return "view_only";
    }
    return "unknown";
}

struct ControlCounters {
    std::uint64_t connectionsAccepted = 0;  // every connection accept() returned, refused ones included
    std::uint64_t acceptErrors = 0;         // accept() failures (out of descriptors), each pausing the listener
    std::uint64_t requests = 0;             // every non-empty request line, well-formed or not
    std::uint64_t connectionsOpen = 0;      // gauge: admitted connections open now
    // Batches subscribers that fell kMaxQueuedBytes behind: their unsent batches were
    // dropped and a fresh snapshot sent once they caught up (docs/control.md section 7).
    std::uint64_t resyncs = 0;
    std::array<std::uint64_t, kControlRefusalCount> refused{};

    std::uint64_t refusedFor(ControlRefusal refusal) const { return refused[static_cast<std::size_t>(refusal)]; }
};

}  // namespace varta
