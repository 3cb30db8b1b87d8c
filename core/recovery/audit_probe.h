#pragma once
// What an existing audit file means for the next run, as upstream 0.2.0 reads it
// (docs/compat.md section 3):
//
//   empty, or the v2 header alone         fresh: seq 1, chain from zero
//   last line a record                    resume: seq and chain continue from it
//   last line no record                   schema_drift: seq 1, chain from zero
//   bytes after the last newline          corrupt_tail: those bytes are cut off; seq and
//                                         chain continue from the line before, if it is
//                                         a record (else seq 1, chain from zero)
//   v1 header / any other first line      legacy_v1 / schema_drift: the old content
//                                         stays, a v2 header is appended after it, seq 1
//
// A file migrated that way keeps its old first line, so the v2 part is the one after the
// last v2 header line, wherever it is: a restart resumes there instead of migrating
// again. Only the end of the file is read for a v2 file, whatever its size; a file that
// never had a v2 header is searched backwards for one, once, at start-up.

#include "core/recovery/audit_schema.h"

#include <QList>
#include <QString>

#include <cstdint>
#include <optional>

namespace varta::audit {

struct Probe {
    struct LostChild {
        std::uint32_t agentPid = 0;
        qint64 childPid = 0;
    };
    BootReason reason = BootReason::Fresh;
    std::uint64_t lastSeq = 0;
    QByteArray lastChain = zeroChain();
    std::optional<qint64> truncateTo;  // cut the file to this length first
    bool needsHeader = true;           // no v2 header yet: append one
    bool needsNewline = false;         // and end the old content's last line before it
    QList<LostChild> lost;             // the previous run's spawns without a complete row
};

// Reads the open file `fd` of `size` bytes; false (and *error) when it cannot be read.
bool probeFile(int fd, qint64 size, Probe *probe, QString *error);

}  // namespace varta::audit
