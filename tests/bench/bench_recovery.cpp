// Recovery benchmarks, against a baseline measured in the same run:
//  1. stall-to-exec latency: stall handed to RecoveryEngine -> the child's first
//     instruction (varta_child_timestamp prints CLOCK_MONOTONIC, the clock of
//     engineNowNs), against a bare QProcess of the same program started and awaited on
//     the same kind of event loop (the engine cannot block in waitForFinished);
//  2. 1000 simultaneous stalls under the default cap of 64, each child running until its
//     1 s timeout kills it: every stall accounted for
//     in the audit log (spawn + refused == 1000, one complete per spawn), and the
//     longest the event loop goes without coming round while they are decided (a
//     1 ms timer's longest gap: how long a beat could wait), against writing the same
//     number of fsync'd audit rows in one go (what deciding all in one turn would cost).
// Prints markdown table rows for tests/bench/run.sh.
#include "core/base/engine_clock.h"
#include "core/recovery/recovery_engine.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace varta;

namespace {

constexpr int kLatencyRuns = 200;
constexpr int kStalls = 1000;
const QString kTimestampHelper = QStringLiteral(VARTA_BINARY_DIR "/child_programs/varta_child_timestamp");
const QString kHangHelper = QStringLiteral(VARTA_BINARY_DIR "/child_programs/varta_child_hang");

// Blocks in the event loop like exec() does (the overload with a time limit would spin).
void waitFor(const std::function<bool()> &done) {
    while (!done())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
}

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, std::size_t(p * double(values.size())))];
}

// Milliseconds from "start it" to the child's own first timestamp, bare QProcess.
std::vector<double> bareLatencies() {
    std::vector<double> ms;
    for (int i = 0; i < kLatencyRuns; ++i) {
        QProcess process;
        process.setStandardInputFile(QProcess::nullDevice());
        bool finished = false;
        QObject::connect(&process, &QProcess::finished, [&] { finished = true; });
        const std::int64_t t0 = monotonicNs();
        process.start(kTimestampHelper, {});
        waitFor([&] { return finished; });
        ms.push_back(double(process.readAllStandardOutput().trimmed().toLongLong() - t0) / 1e6);
    }
    return ms;
}

std::vector<double> engineLatencies(const QString &auditFile) {
    RecoveryOptions options;
    options.execTemplate = {kTimestampHelper, QStringLiteral("{pid}")};
    options.debounceMs = 0;
    options.maxAttempts = 0;
    options.auditFile = auditFile;
    RecoveryEngine engine(options, RecoveryTrust{}, 5000);
    QString error;
    if (!engine.start(&error))
        qFatal("audit: %s", qPrintable(error));
    std::vector<double> ms;
    std::int64_t t0 = 0;
    bool ended = false;
    QObject::connect(&engine, &RecoveryEngine::childOutput, [&](const OutputChunk &chunk) {
        ms.push_back(double(chunk.data.trimmed().toLongLong() - t0) / 1e6);
    });
    QObject::connect(&engine, &RecoveryEngine::childChanged, [&](const ChildInfo &c) { ended = c.endedMs >= 0; });
    for (int i = 0; i < kLatencyRuns; ++i) {
        ended = false;
        t0 = monotonicNs();
        engine.onStall(AgentKey::local(std::uint32_t(1000 + i)), false);
        waitFor([&] { return ended; });
    }
    return ms;
}

struct StallStorm {
    int spawns = 0, refused = 0, completes = 0, unmatched = 0;
    double longestGapMs = 0;
};

StallStorm stallStorm(const QString &auditFile) {
    RecoveryOptions options;
    // Children that live until their 1 s timeout, so the default cap of 64 is reached.
    options.execTemplate = {kHangHelper};
    options.timeoutMs = 1000;
    options.auditFile = auditFile;
    RecoveryEngine engine(options, RecoveryTrust{}, 5000);
    QString error;
    if (!engine.start(&error))
        qFatal("audit: %s", qPrintable(error));
    for (int i = 0; i < kStalls; ++i)
        engine.onStall(AgentKey::local(std::uint32_t(50000 + i)), false);
    StallStorm storm;
    QElapsedTimer sinceTick;
    QTimer tick;  // stands in for the beat path: due every millisecond
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(1);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        storm.longestGapMs = std::max(storm.longestGapMs, double(sinceTick.nsecsElapsed()) / 1e6);
        sinceTick.start();
    });
    sinceTick.start();
    tick.start();
    waitFor([&] { return engine.pendingStalls() == 0; });
    tick.stop();
    waitFor([&] { return engine.counters().childrenRunning == 0; });
    bool down = false;  // shutdown returns once every queued audit row is on disk
    QObject::connect(&engine, &RecoveryEngine::shutdownComplete, [&] { down = true; });
    engine.shutdown();
    waitFor([&] { return down; });

    QFile file(auditFile);
    file.open(QIODevice::ReadOnly);
    QSet<QByteArray> spawned, completed;
    for (const QByteArray &line : file.readAll().split('\n')) {
        const QList<QByteArray> row = line.split('\t');
        if (row.size() < 6)
            continue;
        if (row[3] == "spawn")
            ++storm.spawns, spawned.insert(row[5]);
        else if (row[3] == "refused")
            ++storm.refused;
        else if (row[3] == "complete")
            ++storm.completes, completed.insert(row[5]);
    }
    storm.unmatched = int((spawned - completed).size() + (completed - spawned).size());
    return storm;
}

// The same number of audit rows as the storm wrote, with nothing else going on.
double auditOnlyMs(const QString &path, int rows) {
    AuditLog log;
    QString error;
    if (!log.open(path, &error))
        qFatal("audit: %s", qPrintable(error));
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < rows; ++i)
        log.appendRefused(std::uint32_t(i), RefusalReason::OutstandingCapacity);
    return double(clock.nsecsElapsed()) / 1e6;
}

}  // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    engineEpochNs();
    QTemporaryDir dir;  // same file system as the build: where an operator's audit log would live
    const std::vector<double> bare = bareLatencies();
    const std::vector<double> viaEngine = engineLatencies(dir.filePath(QStringLiteral("latency.audit")));
    const double bareP50 = percentile(bare, 0.5), bareP99 = percentile(bare, 0.99);
    const double p50 = percentile(viaEngine, 0.5), p99 = percentile(viaEngine, 0.99);
    std::printf("| stall-to-exec p50 (ms, %d runs) | bare QProcess %.2f | engine %.2f | %.2fx | <= 1.5x bare | %s |\n",
                kLatencyRuns, bareP50, p50, p50 / bareP50, p50 <= 1.5 * bareP50 ? "met" : "MISSED");
    std::printf("| stall-to-exec p99 (ms, %d runs) | bare QProcess %.2f | engine %.2f | %.2fx | < 50 ms | %s |\n",
                kLatencyRuns, bareP99, p99, p99 / bareP99, p99 < 50 ? "met" : "MISSED");

    const StallStorm storm = stallStorm(dir.filePath(QStringLiteral("storm.audit")));
    const int accounted = storm.spawns + storm.refused;
    const bool allAccounted = accounted == kStalls && storm.completes == storm.spawns && storm.unmatched == 0;
    std::printf("| %d simultaneous stalls, cap 64: audit rows | %d stalls | spawn %d + refused %d = %d, complete %d, "
                "unmatched %d | %.2f | every stall one row, every spawn one complete | %s |\n",
                kStalls, kStalls, storm.spawns, storm.refused, accounted, storm.completes, storm.unmatched,
                double(accounted) / kStalls, allAccounted ? "met" : "MISSED");
    const double auditMs = auditOnlyMs(dir.filePath(QStringLiteral("alone.audit")), accounted);
    std::printf(
        "| longest event-loop gap while deciding %d stalls (ms) | %d fsync'd audit rows in one go %.1f | %.1f | "
        "%.2fx | <= 0.1x: the burst is spread over turns | %s |\n",
        kStalls, accounted, auditMs, storm.longestGapMs, storm.longestGapMs / auditMs,
        storm.longestGapMs <= 0.1 * auditMs ? "met" : "MISSED");
    return allAccounted ? 0 : 1;
}
