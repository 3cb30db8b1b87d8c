// What the kernel says about a local agent's process: the /proc parsers against the
// shapes the kernel writes and the bytes a process may put in its own name, the reader
// against this very process, a zombie, and a prepared proc root.
#include "core/identity/process_identity.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include <pwd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace varta;

namespace {

std::string_view view(const QByteArray &bytes) { return {bytes.constData(), static_cast<std::size_t>(bytes.size())}; }

// A stat line as the kernel writes it, with the comm and field 22 given.
QByteArray statLine(const QByteArray &comm, const QByteArray &startTime, char state = 'S') {
    return "4242 (" + comm + ") " + state + " 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 " + startTime
           + " 12345678 321 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
}

// '|' stands for NUL, which a string literal in a table can not hold readably.
QByteArray nuls(QByteArray text) { return text.replace('|', '\0'); }

const QByteArray kHex = QByteArrayLiteral("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

QString expectedUser(uid_t uid) {
    const passwd *entry = ::getpwuid(uid);
    return entry ? QString::fromUtf8(entry->pw_name) : QString();
}

bool writeFile(const QString &path, const QByteArray &contents) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(contents) == contents.size();
}

// A child that waits to be killed, and dies with this test if it dies first.
pid_t forkSleeper() {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::alarm(60);
        for (;;)
            ::pause();
    }
    return pid;
}

}  // namespace

class TestProcessIdentity : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void statStartTime_data() {
        QTest::addColumn<QByteArray>("stat");
        QTest::addColumn<QByteArray>("startTime");  // empty: none
        QTest::newRow("plain comm") << statLine("bash", "123456") << QByteArray("123456");
        QTest::newRow("comm with spaces") << statLine("my worker", "77") << QByteArray("77");
        QTest::newRow("comm with ')' and fields") << statLine("a) S 1 2 3 4 5 6 7 8 9", "88") << QByteArray("88");
        QTest::newRow("comm of parentheses") << statLine(")) ((", "89") << QByteArray("89");
        QTest::newRow("comm with newline") << statLine("x\ny\n", "90") << QByteArray("90");
        QTest::newRow("comm not UTF-8") << statLine("\xff\xfe\x80", "91") << QByteArray("91");
        QTest::newRow("empty comm") << statLine("", "92") << QByteArray("92");
        QTest::newRow("zero") << statLine("a", "0") << QByteArray("0");
        QTest::newRow("largest uint64") << statLine("a", "18446744073709551615") << QByteArray("18446744073709551615");
        QTest::newRow("uint64 overflow") << statLine("a", "18446744073709551616") << QByteArray();
        QTest::newRow("huge number") << statLine("a", "99999999999999999999999999") << QByteArray();
        QTest::newRow("letters in number") << statLine("a", "12a45") << QByteArray();
        QTest::newRow("negative") << statLine("a", "-5") << QByteArray();
        QTest::newRow("plus sign") << statLine("a", "+5") << QByteArray();
        QTest::newRow("field 22 last, newline")
            << QByteArray("1 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55\n") << QByteArray("55");
        const QByteArray whole = statLine("a", "123456");
        QTest::newRow("cut within field 22") << whole.left(whole.indexOf(" 123456 ") + 4) << QByteArray();
        QTest::newRow("cut after field 22") << whole.left(whole.indexOf(" 123456 ") + 7) << QByteArray();
        QTest::newRow("cut at field 10") << statLine("a", "1").left(30) << QByteArray();
        QTest::newRow("cut after comm") << QByteArray("1 (a) ") << QByteArray();
        QTest::newRow("cut in comm") << QByteArray("1 (abc") << QByteArray();
        QTest::newRow("no parenthesis") << QByteArray("1 a S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0\n")
                                        << QByteArray();
        QTest::newRow("no pid") << QByteArray("(a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0\n") << QByteArray();
        QTest::newRow("pid not digits") << QByteArray("x1 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0\n")
                                        << QByteArray();
        QTest::newRow("two spaces") << QByteArray("1 (a) S 1  1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0\n")
                                    << QByteArray();
        QTest::newRow("newline before field 22")
            << QByteArray("1 (a) S 1 1 1 0 -1 0 0\n0 0 0 0 0 0 0 20 0 1 0 55 0\n") << QByteArray();
        QTest::newRow("state of two letters")
            << QByteArray("1 (a) SQ 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0\n") << QByteArray();
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("only ')'") << QByteArray(")") << QByteArray();
    }
    void statStartTime() {
        QFETCH(QByteArray, stat);
        QFETCH(QByteArray, startTime);
        const std::optional<std::uint64_t> parsed = proc::parseStatStartTime(view(stat));
        QCOMPARE(parsed ? QByteArray::number(static_cast<quint64>(*parsed)) : QByteArray(), startTime);
    }

    void statState_data() {
        QTest::addColumn<QByteArray>("stat");
        QTest::addColumn<QString>("state");  // empty: none
        QTest::newRow("sleeping") << statLine("bash", "1") << QStringLiteral("S");
        QTest::newRow("zombie") << statLine("bash", "1", 'Z') << QStringLiteral("Z");
        QTest::newRow("dead") << statLine("bash", "1", 'X') << QStringLiteral("X");
        QTest::newRow("comm ends like a zombie") << statLine("a) Z", "1", 'R') << QStringLiteral("R");
        QTest::newRow("no state") << QByteArray("1 (a) ") << QString();
        QTest::newRow("state not a letter") << statLine("a", "1", '7') << QString();
        QTest::newRow("state then nothing") << QByteArray("1 (a) S") << QString();
        QTest::newRow("state of two letters") << QByteArray("1 (a) SQ 1 2\n") << QString();
    }
    void statState() {
        QFETCH(QByteArray, stat);
        QFETCH(QString, state);
        const std::optional<char> parsed = proc::parseStatState(view(stat));
        QCOMPARE(parsed ? QString(QLatin1Char(*parsed)) : QString(), state);
    }

    void comm_data() {
        QTest::addColumn<QByteArray>("comm");
        QTest::addColumn<QString>("expected");
        QTest::newRow("with newline") << QByteArray("bash\n") << QStringLiteral("bash");
        QTest::newRow("without newline") << QByteArray("bash") << QStringLiteral("bash");
        QTest::newRow("only one newline stripped") << QByteArray("a\n\n") << QStringLiteral("a\n");
        QTest::newRow("not UTF-8") << QByteArray("a\xff\n") << QStringLiteral("a\uFFFD");
        QTest::newRow("UTF-8") << QByteArray("caf\xc3\xa9\n") << QStringLiteral("caf\u00e9");
        QTest::newRow("capped") << QByteArray(70, 'x') << QString(64, QLatin1Char('x'));
        QTest::newRow("capped at a character") << QByteArray(63, 'x') + "\xc3\xa9" << QString(63, QLatin1Char('x'));
        QTest::newRow("empty") << QByteArray() << QString();
    }
    void comm() {
        QFETCH(QByteArray, comm);
        QFETCH(QString, expected);
        QCOMPARE(proc::parseComm(view(comm)), expected);
    }

    void cmdline_data() {
        QTest::addColumn<QByteArray>("cmdline");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<bool>("truncated");
        QTest::newRow("arguments") << nuls("/usr/bin/api|--port|8080|") << QStringLiteral("/usr/bin/api --port 8080")
                                   << false;
        QTest::newRow("no trailing NUL") << nuls("sleep|30") << QStringLiteral("sleep 30") << false;
        QTest::newRow("empty argument") << nuls("a||b|") << QStringLiteral("a  b") << false;
        QTest::newRow("retitled") << nuls("nginx: worker process|||||") << QStringLiteral("nginx: worker process")
                                  << false;
        QTest::newRow("only NULs") << nuls("|||") << QString() << false;
        QTest::newRow("kernel thread") << QByteArray() << QString() << false;
        QTest::newRow("not UTF-8") << nuls("\xff|x|") << QStringLiteral("\uFFFD x") << false;
        QTest::newRow("too long") << QByteArray(5000, 'a') << QString(4096, QLatin1Char('a')) << true;
        QTest::newRow("just fits") << QByteArray(4096, 'a') + '\0' << QString(4096, QLatin1Char('a')) << false;
        QTest::newRow("cut before a character")
            << QByteArray(4095, 'a') + "\xc3\xa9" << QString(4095, QLatin1Char('a')) << true;
        QTest::newRow("cut in arguments")
            << nuls(QByteArray(4094, 'a') + "|bcd|") << QString(4094, QLatin1Char('a')) + QStringLiteral(" b") << true;
    }
    void cmdline() {
        QFETCH(QByteArray, cmdline);
        QFETCH(QString, expected);
        QFETCH(bool, truncated);
        bool cut = !truncated;
        QCOMPARE(proc::parseCmdline(view(cmdline), &cut), expected);
        QCOMPARE(cut, truncated);
        QCOMPARE(proc::parseCmdline(view(cmdline), nullptr), expected);
    }

    void statusUid_data() {
        QTest::addColumn<QByteArray>("status");
        QTest::addColumn<QByteArray>("uid");  // empty: none
        QTest::newRow("status file") << QByteArray("Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t7\n"
                                                   "Uid:\t1000\t1001\t1002\t1003\nGid:\t100\t100\t100\t100\n")
                                     << QByteArray("1000");
        QTest::newRow("spaces") << QByteArray("Uid: 0 0 0 0\n") << QByteArray("0");
        QTest::newRow("one number") << QByteArray("Uid:\t1000\n") << QByteArray("1000");
        QTest::newRow("largest") << QByteArray("Uid:\t4294967295\t0\t0\t0\n") << QByteArray("4294967295");
        QTest::newRow("first line wins") << QByteArray("Uid:\t5\t5\t5\t5\nUid:\t6\t6\t6\t6\n") << QByteArray("5");
        QTest::newRow("absent") << QByteArray("Name:\tbash\nGid:\t0\t0\t0\t0\n") << QByteArray();
        QTest::newRow("not at a line's start") << QByteArray("XUid:\t5\t5\t5\t5\n") << QByteArray();
        QTest::newRow("no number") << QByteArray("Uid:\t\n") << QByteArray();
        QTest::newRow("letters") << QByteArray("Uid:\tabc\t0\t0\t0\n") << QByteArray();
        QTest::newRow("trailing letters") << QByteArray("Uid:\t12ab\t0\t0\t0\n") << QByteArray();
        QTest::newRow("negative") << QByteArray("Uid:\t-1\t0\t0\t0\n") << QByteArray();
        QTest::newRow("overflow") << QByteArray("Uid:\t4294967296\t0\t0\t0\n") << QByteArray();
        QTest::newRow("cut short") << QByteArray("Name:\tbash\nUid:\t100") << QByteArray();
        QTest::newRow("empty") << QByteArray() << QByteArray();
    }
    void statusUid() {
        QFETCH(QByteArray, status);
        QFETCH(QByteArray, uid);
        const std::optional<std::uint32_t> parsed = proc::parseStatusUid(view(status));
        QCOMPARE(parsed ? QByteArray::number(*parsed) : QByteArray(), uid);
    }

    void unitOfCgroupPath_data() {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QString>("unit");
        QTest::newRow("service") << QByteArray("/system.slice/api.service") << QStringLiteral("api.service");
        QTest::newRow("Delegate= sub-cgroup")
            << QByteArray("/system.slice/api.service/worker") << QStringLiteral("api.service");
        QTest::newRow("user service") << QByteArray(
            "/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service")
                                      << QStringLiteral("foo.service");
        QTest::newRow("session") << QByteArray("/user.slice/user-1000.slice/session-4.scope")
                                 << QStringLiteral("session-4.scope");
        QTest::newRow("init.scope") << QByteArray("/init.scope") << QStringLiteral("init.scope");
        QTest::newRow("root") << QByteArray("/") << QString();
        QTest::newRow("only slices") << QByteArray("/system.slice/foo.slice") << QString();
        QTest::newRow("suffix alone") << QByteArray("/system.slice/.service") << QString();
        QTest::newRow("empty") << QByteArray() << QString();
    }
    void unitOfCgroupPath() {
        QFETCH(QByteArray, path);
        QFETCH(QString, unit);
        QCOMPARE(proc::unitOfCgroupPath(view(path)), unit);
    }

    void containerOfCgroupPath_data() {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QString>("container");
        const QString id = QString::fromLatin1(kHex.left(12));
        QTest::newRow("docker, systemd driver")
            << "/system.slice/docker-" + kHex + ".scope" << QStringLiteral("docker:") + id;
        QTest::newRow("docker, cgroupfs driver") << "/docker/" + kHex << QStringLiteral("docker:") + id;
        QTest::newRow("podman") << "/machine.slice/libpod-" + kHex + ".scope/container"
                                << QStringLiteral("podman:") + id;
        QTest::newRow("podman, cgroupfs driver") << "/libpod_parent/libpod-" + kHex << QStringLiteral("podman:") + id;
        QTest::newRow("podman's conmon") << "/machine.slice/libpod-conmon-" + kHex + ".scope" << QString();
        QTest::newRow("containerd")
            << "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-" + kHex
                   + ".scope"
            << QStringLiteral("containerd:") + id;
        QTest::newRow("cri-o") << "/kubepods.slice/kubepods-burstable.slice/crio-" + kHex + ".scope"
                               << QStringLiteral("crio:") + id;
        QTest::newRow("lxc payload") << QByteArray("/lxc.payload.web1/system.slice/nginx.service")
                                     << QStringLiteral("lxc:web1");
        QTest::newRow("lxc, v1") << QByteArray("/lxc/web2") << QStringLiteral("lxc:web2");
        QTest::newRow("lxc monitor") << QByteArray("/lxc.monitor.web1") << QString();
        QTest::newRow("nested: innermost")
            << "/docker/" + kHex + "/docker/" + QByteArray(64, 'f') << QStringLiteral("docker:ffffffffffff");
        QTest::newRow("short id") << QByteArray("/system.slice/docker-abc.scope") << QString();
        QTest::newRow("upper-case id") << "/system.slice/docker-" + kHex.toUpper() + ".scope" << QString();
        QTest::newRow("docker.service itself") << QByteArray("/system.slice/docker.service") << QString();
        QTest::newRow("service") << QByteArray("/system.slice/api.service") << QString();
        QTest::newRow("root") << QByteArray("/") << QString();
    }
    void containerOfCgroupPath() {
        QFETCH(QByteArray, path);
        QFETCH(QString, container);
        QCOMPARE(proc::containerOfCgroupPath(view(path)), container);
    }

    void cgroup_data() {
        QTest::addColumn<QByteArray>("cgroup");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("unit");
        QTest::addColumn<QString>("container");
        const QString id = QString::fromLatin1(kHex.left(12));
        QTest::newRow("v2") << QByteArray("0::/system.slice/api.service\n")
                            << QStringLiteral("/system.slice/api.service") << QStringLiteral("api.service")
                            << QString();
        QTest::newRow("v2, no newline") << QByteArray("0::/init.scope") << QStringLiteral("/init.scope")
                                        << QStringLiteral("init.scope") << QString();
        QTest::newRow("v2 root") << QByteArray("0::/\n") << QStringLiteral("/") << QString() << QString();
        QTest::newRow("hybrid: name=systemd first")
            << QByteArray("12:cpu,cpuacct:/other.slice/x.service\n1:name=systemd:/system.slice/api.service\n"
                          "0::/system.slice/unified.service\n")
            << QStringLiteral("/system.slice/api.service") << QStringLiteral("api.service") << QString();
        QTest::newRow("hybrid: name=systemd at root")
            << QByteArray("1:name=systemd:/\n0::/system.slice/api.service\n")
            << QStringLiteral("/system.slice/api.service") << QStringLiteral("api.service") << QString();
        QTest::newRow("v1 without systemd: the first line")
            << QByteArray("3:memory:/foo.service\n2:cpu:/bar.service\n") << QStringLiteral("/foo.service")
            << QStringLiteral("foo.service") << QString();
        QTest::newRow("v1 docker") << "12:memory:/docker/" + kHex + "\n1:name=systemd:/docker/" + kHex + "\n"
                                   << QStringLiteral("/docker/") + QString::fromLatin1(kHex) << QString()
                                   << QStringLiteral("docker:") + id;
        QTest::newRow("docker scope") << "0::/system.slice/docker-" + kHex + ".scope\n"
                                      << QStringLiteral("/system.slice/docker-%1.scope").arg(QString::fromLatin1(kHex))
                                      << QStringLiteral("docker-%1.scope").arg(QString::fromLatin1(kHex))
                                      << QStringLiteral("docker:") + id;
        QTest::newRow("garbage lines") << QByteArray(
            "garbage\n\n:::\nx:y:/nope.service\n5:cpu:relative.service\n0::/system.slice/api.service\n")
                                       << QStringLiteral("/system.slice/api.service") << QStringLiteral("api.service")
                                       << QString();
        QTest::newRow("colon in path") << QByteArray("0::/system.slice/a:b.service\n")
                                       << QStringLiteral("/system.slice/a:b.service") << QStringLiteral("a:b.service")
                                       << QString();
        QTest::newRow("only garbage") << QByteArray("no colons\n1:only one\n") << QString() << QString() << QString();
        QTest::newRow("empty") << QByteArray() << QString() << QString() << QString();
    }
    void cgroup() {
        QFETCH(QByteArray, cgroup);
        QFETCH(QString, path);
        QFETCH(QString, unit);
        QFETCH(QString, container);
        const proc::CgroupFacts facts = proc::parseCgroup(view(cgroup));
        QCOMPARE(facts.path, path);
        QCOMPARE(facts.unit, unit);
        QCOMPARE(facts.container, container);
    }

    void name_data() {
        QTest::addColumn<QString>("unit");
        QTest::addColumn<QString>("container");
        QTest::addColumn<QString>("expected");
        const QString hex = QString::fromLatin1(kHex);
        const QString id = hex.left(12);
        QTest::newRow("unit") << QStringLiteral("api.service") << QString() << QStringLiteral("api.service");
        QTest::newRow("docker's own scope") << QStringLiteral("docker-%1.scope").arg(hex)
                                            << QStringLiteral("docker:") + id << QStringLiteral("docker:") + id;
        QTest::newRow("podman's own scope") << QStringLiteral("libpod-%1.scope").arg(hex)
                                            << QStringLiteral("podman:") + id << QStringLiteral("podman:") + id;
        QTest::newRow("containerd's own scope")
            << QStringLiteral("cri-containerd-%1.scope").arg(hex) << QStringLiteral("containerd:") + id
            << QStringLiteral("containerd:") + id;
        QTest::newRow("service in a container")
            << QStringLiteral("nginx.service") << QStringLiteral("lxc:web1") << QStringLiteral("nginx.service");
        QTest::newRow("container only") << QString() << QStringLiteral("docker:") + id
                                        << QStringLiteral("docker:") + id;
        QTest::newRow("comm") << QString() << QString() << QStringLiteral("bash");
    }
    void name() {
        QFETCH(QString, unit);
        QFETCH(QString, container);
        QFETCH(QString, expected);
        ProcessIdentity identity;
        identity.comm = QStringLiteral("bash");
        identity.unit = unit;
        identity.container = container;
        QCOMPARE(identity.name(), expected);
    }

    void readsThisProcess() {
        const ProcReader reader;
        const auto self = static_cast<std::uint32_t>(::getpid());
        const std::optional<ProcessIdentity> identity = reader.read(self);
        QVERIFY(identity);

        QFile statFile(QStringLiteral("/proc/self/stat"));
        QVERIFY(statFile.open(QIODevice::ReadOnly));
        const QByteArray stat = statFile.readAll();
        const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
        QVERIFY(fields.size() > 19);
        QCOMPARE(identity->startTime, fields.at(19).toULongLong());
        QCOMPARE(reader.startTime(self), std::optional<std::uint64_t>(identity->startTime));

        QCOMPARE(identity->comm, QStringLiteral("tst_process_ide"));
        QVERIFY2(identity->cmdline.contains(QStringLiteral("tst_process_identity")), qPrintable(identity->cmdline));
        QVERIFY(!identity->cmdlineTruncated);
        QCOMPARE(identity->uid, std::optional<std::uint32_t>(::getuid()));
        QCOMPARE(identity->user, expectedUser(::getuid()));
        QVERIFY(identity->cgroup.startsWith(QLatin1Char('/')));
    }

    void aZombieIsGone() {
        const ProcReader reader;
        const pid_t child = forkSleeper();
        QVERIFY(child > 0);
        const auto pid = static_cast<std::uint32_t>(child);
        QVERIFY(reader.read(pid));
        QVERIFY(reader.startTime(pid));

        QCOMPARE(::kill(child, SIGKILL), 0);
        siginfo_t info{};
        // WNOWAIT: wait for the exit but leave the zombie in place.
        QCOMPARE(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT), 0);
        QVERIFY(QDir(QStringLiteral("/proc/%1").arg(child)).exists());
        QVERIFY(!reader.read(pid));
        QVERIFY(!reader.startTime(pid));

        QCOMPARE(::waitpid(child, nullptr, 0), child);
        QVERIFY(!reader.read(pid));
        QVERIFY(!reader.startTime(pid));
    }

    void readsAPreparedRoot() {
        QTemporaryDir root;
        QVERIFY(root.isValid());
        const auto prepare = [&root](int pid, const QList<std::pair<QString, QByteArray>> &files) {
            if (!QDir(root.path()).mkdir(QString::number(pid)))
                return false;
            for (const auto &[name, contents] : files) {
                if (!writeFile(root.filePath(QStringLiteral("%1/%2").arg(pid).arg(name)), contents))
                    return false;
            }
            return true;
        };
        QVERIFY(prepare(4242, {{QStringLiteral("stat"), statLine("api", "987654321")},
                               {QStringLiteral("comm"), "api\n"},
                               {QStringLiteral("cmdline"), nuls("/usr/bin/api|--port|8080|")},
                               {QStringLiteral("status"), "Name:\tapi\nUid:\t0\t0\t0\t0\n"},
                               {QStringLiteral("cgroup"), "0::/system.slice/api.service\n"}}));
        QVERIFY(prepare(4243, {{QStringLiteral("stat"), statLine("bare", "5")}}));
        QVERIFY(prepare(4244, {{QStringLiteral("stat"), statLine("zombie", "6", 'Z')}}));
        QVERIFY(prepare(4245, {{QStringLiteral("stat"), "not a stat line\n"}}));
        QVERIFY(prepare(4246, {{QStringLiteral("stat"), statLine("long", "7")},
                               {QStringLiteral("cmdline"), QByteArray(100 * 1024, 'a')}}));

        const ProcReader reader(root.path());
        QCOMPARE(reader.root(), root.path());
        const std::optional<ProcessIdentity> api = reader.read(4242);
        QVERIFY(api);
        QCOMPARE(api->startTime, std::uint64_t{987654321});
        QCOMPARE(api->comm, QStringLiteral("api"));
        QCOMPARE(api->cmdline, QStringLiteral("/usr/bin/api --port 8080"));
        QVERIFY(!api->cmdlineTruncated);
        QCOMPARE(api->uid, std::optional<std::uint32_t>(0));
        QCOMPARE(api->user, expectedUser(0));
        QCOMPARE(api->cgroup, QStringLiteral("/system.slice/api.service"));
        QCOMPARE(api->unit, QStringLiteral("api.service"));
        QCOMPARE(api->container, QString());
        QCOMPARE(api->name(), QStringLiteral("api.service"));
        QCOMPARE(reader.startTime(4242), std::optional<std::uint64_t>(987654321));

        const std::optional<ProcessIdentity> bare = reader.read(4243);
        QVERIFY(bare);
        QCOMPARE(bare->startTime, std::uint64_t{5});
        QVERIFY(bare->comm.isEmpty() && bare->cmdline.isEmpty() && !bare->uid && bare->user.isEmpty());
        QVERIFY(bare->cgroup.isEmpty() && bare->unit.isEmpty() && bare->container.isEmpty());

        QVERIFY(!reader.read(4244));
        QVERIFY(!reader.startTime(4244));
        QVERIFY(!reader.read(4245));
        QVERIFY(!reader.startTime(4245));
        QVERIFY(!reader.read(9999));
        QVERIFY(!reader.startTime(9999));

        const std::optional<ProcessIdentity> longCmdline = reader.read(4246);
        QVERIFY(longCmdline);
        QVERIFY(longCmdline->cmdlineTruncated);
        QCOMPARE(longCmdline->cmdline.size(), qsizetype(proc::kMaxCmdlineBytes));
    }

    // Random bytes, and a real stat line mutated, never crash a parser; a start time that
    // is reported stands in the input and reads back from a stat line of its own.
    void randomBytesNeverCrashAParser() {
        QRandomGenerator rng(20240917);
        const QByteArray alphabet = QByteArrayLiteral("0123456789 ()):/\n\t\0Z-.abcdefsUid\xff\xc3\xa9|");
        const QByteArray valid = statLine("a) b", "4242424242");
        int reported = 0;
        for (int round = 0; round < 20000; ++round) {
            QByteArray input;
            if (round % 2 == 0) {
                const int size = static_cast<int>(rng.bounded(0, 400));
                input.reserve(size);
                for (int i = 0; i < size; ++i) {
                    input += rng.bounded(4) == 0 ? static_cast<char>(rng.bounded(256))
                                                 : alphabet.at(rng.bounded(static_cast<int>(alphabet.size())));
                }
            } else {
                input = valid;
                for (int edits = static_cast<int>(rng.bounded(1, 4)); edits > 0; --edits) {
                    const auto at = static_cast<qsizetype>(rng.bounded(static_cast<int>(input.size()) + 1));
                    const char byte = alphabet.at(rng.bounded(static_cast<int>(alphabet.size())));
                    switch (rng.bounded(3)) {
                    case 0: input.insert(at, byte); break;
                    case 1: input.remove(at, 1); break;
                    default: input = input.left(at); break;
                    }
                }
            }
            const std::string_view bytes = view(input);
            bool truncated = false;
            (void)proc::parseStatState(bytes);
            (void)proc::parseComm(bytes);
            (void)proc::parseCmdline(bytes, &truncated);
            (void)proc::parseStatusUid(bytes);
            (void)proc::parseCgroup(bytes);
            (void)proc::unitOfCgroupPath(bytes);
            (void)proc::containerOfCgroupPath(bytes);
            const std::optional<std::uint64_t> startTime = proc::parseStatStartTime(bytes);
            if (!startTime)
                continue;
            ++reported;
            const QByteArray number = QByteArray::number(static_cast<quint64>(*startTime));
            QVERIFY2(input.indexOf(number, input.lastIndexOf(')')) > 0, input.toHex().constData());
            QCOMPARE(proc::parseStatStartTime(view(statLine("x", number))), startTime);
        }
        QVERIFY(reported > 100);  // the mutations do reach the number
    }
};

QTEST_GUILESS_MAIN(TestProcessIdentity)
#include "tst_process_identity.moc"
