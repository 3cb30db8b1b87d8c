// Local agents as the kernel knows them, against the real binaries: real varta-beat
// processes beat over the Unix socket; `ctl agent` and /metrics say who each one is
// (comm, command line, user, start time, cgroup as /proc has them); a SIGKILLed agent is
// exited and recovered long before its threshold; an exited agent's series leave
// /metrics after --forget-after-ms while a hung one (alive, silent) stays stalled.
#include "tests/support/ctl_process.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/secret_files.h"
#include "tests/support/watch_process.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>

#include <csignal>
#include <memory>

#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace varta;
using test::ctl;
using test::WatchProcess;

namespace {

const QByteArray kToken = test::randomToken();

// A real agent: varta-beat over the Unix socket every 100 ms, its own pid the agent's.
class Agent {
public:
    explicit Agent(const QString &socket) {
        m_process.setProgram(QStringLiteral(VARTA_BINARY_DIR "/bin/varta-beat"));
        m_process.setArguments(
            {QStringLiteral("--socket"), socket, QStringLiteral("--interval-ms"), QStringLiteral("100")});
        m_process.start();
        m_process.waitForStarted(10000);
        m_pid = static_cast<pid_t>(m_process.processId());  // QProcess forgets it once the process is reaped
    }
    ~Agent() {
        if (m_process.state() != QProcess::NotRunning)
            ::kill(m_pid, SIGCONT);
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    pid_t pid() const { return m_pid; }
    QString key() const { return QStringLiteral("uds/%1").arg(pid()); }
    void signal(int sig) const { ::kill(m_pid, sig); }

private:
    QProcess m_process;
    pid_t m_pid = 0;
};

QByteArray readFile(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Field 22 of /proc/PID/stat, read here the simple way (comm holds no spaces for varta-beat).
qint64 startTimeOf(pid_t pid) {
    const QByteArray stat = readFile(QStringLiteral("/proc/%1/stat").arg(pid));
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    return fields.size() > 19 ? fields[19].toLongLong() : -1;  // field 3 is fields[0]
}

// The systemd hierarchy's path of /proc/PID/cgroup: name=systemd unless it is "/", else "0::".
QString cgroupOf(pid_t pid) {
    QString unified, named;
    for (const QByteArray &line : readFile(QStringLiteral("/proc/%1/cgroup").arg(pid)).split('\n')) {
        if (line.startsWith("0::"))
            unified = QString::fromUtf8(line.mid(3));
        const qsizetype at = line.indexOf(":name=systemd:");
        if (at >= 0)
            named = QString::fromUtf8(line.mid(at + 14));
    }
    return !named.isEmpty() && named != QLatin1String("/") ? named : unified;
}

QJsonObject agentJson(const QString &control, const QString &key) {
    return ctl(control, {QStringLiteral("--json"), QStringLiteral("agent"), key})
        .json()
        .value(QLatin1String("agent"))
        .toObject();
}

QString stateOf(const QString &control, const QString &key) {
    return agentJson(control, key).value(QLatin1String("state")).toString();
}

QByteArray series(const char *name, pid_t pid) {
    return QByteArray(name) + "{pid=\"" + QByteArray::number(pid) + "\",origin=\"uds\"}";
}

struct Observer {
    QTemporaryDir dir;
    WatchProcess watch;
    QString socket = dir.filePath(QStringLiteral("beat.sock"));
    QString control = dir.filePath(QStringLiteral("ctl.sock"));
    QString events = dir.filePath(QStringLiteral("events.tsv"));
    QString metrics;

    bool start(const QStringList &extra) {
        const QStringList args =
            QStringList{QStringLiteral("--socket"),      socket, QStringLiteral("--control-socket"), control,
                        QStringLiteral("--export-file"), events}
            + test::metricsFlags(dir.path(), kToken) + extra;
        if (!watch.start(args, 3))
            return false;
        metrics = watch.stdoutLines.value(0);
        return true;
    }
    QByteArray scrape() const { return test::scrapeMetrics(metrics, kToken); }
};

}  // namespace

class TestIdentityE2E : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aLocalAgentIsKnownByItsProcess() {
        Observer o;
        QVERIFY(o.start({}));
        Agent agent(o.socket);
        QTRY_VERIFY_WITH_TIMEOUT(agentJson(o.control, agent.key()).contains(QLatin1String("identity")), 15000);
        const QJsonObject identity = agentJson(o.control, agent.key()).value(QLatin1String("identity")).toObject();
        QCOMPARE(identity.value(QLatin1String("comm")).toString(), QStringLiteral("varta-beat"));
        QVERIFY2(identity.value(QLatin1String("cmdline"))
                     .toString()
                     .endsWith(QStringLiteral("/bin/varta-beat --socket %1 --interval-ms 100").arg(o.socket)),
                 qPrintable(identity.value(QLatin1String("cmdline")).toString()));
        QCOMPARE(identity.value(QLatin1String("uid")).toInteger(), qint64(::getuid()));
        QCOMPARE(identity.value(QLatin1String("user")).toString(),
                 QString::fromLocal8Bit(::getpwuid(::getuid())->pw_name));
        QCOMPARE(identity.value(QLatin1String("start_time")).toInteger(), startTimeOf(agent.pid()));
        QCOMPARE(identity.value(QLatin1String("cgroup")).toString(), cgroupOf(agent.pid()));

        // The text form names it too.
        const test::Ctl text = ctl(o.control, {QStringLiteral("agent"), agent.key()});
        QVERIFY2(text.out.contains("comm:         varta-beat\n"), text.out.constData());
        QVERIFY2(text.out.contains("user:         " + QByteArray(::getpwuid(::getuid())->pw_name) + '\n'),
                 text.out.constData());

        // One info series per local agent, its facts as labels.
        const QByteArray info = "varta_agent_info{pid=\"" + QByteArray::number(agent.pid())
                                + "\",origin=\"uds\",unit=\"\",comm=\"varta-beat\"}";
        QTRY_COMPARE_WITH_TIMEOUT(test::metricValue(o.scrape(), info), qint64(1), 10000);
        QCOMPARE(test::metricValue(o.scrape(), "varta_exit_watch_processes"), qint64(1));
        QVERIFY(test::metricValue(o.scrape(), "varta_exit_watch_capacity") > 0);
    }

    void aKilledAgentIsExitedAndRecoveredBeforeItsThreshold() {
        Observer o;
        const QString marker = o.dir.filePath(QStringLiteral("recovered"));
        const QString script = o.dir.filePath(QStringLiteral("recover.sh"));
        QFile file(script);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("#!/bin/sh\necho \"$1 $2\" >> " + marker.toUtf8() + "\n");
        file.close();
        file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QVERIFY(o.start({QStringLiteral("--threshold-ms"), QStringLiteral("10000"), QStringLiteral("--recovery-exec"),
                         script + QStringLiteral(" {pid} {comm}")}));
        Agent agent(o.socket);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(o.control, agent.key()), QStringLiteral("up"), 15000);

        QElapsedTimer sinceKill;
        sinceKill.start();
        agent.signal(SIGKILL);
        QTRY_VERIFY2_WITH_TIMEOUT(
            readFile(marker).contains(QByteArray::number(agent.pid()) + " varta-beat\n"),
            ctl(o.control, {QStringLiteral("agent"), agent.key()}).out + o.watch.process.readAllStandardError(), 8000);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(o.control, agent.key()), QStringLiteral("exited"), 8000);
        QVERIFY2(sinceKill.elapsed() < 10000, "exited and recovered only at the threshold");

        // The event file's upstream stall line, written at the exit; /metrics says why.
        QTRY_COMPARE_WITH_TIMEOUT(test::ofKind(test::readEventFile(o.events), QStringLiteral("stall")).size(), 1, 5000);
        QCOMPARE(test::ofKind(test::readEventFile(o.events), QStringLiteral("stall")).first().pid,
                 QString::number(agent.pid()));
        QTRY_COMPARE_WITH_TIMEOUT(test::metricValue(o.scrape(), series("varta_status", agent.pid())), qint64(3), 5000);
        QCOMPARE(test::metricValue(o.scrape(), series("varta_agent_exited", agent.pid())), qint64(1));
        QCOMPARE(test::metricValue(o.scrape(), "varta_agent_exits_total"), qint64(1));
        const QJsonObject events = ctl(o.control, {QStringLiteral("--json"), QStringLiteral("events")}).json();
        QVERIFY2(QJsonDocument(events).toJson().contains("\"kind\": \"exited\""), QJsonDocument(events).toJson());
    }

    void anExitedAgentIsForgottenAndAHungOneStaysStalled() {
        Observer o;
        QVERIFY(o.start({QStringLiteral("--threshold-ms"), QStringLiteral("500"), QStringLiteral("--forget-after-ms"),
                         QStringLiteral("2000")}));
        Agent gone(o.socket);
        Agent hung(o.socket);
        QTRY_COMPARE_WITH_TIMEOUT(test::metricValue(o.scrape(), series("varta_status", gone.pid())), qint64(0), 15000);
        QTRY_COMPARE_WITH_TIMEOUT(test::metricValue(o.scrape(), series("varta_status", hung.pid())), qint64(0), 15000);

        gone.signal(SIGKILL);
        hung.signal(SIGSTOP);  // alive, silent
        QTRY_COMPARE_WITH_TIMEOUT(test::metricValue(o.scrape(), series("varta_status", gone.pid())), qint64(3), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(test::metricValue(o.scrape(), series("varta_status", hung.pid())), qint64(3), 5000);
        QCOMPARE(stateOf(o.control, gone.key()), QStringLiteral("exited"));
        QCOMPARE(stateOf(o.control, hung.key()), QStringLiteral("stalled"));

        // --forget-after-ms later the exited one's series are gone, with upstream's eviction line.
        QTRY_COMPARE_WITH_TIMEOUT(test::metricValue(o.scrape(), series("varta_status", gone.pid())), qint64(-1), 10000);
        QCOMPARE(test::metricValue(o.scrape(), series("varta_beats_total", gone.pid())), qint64(-1));
        const QList<test::EventLine> evictions =
            test::ofKind(test::readEventFile(o.events), QStringLiteral("eviction"));
        QCOMPARE(evictions.size(), 1);
        QCOMPARE(evictions.first().pid, QString::number(gone.pid()));
        QCOMPARE(test::metricValue(o.scrape(), "varta_agents_forgotten_total"), qint64(1));
        QCOMPARE(ctl(o.control, {QStringLiteral("agent"), gone.key()}).exitCode, 1);

        // The hung one is still there, stalled, well past the same time.
        QElapsedTimer wait;
        wait.start();
        QTRY_VERIFY_WITH_TIMEOUT(wait.elapsed() > 3000, 10000);
        QCOMPARE(test::metricValue(o.scrape(), series("varta_status", hung.pid())), qint64(3));
        QCOMPARE(stateOf(o.control, hung.key()), QStringLiteral("stalled"));
        hung.signal(SIGCONT);
        QTRY_COMPARE_WITH_TIMEOUT(test::metricValue(o.scrape(), series("varta_status", hung.pid())), qint64(0), 10000);
    }
};

QTEST_GUILESS_MAIN(TestIdentityE2E)
#include "tst_identity_e2e.moc"
