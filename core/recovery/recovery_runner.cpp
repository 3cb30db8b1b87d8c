#include "core/recovery/recovery_runner.h"

#include "core/base/engine_clock.h"

#include <QStandardPaths>

#include <cerrno>
#include <csignal>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace varta {

namespace {

// The open-file limit this process was started with, before the exit watcher raised its
// soft limit: a recovery command gets what it would have had from our parent (a program
// using select() breaks on descriptors above 1023).
const rlimit kStartupOpenFileLimit = [] {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        limit.rlim_cur = limit.rlim_max = RLIM_INFINITY;
    return limit;
}();

}  // namespace

QProcessEnvironment RecoveryRunner::environmentFor(const RecoveryOptions &options) {
    QProcessEnvironment env = options.inheritEnv ? QProcessEnvironment::systemEnvironment() : QProcessEnvironment();
    if (!options.inheritEnv)
        env.insert(QStringLiteral("PATH"), QStringLiteral("/usr/bin:/bin"));
    for (const QString &entry : options.env) {
        const qsizetype eq = entry.indexOf(QLatin1Char('='));
        if (eq > 0)
            env.insert(entry.left(eq), entry.mid(eq + 1));
    }
    return env;
}

RecoveryRunner::RecoveryRunner(RunSpec spec, QObject *parent) : QObject(parent), m_spec(std::move(spec)) {
    m_timeoutTimer.setSingleShot(true);
    m_timeoutTimer.setTimerType(Qt::PreciseTimer);
    m_killTimer.setSingleShot(true);
    m_killTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_timeoutTimer, &QTimer::timeout, this, [this] { terminate(StopReason::Timeout, m_spec.killGraceMs); });
    connect(&m_killTimer, &QTimer::timeout, this, [this] { signalGroup(SIGKILL); });

    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    m_process.setStandardInputFile(QProcess::nullDevice());
    // Runs in the child between fork and exec: a group of its own, so one signal to
    // -pgid reaches every process the command starts. setpgid is async-signal-safe.
    // The observer ignores SIGPIPE (a stderr pipe that closes must not kill it); an
    // ignored signal survives exec, and a recovery script's pipelines expect the default.
    //
    // PR_SET_PDEATHSIG: a child must not outlive an observer that was SIGKILLed or
    // crashed, unwatched and unaudited. The signal fires when the thread that forked the
    // child exits; that is the engine thread, which lives as long as the process. Only the
    // command itself gets it: a grandchild it started stays in the group, which nobody
    // signals once the observer is gone. A parent that died before prctl() ran is caught
    // by getppid().
    const pid_t observer = ::getpid();
    m_process.setChildProcessModifier([observer] {
        ::setpgid(0, 0);
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != observer)
            ::_exit(127);
        ::signal(SIGPIPE, SIG_DFL);
        if (kStartupOpenFileLimit.rlim_cur != RLIM_INFINITY)
            ::setrlimit(RLIMIT_NOFILE, &kStartupOpenFileLimit);
    });
    connect(&m_process, &QProcess::started, this, &RecoveryRunner::onStarted);
    connect(&m_process, &QProcess::errorOccurred, this, &RecoveryRunner::onError);
    connect(&m_process, &QProcess::finished, this, &RecoveryRunner::onFinished);
    connect(&m_process, &QProcess::readyReadStandardOutput, this,
            [this] { take(OutputStream::Stdout, m_process.readAllStandardOutput()); });
    connect(&m_process, &QProcess::readyReadStandardError, this,
            [this] { take(OutputStream::Stderr, m_process.readAllStandardError()); });
}

RecoveryRunner::~RecoveryRunner() {
    // Only reached while running if the owner broke the rule above; make QProcess's
    // blocking wait in its destructor as short as it can be.
    if (isActive())
        signalGroup(SIGKILL);
}

void RecoveryRunner::start() {
    if (m_phase != Phase::Idle)
        return;
    m_phase = Phase::Starting;
    m_startNs = monotonicNs();
    if (m_spec.argv.isEmpty())
        return failLater(QStringLiteral("empty recovery command"));
    const QString program = resolveProgram();
    if (program.isEmpty())
        return failLater(QStringLiteral("%1: not found in PATH %2")
                             .arg(m_spec.argv.first(), m_spec.environment.value(QStringLiteral("PATH"))));
    m_process.setProgram(program);
    m_process.setArguments(m_spec.argv.mid(1));
    m_process.setProcessEnvironment(m_spec.environment);
    m_process.start();
    m_pid = m_process.processId();
    if (m_spec.timeoutMs && isActive())
        m_timeoutTimer.start(std::chrono::milliseconds(*m_spec.timeoutMs));
}

// A bare name is looked up in the child's PATH, as exec would in the child, not in ours.
QString RecoveryRunner::resolveProgram() const {
    const QString &name = m_spec.argv.first();
    if (name.contains(QLatin1Char('/')))
        return name;
    const QString path = m_spec.environment.value(QStringLiteral("PATH"), QStringLiteral("/usr/bin:/bin"));
    return QStandardPaths::findExecutable(name, path.split(QLatin1Char(':'), Qt::SkipEmptyParts));
}

void RecoveryRunner::failLater(const QString &error) {
    m_phase = Phase::Done;
    m_timeoutTimer.stop();
    QMetaObject::invokeMethod(
        this, [this, error] { Q_EMIT failedToStart(error); }, Qt::QueuedConnection);
}

void RecoveryRunner::onStarted() {
    m_phase = Phase::Running;
    m_pid = m_process.processId();
    Q_EMIT started(m_pid);
}

void RecoveryRunner::onError(QProcess::ProcessError error) {
    // Crashed is followed by finished(); only FailedToStart ends a child without it.
    if (error == QProcess::FailedToStart && m_phase == Phase::Starting)
        failLater(m_process.errorString());
}

void RecoveryRunner::onFinished(int exitCode, QProcess::ExitStatus status) {
    m_timeoutTimer.stop();
    m_killTimer.stop();
    m_phase = Phase::Done;  // first: the pid is reaped, signalGroup must not fall back to it
    // The leader is gone; anything left in its group (a grandchild holding the pipes)
    // goes with it. The group id cannot be reused while a member is alive.
    signalGroup(SIGKILL);

    RunResult result;
    result.pid = m_pid;
    result.exited = status == QProcess::NormalExit;
    result.exitCode = result.exited ? exitCode : -1;
    result.signal = result.exited ? 0 : exitCode;  // Qt reports the signal as the code of a crash
    result.stopReason = m_stopReason;
    result.durationNs = monotonicNs() - m_startNs;
    result.stdoutBytes = m_kept[int(OutputStream::Stdout)];
    result.stderrBytes = m_kept[int(OutputStream::Stderr)];
    result.truncated = m_truncated;
    Q_EMIT finished(result);
}

void RecoveryRunner::take(OutputStream stream, QByteArray data) {
    const std::int64_t room = m_spec.captureBytes - m_kept[0] - m_kept[1];
    if (data.size() > room) {
        data.truncate(qsizetype(std::max<std::int64_t>(room, 0)));
        if (!m_truncated) {
            m_truncated = true;
            m_process.closeReadChannel(QProcess::StandardOutput);
            m_process.closeReadChannel(QProcess::StandardError);
        }
    }
    if (data.isEmpty())
        return;
    // readAll() grows its buffer in blocks (a 64 KiB read sits in 128 KiB) and truncate()
    // keeps the capacity: each chunk is kept (history, batches, the console) at its size.
    data.squeeze();
    m_kept[int(stream)] += data.size();
    Q_EMIT output(stream, data);
}

void RecoveryRunner::terminate(StopReason reason, std::int64_t graceMs) {
    if (!isActive() || m_pid <= 0)
        return;
    const std::chrono::milliseconds grace(std::max<std::int64_t>(graceMs, 0));
    if (m_stopReason == StopReason::None) {
        m_stopReason = reason;
        m_timeoutTimer.stop();
        signalGroup(SIGTERM);
        m_killTimer.start(grace);
    } else if (m_killTimer.isActive() && grace < m_killTimer.remainingTimeAsDuration()) {
        m_killTimer.start(grace);
    }
}

void RecoveryRunner::signalGroup(int sig) {
    if (m_pid <= 0)
        return;
    // Until the child has run setpgid there is no group yet: signal the child itself.
    if (::kill(-static_cast<pid_t>(m_pid), sig) != 0 && errno == ESRCH && isActive())
        ::kill(static_cast<pid_t>(m_pid), sig);
}

}  // namespace varta
