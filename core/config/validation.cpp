#include "core/config/validation.h"

#include "core/config/flag_table.h"

#include <QRegularExpression>

#include <algorithm>
#include <limits>

namespace varta::config {
namespace {

constexpr std::int64_t kUint32Max = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();

const QString kPlainNonLoopback = QStringLiteral("i-accept-plaintext-udp");
const QString kSecureNonLoopback = QStringLiteral("i-accept-secure-udp-non-loopback");
const QString kPlainRecovery = QStringLiteral("plaintext-udp-i-accept-recovery-on-unauthenticated-transport");
const QString kSecureRecovery = QStringLiteral("secure-udp-i-accept-recovery-on-unauthenticated-transport");

// A flag whose value is one of a few words; `out` is set to the matching value.
template <typename T>
void readChoice(FlagReader &r, const QString &flag, const QList<std::pair<QString, T>> &choices, T &out) {
    if (!r.isSet(flag))
        return;
    const QString given = r.text(flag);
    QStringList words;
    for (const auto &[word, value] : choices) {
        if (given == word) {
            out = value;
            return;
        }
        words << word;
    }
    r.fail(flag, "must be " + words.join(QStringLiteral(" or ")) + " (got '" + given + "')");
}

const QStringList &keyFileFlags() {
    static const QStringList flags{QStringLiteral("key-file"), QStringLiteral("accepted-key-file"),
                                   QStringLiteral("master-key-file")};
    return flags;
}

// Paths whose files are read later; an empty one is a bad flag, not a missing file.
void checkPathFlags(FlagReader &r) {
    for (const QString &flag : keyFileFlags() + QStringList{"prom-token-file", "recovery-exec-file"}) {
        for (const QString &path : r.texts(flag)) {
            if (path.isEmpty())
                r.fail(flag, QStringLiteral("must not be empty"));
        }
    }
}

void readUnixSocket(FlagReader &r, Options &o) {
    UdsOptions uds;
    r.nonEmpty(QStringLiteral("socket"), uds.path);
    r.octalMode(QStringLiteral("socket-mode"), uds.mode);
    r.integer(QStringLiteral("uds-rcvbuf-bytes"), 0, kMaxUdsReceiveBufferBytes, uds.receiveBufferBytes);
    if (r.isSet(QStringLiteral("socket")))
        o.uds = uds;
    else if (r.isSet(QStringLiteral("socket-mode")))
        o.warnings << QStringLiteral("--socket-mode: has no effect without --socket");
}

// The flags that only mean something for the UDP listener.
QStringList udpOnlyFlagsGiven(const FlagReader &r) {
    QStringList given;
    for (const QString &flag :
         QStringList{"udp-bind-addr", kPlainNonLoopback, kSecureNonLoopback, kPlainRecovery, kSecureRecovery}
             + keyFileFlags()) {
        if (r.isSet(flag))
            given << "--" + flag;
    }
    return given;
}

// Any key file makes the UDP listener secure (the keys themselves are loaded later).
bool secureUdpRequested(const FlagReader &r) {
    return std::any_of(keyFileFlags().begin(), keyFileFlags().end(),
                       [&r](const QString &flag) { return r.isSet(flag); });
}

void checkNonLoopback(FlagReader &r, const UdpOptions &udp, bool secure, QStringList &warnings) {
    if (udp.bindAddress.isLoopback())
        return;
    const QString address = udp.bindAddress.toString();
    const QString kind = secure ? QStringLiteral("secure UDP") : QStringLiteral("plain UDP");
    if (!udp.acceptNonLoopback) {
        r.fail(QStringLiteral("udp-bind-addr"),
               QStringLiteral("%1 is not a loopback address; %2 there needs --%3")
                   .arg(address, kind, secure ? kSecureNonLoopback : kPlainNonLoopback));
        return;
    }
    warnings << (secure ? QStringLiteral("--udp-bind-addr: secure UDP on %1: any key holder on the network can "
                                         "send beats")
                        : QStringLiteral("--i-accept-plaintext-udp: plain UDP on %1 WITHOUT authentication: anyone "
                                         "who reaches the port can send beats under any pid"))
                    .arg(address);
}

void readUdp(FlagReader &r, Options &o) {
    UdpOptions udp;
    r.integer(QStringLiteral("udp-port"), 0, 65535, udp.port);  // 0: any free port, printed at start
    udp.portGiven = r.isSet(QStringLiteral("udp-port"));
    const bool secure = secureUdpRequested(r);
    udp.acceptNonLoopback = r.isSet(secure ? kSecureNonLoopback : kPlainNonLoopback);
    // As upstream: a plain listener whose operator accepted plain UDP listens on every
    // address unless told which one.
    if (!secure && udp.acceptNonLoopback)
        udp.bindAddress = QHostAddress(QHostAddress::AnyIPv4);
    r.ipAddress(QStringLiteral("udp-bind-addr"), udp.bindAddress);
    udp.recoveryAllowed = r.isSet(secure ? kSecureRecovery : kPlainRecovery);

    if (o.uds && !r.isSet(QStringLiteral("udp-port"))) {
        // Upstream accepted these silently; refusing them would break existing command lines.
        const QStringList inert = udpOnlyFlagsGiven(r);
        if (!inert.isEmpty())
            o.warnings << "no UDP listener (--socket is given without --udp-port), so " + inert.join(", ")
                              + " have no effect";
        return;
    }
    checkNonLoopback(r, udp, secure, o.warnings);
    if (udp.recoveryAllowed)
        o.warnings << "--" + (secure ? kSecureRecovery : kPlainRecovery)
                          + ": recovery runs for UDP agents whose process nobody verified";
    o.udp = udp;
}

void readTracker(FlagReader &r, TrackerOptions &t) {
    r.integer(QStringLiteral("threshold-ms"), kMinThresholdMs, kMaxTimerMs, t.thresholdMs);
    r.integer(QStringLiteral("tracker-capacity"), 1, kMaxTrackerCapacity, t.capacity);
    readChoice<EvictionPolicy>(r, QStringLiteral("tracker-eviction-policy"),
                               {{"strict", EvictionPolicy::Strict}, {"balanced", EvictionPolicy::Balanced}},
                               t.eviction);
    r.integer(QStringLiteral("eviction-scan-window"), 1, kMaxEvictionScanWindow, t.evictionScanWindow);
    r.integer(QStringLiteral("max-beat-rate"), 0, kUint32Max, t.maxBeatRate);
    r.integer(QStringLiteral("global-beat-rate"), 0, kUint32Max, t.globalBeatRate);
    r.integer(QStringLiteral("global-beat-burst"), 0, kUint32Max, t.globalBeatBurst);
    t.allowCrossNamespace = r.isSet(QStringLiteral("allow-cross-namespace-agents"));
    t.strictNamespaceCheck = r.isSet(QStringLiteral("strict-namespace-check"));
    readChoice<bool>(r, QStringLiteral("exit-detection"), {{"on", true}, {"off", false}}, t.exitDetection);
    if (r.isSet(QStringLiteral("forget-after-ms"))) {
        std::int64_t ms = 0;
        r.integer(QStringLiteral("forget-after-ms"), 0, kMaxTimerMs, ms);
        t.forgetAfterMs = ms;
    }
}

void readClockSource(FlagReader &r, Options &o) {
    const QString flag = QStringLiteral("clock-source");
    if (r.isSet(flag) && r.text(flag) == QLatin1String("monotonic-raw")) {
        r.fail(flag, QStringLiteral("monotonic-raw is only supported on macOS; use monotonic or boottime"));
        return;
    }
    readChoice<ClockSource>(r, flag, {{"monotonic", ClockSource::Monotonic}, {"boottime", ClockSource::Boottime}},
                            o.clockSource);
}

void readRecoveryEnv(FlagReader &r, QStringList &env) {
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*=.*$"),
                                            QRegularExpression::DotMatchesEverythingOption);
    for (const QString &entry : r.texts(QStringLiteral("recovery-env"))) {
        if (!pattern.match(entry).hasMatch()) {
            r.fail(QStringLiteral("recovery-env"),
                   "must be KEY=VALUE, KEY made of letters, digits and _ and not starting with a digit (got '" + entry
                       + "')");
            return;
        }
        env << entry;
    }
}

void readRecoveryExec(FlagReader &r, RecoveryOptions &rec) {
    const QString inlineFlag = QStringLiteral("recovery-exec");
    if (!r.isSet(inlineFlag))
        return;
    if (r.isSet(QStringLiteral("recovery-exec-file"))) {
        r.fail(inlineFlag, QStringLiteral("cannot be combined with --recovery-exec-file; give one of them"));
        return;
    }
    rec.execTemplate = splitCommand(r.text(inlineFlag));
    rec.execSource = QStringLiteral("inline");
    if (rec.execTemplate.isEmpty())
        r.fail(inlineFlag, QStringLiteral("must name a program (got an empty command)"));
}

void readRecovery(FlagReader &r, RecoveryOptions &rec, QStringList &warnings) {
    readRecoveryExec(r, rec);
    r.integer(QStringLiteral("recovery-debounce-ms"), 0, kMaxTimerMs, rec.debounceMs);
    r.integer(QStringLiteral("recovery-timeout-ms"), kMinRecoveryTimeoutMs, kMaxTimerMs, rec.timeoutMs);
    r.integer(QStringLiteral("recovery-kill-grace-ms"), 0, kMaxTimerMs, rec.killGraceMs);
    readRecoveryEnv(r, rec.env);
    rec.inheritEnv = r.isSet(QStringLiteral("recovery-inherit-env"));
    if (rec.inheritEnv)
        warnings << QStringLiteral("--recovery-inherit-env: recovery commands get this process's whole "
                                   "environment, secrets included");
    r.integer(QStringLiteral("recovery-capture-bytes"), 0, kMaxCaptureBytes, rec.captureBytes);
    rec.captureStdio = r.isSet(QStringLiteral("recovery-capture-stdio"));
    if (rec.captureStdio && !r.isSet(QStringLiteral("recovery-exec")) && !r.isSet(QStringLiteral("recovery-exec-file")))
        r.fail(QStringLiteral("recovery-capture-stdio"),
               QStringLiteral("requires --recovery-exec or --recovery-exec-file"));
    r.nonEmpty(QStringLiteral("recovery-audit-file"), rec.auditFile);
    r.integer(QStringLiteral("recovery-audit-max-bytes"), kMinAuditMaxBytes, kInt64Max, rec.auditMaxBytes);
    if (r.integer(QStringLiteral("recovery-audit-sync-every"), 1, kUint32Max, rec.auditSyncEvery)
        && rec.auditSyncEvery > 1)
        warnings << QStringLiteral("--recovery-audit-sync-every: up to %1 audit records may be lost in a crash")
                        .arg(rec.auditSyncEvery - 1);
    r.integer(QStringLiteral("audit-sync-interval-ms"), 0, kUint32Max, rec.auditSyncIntervalMs);
    r.integer(QStringLiteral("audit-fsync-budget-ms"), 1, kUint32Max, rec.auditFsyncBudgetMs);
    r.integer(QStringLiteral("audit-rotation-budget-ms"), 1, kMaxAuditRotationBudgetMs, rec.auditRotationBudgetMs);
    r.integer(QStringLiteral("recovery-max-concurrent"), 1, kMaxRecoveryConcurrent, rec.maxConcurrent);
    r.integer(QStringLiteral("recovery-max-attempts"), 0, kIntMax, rec.maxAttempts);
    r.integer(QStringLiteral("recovery-attempt-window-ms"), 1, kMaxTimerMs, rec.attemptWindowMs);
}

void readExportAndMetrics(FlagReader &r, Options &o) {
    r.nonEmpty(QStringLiteral("export-file"), o.exportFile.path);
    r.integer(QStringLiteral("export-file-max-bytes"), 0, kInt64Max, o.exportFile.maxBytes);
    r.integer(QStringLiteral("export-file-sync-every"), 0, kInt64Max, o.exportFile.syncEvery);

    const QString addrFlag = QStringLiteral("prom-addr");
    const QString tokenFlag = QStringLiteral("prom-token-file");
    r.ipAndPort(addrFlag, o.prom.address, o.prom.port);
    if (r.isSet(addrFlag) && !r.isSet(tokenFlag))
        r.fail(addrFlag, QStringLiteral("requires --prom-token-file (/metrics is never served without a token)"));
    if (r.isSet(tokenFlag) && !r.isSet(addrFlag))
        r.fail(tokenFlag, QStringLiteral("requires --prom-addr"));
    if (r.isSet(addrFlag) && !r.failed() && !o.prom.address.isLoopback())
        o.warnings << "--prom-addr: /metrics is reachable from the network on " + r.text(addrFlag);
    r.integer(QStringLiteral("prom-rate-limit-per-sec"), 0, kUint32Max, o.prom.rateLimitPerSec);
    r.integer(QStringLiteral("prom-rate-limit-burst"), 0, kUint32Max, o.prom.rateLimitBurst);
    r.integer(QStringLiteral("scrape-budget-ms"), kMinLoopBudgetMs, kMaxLoopBudgetMs, o.prom.scrapeBudgetMs);
}

// --console-listen serves the operator's commands: beyond loopback only over TLS, and
// never without tokens. The files themselves are read when the engine starts.
void readConsoleListen(FlagReader &r, Options &o) {
    const QString listenFlag = QStringLiteral("console-listen");
    const QString certFlag = QStringLiteral("console-cert");
    const QString keyFlag = QStringLiteral("console-key");
    const QString tokenFlag = QStringLiteral("console-token-file");
    ConsoleListenOptions console;
    r.ipAndPort(listenFlag, console.address, console.port);
    r.nonEmpty(certFlag, console.certFile);
    r.nonEmpty(keyFlag, console.keyFile);
    r.nonEmpty(tokenFlag, console.tokenFile);
    const bool listening = r.isSet(listenFlag);
    for (const QString &flag : {certFlag, keyFlag, tokenFlag})
        if (r.isSet(flag) && !listening)
            r.fail(flag, QStringLiteral("requires --console-listen"));
    if (r.isSet(certFlag) && !r.isSet(keyFlag))
        r.fail(certFlag, QStringLiteral("requires --console-key (the certificate's private key)"));
    if (r.isSet(keyFlag) && !r.isSet(certFlag))
        r.fail(keyFlag, QStringLiteral("requires --console-cert (the key's certificate)"));
    if (!listening || r.failed())
        return;
    if (!r.isSet(tokenFlag))
        r.fail(listenFlag, QStringLiteral("requires --console-token-file (consoles are never served without a token)"));
    else if (!console.address.isLoopback() && !console.tls())
        r.fail(listenFlag, QStringLiteral("%1 is not a loopback address; serving consoles there requires TLS "
                                          "(--console-cert and --console-key)")
                               .arg(console.address.toString()));
    if (!r.failed())
        o.consoleListen = console;
}

// As upstream: a recovery command beside a UDP listener is a decision about agents whose
// pids nobody verifies, so it is refused at start unless that listener's opt-in is given.
// Read last, so that a bad value of any flag is named first.
void requireRecoveryTrust(FlagReader &r, const Options &o) {
    const bool recovery = r.isSet(QStringLiteral("recovery-exec")) || r.isSet(QStringLiteral("recovery-exec-file"));
    if (!recovery || !o.udp || o.udp->recoveryAllowed)
        return;
    const bool secure = secureUdpRequested(r);
    r.fail(secure ? kSecureRecovery : kPlainRecovery,
           QStringLiteral("required when a recovery command is configured alongside a %1 UDP listener on port %2: "
                          "its agents' pids are not verified (or listen on --socket only)")
               .arg(secure ? QStringLiteral("secure") : QStringLiteral("plain"))
               .arg(o.udp->port));
}

void readRunning(FlagReader &r, Options &o) {
    o.headless = r.isSet(QStringLiteral("headless"));
    o.demo = r.isSet(QStringLiteral("demo"));
    r.nonEmpty(QStringLiteral("screenshot"), o.screenshotPath);
    if (o.headless && r.isSet(QStringLiteral("screenshot")))
        r.fail(QStringLiteral("screenshot"),
               QStringLiteral("needs the window, so it cannot be combined with --headless"));
    r.integer(QStringLiteral("screenshot-delay-ms"), 0, kMaxTimerMs, o.screenshotDelayMs);
    for (const QString &path : r.texts(QStringLiteral("open"))) {
        if (path.isEmpty())
            r.fail(QStringLiteral("open"), QStringLiteral("must name a file"));
        o.openFiles.append(path);
    }
    if (o.headless && !o.openFiles.isEmpty())
        r.fail(QStringLiteral("open"), QStringLiteral("shows the files in the window, so it cannot be combined with "
                                                      "--headless"));

    for (const QString &target : r.texts(QStringLiteral("attach"))) {
        if (target.isEmpty())
            r.fail(QStringLiteral("attach"), QStringLiteral("must name unix:PATH or HOST:PORT"));
        o.attachTargets.append(target);
    }
    r.nonEmpty(QStringLiteral("attach-token-file"), o.attachTokenFile);
    r.nonEmpty(QStringLiteral("attach-ca"), o.attachCaFile);
    if (o.attachTargets.isEmpty()) {
        for (const char *flag : {"attach-token-file", "attach-ca"})
            if (r.isSet(flag))
                r.fail(flag, QStringLiteral("only means something with --attach"));
    } else if (o.headless) {
        r.fail(QStringLiteral("attach"), QStringLiteral("shows observers in the window, so it cannot be combined with "
                                                        "--headless"));
    } else if (!o.openFiles.isEmpty()) {
        r.fail(QStringLiteral("attach"), QStringLiteral("cannot be combined with --open: one shows live observers, "
                                                        "the other files"));
    } else {
        // The window shows the observers it attaches to; an engine of its own would be a
        // second, unseen one.
        for (const char *flag : {"socket", "udp-port", "demo", "control-socket", "prom-addr", "console-listen"})
            if (r.isSet(flag))
                r.fail(QStringLiteral("attach"),
                       QStringLiteral("runs no engine here, so it cannot be combined with --%1; run that "
                                      "observer on its own and attach to it")
                           .arg(QLatin1String(flag)));
    }

    static const QRegularExpression language(QStringLiteral("^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$"));
    if (r.isSet(QStringLiteral("lang"))) {
        o.language = r.text(QStringLiteral("lang"));
        if (!language.match(o.language).hasMatch())
            r.fail(QStringLiteral("lang"), "must be a language code such as de or pt_BR (got '" + o.language + "')");
    }
    r.integer(QStringLiteral("shutdown-after-secs"), 0, kMaxShutdownAfterSecs, o.shutdownAfterSecs);
    r.integer(QStringLiteral("shutdown-grace-ms"), kMinShutdownGraceMs, kMaxTimerMs, o.shutdownGraceMs);
    r.integer(QStringLiteral("self-watchdog-secs"), 0, kMaxSelfWatchdogSecs, o.selfWatchdogSecs);
    r.integer(QStringLiteral("iteration-budget-ms"), kMinLoopBudgetMs, kMaxLoopBudgetMs, o.iterationBudgetMs);
    r.nonEmpty(QStringLiteral("heartbeat-file"), o.heartbeatFile);
    r.nonEmpty(QStringLiteral("hw-watchdog"), o.hwWatchdog);
    r.nonEmpty(QStringLiteral("control-socket"), o.controlSocket);
    r.nonEmpty(QStringLiteral("state-file"), o.recovery.stateFile);
    readChoice<SignalHandlerMode>(r, QStringLiteral("signal-handler-mode"),
                                  {{"direct", SignalHandlerMode::Direct}, {"libc", SignalHandlerMode::Libc}},
                                  o.signalHandlerMode);
    readChoice<LogFormat>(r, QStringLiteral("log-format"), {{"text", LogFormat::Text}, {"json", LogFormat::Json}},
                          o.logFormat);
}

// Inert since the listeners stopped blocking, but checked as upstream checks it: the idle
// floor of a loop must leave the self-watchdog time to see it turn.
void readReadTimeout(FlagReader &r, Options &o) {
    std::int64_t ceiling = kMaxReadTimeoutMs;
    if (o.selfWatchdogSecs && *o.selfWatchdogSecs > 0)
        ceiling = std::min(ceiling, *o.selfWatchdogSecs * 1000 / 2);
    const QString flag = QStringLiteral("read-timeout-ms");
    if (r.integer(flag, 1, kMaxTimerMs, o.readTimeoutMs) && o.readTimeoutMs > ceiling)
        r.fail(flag, QStringLiteral("must be at most %1 (min(1000, half of --self-watchdog-secs); got %2)")
                         .arg(ceiling)
                         .arg(o.readTimeoutMs));
}

}  // namespace

QStringList splitCommand(const QString &command) {
    static const QRegularExpression whitespace(QStringLiteral("\\s+"));
    return command.split(whitespace, Qt::SkipEmptyParts);
}

Options readOptions(FlagReader &reader) {
    Options options;
    readUnixSocket(reader, options);
    readUdp(reader, options);
    checkPathFlags(reader);
    readTracker(reader, options.tracker);
    readRecovery(reader, options.recovery, options.warnings);
    readExportAndMetrics(reader, options);
    readRunning(reader, options);
    readConsoleListen(reader, options);
    readClockSource(reader, options);
    readReadTimeout(reader, options);
    requireRecoveryTrust(reader, options);
    return options;
}

}  // namespace varta::config
