#pragma once
// The engine's one stream of operator-relevant events (docs/control.md section 4): every
// stall, recovery, refusal, pause and operator action passes here, whether or not a
// console listens. It numbers them, keeps the last kEventHistory for `ctl events`,
// writes each as a log line on stderr and hands it on (posted) to the console's batches
// and the control socket's streams: the log and the console are two views of it.
//
// Bounded per kind: at most kEventsPerKindPerSecond of one kind in a second; the rest
// are only counted (suppressedCounts, varta_log_suppressed_total{kind}) and summarised
// once the second is over by one `suppressed` event ("... and 99,990 more stalls in the
// last second"). Callers ask admit() before they build an event, so a storm of 100,000
// stalls formats a handful of texts, not 100,000.

#include "core/published/engine_batch.h"

#include <QList>
#include <QObject>
#include <QTimer>

#include <array>
#include <cstdint>
#include <deque>

namespace varta {

class EventStream : public QObject {
    Q_OBJECT
public:
    static constexpr int kEventsPerKindPerSecond = 10;
    static constexpr std::size_t kEventHistory = 1000;
    static constexpr std::int64_t kWindowNs = 1'000'000'000;

    explicit EventStream(QObject *parent = nullptr);

    // Whether an event of this kind may be posted now. True takes one from the kind's
    // budget for this second: post() must follow. False counts it as suppressed.
    bool admit(EventKind kind);
    // Numbers, stamps, remembers, logs and hands on the event. Only after admit().
    void post(EventLogEntry entry);
    // Both in one, for events that are built cheaply anyway.
    void postIfAdmitted(EventLogEntry entry);

    // The last `limit` events (oldest first), at most kEventHistory.
    QList<EventLogEntry> recent(std::size_t limit) const;
    const std::array<std::uint64_t, kEventKindCount> &suppressedCounts() const { return m_suppressedTotal; }
    std::uint64_t posted() const noexcept { return m_seq; }
    // Posts the summaries of the current second now (at shutdown).
    void flushSummaries();

Q_SIGNALS:
    void eventPosted(const varta::EventLogEntry &entry);

private:
    void startWindowIfOver(std::int64_t nowNs);
    void writeLogLine(const EventLogEntry &entry) const;

    std::uint64_t m_seq = 0;
    std::deque<EventLogEntry> m_history;
    std::int64_t m_windowStartNs = 0;
    std::array<int, kEventKindCount> m_inWindow{};
    std::array<std::uint64_t, kEventKindCount> m_suppressedInWindow{};
    std::array<std::uint64_t, kEventKindCount> m_suppressedTotal{};
    QTimer m_summaryTimer;
};

// "stalls", "refusals", ...: how a summary names many events of a kind.
QString eventKindPlural(EventKind kind);

}  // namespace varta
