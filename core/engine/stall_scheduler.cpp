#include "core/engine/stall_scheduler.h"

#include "core/base/engine_clock.h"
#include "core/base/loop_stats.h"

#include <algorithm>
#include <limits>

namespace varta {

StallScheduler::StallScheduler(AgentTracker &tracker, StallSink &sink, QObject *parent)
    : QObject(parent), m_tracker(tracker), m_sink(sink), m_timer(this) {
    // Precise: a coarse timer may fire 5 % late, 100 ms on a 2 s threshold.
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &StallScheduler::surface);
}

void StallScheduler::arm() {
    const std::int64_t deadline = m_tracker.nextDeadlineNs();
    if (deadline == std::numeric_limits<std::int64_t>::max() || m_stopped)
        return;
    // Beats only ever move the head's deadline later, so a timer already armed for an
    // earlier (or equal) deadline stays right: it wakes, surfaces nothing, and re-arms.
    if (m_timer.isActive() && m_armedDeadlineNs <= deadline)
        return;
    const std::int64_t waitNs = deadline - engineNowNs();
    const int waitMs = waitNs <= 0 ? 0 : static_cast<int>((waitNs + 999'999) / 1'000'000);
    m_armedDeadlineNs = deadline;
    m_timer.start(waitMs);
}

void StallScheduler::stop() {
    m_stopped = true;
    m_timer.stop();
}

void StallScheduler::surface() {
    const LoopStats::Scope stage(LoopStage::DrainPending);
    // The listeners coalesce reads: a beat that arrived before its deadline may still be
    // queued. Read it first, so that it counts and is never surfaced as silence. Only who
    // was due when the surfacing began is decided: a beat that arrived after it may still
    // be queued, and under a flood reading on until the socket is dry would never end.
    // The backlog is read a deadline at a time, oldest first: the first stall due waits
    // for what arrived before it, not for everything that arrived since.
    const std::int64_t askedNs = engineNowNs();
    for (std::int64_t headNs = m_tracker.nextDeadlineNs(); headNs <= askedNs; headNs = m_tracker.nextDeadlineNs()) {
        const std::int64_t readThroughNs = m_sink.drainQueuedBeats(headNs);
        if (readThroughNs < headNs)
            break;  // the read stopped at its bound: the rest waits for the next turn
        m_tracker.surfaceDue(std::min(readThroughNs, askedNs), [&](Slot slot, std::int64_t deadlineNs) {
            // Each stall's own time: when thousands fall due together, the last one is
            // surfaced measurably later than the first, and its lag must say so.
            const std::int64_t surfacedNs = engineNowNs();
            m_lag.observe(double(surfacedNs - deadlineNs) / 1e9);
            m_sink.onStall(m_tracker.record(slot), surfacedNs);
        });
    }
    m_sink.afterStalls();
    m_timer.stop();  // a drain's batch end may have armed it for a deadline surfaced since
    arm();
}

}  // namespace varta
