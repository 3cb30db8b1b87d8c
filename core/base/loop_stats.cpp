#include "core/base/loop_stats.h"

#include "core/base/engine_clock.h"

namespace varta {

namespace {
thread_local LoopStats *t_stats = nullptr;
}  // namespace

const char *loopStageLabel(LoopStage stage) noexcept {
    switch (stage) {
    case LoopStage::DrainPending: return "drain_pending";
    case LoopStage::Poll: return "poll";
    case LoopStage::Maintenance: return "maintenance";
    case LoopStage::RecoveryReap: return "recovery_reap";
    case LoopStage::ServePending: return "serve_pending";
    case LoopStage::Housekeeping: return "housekeeping";
    }
    return "unknown";
}

LoopCounters::LoopCounters()
    : iteration(Histogram::forLoopSeconds()), stages{Histogram::forLoopSeconds(), Histogram::forLoopSeconds(),
                                                     Histogram::forLoopSeconds(), Histogram::forLoopSeconds(),
                                                     Histogram::forLoopSeconds(), Histogram::forLoopSeconds()} {}

void LoopStats::install(LoopStats *stats) noexcept { t_stats = stats; }

LoopStats::Scope::Scope(LoopStage stage) noexcept : m_stats(t_stats), m_stage(stage) {
    if (!m_stats)
        return;
    ++m_stats->m_depth;
    m_startNs = monotonicNs();
}

LoopStats::Scope::~Scope() {
    if (!m_stats)
        return;
    const std::int64_t tookNs = monotonicNs() - m_startNs;
    const double seconds = static_cast<double>(tookNs) / 1e9;
    m_stats->m_counters.stages[static_cast<std::size_t>(m_stage)].observe(seconds);
    if (--m_stats->m_depth > 0)
        return;
    LoopCounters &c = m_stats->m_counters;
    c.iteration.observe(seconds);
    ++c.iterations;
    if (tookNs > m_stats->m_budgetNs)
        ++c.iterationBudgetExceeded;
}

}  // namespace varta
