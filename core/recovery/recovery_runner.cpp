#include "core/recovery/recovery_runner.h"

#include "core/engine_clock.h"

#include <QStandardPaths>

#include <cerrno>
#include <csignal>

#include <unistd.h>

namespace varta {

QStringList RecoveryRunner::argvFor(const QStringList &execTemplate, const AgentKey &agent) {
    const QString pid = QString::number(agent.pid);
    const QString addr = agent.addressText();
    QStringList argv;
    argv.reserve(execTemplate.size());
    for (QString arg : execTemplate)
        argv.append(arg.replace(QLatin1String("{pid}"), pid).replace(QLatin1String("{addr}"), addr));
    return argv;
}

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

RecoveryRunner::RecoveryRunner(RunSpec spec, QObject *parent) : QObject(parent), spec_(std::move(spec)) {
    timeoutTimer_.setSingleShot(true);
    timeoutTimer_.setTimerType(Qt::PreciseTimer);
    killTimer_.setSingleShot(true);
    killTimer_.setTimerType(Qt::PreciseTimer);
    connect(&timeoutTimer_, &QTimer::timeout, this, [this] { terminate(StopReason::Timeout, spec_.killGraceMs); });
    connect(&killTimer_, &QTimer::timeout, this, [this] { signalGroup(SIGKILL); });

    process_.setProcessChannelMode(QProcess::SeparateChannels);
    process_.setStandardInputFile(QProcess::nullDevice());
    // Runs in the child between fork and exec: a group of its own, so one signal to
    // -pgid reaches every process the command starts. setpgid is async-signal-safe.
    process_.setChildProcessModifier([] { ::setpgid(0, 0); });
    connect(&process_, &QProcess::started, this, &RecoveryRunner::onStarted);
    connect(&process_, &QProcess::errorOccurred, this, &RecoveryRunner::onError);
    connect(&process_, &QProcess::finished, this, &RecoveryRunner::onFinished);
    connect(&process_, &QProcess::readyReadStandardOutput, this,
            [this] { take(OutputStream::Stdout, process_.readAllStandardOutput()); });
    connect(&process_, &QProcess::readyReadStandardError, this,
            [this] { take(OutputStream::Stderr, process_.readAllStandardError()); });
}

RecoveryRunner::~RecoveryRunner() {
    // Only reached while running if the owner broke the rule above; make QProcess's
    // blocking wait in its destructor as short as it can be.
    if (isActive())
        signalGroup(SIGKILL);
}

void RecoveryRunner::start() {
    if (phase_ != Phase::Idle)
        return;
    phase_ = Phase::Starting;
    startNs_ = monotonicNs();
    if (spec_.argv.isEmpty())
        return failLater(QStringLiteral("empty recovery command"));
    const QString program = resolveProgram();
    if (program.isEmpty())
        return failLater(QStringLiteral("%1: not found in PATH %2")
                             .arg(spec_.argv.first(), spec_.environment.value(QStringLiteral("PATH"))));
    process_.setProgram(program);
    process_.setArguments(spec_.argv.mid(1));
    process_.setProcessEnvironment(spec_.environment);
    process_.start();
    pid_ = process_.processId();
    if (spec_.timeoutMs && isActive())
        timeoutTimer_.start(std::chrono::milliseconds(*spec_.timeoutMs));
}

// A bare name is looked up in the child's PATH, as exec would in the child, not in ours.
QString RecoveryRunner::resolveProgram() const {
    const QString &name = spec_.argv.first();
    if (name.contains(QLatin1Char('/')))
        return name;
    const QString path = spec_.environment.value(QStringLiteral("PATH"), QStringLiteral("/usr/bin:/bin"));
    return QStandardPaths::findExecutable(name, path.split(QLatin1Char(':'), Qt::SkipEmptyParts));
}

void RecoveryRunner::failLater(const QString &error) {
    phase_ = Phase::Done;
    timeoutTimer_.stop();
    QMetaObject::invokeMethod(
        this, [this, error] { Q_EMIT failedToStart(error); }, Qt::QueuedConnection);
}

void RecoveryRunner::onStarted() {
    phase_ = Phase::Running;
    pid_ = process_.processId();
    Q_EMIT started(pid_);
}

void RecoveryRunner::onError(QProcess::ProcessError error) {
    // Crashed is followed by finished(); only FailedToStart ends a child without it.
    if (error == QProcess::FailedToStart && phase_ == Phase::Starting)
        failLater(process_.errorString());
}

void RecoveryRunner::onFinished(int exitCode, QProcess::ExitStatus status) {
    timeoutTimer_.stop();
    killTimer_.stop();
    phase_ = Phase::Done;  // first: the pid is reaped, signalGroup must not fall back to it
    // The leader is gone; anything left in its group (a grandchild holding the pipes)
    // goes with it. The group id cannot be reused while a member is alive.
    signalGroup(SIGKILL);

    RunResult result;
    result.pid = pid_;
    result.exited = status == QProcess::NormalExit;
    result.exitCode = result.exited ? exitCode : -1;
    result.signal = result.exited ? 0 : exitCode;  // Qt reports the signal as the code of a crash
    result.stopReason = stopReason_;
    result.durationNs = monotonicNs() - startNs_;
    result.stdoutBytes = kept_[int(OutputStream::Stdout)];
    result.stderrBytes = kept_[int(OutputStream::Stderr)];
    result.truncated = truncated_;
    Q_EMIT finished(result);
}

void RecoveryRunner::take(OutputStream stream, QByteArray data) {
    const std::int64_t room = spec_.captureBytes - kept_[0] - kept_[1];
    if (data.size() > room) {
        data.truncate(qsizetype(std::max<std::int64_t>(room, 0)));
        if (!truncated_) {
            truncated_ = true;
            process_.closeReadChannel(QProcess::StandardOutput);
            process_.closeReadChannel(QProcess::StandardError);
        }
    }
    if (data.isEmpty())
        return;
    kept_[int(stream)] += data.size();
    Q_EMIT output(stream, data);
}

void RecoveryRunner::terminate(StopReason reason, std::int64_t graceMs) {
    if (!isActive() || pid_ <= 0)
        return;
    const std::chrono::milliseconds grace(std::max<std::int64_t>(graceMs, 0));
    if (stopReason_ == StopReason::None) {
        stopReason_ = reason;
        timeoutTimer_.stop();
        signalGroup(SIGTERM);
        killTimer_.start(grace);
    } else if (killTimer_.isActive() && grace < killTimer_.remainingTimeAsDuration()) {
        killTimer_.start(grace);
    }
}

void RecoveryRunner::signalGroup(int sig) {
    if (pid_ <= 0)
        return;
    // Until the child has run setpgid there is no group yet: signal the child itself.
    if (::kill(-static_cast<pid_t>(pid_), sig) != 0 && errno == ESRCH && isActive())
        ::kill(static_cast<pid_t>(pid_), sig);
}

}  // namespace varta
