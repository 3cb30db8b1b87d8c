#pragma once
// What varta-beat does once its options are parsed: beat as one client, or run the load
// generator, then summarise in one machine-readable line.

#include "core/sender/beat_options.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <cstdint>
#include <optional>

namespace varta {

struct BeatReport {
    // 0 when the run finished or was stopped; 1 when it could not start or failed.
    int exitCode = 0;
    // "varta-beat frames=5 failed=0 agents=1 stalled=0 seconds=0.041 rate=121.9"
    QString summary;
    // One line for stderr, empty when nothing went wrong.
    QString error;
};

class BeatCommand {
public:
    explicit BeatCommand(BeatOptions options);

    // Blocks until done; `stop` (set from a signal handler, say) ends it early.
    BeatReport run(const std::atomic<bool> &stop);

    static QString summaryLine(std::uint64_t frames, std::uint64_t failed, std::uint32_t agents, std::uint32_t stalled,
                               std::int64_t elapsedNs);

    // The 32-byte key of --key-file or --master-key-file, read under the secret-file
    // rules (docs/compat.md section 1), as varta-watch reads its keys. On a problem, nullopt
    // and `error` names the flag, the file and the problem:
    // "--key-file: /etc/k: insecure permissions 644 (must be 0600 or stricter)".
    static std::optional<QByteArray> loadKey(const BeatOptions &options, QString &error);

private:
    BeatReport runSingle(const std::atomic<bool> &stop, const QByteArray &key);
    BeatReport runLoad(const std::atomic<bool> &stop, const QByteArray &key);

    BeatOptions m_options;
};

}  // namespace varta
