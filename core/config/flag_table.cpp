#include "core/config/flag_table.h"

#include "core/config/options.h"

namespace varta::config {
namespace {

QString number(std::int64_t value) { return QString::number(value); }

QString onOff(bool on) { return on ? QStringLiteral("on") : QStringLiteral("off"); }

const QString kNone = QStringLiteral("none");
const QString kOff = QStringLiteral("off");

QList<FlagSpec> listenerFlags() {
    const UdsOptions uds;
    const UdpOptions udp;
    return {
        {"socket", "PATH", kNone, "Unix datagram listener; the kernel vouches for each sender's pid"},
        {"socket-mode", "OCTAL", "0" + QString::number(uds.mode, 8),
         "permissions of the socket file: 600, 0600 or 0o600, at most 0777"},
        {"uds-rcvbuf-bytes", "N", number(uds.receiveBufferBytes),
         "receive buffer asked for the Unix socket, at most " + number(kMaxUdsReceiveBufferBytes)
             + "; 0 = the kernel's default (the size granted is exported)"},
        {"read-timeout-ms", "MS", number(Options{}.readTimeoutMs),
         "accepted and checked for compatibility (1-" + number(kMaxReadTimeoutMs)
             + ", at most half the self-watchdog): the listeners never block"},
        {"udp-port", "PORT", number(udp.port) + " when --socket is not given",
         "UDP listener port; 0 picks a free one (printed at start-up)"},
        {"udp-bind-addr", "IP", udp.bindAddress.toString() + " (0.0.0.0 for plain UDP with --i-accept-plaintext-udp)",
         "address of the UDP listener"},
        {"i-accept-plaintext-udp", {}, kOff, "allow plain UDP on a non-loopback address"},
        {"i-accept-secure-udp-non-loopback", {}, kOff, "allow secure UDP on a non-loopback address"},
        {"plaintext-udp-i-accept-recovery-on-unauthenticated-transport",
         {},
         kOff,
         "run recovery for agents seen over plain UDP (their pids are unverified)"},
        {"secure-udp-i-accept-recovery-on-unauthenticated-transport",
         {},
         kOff,
         "run recovery for agents seen over secure UDP (the key is verified, the process is not)"},
    };
}

QList<FlagSpec> secureFlags() {
    return {
        {"key-file", "PATH", kNone, "one key, 64 hex characters, in a 0600 file we own"},
        {"accepted-key-file", "PATH", kNone, "more keys, one per line (# comments allowed), for rotation; repeatable"},
        {"master-key-file", "PATH", kNone, "master key from which each agent's key is derived"},
    };
}

QList<FlagSpec> trackingFlags() {
    const TrackerOptions t;
    return {
        {"threshold-ms", "MS", number(t.thresholdMs),
         "silence after which an agent is stalled; at least " + number(kMinThresholdMs)},
        {"tracker-capacity", "N", number(t.capacity), "most agents tracked at once, 1-" + number(kMaxTrackerCapacity)},
        {"tracker-eviction-policy", "strict|balanced", "strict",
         "when full, strict evicts only stalled agents silent for 10x the threshold; "
         "balanced evicts any agent silent that long"},
        {"max-beat-rate", "N", number(t.maxBeatRate),
         "beats per second accepted from one agent, as a least spacing of 1/N s; 0 = no limit"},
        {"global-beat-rate", "N", number(t.globalBeatRate), "beats per second accepted in total; 0 = no limit"},
        {"global-beat-burst", "N", number(t.globalBeatBurst), "burst allowed above the global rate; 0 = the rate"},
        {"eviction-scan-window", "N", number(t.evictionScanWindow),
         "most agents looked at per eviction attempt, oldest silence first, 1-" + number(kMaxEvictionScanWindow)},
        {"clock-source", "monotonic|boottime", "monotonic",
         "clock of stall arithmetic: boottime also counts time suspended"},
        {"allow-cross-namespace-agents",
         {},
         onOff(t.allowCrossNamespace),
         "accept Unix-socket agents from another pid namespace, and run recovery for them"},
        {"strict-namespace-check",
         {},
         onOff(t.strictNamespaceCheck),
         "exit 1 at the first beat from another pid namespace"},
        {"exit-detection", "on|off", onOff(t.exitDetection),
         "watch Unix-socket agents' processes and surface an exit at once, before the threshold; "
         "off: an exit is seen only as silence"},
        {"forget-after-ms", "MS", "10x the threshold",
         "an exited or replaced agent leaves the table this long after (an eviction line); 0 = never"},
    };
}

QList<FlagSpec> recoveryFlags() {
    const RecoveryOptions r;
    return {
        {"recovery-exec", "CMD", kNone,
         "command run for a stalled agent, split on whitespace, never through a shell; "
         "{pid} and {addr} are replaced"},
        {"recovery-exec-file", "PATH", kNone, "the same, read from a 0600 file we own"},
        {"recovery-env", "KEY=VALUE", kNone, "add to the command's environment; repeatable"},
        {"recovery-inherit-env",
         {},
         onOff(r.inheritEnv),
         "give the command our whole environment instead of PATH=/usr/bin:/bin"},
        {"recovery-debounce-ms", "MS", number(r.debounceMs), "least time between two recoveries of one agent"},
        {"recovery-timeout-ms", "MS", "never kill",
         "kill the command's process group after this long; at least " + number(kMinRecoveryTimeoutMs)},
        {"recovery-kill-grace-ms", "MS", number(r.killGraceMs), "time between SIGTERM and SIGKILL on timeout"},
        {"recovery-capture-bytes", "N", number(r.captureBytes),
         "output kept per command (stdout and stderr together), at most 16 MiB"},
        {"recovery-capture-stdio",
         {},
         kOff,
         "put the output's sizes in the audit log's complete rows (output is always captured and shown)"},
        {"recovery-audit-file", "PATH", kNone, "append-only, hash-chained record of every recovery decision"},
        {"recovery-audit-max-bytes", "N", "never rotate",
         "rotate the audit log past this size, keeping 5 generations; at least " + number(kMinAuditMaxBytes)},
        {"recovery-audit-sync-every", "N", number(r.auditSyncEvery), "fdatasync the audit log every N records"},
        {"audit-sync-interval-ms", "MS", kOff, "also fdatasync the audit log at least this often; 0 = off"},
        {"audit-fsync-budget-ms", "MS", number(r.auditFsyncBudgetMs),
         "an audit fdatasync slower than this is counted (varta_audit_fsync_budget_exceeded_total)"},
        {"audit-rotation-budget-ms", "MS", number(r.auditRotationBudgetMs),
         "an audit rotation slower than this is counted, at most " + number(kMaxAuditRotationBudgetMs)},
        {"recovery-max-concurrent", "N", number(r.maxConcurrent),
         "most commands running at once, 1-" + number(kMaxRecoveryConcurrent)},
        {"recovery-max-attempts", "N", number(r.maxAttempts),
         "recoveries of one agent within the window before giving up; 0 = no limit"},
        {"recovery-attempt-window-ms", "MS", number(r.attemptWindowMs), "window of --recovery-max-attempts"},
    };
}

QList<FlagSpec> exportFlags() {
    const Options d;
    const PromOptions p;
    return {
        {"export-file", "PATH", kNone, "tab-separated event file, one line per event"},
        {"export-file-max-bytes", "N", number(d.exportFile.maxBytes),
         "rotate the event file past this size, keeping 5 generations; 0 = never"},
        {"export-file-sync-every", "N", number(d.exportFile.syncEvery),
         "fsync the event file every N lines; 0 = never"},
        {"prom-addr", "IP:PORT", kNone, "serve Prometheus /metrics here; needs --prom-token-file"},
        {"prom-token-file", "PATH", kNone, "bearer token for /metrics, 64 hex characters in a 0600 file"},
        {"prom-rate-limit-per-sec", "N", number(p.rateLimitPerSec),
         "scrapes per second from one source address; more are closed unanswered; 0 = no limit"},
        {"prom-rate-limit-burst", "N", number(p.rateLimitBurst), "scrapes one source address may burst; 0 = no limit"},
        {"scrape-budget-ms", "MS", number(p.scrapeBudgetMs),
         "a scrape answered slower than this is counted, " + number(kMinLoopBudgetMs) + "-" + number(kMaxLoopBudgetMs)},
    };
}

QList<FlagSpec> runningFlags() {
    const Options d;
    return {
        {"headless", {}, onOff(d.headless), "no window and no GUI libraries: the engine only"},
        {"demo", {}, onOff(d.demo), "start simulated agents in-process to show the whole flow"},
        {"screenshot", "FILE", kNone, "after the delay below, save a picture of the window to FILE"},
        {"screenshot-delay-ms", "MS", number(d.screenshotDelayMs), "wait this long before --screenshot"},
        {"lang", "CODE", "the system's", "language of the console, e.g. de or pt_BR"},
        {"open", "FILE", kNone,
         "show a read-only post-mortem of an event file (with its rotated generations) or audit log instead of "
         "starting an observer; repeatable"},
        {"attach", "unix:PATH|HOST:PORT", kNone,
         "show the agents of an observer elsewhere: its --control-socket on this host, or its --console-listen "
         "port (TLS unless loopback); repeatable, one window for all; no engine runs here"},
        {"attach-token-file", "FILE", kNone,
         "the bearer token (first line of a private file) --attach presents to HOST:PORT observers"},
        {"attach-ca", "FILE", "the system's",
         "PEM certificates trusted for --attach's TLS (an observer's self-signed certificate, or your CA); "
         "several may share the file"},
        {"shutdown-after-secs", "N", kNone, "exit 0 after N seconds"},
        {"shutdown-grace-ms", "MS", number(d.shutdownGraceMs),
         "how long shutdown waits for killed recovery commands; at least " + number(kMinShutdownGraceMs)},
        {"self-watchdog-secs", "SECS", "off (" + number(kSystemdSelfWatchdogSecs) + " under systemd's WatchdogSec=)",
         "abort when the engine thread has not turned for this long; 0 = off. Under WatchdogSec=, systemd is "
         "pinged only while the engine turns"},
        {"iteration-budget-ms", "MS", number(d.iterationBudgetMs),
         "an engine-thread iteration longer than this is counted, " + number(kMinLoopBudgetMs) + "-"
             + number(kMaxLoopBudgetMs)
             + "; upstream's is a poll-loop pass, ours one event the engine thread handles (a read batch, a stall "
               "pass, a child's end)"},
        {"heartbeat-file", "PATH", kNone,
         "\"<iterations> <observer_ns>\", replaced atomically by the engine thread every 100 ms (upstream: "
         "every poll-loop pass)"},
        {"hw-watchdog", "PATH", kNone,
         "watchdog device kicked by the engine thread every 100 ms; its timeout is raised to 30 s; disarmed "
         "on a clean exit"},
        {"signal-handler-mode", "direct|libc", "direct",
         "accepted for compatibility: SIGINT and SIGTERM are always caught through sigaction"},
        {"log-format", "text|json", "text",
         "stderr lines (one per event: stalls, recoveries and their output, refusals, operator actions) as "
         "text, or as upstream's JSON lines; under systemd each line carries its journal priority"},
        {"control-socket", "PATH", kNone,
         "answer operators (varta-watch ctl) on this Unix stream socket, mode 0600, our uid and root only; "
         "docs/control.md"},
        {"console-listen", "IP:PORT", kNone,
         "serve the control protocol to consoles on other hosts over TCP; needs --console-token-file, and "
         "--console-cert with --console-key unless the address is loopback; docs/control.md section 7"},
        {"console-cert", "FILE", kNone, "PEM certificate (and chain) for --console-listen: every connection is TLS"},
        {"console-key", "FILE", kNone, "PEM private key of --console-cert, in a 0600 file"},
        {"console-token-file", "FILE", kNone,
         "console tokens, one \"NAME view|control SECRET\" a line, in a 0600 file; re-read on SIGHUP"},
        {"state-file", "PATH", kNone,
         "keep pauses, gave-up agents and recovery attempts here across restarts (0600, replaced atomically)"},
        {"help", {}, {}, "print this text and exit", "h"},
        {"version", {}, {}, "print the version and exit"},
    };
}

QList<FlagGroup> buildGroups() {
    return {
        {QStringLiteral("Listeners"), listenerFlags()},
        {QStringLiteral("Secure UDP (any key makes the UDP listener accept sealed frames only)"), secureFlags()},
        {QStringLiteral("Tracking"), trackingFlags()},
        {QStringLiteral("Recovery"), recoveryFlags()},
        {QStringLiteral("Event file and metrics"), exportFlags()},
        {QStringLiteral("Running"), runningFlags()},
    };
}

QList<FlagSpec> buildQtFlags() {
    QList<FlagSpec> flags;
    for (const char *name :
         {"platform", "platformpluginpath", "platformtheme", "plugin", "qwindowgeometry", "qwindowicon", "qwindowtitle",
          "session", "style", "stylesheet", "display", "geometry", "title", "icon", "name", "visual", "qmljsdebugger"})
        flags.append({QString::fromLatin1(name), QStringLiteral("VALUE"), {}, {}});
    for (const char *name : {"reverse", "widgetcount", "nograb", "dograb", "sync", "testability"})
        flags.append({QString::fromLatin1(name), {}, {}, {}});
    return flags;
}

// Words joined into lines of at most `width` characters, each starting with `indent`.
QStringList wrapped(const QString &text, const QString &indent, qsizetype width) {
    QStringList lines;
    QString line = indent;
    for (const QString &word : text.split(' ', Qt::SkipEmptyParts)) {
        if (line.size() > indent.size() && line.size() + 1 + word.size() > width) {
            lines << line;
            line = indent;
        }
        line += (line.size() > indent.size() ? QStringLiteral(" ") : QString()) + word;
    }
    return lines << line;
}

QStringList flagLines(const FlagSpec &flag) {
    QString heading = QStringLiteral("  ");
    if (!flag.alias.isEmpty())
        heading += '-' + flag.alias + ", ";
    heading += "--" + flag.name;
    if (flag.takesValue())
        heading += ' ' + flag.valueName;
    QString text = flag.help;
    if (!flag.defaultText.isEmpty())
        text += " (default: " + flag.defaultText + ')';
    return QStringList{heading} + wrapped(text, QStringLiteral("      "), 88);
}

}  // namespace

const QList<FlagGroup> &flagGroups() {
    static const QList<FlagGroup> groups = buildGroups();
    return groups;
}

const QList<FlagSpec> &qtFlags() {
    static const QList<FlagSpec> flags = buildQtFlags();
    return flags;
}

QString removedFlagHint(const QString &name) {
    if (name == QLatin1String("recovery-cmd") || name == QLatin1String("i-accept-shell-risk"))
        return QStringLiteral("removed for security reasons; use --recovery-exec");
    if (name == QLatin1String("recovery-cmd-file"))
        return QStringLiteral("removed for security reasons; use --recovery-exec-file");
    if (name == QLatin1String("key-env") || name == QLatin1String("master-key-env")
        || name == QLatin1String("accepted-key-env"))
        return QStringLiteral("removed: keys are no longer read from the environment; use --key-file "
                              "(or --accepted-key-file, --master-key-file)");
    return {};
}

const FlagSpec *findFlag(const QString &name) {
    for (const FlagGroup &group : flagGroups()) {
        for (const FlagSpec &flag : group.flags) {
            if (flag.name == name || (!flag.alias.isEmpty() && flag.alias == name))
                return &flag;
        }
    }
    for (const FlagSpec &flag : qtFlags()) {
        if (flag.name == name)
            return &flag;
    }
    return nullptr;
}

QString flagName(const QString &argument) {
    const qsizetype dashes = argument.startsWith(QLatin1String("--")) ? 2 : 1;
    return argument.mid(dashes).section('=', 0, 0);
}

bool isFlagArgument(const QString &argument) { return argument.startsWith('-') && argument != QLatin1String("-"); }

QString helpText() {
    QStringList lines{
        QStringLiteral(
            "Usage: varta-watch [FLAG]...\n       varta-watch ctl [--socket PATH] [--json] COMMAND [ARG]...  "
            "(steer a running observer; varta-watch ctl --help)"),
        QStringLiteral("Operator console for Varta heartbeats: tracks agents, surfaces stalls, runs recovery."),
        QStringLiteral("Every flag takes its value as the next argument or as --flag=VALUE."),
    };
    for (const FlagGroup &group : flagGroups()) {
        lines << QString() << group.title + ':';
        for (const FlagSpec &flag : group.flags)
            lines << flagLines(flag);
    }
    const QString footer = QStringLiteral(
        "Qt's own options (-platform NAME, -style NAME, -display DISPLAY, -qwindowgeometry GEOMETRY, -reverse, "
        "...) are accepted too. Removed upstream flags: --recovery-cmd and --i-accept-shell-risk (use "
        "--recovery-exec); --recovery-cmd-file (use --recovery-exec-file); --key-env, --accepted-key-env and "
        "--master-key-env (use --key-file). Exit status: 0 "
        "clean exit, 1 a file or start-up problem, 2 a bad flag.");
    lines << QString() << wrapped(footer, QString(), 88);
    return lines.join('\n');
}

}  // namespace varta::config
