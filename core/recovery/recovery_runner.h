#pragma once
// One recovery child: a QProcess started from an argv (never a shell), in a process
// group of its own, with stdin on /dev/null, a kill-the-group timeout, and at most
// captureBytes of stdout+stderr kept, in the order it arrived.
//
// Lifecycle: start() is answered later, on the event loop, by exactly one of
//   failedToStart(error)                      the program could not be executed
//   started(pid) ... output(...)* finished()  it ran (crashes and kills included)
// Nothing is emitted from inside start() itself, so a caller's state stays consistent.
//
// When the child ends, whatever is left of its process group is SIGKILLed: a grandchild
// that kept the pipes open must not outlive the recovery it belonged to. A command that
// means to leave a long-lived process behind must detach it (setsid, a service manager).
//
// Memory per child is bounded whatever it writes: past the cap both read channels are
// closed, and QProcess then reads and discards, so the child never blocks on a full pipe.
//
// Destroying a running QProcess blocks until it exits: the owner deletes a runner only
// after finished() or failedToStart().

#include "core/config/options.h"
#include "core/identity/agent_key.h"
#include "core/published/engine_batch.h"
#include "core/published/recovery_command.h"

#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QTimer>

#include <cstdint>
#include <optional>

namespace varta {

struct RunSpec {
    QStringList argv;  // argv[0] is the program: a path, or a name looked up in the child's PATH
    QProcessEnvironment environment;
    std::int64_t captureBytes = 65536;
    std::optional<std::int64_t> timeoutMs;  // none: never killed for taking long
    std::int64_t killGraceMs = 1000;        // SIGTERM -> SIGKILL
};

// Why we signalled the child, if we did.
enum class StopReason : std::uint8_t { None, Timeout, Operator, Shutdown };

struct RunResult {
    qint64 pid = 0;
    bool exited = false;  // a normal exit: exitCode is valid; otherwise death by `signal`
    int exitCode = -1;
    int signal = 0;
    StopReason stopReason = StopReason::None;
    std::int64_t durationNs = 0;   // start() to its end
    std::int64_t stdoutBytes = 0;  // kept
    std::int64_t stderrBytes = 0;
    bool truncated = false;  // output past the cap was discarded
};

class RecoveryRunner : public QObject {
    Q_OBJECT

public:
    // PATH=/usr/bin:/bin plus --recovery-env, or our own environment plus --recovery-env
    // with --recovery-inherit-env.
    static QProcessEnvironment environmentFor(const RecoveryOptions &options);

    explicit RecoveryRunner(RunSpec spec, QObject *parent = nullptr);
    ~RecoveryRunner() override;

    void start();
    // SIGTERM to the group now, SIGKILL after graceMs. A second call keeps the first
    // reason and only ever brings the SIGKILL closer.
    void terminate(StopReason reason, std::int64_t graceMs);

    bool isActive() const { return m_phase == Phase::Starting || m_phase == Phase::Running; }
    qint64 pid() const { return m_pid; }
    const RunSpec &spec() const { return m_spec; }

Q_SIGNALS:
    void started(qint64 pid);
    void output(varta::OutputStream stream, const QByteArray &data);
    void finished(const varta::RunResult &result);
    void failedToStart(const QString &error);

private:
    enum class Phase : std::uint8_t { Idle, Starting, Running, Done };

    QString resolveProgram() const;
    void failLater(const QString &error);
    void onStarted();
    void onError(QProcess::ProcessError error);
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void take(OutputStream stream, QByteArray data);
    void signalGroup(int sig);

    RunSpec m_spec;
    QProcess m_process{this};
    QTimer m_timeoutTimer{this};
    QTimer m_killTimer{this};
    Phase m_phase = Phase::Idle;
    qint64 m_pid = 0;
    std::int64_t m_startNs = 0;
    std::int64_t m_kept[2] = {0, 0};  // indexed by OutputStream
    bool m_truncated = false;
    StopReason m_stopReason = StopReason::None;
};

}  // namespace varta
