#pragma once
// One line of an event file (--export-file) as docs/compat.md section 2 defines it, read
// back for a post-mortem. The writer is core/export/event_file; the two meet in
// tst_incident_files, which reads what the real binary wrote.

#include "core/vlp/frame.h"

#include <QByteArrayView>
#include <QString>

#include <cstdint>
#include <optional>

namespace varta::ui {

struct EventFileLine {
    enum class Kind : std::uint8_t { Beat, Stall, Decode, Io, Ctrunc, Mismatch, Eviction };

    std::int64_t observerNs = 0;
    Kind kind = Kind::Beat;
    std::uint32_t pid = 0;                 // beat, stall, mismatch (claimed), eviction
    std::uint64_t nonce = 0;               // beat, stall (the last one)
    vlp::Status status = vlp::Status::Ok;  // beat
    std::uint32_t payload = 0;             // beat
    QString text;                          // decode, io, ctrunc: the payload column; mismatch: the reason
};

// Nothing for a line that is not one of the seven kinds with its six columns; a trailing
// newline is allowed, not required.
std::optional<EventFileLine> parseEventFileLine(QByteArrayView line);

}  // namespace varta::ui
