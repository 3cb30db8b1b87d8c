#pragma once
// The flag table of docs/compat.md section 1: one place that knows every flag's name, whether
// it takes a value, its default and its meaning. The parser, --help and the early
// headless scan all read it, so they cannot disagree.

#include <QList>
#include <QString>

#include <cstdint>
#include <limits>

namespace varta::config {

// Bounds shared by validation and --help. Durations that end up in a QTimer are capped
// at its int milliseconds.
inline constexpr std::int64_t kMaxTimerMs = std::numeric_limits<int>::max();
inline constexpr std::int64_t kMinThresholdMs = 10;
inline constexpr std::int64_t kMaxTrackerCapacity = 1048576;
inline constexpr std::int64_t kMaxCaptureBytes = 16 * 1024 * 1024;
inline constexpr std::int64_t kMinRecoveryTimeoutMs = 100;
inline constexpr std::int64_t kMinShutdownGraceMs = 100;
inline constexpr std::int64_t kMaxRecoveryConcurrent = 4096;
inline constexpr std::int64_t kMaxShutdownAfterSecs = kMaxTimerMs / 1000;
inline constexpr std::int64_t kMaxSelfWatchdogSecs = 86'400;
inline constexpr std::int64_t kSystemdSelfWatchdogSecs = 4;  // under WatchdogSec= without the flag
inline constexpr std::int64_t kMaxReadTimeoutMs = 1000;
inline constexpr std::int64_t kMaxUdsReceiveBufferBytes = std::numeric_limits<int>::max();
inline constexpr std::int64_t kMaxEvictionScanWindow = 4096;
inline constexpr std::int64_t kMinAuditMaxBytes = 4096;
inline constexpr std::int64_t kMaxAuditRotationBudgetMs = 250;
inline constexpr std::int64_t kMinLoopBudgetMs = 50;  // --iteration-budget-ms, --scrape-budget-ms
inline constexpr std::int64_t kMaxLoopBudgetMs = 60'000;

struct FlagSpec {
    QString name;       // without dashes: "threshold-ms"
    QString valueName;  // "MS"; empty for a switch
    QString defaultText;
    QString help;
    QString alias = {};  // a one-letter spelling, "h" for help; usually empty
    bool takesValue() const { return !valueName.isEmpty(); }
};

struct FlagGroup {
    QString title;
    QList<FlagSpec> flags;
};

// Our flags, grouped as --help shows them. Defaults are read from a default Options.
const QList<FlagGroup> &flagGroups();

// Options that QGuiApplication/QApplication and the xcb plugin understand. Qt strips
// most of them from the arguments when it handles them, but a QCoreApplication
// (--headless) strips none, and under -platform offscreen the X11 ones remain.
const QList<FlagSpec> &qtFlags();

// Upstream flags that no longer exist here, with the hint that replaces them; empty
// when `name` is not one of them.
QString removedFlagHint(const QString &name);

// The spec of a flag of ours or of Qt's, by name or alias, or nullptr.
const FlagSpec *findFlag(const QString &name);

// The name in a flag argument: "--threshold-ms=5" and "-threshold-ms" give
// "threshold-ms"; QCommandLineParser reads single-dash words as long names too, which
// is how Qt's "-platform offscreen" gets through.
QString flagName(const QString &argument);

// Whether an argument is a flag rather than a value or "-" (stdin by convention).
bool isFlagArgument(const QString &argument);

// The full --help text (no trailing newline).
QString helpText();

}  // namespace varta::config
