#pragma once
// A RecoveryEngine wired to a temporary audit file, recording everything it publishes,
// for tst_recovery_engine.

#include "core/recovery/recovery_engine.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <memory>

namespace varta::test {

inline constexpr int kEngineCeilingMs = 60000;
using AuditRow = QList<QByteArray>;  // one audit record's columns

class EngineHarness {
public:
    explicit EngineHarness(const QStringList &exec) {
        options.execTemplate = exec;
        options.execSource = QStringLiteral("inline");
        options.auditFile = dir.filePath(QStringLiteral("audit.log"));
        options.debounceMs = 0;
    }
    ~EngineHarness() {
        // A failed test may leave children behind: end them the engine's way.
        if (engine && shutdowns == 0 && !engine->children().isEmpty()) {
            engine->shutdown();
            QElapsedTimer clock;
            clock.start();
            QTimer wake;  // so the ceiling is looked at even if nothing else happens
            wake.start(100);
            while (shutdowns == 0 && clock.elapsed() < kEngineCeilingMs)
                QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        }
    }

    bool start(RecoveryTrust trust = {}, std::int64_t shutdownGraceMs = 5000) {
        engine = std::make_unique<RecoveryEngine>(options, trust, shutdownGraceMs);
        QObject::connect(engine.get(), &RecoveryEngine::childChanged,
                         [this](const ChildInfo &c) { changes.append(c); });
        QObject::connect(engine.get(), &RecoveryEngine::childOutput,
                         [this](const OutputChunk &c) { output.append(c); });
        QObject::connect(engine.get(), &RecoveryEngine::agentMarkChanged,
                         [this](const AgentKey &a) { markChanges.append(a); });
        QObject::connect(engine.get(), &RecoveryEngine::eventLogged,
                         [this](const EventLogEntry &e) { events.append(e); });
        QObject::connect(engine.get(), &RecoveryEngine::shutdownComplete, [this] { ++shutdowns; });
        QString error;
        const bool ok = engine->start(&error);
        if (!ok)
            qWarning("start: %s", qPrintable(error));
        return ok;
    }

    QList<AuditRow> rows(const char *kind = nullptr) const {
        QFile file(options.auditFile);
        QList<AuditRow> out;
        if (!file.open(QIODevice::ReadOnly))
            return out;
        for (const QByteArray &line : file.readAll().split('\n')) {
            const AuditRow row = line.split('\t');
            if (row.size() > 4 && (!kind || row[3] == kind))
                out.append(row);
        }
        return out;
    }
    QList<QByteArray> refusals() const {
        QList<QByteArray> reasons;
        for (const AuditRow &row : rows("refused"))
            reasons.append(row[5]);
        return reasons;
    }
    // The last state published for a child, or nullopt if none was.
    std::optional<ChildInfo> child(std::uint64_t id) const {
        for (qsizetype i = changes.size() - 1; i >= 0; --i)
            if (changes[i].id == id)
                return changes[i];
        return std::nullopt;
    }
    int ended() const {
        return int(std::count_if(changes.begin(), changes.end(), [](const ChildInfo &c) { return c.endedMs >= 0; }));
    }
    std::uint64_t outcome(RecoveryOutcome o) const { return engine->counters().outcomes[std::size_t(o)]; }
    std::uint64_t refusedCount(RefusalReason r) const { return engine->counters().refused[std::size_t(r)]; }

    QTemporaryDir dir;
    RecoveryOptions options;
    std::unique_ptr<RecoveryEngine> engine;
    QList<ChildInfo> changes;
    QList<OutputChunk> output;
    QList<AgentKey> markChanges;  // each agentMarkChanged
    QList<EventLogEntry> events;
    int shutdowns = 0;
};

}  // namespace varta::test
