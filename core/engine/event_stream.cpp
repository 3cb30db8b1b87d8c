#include "core/engine/event_stream.h"

#include "core/base/engine_clock.h"
#include "core/base/log.h"
#include "core/published/published_json.h"

#include <QDateTime>
#include <QLocale>

namespace varta {

namespace {

LogLevel levelOf(const EventLogEntry &entry) {
    switch (entry.severity) {
    case EventSeverity::Error: return LogLevel::Error;
    case EventSeverity::Warning: return LogLevel::Warning;
    case EventSeverity::Info: break;
    }
    switch (entry.kind) {
    case EventKind::Back:
    case EventKind::RecoveryStarted:
    case EventKind::Rearmed:
    case EventKind::Paused:
    case EventKind::Resumed:
    case EventKind::PauseExpired:
    case EventKind::Restarted:
    case EventKind::Operator: return LogLevel::Notice;
    default: return LogLevel::Info;
    }
}

}  // namespace

QString eventKindPlural(EventKind kind) {
    switch (kind) {
    case EventKind::Stall: return QStringLiteral("stalls");
    case EventKind::Back: return QStringLiteral("agents back");
    case EventKind::RecoveryStarted: return QStringLiteral("recoveries started");
    case EventKind::RecoveryEnded: return QStringLiteral("recoveries ended");
    case EventKind::Refused: return QStringLiteral("refusals");
    case EventKind::GaveUp: return QStringLiteral("agents given up");
    case EventKind::Rearmed: return QStringLiteral("re-arms");
    case EventKind::Paused: return QStringLiteral("pauses");
    case EventKind::Resumed: return QStringLiteral("resumes");
    case EventKind::PauseExpired: return QStringLiteral("expired pauses");
    case EventKind::Evicted: return QStringLiteral("evictions");
    case EventKind::Replaced: return QStringLiteral("replaced agents");
    case EventKind::Exited: return QStringLiteral("exits");
    case EventKind::Restarted: return QStringLiteral("restarts");
    case EventKind::Recycled: return QStringLiteral("recycled pids");
    case EventKind::Forgotten: return QStringLiteral("forgotten agents");
    case EventKind::DecodeErrors: return QStringLiteral("decode-error summaries");
    case EventKind::IoError: return QStringLiteral("I/O errors");
    case EventKind::AuditError: return QStringLiteral("audit errors");
    case EventKind::Operator: return QStringLiteral("operator actions");
    case EventKind::Suppressed: return QStringLiteral("summaries");
    case EventKind::Notice: return QStringLiteral("notices");
    }
    return QStringLiteral("events");
}

EventStream::EventStream(QObject *parent) : QObject(parent), m_summaryTimer(this) {
    m_summaryTimer.setSingleShot(true);
    connect(&m_summaryTimer, &QTimer::timeout, this, &EventStream::flushSummaries);
}

void EventStream::startWindowIfOver(std::int64_t nowNs) {
    if (nowNs - m_windowStartNs < kWindowNs)
        return;
    flushSummaries();
    m_windowStartNs = nowNs;
}

bool EventStream::admit(EventKind kind) {
    startWindowIfOver(monotonicNs());
    const auto i = static_cast<std::size_t>(kind);
    if (m_inWindow[i] < kEventsPerKindPerSecond) {
        ++m_inWindow[i];
        return true;
    }
    ++m_suppressedInWindow[i];
    ++m_suppressedTotal[i];
    if (!m_summaryTimer.isActive()) {
        const std::int64_t leftNs = kWindowNs - (monotonicNs() - m_windowStartNs);
        m_summaryTimer.start(static_cast<int>(std::max<std::int64_t>(leftNs / 1'000'000, 0) + 1));
    }
    return false;
}

void EventStream::flushSummaries() {
    m_summaryTimer.stop();
    m_inWindow.fill(0);
    for (std::size_t i = 0; i < m_suppressedInWindow.size(); ++i) {
        const std::uint64_t n = std::exchange(m_suppressedInWindow[i], 0);
        if (n == 0)
            continue;
        const auto kind = static_cast<EventKind>(i);
        EventLogEntry entry;
        entry.kind = EventKind::Suppressed;
        entry.severity = EventSeverity::Warning;
        entry.category =
            kind == EventKind::IoError || kind == EventKind::AuditError ? EventCategory::Io : EventCategory::Recovery;
        entry.text =
            tr("... and %1 more %2 in the last second")
                .arg(QLocale(QLocale::English, QLocale::UnitedStates).toString(qulonglong(n)), eventKindPlural(kind));
        entry.details.count = n;
        entry.details.suppressedKind = QLatin1String(eventKindName(kind));
        post(entry);
    }
}

void EventStream::postIfAdmitted(EventLogEntry entry) {
    if (admit(entry.kind))
        post(std::move(entry));
}

void EventStream::post(EventLogEntry entry) {
    entry.seq = ++m_seq;
    entry.atMs = engineNowMs();
    entry.unixMs = QDateTime::currentMSecsSinceEpoch();
    writeLogLine(entry);
    if (m_history.size() == kEventHistory)
        m_history.pop_front();
    m_history.push_back(entry);
    Q_EMIT eventPosted(entry);
}

void EventStream::writeLogLine(const EventLogEntry &entry) const {
    LogFields fields;
    if (entry.agent)
        fields.pid = entry.agent->pid;
    if (entry.details.childPid)
        fields.childPid = *entry.details.childPid;
    fields.extra.insert(QStringLiteral("event"), QLatin1String(eventKindName(entry.kind)));
    fields.extra.insert(QStringLiteral("seq"), static_cast<qint64>(entry.seq));
    if (entry.agent)
        fields.extra.insert(QStringLiteral("agent"), entry.agent->text());
    json::addEventDetails(fields.extra, entry.details);
    logLine(levelOf(entry), entry.text, fields);
}

QList<EventLogEntry> EventStream::recent(std::size_t limit) const {
    const std::size_t n = std::min(limit, m_history.size());
    QList<EventLogEntry> out;
    out.reserve(qsizetype(n));
    for (auto it = m_history.end() - static_cast<std::ptrdiff_t>(n); it != m_history.end(); ++it)
        out.append(*it);
    return out;
}

}  // namespace varta
