#pragma once
// Surfaces stalls at their deadlines. One threshold for every agent makes the tracker's
// last-beat order its deadline order, so one precise timer armed at the head's deadline
// is enough: it is re-armed after every ingest batch and after every surfacing.

#include "core/base/histogram.h"
#include "core/tracking/agent_tracker.h"

#include <QObject>
#include <QTimer>

#include <cstdint>

namespace varta {

// What happens around a surfacing, supplied by the engine.
class StallSink {
public:
    // Reads what the listeners hold that arrived before `untilNs`, before anyone is decided
    // silent. Returns the time through which every listener has been read: `untilNs` or
    // later, unless a read stopped at its bound first.
    virtual std::int64_t drainQueuedBeats(std::int64_t untilNs) = 0;
    virtual void onStall(const AgentRecord &agent, std::int64_t surfacedNs) = 0;
    virtual void afterStalls() = 0;  // once per surfacing, after the last onStall
protected:
    ~StallSink() = default;
};

class StallScheduler : public QObject {
    Q_OBJECT
public:
    StallScheduler(AgentTracker &tracker, StallSink &sink, QObject *parent = nullptr);

    // Arms the timer for the next deadline, unless it is already armed for an earlier one.
    void arm();
    void stop();  // for good: arm() does nothing afterwards

    // varta_stall_surface_lag_seconds: how late each stall was surfaced.
    const Histogram &lag() const noexcept { return m_lag; }

private:
    void surface();

    AgentTracker &m_tracker;
    StallSink &m_sink;
    QTimer m_timer;
    Histogram m_lag = Histogram::forStallLag();
    std::int64_t m_armedDeadlineNs = 0;
    bool m_stopped = false;
};

}  // namespace varta
