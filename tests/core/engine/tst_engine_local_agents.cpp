// What the engine knows of its local agents' processes, with real processes beating over
// a real Unix socket: who each one is, its exit seen at once and recovered with its unit,
// a restarted unit's new pid continuing the old row, a pid recycled under a silent agent,
// and exited agents forgotten while hung ones stay.
//
// The sandbox has no systemd, so the engine reads process facts from a prepared proc
// root: each agent's stat, comm, cmdline and status copied from the real /proc, and a
// cgroup line the test writes. The agents themselves must be real: the socket checks the
// sender's credentials against the frame's pid, and exits come from real pidfds.
#include "core/engine/engine.h"
#include "core/vlp/frame.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <optional>
#include <vector>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace varta;

Q_DECLARE_METATYPE(varta::AgentState)

namespace {

// Ceilings only: every wait ends as soon as what it waits for is there.
constexpr int kCeilingMs = 10000;

// A child's whole life: wait for the go byte (its proc entry is prepared by then), then
// beat with its own pid and rising nonces until killed. Only async-signal-safe calls
// after fork.
[[noreturn]] void beatForever(const sockaddr_un &address, int go) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    char byte = 0;
    ssize_t got = 0;
    do {
        got = ::read(go, &byte, 1);
    } while (got < 0 && errno == EINTR);
    if (got != 1)
        ::_exit(0);  // the test gave up on it before it began
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
        ::_exit(1);
    vlp::Frame frame;
    frame.pid = static_cast<std::uint32_t>(::getpid());
    for (std::uint64_t nonce = 1;; ++nonce) {
        frame.nonce = nonce;
        frame.timestamp = nonce;
        const auto bytes = vlp::encode(frame);
        (void)::send(fd, bytes.data(), bytes.size(), 0);
        // A relative pause: after SIGCONT the agent beats on at its pace, without a burst
        // of the beats it missed while stopped.
        timespec pause{0, 75'000'000};
        while (::nanosleep(&pause, &pause) != 0 && errno == EINTR) {}
    }
}

// The test's agent processes; every one is killed and reaped however the test ends.
class Agents {
public:
    explicit Agents(const QString &socketPath) {
        m_address.sun_family = AF_UNIX;
        const QByteArray native = socketPath.toLocal8Bit();
        std::memcpy(m_address.sun_path, native.constData(),
                    std::min(static_cast<std::size_t>(native.size()), sizeof m_address.sun_path - 1));
    }
    Agents(const Agents &) = delete;
    Agents &operator=(const Agents &) = delete;
    ~Agents() {
        for (const Child &child : m_children)
            if (child.go >= 0)
                ::close(child.go);
        for (const Child &child : m_children)
            kill(child.pid);
    }

    // A process that will beat once go() is called; 0 if fork failed.
    std::uint32_t fork() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0)
            return 0;
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(fds[1]);
            beatForever(m_address, fds[0]);
        }
        ::close(fds[0]);
        if (pid < 0) {
            ::close(fds[1]);
            return 0;
        }
        m_children.push_back(Child{pid, fds[1]});
        return static_cast<std::uint32_t>(pid);
    }
    void go(std::uint32_t pid) {
        Child *child = find(pid);
        if (!child || child->go < 0)
            return;
        (void)::write(child->go, "g", 1);
        ::close(child->go);
        child->go = -1;
    }
    // SIGKILL and reap: its pidfd stays readable for the engine after the reap.
    static void kill(std::uint32_t pid) {
        if (::kill(static_cast<pid_t>(pid), SIGKILL) == 0) {
            while (::waitpid(static_cast<pid_t>(pid), nullptr, 0) < 0 && errno == EINTR) {}
        }
    }
    // Returns once the kernel has stopped it, so no beat of it follows.
    static bool stop(std::uint32_t pid) {
        if (::kill(static_cast<pid_t>(pid), SIGSTOP) != 0)
            return false;
        int status = 0;
        pid_t got = 0;
        do {
            got = ::waitpid(static_cast<pid_t>(pid), &status, WUNTRACED);
        } while (got < 0 && errno == EINTR);
        return got == static_cast<pid_t>(pid) && WIFSTOPPED(status);
    }
    static bool resume(std::uint32_t pid) { return ::kill(static_cast<pid_t>(pid), SIGCONT) == 0; }

private:
    struct Child {
        pid_t pid;
        int go;
    };
    Child *find(std::uint32_t pid) {
        const auto it = std::find_if(m_children.begin(), m_children.end(),
                                     [pid](const Child &c) { return c.pid == static_cast<pid_t>(pid); });
        return it == m_children.end() ? nullptr : &*it;
    }
    sockaddr_un m_address{};
    std::vector<Child> m_children;
};

QByteArray readAll(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &bytes) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

// The fields of a stat line after the comm, which may itself hold spaces and ')':
// fields.at(0) is field 3, the state.
QList<QByteArray> fieldsAfterComm(const QByteArray &stat) {
    const qsizetype close = stat.lastIndexOf(')');
    return stat.mid(close + 2).trimmed().split(' ');
}
constexpr qsizetype kStartTimeField = 22 - 3;

// A proc-like directory where each agent's process lives in the systemd unit the test
// says, and where a test may give its pid to another process (a new start time).
class ProcRoot {
public:
    QString path() const { return m_dir.path(); }

    bool add(std::uint32_t pid, const QByteArray &cgroup) {
        const QString real = QStringLiteral("/proc/%1/").arg(pid);
        if (!QDir(m_dir.path()).mkdir(QString::number(pid)))
            return false;
        for (const char *name : {"stat", "comm", "cmdline", "status"})
            if (!writeAll(file(pid, name), readAll(real + QLatin1String(name))))
                return false;
        return writeAll(file(pid, "cgroup"), cgroup);
    }
    QByteArray read(std::uint32_t pid, const char *name) const { return readAll(file(pid, name)); }
    std::uint64_t startTime(std::uint32_t pid) const {
        return fieldsAfterComm(read(pid, "stat")).value(kStartTimeField).toULongLong();
    }
    // What /proc says when the pid has passed to a process started later.
    bool setStartTime(std::uint32_t pid, std::uint64_t startTime) {
        const QByteArray stat = read(pid, "stat");
        const qsizetype close = stat.lastIndexOf(')');
        QList<QByteArray> fields = fieldsAfterComm(stat);
        if (close < 0 || fields.size() <= kStartTimeField)
            return false;
        fields[kStartTimeField] = QByteArray::number(startTime);
        return writeAll(file(pid, "stat"), stat.left(close + 2) + fields.join(' ') + '\n');
    }

    // What /proc says of a process that ended unseen and is not reaped yet (a zombie).
    bool setState(std::uint32_t pid, char state) {
        QByteArray stat = read(pid, "stat");
        const qsizetype close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.size())
            return false;
        stat[close + 2] = state;
        return writeAll(file(pid, "stat"), stat);
    }

private:
    QString file(std::uint32_t pid, const char *name) const {
        return m_dir.filePath(QStringLiteral("%1/%2").arg(pid).arg(QLatin1String(name)));
    }
    QTemporaryDir m_dir;
};

// A recovery command that writes its arguments, one a line, to OUT.
QString writeArgsScript(const QString &dir, const QString &out) {
    const QString path = dir + QStringLiteral("/recover.sh");
    if (!writeAll(path, "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + out.toLocal8Bit() + "'\n"))
        return {};
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return path;
}

// One audit file's rows of a kind, as columns: seq, unix ms, observer ns, kind, fields...
QList<QList<QByteArray>> auditRows(const QString &path, const QByteArray &kind) {
    QList<QList<QByteArray>> rows;
    for (const QByteArray &line : readAll(path).split('\n')) {
        const QList<QByteArray> row = line.split('\t');
        if (row.size() > 5 && row[3] == kind)
            rows.append(row);
    }
    return rows;
}

// An in-process engine, stopped the way the observer stops, with everything it
// publishes kept.
// Forks an agent, gives it a prepared /proc entry whose cgroup says `cgroup`, and lets it
// beat; 0 when any step failed.
std::uint32_t startAgent(Agents &agents, ProcRoot &proc, const char *cgroup) {
    const std::uint32_t pid = agents.fork();
    if (pid == 0 || !proc.add(pid, cgroup))
        return 0;
    agents.go(pid);
    return pid;
}

class Observer {
public:
    explicit Observer(Options options) : engine(std::move(options)) {
        QObject::connect(&engine, &Engine::batchReady, &engine, [this](const EngineBatch &batch) {
            removed << batch.removed;
            events << batch.events;
        });
    }
    Observer(const Observer &) = delete;
    Observer &operator=(const Observer &) = delete;
    ~Observer() {
        if (!started)
            return;
        QSignalSpy stopped(&engine, &Engine::stopped);
        engine.shutdown();
        if (stopped.count() == 0)
            stopped.wait(20000);
    }

    bool start() {
        QString error;
        started = engine.start(&error);
        if (!started)
            qWarning("start: %s", qPrintable(error));
        engine.setPublishing(true);
        return started;
    }

    const AgentRecord *record(std::uint32_t pid) const {
        const Slot slot = engine.tracker().find(AgentKey::local(pid));
        return slot == kNoSlot ? nullptr : &engine.tracker().record(slot);
    }
    std::optional<AgentState> state(std::uint32_t pid) const {
        const AgentRecord *r = record(pid);
        return r ? std::optional(r->state) : std::nullopt;
    }
    std::uint64_t beats(std::uint32_t pid) const {
        const AgentRecord *r = record(pid);
        return r ? r->beats : 0;
    }
    std::optional<AgentSnapshot> snapshot(std::uint32_t pid) const {
        const AgentRecord *r = record(pid);
        return r ? std::optional(engine.snapshotOf(*r)) : std::nullopt;
    }
    // The first event of the kind about the agent, if one was published.
    std::optional<EventLogEntry> event(EventKind kind, std::uint32_t pid) const {
        const auto it = std::find_if(events.begin(), events.end(), [&](const EventLogEntry &e) {
            return e.kind == kind && e.agent == AgentKey::local(pid);
        });
        return it == events.end() ? std::nullopt : std::optional(*it);
    }
    const TrackerCounters &counters() const { return engine.trackerCounters(); }

    Engine engine;
    QList<AgentKey> removed;
    QList<EventLogEntry> events;
    bool started = false;
};

// The options every case starts from: the Unix socket only, process facts from the
// prepared root, no rate limit on the agents' beats.
Options localOptions(const QTemporaryDir &dir, const ProcRoot &proc, std::int64_t thresholdMs) {
    Options options;
    options.uds = UdsOptions{};
    options.uds->path = dir.filePath(QStringLiteral("varta.sock"));
    options.tracker.thresholdMs = thresholdMs;
    options.tracker.maxBeatRate = 0;
    options.tracker.procRoot = proc.path();
    return options;
}

void configureRecovery(Options &options, const QStringList &exec, const QString &auditFile) {
    options.recovery.execTemplate = exec;
    options.recovery.execSource = QStringLiteral("inline");
    options.recovery.debounceMs = 0;
    options.recovery.auditFile = auditFile;
}

}  // namespace

class TestEngineLocalAgents : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void agentCarriesTheIdentityOfItsProcess() {
        QTemporaryDir dir;
        ProcRoot proc;
        Observer observer(localOptions(dir, proc, 60'000));
        QVERIFY(observer.start());
        Agents agents(observer.engine.options().uds->path);
        const std::uint32_t pid = startAgent(agents, proc, "0::/system.slice/api.service\n");
        QVERIFY(pid != 0);

        QTRY_VERIFY_WITH_TIMEOUT(observer.record(pid) != nullptr, kCeilingMs);
        const AgentSnapshot snapshot = *observer.snapshot(pid);
        QVERIFY(snapshot.identity);
        const ProcessIdentity &identity = *snapshot.identity;
        QCOMPARE(identity.startTime, proc.startTime(pid));
        QVERIFY(identity.startTime != 0);
        QCOMPARE(identity.comm, QString::fromUtf8(proc.read(pid, "comm").trimmed()));
        QByteArray cmdline = proc.read(pid, "cmdline");
        while (cmdline.endsWith('\0'))
            cmdline.chop(1);
        QCOMPARE(identity.cmdline, QString::fromUtf8(cmdline.replace('\0', ' ')));
        QCOMPARE(identity.uid, std::optional<std::uint32_t>(::getuid()));
        QCOMPARE(identity.cgroup, QStringLiteral("/system.slice/api.service"));
        QCOMPARE(identity.unit, QStringLiteral("api.service"));
        QCOMPARE(identity.name(), QStringLiteral("api.service"));
        QCOMPARE(observer.record(pid)->generation, identity.startTime);
    }

    void exitIsSeenAtOnceAndRecoveredWithItsUnit() {
        QTemporaryDir dir;
        ProcRoot proc;
        // The threshold is far off: an agent surfaced within it was seen to exit, not
        // just found silent.
        Options options = localOptions(dir, proc, 10'000);
        const QString out = dir.filePath(QStringLiteral("recovered"));
        configureRecovery(
            options, {writeArgsScript(dir.path(), out), QStringLiteral("{unit}"), QStringLiteral("{pid}")}, QString());
        Observer observer(std::move(options));
        QVERIFY(observer.start());
        Agents agents(observer.engine.options().uds->path);
        const std::uint32_t pid = startAgent(agents, proc, "0::/system.slice/api.service\n");
        QVERIFY(pid != 0);
        QTRY_VERIFY_WITH_TIMEOUT(observer.beats(pid) >= 2, kCeilingMs);

        Agents::kill(pid);
        QTRY_COMPARE_WITH_TIMEOUT(observer.state(pid), std::optional(AgentState::Exited), 8000);

        QTRY_VERIFY_WITH_TIMEOUT(observer.event(EventKind::Exited, pid).has_value(), kCeilingMs);
        QCOMPARE(observer.event(EventKind::Exited, pid)->details.unit, QStringLiteral("api.service"));
        QCOMPARE(observer.counters().exitsSeen, 1u);
        QCOMPARE(observer.counters().stallsSurfaced, 1u);
        const QByteArray expected = "api.service\n" + QByteArray::number(pid) + '\n';
        QTRY_COMPARE_WITH_TIMEOUT(readAll(out), expected, kCeilingMs);
    }

    void newPidOfTheSameUnitContinuesTheExitedAgentsRow() {
        QTemporaryDir dir;
        ProcRoot proc;
        Observer observer(localOptions(dir, proc, 10'000));
        QVERIFY(observer.start());
        Agents agents(observer.engine.options().uds->path);
        const std::uint32_t first = startAgent(agents, proc, "0::/system.slice/api.service\n");
        QVERIFY(first != 0);
        QTRY_VERIFY_WITH_TIMEOUT(observer.beats(first) >= 2, kCeilingMs);
        Agents::kill(first);
        QTRY_COMPARE_WITH_TIMEOUT(observer.state(first), std::optional(AgentState::Exited), kCeilingMs);

        const std::uint32_t second = startAgent(agents, proc, "0::/system.slice/api.service\n");
        QVERIFY(second != 0);
        QTRY_VERIFY_WITH_TIMEOUT(observer.record(second) != nullptr, kCeilingMs);

        QCOMPARE(observer.state(first), std::optional(AgentState::Replaced));
        QCOMPARE(observer.snapshot(first)->replacedByPid, std::optional(second));
        QCOMPARE(observer.snapshot(second)->continues, std::optional(AgentKey::local(first)));
        QTRY_VERIFY_WITH_TIMEOUT(observer.removed.contains(AgentKey::local(first)), kCeilingMs);
        QVERIFY(!observer.removed.contains(AgentKey::local(second)));
        QTRY_VERIFY_WITH_TIMEOUT(observer.event(EventKind::Restarted, second).has_value(), kCeilingMs);
        const EventLogEntry restarted = *observer.event(EventKind::Restarted, second);
        QCOMPARE(restarted.text, QStringLiteral("api.service restarted: pid %1 → pid %2").arg(first).arg(second));
        QCOMPARE(restarted.details.previousPid, std::optional(first));
        QCOMPARE(restarted.details.unit, QStringLiteral("api.service"));
        QCOMPARE(observer.counters().restarts, 1u);
        const AgentTracker &tracker = observer.engine.tracker();
        QCOMPARE(tracker.agentsInState(AgentState::Stalled) + tracker.agentsInState(AgentState::Exited), 0u);
    }

    void recoveryNamingAUnitIsRefusedForAnAgentOutsideOne() {
        QTemporaryDir dir;
        ProcRoot proc;
        Options options = localOptions(dir, proc, 10'000);
        const QString out = dir.filePath(QStringLiteral("recovered"));
        const QString audit = dir.filePath(QStringLiteral("audit.log"));
        configureRecovery(options, {writeArgsScript(dir.path(), out), QStringLiteral("{unit}")}, audit);
        Observer observer(std::move(options));
        QVERIFY(observer.start());
        Agents agents(observer.engine.options().uds->path);
        const std::uint32_t pid = startAgent(agents, proc, "0::/\n");
        QVERIFY(pid != 0);
        QTRY_VERIFY_WITH_TIMEOUT(observer.beats(pid) >= 2, kCeilingMs);
        Agents::kill(pid);
        // Well before the threshold: the refusal follows the exit, not a stall.
        QTRY_COMPARE_WITH_TIMEOUT(observer.state(pid), std::optional(AgentState::Exited), 8000);

        QTRY_VERIFY_WITH_TIMEOUT(observer.event(EventKind::Refused, pid).has_value(), kCeilingMs);
        QCOMPARE(observer.event(EventKind::Refused, pid)->details.reason, QStringLiteral("missing_placeholder"));
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(audit, "refused").size(), 1, kCeilingMs);
        QCOMPARE(auditRows(audit, "refused").first().at(4), QByteArray::number(pid));
        QCOMPARE(auditRows(audit, "refused").first().at(5), QByteArray("missing_placeholder"));
        QVERIFY(!observer.event(EventKind::RecoveryStarted, pid));
        QVERIFY(auditRows(audit, "spawn").isEmpty());
        QVERIFY(!QFile::exists(out));
    }

    // An exit the watcher did not see (past its capacity, say) is found at the deadline:
    // /proc says the process is gone (a zombie here), so the stall is an exit. With exit
    // detection off the same deadline is an ordinary stall, as upstream.
    void aProcessGoneUnseenIsFoundExitedAtItsDeadline_data() {
        QTest::addColumn<bool>("exitDetection");
        QTest::addColumn<AgentState>("expected");
        QTest::newRow("exit detection on") << true << AgentState::Exited;
        QTest::newRow("exit detection off") << false << AgentState::Stalled;
    }
    void aProcessGoneUnseenIsFoundExitedAtItsDeadline() {
        QFETCH(bool, exitDetection);
        QFETCH(AgentState, expected);
        QTemporaryDir dir;
        ProcRoot proc;
        Options options = localOptions(dir, proc, 500);
        options.tracker.exitDetection = exitDetection;
        Observer observer(std::move(options));
        QVERIFY(observer.start());
        Agents agents(observer.engine.options().uds->path);
        const std::uint32_t pid = startAgent(agents, proc, "0::/system.slice/api.service\n");
        QVERIFY(pid != 0);
        QTRY_VERIFY_WITH_TIMEOUT(observer.beats(pid) >= 2, kCeilingMs);

        QVERIFY(Agents::stop(pid));  // alive for the watcher, silent for the tracker
        QVERIFY(proc.setState(pid, 'Z'));
        QTRY_COMPARE_WITH_TIMEOUT(observer.state(pid), std::optional(expected), kCeilingMs);
        QCOMPARE(observer.counters().stallsSurfaced, 1u);
        QCOMPARE(observer.counters().exitsSeen, exitDetection ? 1u : 0u);
    }

    void pidRecycledByTheDeadlineRetiresTheAgentUnrecovered() {
        QTemporaryDir dir;
        ProcRoot proc;
        Options options = localOptions(dir, proc, 500);
        options.tracker.exitDetection = false;  // the deadline's look at /proc is all there is
        const QString out = dir.filePath(QStringLiteral("recovered"));
        const QString audit = dir.filePath(QStringLiteral("audit.log"));
        configureRecovery(options, {writeArgsScript(dir.path(), out), QStringLiteral("{pid}")}, audit);
        Observer observer(std::move(options));
        QVERIFY(observer.start());
        Agents agents(observer.engine.options().uds->path);
        const std::uint32_t pid = startAgent(agents, proc, "0::/system.slice/api.service\n");
        QVERIFY(pid != 0);
        QTRY_VERIFY_WITH_TIMEOUT(observer.beats(pid) >= 2, kCeilingMs);

        QVERIFY(Agents::stop(pid));
        QVERIFY(proc.setStartTime(pid, proc.startTime(pid) + 12345));

        QTRY_VERIFY_WITH_TIMEOUT(observer.event(EventKind::Recycled, pid).has_value(), kCeilingMs);
        QCOMPARE(observer.counters().pidRecycles, 1u);
        QCOMPARE(observer.counters().recycledAtStall, 1u);
        QVERIFY(observer.record(pid) == nullptr);
        QTRY_VERIFY_WITH_TIMEOUT(observer.removed.contains(AgentKey::local(pid)), kCeilingMs);
        QTRY_COMPARE_WITH_TIMEOUT(auditRows(audit, "refused").size(), 1, kCeilingMs);
        QCOMPARE(auditRows(audit, "refused").first().at(4), QByteArray::number(pid));
        QCOMPARE(auditRows(audit, "refused").first().at(5), QByteArray("skipped_pid_recycled"));
        QVERIFY(!observer.event(EventKind::RecoveryStarted, pid));
        QVERIFY(auditRows(audit, "spawn").isEmpty());
        QVERIFY(!QFile::exists(out));
    }

    void pidRecycledWhileStalledBeatsAsANewAgent() {
        QTemporaryDir dir;
        ProcRoot proc;
        Options options = localOptions(dir, proc, 500);
        options.tracker.exitDetection = false;  // only the start time tells the processes apart
        Observer observer(std::move(options));
        QVERIFY(observer.start());
        Agents agents(observer.engine.options().uds->path);
        const std::uint32_t pid = startAgent(agents, proc, "0::/system.slice/api.service\n");
        QVERIFY(pid != 0);
        QTRY_VERIFY_WITH_TIMEOUT(observer.beats(pid) >= 4, kCeilingMs);

        // Hung, its pid still its own: an ordinary stall.
        QVERIFY(Agents::stop(pid));
        QTRY_COMPARE_WITH_TIMEOUT(observer.state(pid), std::optional(AgentState::Stalled), kCeilingMs);
        QCOMPARE(observer.counters().pidRecycles, 0u);
        QCOMPARE(observer.record(pid)->stalls, 1u);
        const std::int64_t firstSeenBefore = observer.record(pid)->firstSeenNs;
        const std::uint64_t beatsBefore = observer.record(pid)->beats;

        const std::uint64_t newStart = proc.startTime(pid) + 12345;
        QVERIFY(proc.setStartTime(pid, newStart));
        QVERIFY(Agents::resume(pid));

        QTRY_COMPARE_WITH_TIMEOUT(observer.counters().pidRecycles, 1u, kCeilingMs);
        QCOMPARE(observer.counters().recycledAtStall, 0u);
        QTRY_VERIFY_WITH_TIMEOUT(observer.event(EventKind::Recycled, pid).has_value(), kCeilingMs);
        const AgentRecord *record = observer.record(pid);
        QVERIFY(record);
        QCOMPARE(record->state, AgentState::Up);
        QVERIFY(record->firstSeenNs > firstSeenBefore);
        QVERIFY2(record->beats < beatsBefore, qPrintable(QString::number(record->beats)));
        QCOMPARE(record->stalls, 0u);
        QCOMPARE(record->generation, newStart);
        QCOMPARE(observer.snapshot(pid)->identity->startTime, newStart);
    }

    void exitedAgentIsForgottenButAHungOneStays() {
        QTemporaryDir dir;
        ProcRoot proc;
        Options options = localOptions(dir, proc, 300);
        options.tracker.forgetAfterMs = 1000;
        const QString exportFile = dir.filePath(QStringLiteral("events.tsv"));
        options.exportFile.path = exportFile;
        Observer observer(std::move(options));
        QVERIFY(observer.start());
        Agents agents(observer.engine.options().uds->path);
        const std::uint32_t gone = startAgent(agents, proc, "0::/system.slice/gone.service\n");
        const std::uint32_t hung = startAgent(agents, proc, "0::/system.slice/hung.service\n");
        QVERIFY(gone != 0 && hung != 0);
        QTRY_VERIFY_WITH_TIMEOUT(observer.beats(gone) >= 2 && observer.beats(hung) >= 2, kCeilingMs);

        QVERIFY(Agents::stop(hung));
        Agents::kill(gone);
        QTRY_COMPARE_WITH_TIMEOUT(observer.state(gone), std::optional(AgentState::Exited), kCeilingMs);
        QElapsedTimer sinceExit;
        sinceExit.start();
        QTRY_COMPARE_WITH_TIMEOUT(observer.state(hung), std::optional(AgentState::Stalled), kCeilingMs);

        QTRY_VERIFY_WITH_TIMEOUT(observer.record(gone) == nullptr, kCeilingMs);
        // Polling lets the exit be seen up to a poll late; the forgetting is not early.
        QVERIFY2(sinceExit.elapsed() >= 800, qPrintable(QString::number(sinceExit.elapsed())));
        QTRY_VERIFY_WITH_TIMEOUT(observer.removed.contains(AgentKey::local(gone)), kCeilingMs);
        QTRY_VERIFY_WITH_TIMEOUT(observer.event(EventKind::Forgotten, gone).has_value(), kCeilingMs);
        QCOMPARE(observer.counters().forgotten, 1u);
        const auto lineOf = [&](const QByteArray &kind, std::uint32_t pid) {
            const QList<QByteArray> lines = readAll(exportFile).split('\n');
            for (qsizetype i = 0; i < lines.size(); ++i) {
                const QList<QByteArray> columns = lines[i].split('\t');
                if (columns.size() > 2 && columns[1] == kind && columns[2] == QByteArray::number(pid))
                    return i;
            }
            return qsizetype{-1};
        };
        QTRY_VERIFY_WITH_TIMEOUT(lineOf("eviction", gone) >= 0, kCeilingMs);
        QVERIFY(lineOf("stall", gone) >= 0);
        QVERIFY(lineOf("stall", gone) < lineOf("eviction", gone));

        // Nothing is to happen to the hung agent: only waiting past its forget time shows it.
        QTest::qWait(1500);
        QCOMPARE(observer.state(hung), std::optional(AgentState::Stalled));
        QVERIFY(!observer.removed.contains(AgentKey::local(hung)));
        QVERIFY(!observer.event(EventKind::Forgotten, hung));
        QCOMPARE(observer.counters().forgotten, 1u);
        QCOMPARE(lineOf("eviction", hung), qsizetype{-1});
    }
};

QTEST_GUILESS_MAIN(TestEngineLocalAgents)
#include "tst_engine_local_agents.moc"
