// /metrics of the real varta-watch binary against peers that do not play fair, spoken to
// with raw sockets: a head or a body of hundreds of MiB, slowloris trickles, a thousand
// idle connections, an observer out of descriptors. What must hold each time: the
// observer's memory does not follow the peer's bytes, no connection is held past its
// deadline, the metrics thread does not spin, recovery commands still start, and
// Prometheus is answered again once the peers are gone.
#include "tests/support/metrics_scrape.h"
#include "tests/support/proc_status.h"
#include "tests/support/recovery_script.h"
#include "tests/support/sanitizers.h"
#include "tests/support/watch_process.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <functional>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace varta;
using namespace varta::test;

namespace {

constexpr int kCeilingMs = 10000;
constexpr qint64 kMiB = 1024 * 1024;
// What the observer's peak memory may grow by while a peer sends hundreds of MiB: the
// kernel's socket buffers are not ours, the request is cut at 8 KiB, and a scrape's body
// is rendered once. Generous for allocator slack; a read body would be 256 MiB.
constexpr qint64 kMemoryToleranceKiB = 16 * 1024;
// /metrics' request deadline (MetricsEndpoint::kRequestDeadlineMs) and slack for a
// loaded machine: a trickling peer is closed within this of connecting.
constexpr int kHeldAtMostMs = 1000 + 2000;

QString procFile(qint64 pid, const char *name) { return QStringLiteral("/proc/%1/%2").arg(pid).arg(name); }

// User plus system CPU time the process has used, in seconds.
int openDescriptors(qint64 pid) { return static_cast<int>(QDir(procFile(pid, "fd")).entryList(QDir::Files).size()); }

// The soft "Max open files" of /proc/PID/limits.
qint64 softOpenFileLimit(qint64 pid) {
    QFile file(procFile(pid, "limits"));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : file.readAll().split('\n'))
        if (line.startsWith("Max open files"))
            return line.mid(14).simplified().split(' ').value(0).toLongLong();
    return -1;
}

bool setOpenFileLimit(qint64 pid, rlim_t soft, rlim_t hard) {
    const rlimit limit{soft, hard};
    return ::prlimit(static_cast<pid_t>(pid), RLIMIT_NOFILE, &limit, nullptr) == 0;
}

// In a child between fork and exec: closes every descriptor above 2 that exec would
// keep (QProcess's own are close-on-exec and stay).
void closeInheritedDescriptors() {
    for (int fd = 3; fd < 1024; ++fd) {
        const int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0 && (flags & FD_CLOEXEC) == 0)
            ::close(fd);
    }
}

// 127.0.N.M for the n-th of many sources, so the per-source bound is not what refuses them.
QByteArray sourceAddress(int n) {
    return "127.0." + QByteArray::number(2 + n / 200) + '.' + QByteArray::number(1 + n % 200);
}

// A blocking TCP connection to 127.0.0.1:PORT from `from`, with 3 s send and receive
// timeouts; -1 on failure.
int connectFrom(quint16 port, const QByteArray &from = "127.0.0.1") {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    const timeval timeout{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, from.constData(), &local.sin_addr);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&local), sizeof local) != 0
        || ::connect(fd, reinterpret_cast<sockaddr *>(&remote), sizeof remote) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Sends `head`, then `fill` bytes of padding up to `total` bytes in all, until the peer
// stops taking them (reset, closed, or 3 s without room); the bytes sent.
qint64 push(int fd, const QByteArray &head, qint64 total, const QByteArray &fill) {
    qint64 sent = 0;
    QByteArray chunk = head;
    while (sent < total) {
        if (chunk.isEmpty())
            chunk = fill;
        const ssize_t n = ::send(fd, chunk.constData(), static_cast<size_t>(chunk.size()), MSG_NOSIGNAL);
        if (n <= 0)
            break;
        sent += n;
        chunk.remove(0, n);
    }
    return sent;
}

// What arrives until the peer closes (or resets, or 3 s pass in silence).
QByteArray readToClose(int fd) {
    QByteArray all;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            return all;
        all.append(buffer, n);
    }
}

// True once the peer has closed `fd` (EOF or reset); reads and drops an answer on the way.
bool closedByPeer(int fd) {
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n == 0)
            return true;
        if (n < 0)
            return errno != EAGAIN && errno != EWOULDBLOCK;
    }
}

class Descriptors {
public:
    ~Descriptors() { clear(); }
    void add(int fd) { m_fds.push_back(fd); }
    void clear() {
        for (int fd : m_fds)
            if (fd >= 0)
                ::close(fd);
        m_fds.clear();
    }
    std::vector<int> &all() { return m_fds; }

private:
    std::vector<int> m_fds;
};

}  // namespace

class TestMetricsHostileE2e : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void bytesBeyondTheHeadAreNeverKept_data();
    void bytesBeyondTheHeadAreNeverKept();
    void tricklingPeersAreClosedAtTheDeadline();
    void athousandIdlePeersStarveNothing();
    void outOfDescriptorsPausesAcceptingAndResumes();
    void theDescriptorReserveKeepsRecoveryStarting();

private:
    bool startObserver(const std::function<void()> &childSetup = {});
    qint64 pid() const { return m_watch->process.processId(); }
    quint16 metricsPort() const { return m_metricsAddress.section(QLatin1Char(':'), -1).toUShort(); }
    QByteArray scrape() const { return scrapeMetrics(m_metricsAddress, m_token); }
    // Beats once for `agentPid` and waits for its recovery command to have run.
    bool recoveryRuns(std::uint32_t agentPid);

    QTemporaryDir m_dir;
    QByteArray m_token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    std::unique_ptr<WatchProcess> m_watch;
    QString m_metricsAddress;
};

void TestMetricsHostileE2e::initTestCase() {
    QVERIFY(m_dir.isValid());
    // A thousand connections of our own, and then some.
    rlimit limit{};
    QCOMPARE(::getrlimit(RLIMIT_NOFILE, &limit), 0);
    limit.rlim_cur = limit.rlim_max;
    QCOMPARE(::setrlimit(RLIMIT_NOFILE, &limit), 0);
    QVERIFY2(limit.rlim_cur >= 4096, "the test needs 4,096 descriptors");
    QFile script(m_dir.filePath(QStringLiteral("recover.sh")));
    QVERIFY(script.open(QIODevice::WriteOnly));
    script.write("#!/bin/sh\n: > \"" + QFile::encodeName(m_dir.path()) + "/recovered-$1\"\n");
    script.close();
    script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
}

void TestMetricsHostileE2e::init() { m_watch = std::make_unique<WatchProcess>(); }

void TestMetricsHostileE2e::cleanup() {
    if (m_watch && m_watch->process.state() != QProcess::NotRunning)
        QCOMPARE(m_watch->stop(), 0);  // survived whatever the test did to it
    m_watch.reset();
}

bool TestMetricsHostileE2e::startObserver(const std::function<void()> &childSetup) {
    if (childSetup)
        m_watch->process.setChildProcessModifier(childSetup);
    const QStringList args =
        QStringList{QStringLiteral("--udp-port"),
                    QStringLiteral("0"),
                    QStringLiteral("--threshold-ms"),
                    QStringLiteral("300"),
                    QStringLiteral("--recovery-exec"),
                    m_dir.filePath(QStringLiteral("recover.sh")) + QStringLiteral(" {pid}"),
                    QStringLiteral("--plaintext-udp-i-accept-recovery-on-unauthenticated-transport"),
                    QStringLiteral("--shutdown-after-secs"),
                    QStringLiteral("120")}
        + metricsFlags(m_dir.path(), m_token);
    if (!m_watch->start(args, 2) || m_watch->stdoutLines.isEmpty())
        return false;
    m_metricsAddress = m_watch->stdoutLines.first().trimmed();  // IP:PORT alone
    return metricsPort() != 0;
}

bool TestMetricsHostileE2e::recoveryRuns(std::uint32_t agentPid) {
    const QString marker = m_dir.filePath(QStringLiteral("recovered-%1").arg(agentPid));
    QFile::remove(marker);
    m_watch->sendFrame(vlp::Frame{vlp::Status::Ok, agentPid, 1, 1, 0});
    QElapsedTimer clock;
    clock.start();
    while (!QFile::exists(marker) && clock.elapsed() < kCeilingMs)
        QTest::qWait(50);
    return QFile::exists(marker);
}

void TestMetricsHostileE2e::bytesBeyondTheHeadAreNeverKept_data() {
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<QByteArray>("fill");
    QTest::addColumn<qint64>("total");
    QTest::addColumn<QByteArray>("status");
    const QByteArray token = m_token;
    QTest::newRow("64 MiB head, no token") << QByteArray("GET /metrics HTTP/1.1\r\nX-Pad: ") << QByteArray(65536, 'a')
                                           << 64 * kMiB << QByteArray("HTTP/1.0 401");
    QTest::newRow("256 MiB body after POST")
        << QByteArray("POST /metrics HTTP/1.1\r\nContent-Length: 268435456\r\n\r\n") << QByteArray(65536, 'b')
        << 256 * kMiB << QByteArray("HTTP/1.0 405");
    QByteArray chunk = QByteArray::number(65536 - 8, 16) + "\r\n";
    chunk += QByteArray(65536 - 8 - chunk.size() - 2 + 8, 'c') + "\r\n";
    QTest::newRow("256 MiB chunked body after POST")
        << QByteArray("POST /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") << chunk << 256 * kMiB
        << QByteArray("HTTP/1.0 405");
    QTest::newRow("256 MiB body after an authorized GET")
        << QByteArray("GET /metrics HTTP/1.1\r\nAuthorization: Bearer " + token
                      + "\r\nContent-Length: 268435456\r\n\r\n")
        << QByteArray(65536, 'd') << 256 * kMiB << QByteArray("HTTP/1.0 200");
}

void TestMetricsHostileE2e::bytesBeyondTheHeadAreNeverKept() {
    QFETCH(QByteArray, head);
    QFETCH(QByteArray, fill);
    QFETCH(qint64, total);
    QFETCH(QByteArray, status);
    QVERIFY(startObserver());
    QVERIFY(!scrape().isEmpty());  // the scrape path's own buffers are in the baseline
    const qint64 peakBefore = statusKiB(pid(), "VmHWM");
    const qint64 residentBefore = statusKiB(pid(), "VmRSS");

    const int fd = connectFrom(metricsPort());
    QVERIFY(fd >= 0);
    const qint64 sent = push(fd, head, total, fill);
    const QByteArray answer = readToClose(fd);
    ::close(fd);
    QVERIFY2(answer.startsWith(status), answer.left(80).constData());
    // The observer stopped taking bytes soon after the head: what went out is what the
    // kernel's buffers on both sides held, not the whole.
    QVERIFY2(sent < total / 4, qPrintable(QStringLiteral("sent %1 of %2 bytes").arg(sent).arg(total)));
    const qint64 peakGrowth = statusKiB(pid(), "VmHWM") - peakBefore;
    const qint64 residentGrowth = statusKiB(pid(), "VmRSS") - residentBefore;
    qInfo("sent %lld bytes; peak +%lld KiB, resident +%lld KiB", sent, peakGrowth, residentGrowth);
    QVERIFY2(peakGrowth < kMemoryToleranceKiB, qPrintable(QStringLiteral("peak grew %1 KiB").arg(peakGrowth)));
    QVERIFY2(residentGrowth < kMemoryToleranceKiB,
             qPrintable(QStringLiteral("resident grew %1 KiB").arg(residentGrowth)));
    QCOMPARE(metricValue(scrape(), "varta_prom_accept_errors_total"), 0);
}

void TestMetricsHostileE2e::tricklingPeersAreClosedAtTheDeadline() {
    QVERIFY(startObserver());
    constexpr int kPeers = 300;
    Descriptors peers;
    std::vector<QElapsedTimer> since(kPeers);
    std::vector<qint64> heldMs(kPeers, -1);
    for (int i = 0; i < kPeers; ++i) {
        const int fd = connectFrom(metricsPort(), sourceAddress(i / 4));  // four from each address
        QVERIFY(fd >= 0);
        since[static_cast<std::size_t>(i)].start();
        ::send(fd, "GET /metrics HTTP/1.1\r\n", 23, MSG_NOSIGNAL);
        peers.add(fd);
    }
    // One byte of a header every 100 ms from every peer, until the observer closes it.
    QElapsedTimer clock;
    clock.start();
    int open = kPeers;
    while (open > 0 && clock.elapsed() < kCeilingMs) {
        for (int i = 0; i < kPeers; ++i) {
            if (heldMs[static_cast<std::size_t>(i)] >= 0)
                continue;
            const int fd = peers.all()[static_cast<std::size_t>(i)];
            if (closedByPeer(fd) || ::send(fd, "X", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                heldMs[static_cast<std::size_t>(i)] = since[static_cast<std::size_t>(i)].elapsed();
                --open;
            }
        }
        QTest::qWait(100);
    }
    QCOMPARE(open, 0);
    const qint64 longest = *std::max_element(heldMs.begin(), heldMs.end());
    qInfo("300 trickling peers: the longest held %lld ms", longest);
    QVERIFY2(longest <= kHeldAtMostMs, qPrintable(QStringLiteral("a peer was held %1 ms").arg(longest)));
    const QByteArray body = scrape();
    // At most the endpoint's 64 at once were read from (and answered 401 at the deadline);
    // the rest were closed on arrival and counted.
    const qint64 answered = metricValue(body, "varta_prom_auth_failures_total");
    const qint64 drained = metricValue(body, "varta_prom_connections_dropped_total{reason=\"drain\"}");
    QVERIFY2(answered > 0 && answered + drained == kPeers,
             qPrintable(QStringLiteral("401: %1, drained: %2").arg(answered).arg(drained)));
}

void TestMetricsHostileE2e::athousandIdlePeersStarveNothing() {
    // As systemd starts a service: a soft limit of 1,024 under a higher hard one.
    QVERIFY(startObserver([] {
        const rlimit limit{1024, 8192};
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }));
    QCOMPARE(softOpenFileLimit(pid()), 8192);  // raised at start
    QVERIFY(recoveryRuns(4100));

    constexpr int kPeers = 1100;
    Descriptors peers;
    const double cpuBefore = cpuSeconds(pid());
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < kPeers; ++i) {
        const int fd = connectFrom(metricsPort(), sourceAddress(i / 8));
        QVERIFY(fd >= 0);
        peers.add(fd);
    }
    // While they sit there: a stall's recovery command starts, the descriptors in use stay
    // those of the endpoint's bound, and a scrape is answered once the first 64 were cut.
    QVERIFY(recoveryRuns(4101));
    QVERIFY2(openDescriptors(pid()) < 256, qPrintable(QString::number(openDescriptors(pid()))));
    QTest::qWait(1500);
    const QByteArray body = scrape();
    QVERIFY(!body.isEmpty());
    QVERIFY(recoveryRuns(4102));
    const double cpu = cpuSeconds(pid()) - cpuBefore;
    const double wall = static_cast<double>(clock.elapsed()) / 1000.0;
    qInfo("1,100 idle peers: %.2f s of CPU in %.2f s", cpu, wall);
    QVERIFY2(cpu < wall / 2, qPrintable(QStringLiteral("%1 s of CPU in %2 s").arg(cpu).arg(wall)));
    QVERIFY(metricValue(body, "varta_prom_connections_dropped_total{reason=\"drain\"}") > 0);
}

void TestMetricsHostileE2e::outOfDescriptorsPausesAcceptingAndResumes() {
    if (kSanitizersNeedDescriptors)
        QSKIP(kSanitizersNeedDescriptorsWhy);
    // Started with 0, 1 and 2 alone, as systemd starts it: a descriptor inherited from
    // whoever ran the test would leave a hole below the limit, and accept() would succeed.
    QVERIFY(startObserver(closeInheritedDescriptors));
    // A scrape first: a listener that has accepted before must still pause on EMFILE.
    QVERIFY(!scrape().isEmpty());
    // The soft limit at the descriptors in use: a connection is refused on arrival, or
    // accept() itself fails with EMFILE; either way each is dealt with once, not in a loop.
    QVERIFY(setOpenFileLimit(pid(), static_cast<rlim_t>(openDescriptors(pid())), 1024));
    Descriptors peers;
    for (int i = 0; i < 20; ++i) {
        const int fd = connectFrom(metricsPort(), sourceAddress(i));  // the kernel's backlog takes them
        QVERIFY(fd >= 0);
        peers.add(fd);
    }
    const double cpuBefore = cpuSeconds(pid());
    const QMap<QString, double> threadsBefore = threadCpuSeconds(pid());
    QTest::qWait(2000);
    const double cpu = cpuSeconds(pid()) - cpuBefore;
    qInfo("out of descriptors: %.2f s of CPU in 2 s", cpu);
    if (cpu >= 0.5)
        QFAIL(qPrintable(QStringLiteral("%1 s of CPU in 2 s, out of descriptors with %2 open:%3")
                             .arg(cpu)
                             .arg(openDescriptors(pid()))
                             .arg(busyThreadsReport(pid(), threadsBefore))));

    // Room again: the listener takes connections without anyone restarting it.
    peers.clear();
    QVERIFY(setOpenFileLimit(pid(), 1024, 1024));
    QByteArray body;
    QElapsedTimer clock;
    clock.start();
    while (body.isEmpty() && clock.elapsed() < kCeilingMs) {
        body = scrape();
        if (body.isEmpty())
            QTest::qWait(200);
    }
    QVERIFY2(m_watch->process.state() == QProcess::Running,
             qPrintable(QStringLiteral("exit status %1, code %2: %3")
                            .arg(m_watch->process.exitStatus())
                            .arg(m_watch->process.exitCode())
                            .arg(QString::fromLocal8Bit(m_watch->process.readAllStandardError().right(20000)))));
    QVERIFY2(!body.isEmpty(), "/metrics never accepted again");
    const qint64 failed = metricValue(body, "varta_prom_accept_errors_total");
    const qint64 refused = metricValue(body, "varta_prom_connections_refused_total{reason=\"descriptor_reserve\"}");
    qInfo("accept() failed %lld times, %lld connections refused for the reserve", failed, refused);
    QVERIFY(failed >= 1 || refused >= 20);
}

void TestMetricsHostileE2e::theDescriptorReserveKeepsRecoveryStarting() {
    QVERIFY(startObserver());
    QVERIFY(recoveryRuns(4200));
    // Room for the endpoint's 64 connections and two descriptors more: without the
    // reserve, the idle peers below would leave a recovery command no pipes.
    const int inUse = openDescriptors(pid());
    QVERIFY(setOpenFileLimit(pid(), static_cast<rlim_t>(inUse + 64 + 2), 1024));
    Descriptors peers;
    for (int i = 0; i < 64; ++i) {
        const int fd = connectFrom(metricsPort(), sourceAddress(i / 8));
        QVERIFY(fd >= 0);
        peers.add(fd);
    }
    QTest::qWait(200);  // accepted (or refused) by now
    QVERIFY(recoveryRuns(4201));
    peers.clear();
    QVERIFY(setOpenFileLimit(pid(), 1024, 1024));
    QTest::qWait(1200);
    const QByteArray body = scrape();
    QVERIFY(metricValue(body, "varta_prom_connections_refused_total{reason=\"descriptor_reserve\"}") > 0);
}

QTEST_GUILESS_MAIN(TestMetricsHostileE2e)
#include "tst_metrics_hostile_e2e.moc"
