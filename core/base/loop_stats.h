#pragma once
// The engine thread's work, measured in upstream's terms so its loop and stage rules read
// ours. Upstream runs one poll loop through six stages per iteration; ours is an event
// loop, so an iteration is one event the engine thread handles (a batch of datagrams, a
// stall pass, a child's exit, a snapshot, a housekeeping tick), and the stage is what
// that event was: drain_pending = surfacing due stalls, poll = reading a batch,
// maintenance = handing changes to the console, recovery_reap = a child's end,
// serve_pending = the /metrics snapshot, housekeeping = the 100 ms tick.
//
// The counters live on the engine thread; a Scope finds them through a thread-local
// pointer, so the listeners and the recovery side record stages without knowing the
// engine, and code on any other thread records nothing.

#include "core/base/histogram.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace varta {

enum class LoopStage : std::uint8_t { DrainPending, Poll, Maintenance, RecoveryReap, ServePending, Housekeeping };
inline constexpr std::size_t kLoopStageCount = 6;

const char *loopStageLabel(LoopStage stage) noexcept;  // upstream's label: "drain_pending", ...

struct LoopCounters {
    LoopCounters();
    Histogram iteration;                            // varta_observer_iteration_seconds
    std::array<Histogram, kLoopStageCount> stages;  // varta_observer_stage_seconds{stage}
    std::uint64_t iterations = 0;                   // the heartbeat file's loop count
    std::uint64_t iterationBudgetExceeded = 0;      // varta_observer_iteration_budget_exceeded_total
};

class LoopStats {
public:
    explicit LoopStats(std::int64_t iterationBudgetNs) : m_budgetNs(iterationBudgetNs) {}

    // The stats Scopes on this thread record into (nullptr: none).
    static void install(LoopStats *stats) noexcept;

    const LoopCounters &counters() const noexcept { return m_counters; }

    // Times one stage from construction to destruction; the outermost Scope on the
    // thread is also one iteration.
    class Scope {
    public:
        explicit Scope(LoopStage stage) noexcept;
        ~Scope();
        Scope(const Scope &) = delete;
        Scope &operator=(const Scope &) = delete;

    private:
        LoopStats *m_stats;
        LoopStage m_stage;
        std::int64_t m_startNs = 0;
    };

private:
    LoopCounters m_counters;
    std::int64_t m_budgetNs;
    int m_depth = 0;
};

}  // namespace varta
