#pragma once
// Every setting of varta-watch, already validated. Filled by parseCommandLine()
// (core/config/command_line.h) from the flags of docs/compat.md section 1; defaults are the documented ones.

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>

namespace varta {

enum class EvictionPolicy : std::uint8_t { Strict, Balanced };
enum class ClockSource : std::uint8_t { Monotonic, Boottime };
enum class SignalHandlerMode : std::uint8_t { Direct, Libc };
enum class LogFormat : std::uint8_t { Text, Json };

struct UdsOptions {
    QString path;               // --socket
    std::uint32_t mode = 0600;  // --socket-mode
    // --uds-rcvbuf-bytes: SO_RCVBUF asked for (0 = the kernel's default). Ours asks 32 MiB
    // where upstream asks 1 MiB: 25 times the agents need room for their bursts.
    std::int64_t receiveBufferBytes = 32 * 1024 * 1024;
};

struct UdpOptions {
    QHostAddress bindAddress{QHostAddress::LocalHost};  // --udp-bind-addr
    std::uint16_t port = 9000;                          // --udp-port
    bool portGiven = false;                             // --udp-port was on the command line
    bool acceptNonLoopback = false;  // --i-accept-plaintext-udp (plain) / --i-accept-secure-udp-non-loopback (secure)
    bool recoveryAllowed = false;  // --plaintext-udp-… / --secure-udp-i-accept-recovery-on-unauthenticated-transport
};

struct TrackerOptions {
    std::int64_t thresholdMs = 2000;                   // --threshold-ms (>= 10)
    std::uint32_t capacity = 65536;                    // --tracker-capacity (1 .. 1048576)
    EvictionPolicy eviction = EvictionPolicy::Strict;  // --tracker-eviction-policy
    std::uint32_t maxBeatRate = 100;                   // --max-beat-rate (per agent, per second; 0 = off)
    std::uint32_t globalBeatRate = 0;                  // --global-beat-rate (per second; 0 = off)
    std::uint32_t globalBeatBurst = 0;                 // --global-beat-burst (0 = same as the rate)
    bool allowCrossNamespace = false;                  // --allow-cross-namespace-agents
    bool strictNamespaceCheck = false;                 // --strict-namespace-check: exit 1 at the first such beat
    std::uint32_t evictionScanWindow = 256;            // --eviction-scan-window (1 .. 4096)
    // --exit-detection on|off: watch local agents' processes (pidfd) and surface an exit
    // at once; off keeps upstream's timing (an exit is only seen as silence).
    bool exitDetection = true;
    // --forget-after-ms: an exited or replaced agent leaves the table this long after;
    // none = 10 x the threshold. 0 = never.
    std::optional<std::int64_t> forgetAfterMs;
    std::int64_t forgetAfterMsOrDefault() const { return forgetAfterMs.value_or(10 * thresholdMs); }
    // Where the kernel's process facts are read: /proc. Not a flag: tests point it at a
    // prepared directory to give local agents systemd units the sandbox does not have.
    QString procRoot = QStringLiteral("/proc");
};

struct RecoveryOptions {
    QStringList execTemplate;               // --recovery-exec / --recovery-exec-file, split on whitespace
    QString execSource;                     // "inline" or the file path (audit `source` column)
    std::int64_t debounceMs = 1000;         // --recovery-debounce-ms
    std::optional<std::int64_t> timeoutMs;  // --recovery-timeout-ms (>= 100); none = never kill
    std::int64_t killGraceMs = 1000;        // --recovery-kill-grace-ms
    QStringList env;                        // --recovery-env KEY=VALUE (repeatable)
    bool inheritEnv = false;                // --recovery-inherit-env
    std::int64_t captureBytes = 65536;      // --recovery-capture-bytes (0 .. 16 MiB)
    // --recovery-capture-stdio: output is always captured and shown; this decides only
    // whether the audit log's `complete` rows carry its sizes (upstream: 0 0 false without it).
    bool captureStdio = false;
    QString auditFile;                          // --recovery-audit-file
    std::optional<std::int64_t> auditMaxBytes;  // --recovery-audit-max-bytes (>= 4096); none = never rotate
    std::int64_t auditSyncEvery = 1;            // --recovery-audit-sync-every: fdatasync every N records (>= 1)
    std::int64_t auditSyncIntervalMs = 0;       // --audit-sync-interval-ms: also fdatasync this often (0 = off)
    std::int64_t auditFsyncBudgetMs = 50;       // --audit-fsync-budget-ms: an fdatasync slower is counted
    std::int64_t auditRotationBudgetMs = 50;    // --audit-rotation-budget-ms: a rotation slower is counted
    int maxConcurrent = 64;                     // --recovery-max-concurrent
    int maxAttempts = 5;                        // --recovery-max-attempts (0 = no restart-loop limit)
    std::int64_t attemptWindowMs = 600000;      // --recovery-attempt-window-ms
    QString stateFile;                          // --state-file: pauses, gave-ups, attempts across restarts

    bool configured() const { return !execTemplate.isEmpty(); }
};

struct ExportOptions {
    QString path;                // --export-file
    std::int64_t maxBytes = 0;   // --export-file-max-bytes (0 = never rotate)
    std::int64_t syncEvery = 0;  // --export-file-sync-every (0 = never fsync per N lines)
};

struct PromOptions {
    QHostAddress address;  // --prom-addr IP:PORT
    std::uint16_t port = 0;
    QByteArray token;                   // from --prom-token-file (64 hex chars)
    std::uint32_t rateLimitPerSec = 5;  // --prom-rate-limit-per-sec: scrapes per source IP (0 = no limit)
    std::uint32_t rateLimitBurst = 10;  // --prom-rate-limit-burst (0 = no limit)
    std::int64_t scrapeBudgetMs = 250;  // --scrape-budget-ms: a slower render + send is counted
    bool enabled() const { return !token.isEmpty(); }
};

// --console-listen: the control protocol over TCP for consoles on other hosts
// (docs/control.md section 7). The files are read when the engine starts.
struct ConsoleListenOptions {
    QHostAddress address;  // --console-listen IP:PORT
    std::uint16_t port = 0;
    QString certFile;   // --console-cert: with the key, every connection is TLS
    QString keyFile;    // --console-key
    QString tokenFile;  // --console-token-file: NAME ROLE SECRET per line, re-read on SIGHUP
    bool tls() const { return !certFile.isEmpty(); }
};

struct SecureOptions {
    QList<QByteArray> keys;               // --key-file then --accepted-key-file keys, 32 raw bytes each
    std::optional<QByteArray> masterKey;  // --master-key-file
    bool enabled() const { return !keys.isEmpty() || masterKey.has_value(); }
};

struct Options {
    std::optional<UdsOptions> uds;
    // The UDP listener is secure (60/64-byte sealed frames only) when any key is loaded,
    // plain otherwise; plaintext frames on a secure listener are decrypt failures.
    std::optional<UdpOptions> udp;
    SecureOptions secure;
    TrackerOptions tracker;
    RecoveryOptions recovery;
    ExportOptions exportFile;
    PromOptions prom;

    std::optional<std::int64_t> shutdownAfterSecs;  // --shutdown-after-secs
    std::int64_t shutdownGraceMs = 5000;            // --shutdown-grace-ms (>= 100)
    // --self-watchdog-secs: abort when the engine thread has not turned for this long
    // (0 = off); unset = off, or 4 s when systemd asks for a watchdog (WatchdogSec=).
    std::optional<std::int64_t> selfWatchdogSecs;
    std::int64_t iterationBudgetMs = 250;              // --iteration-budget-ms: a longer engine turn is counted
    ClockSource clockSource = ClockSource::Monotonic;  // --clock-source: the clock of stall arithmetic
    QString heartbeatFile;                             // --heartbeat-file: "<turns> <observer_ns>\n", renamed in
    QString hwWatchdog;                                // --hw-watchdog: a watchdog device kicked by the engine
    SignalHandlerMode signalHandlerMode = SignalHandlerMode::Direct;  // --signal-handler-mode
    std::int64_t readTimeoutMs = 100;       // --read-timeout-ms: accepted and checked; no listener ever blocks
    LogFormat logFormat = LogFormat::Text;  // --log-format: stderr lines as text or upstream's JSON
    QString controlSocket;                  // --control-socket: operators' Unix stream socket
    std::optional<ConsoleListenOptions> consoleListen;  // --console-listen and its files
    bool headless = false;                              // --headless
    bool demo = false;                                  // --demo
    QString screenshotPath;                             // --screenshot FILE
    QStringList openFiles;                              // --open FILE (repeatable): a post-mortem, no observer
    QStringList attachTargets;              // --attach unix:PATH|HOST:PORT (repeatable): observers elsewhere
    QString attachTokenFile;                // --attach-token-file: the bearer token for HOST:PORT observers
    QString attachCaFile;                   // --attach-ca: certificates trusted for their TLS
    std::int64_t screenshotDelayMs = 3000;  // --screenshot-delay-ms
    QString language;                       // --lang
    QStringList warnings;                   // start-up warnings to print (non-loopback binds, inherit env)
};

}  // namespace varta
