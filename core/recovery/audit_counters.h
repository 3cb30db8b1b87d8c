#pragma once
// What the audit log counts, for upstream's audit families on /metrics (docs/compat.md
// section 4). Written by the audit writer thread; the engine thread gets a copy
// (AuditWriter::counters()) with the rest of the metrics snapshot once a second.

#include <array>
#include <cstdint>

namespace varta {

struct AuditCounters {
    // varta_audit_fsync_seconds: upstream's bucket bounds.
    static constexpr std::array<double, 8> kFsyncBucketBounds{0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0};

    std::array<std::uint64_t, kFsyncBucketBounds.size() + 1> fsyncBuckets{};  // per bucket; the last is +Inf
    std::uint64_t fsyncs = 0;
    double fsyncSecondsSum = 0.0;
    std::uint64_t fsyncBudgetExceeded = 0;     // fdatasync slower than --audit-fsync-budget-ms
    std::uint64_t rotations = 0;               // generations started by --recovery-audit-max-bytes
    std::uint64_t rotationBudgetExceeded = 0;  // rotations slower than --audit-rotation-budget-ms
    std::uint64_t reopens = 0;                 // PATH followed after a move, delete or truncation
    // Records given up on after AuditWriter::kMaxHeldRecords could not be written (a full
    // disk); each leaves a gap in seq.
    std::uint64_t dropped = 0;
    // Upstream's ring buffer drains with a time budget and counts its fill levels. Ours
    // queues on its own thread, so these stay 0; they exist so upstream's alert rules and
    // dashboards find them.
    std::uint64_t flushBudgetExceeded = 0;
    std::uint64_t ringWatermarkWarn = 0;
    std::uint64_t ringWatermarkCritical = 0;

    void observeFsync(double seconds) noexcept {
        std::size_t bucket = 0;
        while (bucket < kFsyncBucketBounds.size() && seconds > kFsyncBucketBounds[bucket])
            ++bucket;
        ++fsyncBuckets[bucket];
        ++fsyncs;
        fsyncSecondsSum += seconds;
    }
};

}  // namespace varta
