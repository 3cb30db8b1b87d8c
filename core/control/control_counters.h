#pragma once
// What the control socket (ControlServer) counts: connections, requests, and every bound
// or check that turned a connection or a request away, by reason (docs/control.md
// section 1; varta_control_refused_total{reason}). Plain integers written and read on the
// server's thread; whoever exports them takes a copy.

#include <array>
#include <cstddef>
#include <cstdint>

namespace varta {

enum class ControlRefusal : std::uint8_t { PermissionDenied, Busy, TooLarge, Timeout, Idle, SlowReader, BadRequest };
inline constexpr std::size_t kControlRefusalCount = 7;

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
    }
    return "unknown";
}

struct ControlCounters {
    std::uint64_t connectionsAccepted = 0;  // every connection accept() returned, refused ones included
    std::uint64_t acceptErrors = 0;         // accept() failures (out of descriptors), each pausing the listener
    std::uint64_t requests = 0;             // every non-empty request line, well-formed or not
    std::uint64_t connectionsOpen = 0;      // gauge: admitted connections open now
    std::array<std::uint64_t, kControlRefusalCount> refused{};

    std::uint64_t refusedFor(ControlRefusal refusal) const { return refused[static_cast<std::size_t>(refusal)]; }
};

}  // namespace varta
