#pragma once
// --state-file PATH: the operator's pauses, gave-up marks and automatic attempts
// (OperatorState) kept across restarts, as one versioned JSON object (docs/compat.md,
// "State file (ours)").
//
// Rules:
// - load() never refuses to run: a missing file is a clean start; a file that cannot be
//   read, is too large, is not ours, is of a newer version or is malformed anywhere (one
//   bad entry spoils the whole file: half a set of pauses is worse than none, because
//   the operator would not know which half) gives one warning line and an empty state.
//   It never reads more than kMaxFileBytes.
// - save() is atomic: PATH.tmp (mode 0600, not through a symlink) is written whole,
//   fsync'd and renamed over PATH, then the directory is synced. Whatever fails, the old
//   file stays as it was and no PATH.tmp is left behind.
// - save() refuses what load() would refuse (over kMaxAgents entries or kMaxFileBytes),
//   so a saved file always loads.

#include "core/recovery/operator_state.h"

#include <QString>

#include <cstddef>
#include <cstdint>

namespace varta {

class OperatorStateFile {
public:
    static constexpr const char *kFormat = "varta-watch-state";
    static constexpr int kVersion = 1;
    static constexpr std::int64_t kMaxFileBytes = 64LL * 1024 * 1024;
    static constexpr std::size_t kMaxAgents = 1'048'576;

    struct Loaded {
        OperatorState state;
        QString warning;  // empty, or one line naming the file and the problem
    };

    static Loaded load(const QString &path);
    static bool save(const QString &path, const OperatorState &state, QString *error);
};

}  // namespace varta
