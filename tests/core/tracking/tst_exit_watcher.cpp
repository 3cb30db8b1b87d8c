// The exit watcher against real child processes: a killed child is reported once and
// only it, a reaped pid is gone, the cap holds, and no pidfd outlives its watch.
#include "core/base/open_file_limit.h"
#include "core/tracking/exit_watcher.h"

#include <QDir>
#include <QSignalSpy>
#include <QTest>

#include <atomic>
#include <csignal>
#include <set>
#include <thread>
#include <vector>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace varta;
using WatchResult = ExitWatcher::WatchResult;

namespace {

constexpr int kCeilingMs = 20000;  // generous: another build may share the machine

int openDescriptors() { return static_cast<int>(QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files).size()); }

// Children that wait to be killed, die with this test if it dies first, and are killed
// and reaped when the set goes.
class Children {
public:
    Children() = default;
    Children(const Children &) = delete;
    Children &operator=(const Children &) = delete;
    ~Children() {
        for (const pid_t pid : m_pids)
            ::kill(pid, SIGKILL);
        for (const pid_t pid : m_pids)
            ::waitpid(pid, nullptr, 0);
    }

    std::uint32_t start() {
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::alarm(120);
            for (;;)
                ::pause();
        }
        if (pid > 0)
            m_pids.push_back(pid);
        return pid > 0 ? static_cast<std::uint32_t>(pid) : 0;
    }

    // Kills it and waits until it has exited, leaving the zombie for the kernel's
    // bookkeeping to stay in place.
    static bool killAndAwait(std::uint32_t pid) {
        siginfo_t info{};
        return ::kill(static_cast<pid_t>(pid), SIGKILL) == 0
               && ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) == 0;
    }

private:
    std::vector<pid_t> m_pids;
};

std::uint32_t exitedPid(const QSignalSpy &spy, qsizetype at) { return spy.at(at).at(0).value<std::uint32_t>(); }

}  // namespace

class TestExitWatcher : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        Children children;
        ExitWatcher probe(1);
        if (probe.watch(children.start()) == WatchResult::Unsupported)
            QSKIP("no pidfd_open here (kernel before 5.3, or a seccomp filter)");
    }

    void reportsTheKilledChildOnly() {
        Children children;
        ExitWatcher watcher(ExitWatcher::kMaxWatchedProcesses);
        QSignalSpy spy(&watcher, &ExitWatcher::exited);
        const std::uint32_t pids[3] = {children.start(), children.start(), children.start()};
        for (const std::uint32_t pid : pids)
            QCOMPARE(watcher.watch(pid), WatchResult::Watching);
        QCOMPARE(watcher.watched(), std::size_t{3});

        QCOMPARE(::kill(static_cast<pid_t>(pids[1]), SIGKILL), 0);
        QVERIFY(spy.wait(kCeilingMs));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(exitedPid(spy, 0), pids[1]);
        QVERIFY(spy.at(0).at(1).value<std::int64_t>() >= 0);
        QVERIFY(!watcher.isWatching(pids[1]));
        QVERIFY(watcher.isWatching(pids[0]) && watcher.isWatching(pids[2]));
        QCOMPARE(watcher.counters().exitsSeen, std::uint64_t{1});

        // The rest follow, each once, and the first is not reported again.
        QCOMPARE(::kill(static_cast<pid_t>(pids[0]), SIGKILL), 0);
        QCOMPARE(::kill(static_cast<pid_t>(pids[2]), SIGKILL), 0);
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 3, kCeilingMs);
        QCOMPARE((std::set{exitedPid(spy, 1), exitedPid(spy, 2)}), (std::set{pids[0], pids[2]}));
        QCOMPARE(watcher.watched(), std::size_t{0});
    }

    void aReapedPidIsGone() {
        const pid_t child = ::fork();
        if (child == 0)
            ::_exit(0);
        QVERIFY(child > 0);
        QCOMPARE(::waitpid(child, nullptr, 0), child);
        ExitWatcher watcher(8);
        QCOMPARE(watcher.watch(static_cast<std::uint32_t>(child)), WatchResult::Gone);
        QCOMPARE(watcher.watched(), std::size_t{0});
        QCOMPARE(watcher.counters().openFailures, std::uint64_t{0});
    }

    void aZombieIsReportedAtOnce() {
        Children children;
        const std::uint32_t pid = children.start();
        QVERIFY(Children::killAndAwait(pid));
        ExitWatcher watcher(8);
        QSignalSpy spy(&watcher, &ExitWatcher::exited);
        QCOMPARE(watcher.watch(pid), WatchResult::Watching);
        QVERIFY(spy.wait(kCeilingMs));
        QCOMPARE(exitedPid(spy, 0), pid);
    }

    void whatIsNoProcessIsUnsupported() {
        ExitWatcher watcher(8);
        QCOMPARE(watcher.watch(0), WatchResult::Unsupported);
        // A thread's id names no process: pidfd_open refuses it with EINVAL.
        std::atomic<pid_t> tid{0};
        std::atomic<bool> done{false};
        std::thread thread([&] {
            tid = ::gettid();
            while (!done)
                std::this_thread::yield();
        });
        QTRY_VERIFY_WITH_TIMEOUT(tid != 0, kCeilingMs);
        QCOMPARE(watcher.watch(static_cast<std::uint32_t>(tid.load())), WatchResult::Unsupported);
        done = true;
        thread.join();
        QCOMPARE(watcher.counters().openFailures, std::uint64_t{2});
        QCOMPARE(watcher.watched(), std::size_t{0});
    }

    void holdsItsCap() {
        Children children;
        ExitWatcher watcher(3);
        QCOMPARE(watcher.capacity(), std::size_t{3});
        const std::vector<std::uint32_t> pids = {children.start(), children.start(), children.start(),
                                                 children.start()};
        for (int i = 0; i < 3; ++i)
            QCOMPARE(watcher.watch(pids[static_cast<std::size_t>(i)]), WatchResult::Watching);
        QCOMPARE(watcher.watch(pids[0]), WatchResult::AlreadyWatching);
        QCOMPARE(watcher.watch(pids[3]), WatchResult::AtCapacity);
        QCOMPARE(watcher.watch(pids[3]), WatchResult::AtCapacity);
        QCOMPARE(watcher.counters().atCapacity, std::uint64_t{2});
        QCOMPARE(watcher.watched(), std::size_t{3});
        QVERIFY(!watcher.isWatching(pids[3]));

        QVERIFY(watcher.unwatch(pids[0]));
        QCOMPARE(watcher.watch(pids[3]), WatchResult::Watching);
        QCOMPARE(ExitWatcher(std::size_t{1} << 30).capacity(), ExitWatcher::kMaxWatchedProcesses);
    }

    void unwatchClosesThePidfd() {
        Children children;
        ExitWatcher watcher(8);
        QSignalSpy spy(&watcher, &ExitWatcher::exited);
        const std::uint32_t pid = children.start();
        const int before = openDescriptors();
        QCOMPARE(watcher.watch(pid), WatchResult::Watching);
        QCOMPARE(openDescriptors(), before + 1);
        QVERIFY(watcher.unwatch(pid));
        QCOMPARE(openDescriptors(), before);
        QVERIFY(!watcher.unwatch(pid));
        QVERIFY(!watcher.isWatching(pid));

        // Nothing is reported for it: a second child's exit comes through alone.
        const std::uint32_t other = children.start();
        QCOMPARE(watcher.watch(other), WatchResult::Watching);
        QVERIFY(Children::killAndAwait(pid));
        QVERIFY(Children::killAndAwait(other));
        QVERIFY(spy.wait(kCeilingMs));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(exitedPid(spy, 0), other);
    }

    // Both exits are in one epoll batch; the slot for the first unwatches the second,
    // whose event is then stale and must not be reported.
    void aSlotMayUnwatchWhatTheBatchHolds() {
        Children children;
        ExitWatcher watcher(8);
        const std::uint32_t a = children.start();
        const std::uint32_t b = children.start();
        QCOMPARE(watcher.watch(a), WatchResult::Watching);
        QCOMPARE(watcher.watch(b), WatchResult::Watching);
        std::vector<std::uint32_t> reported;
        connect(&watcher, &ExitWatcher::exited, this, [&](std::uint32_t pid, std::int64_t) {
            reported.push_back(pid);
            watcher.unwatch(pid == a ? b : a);
        });
        QSignalSpy spy(&watcher, &ExitWatcher::exited);
        QVERIFY(Children::killAndAwait(a));
        QVERIFY(Children::killAndAwait(b));
        QVERIFY(spy.wait(kCeilingMs));
        QCOMPARE(reported.size(), std::size_t{1});
        QCOMPARE(watcher.watched(), std::size_t{0});
        QCOMPARE(watcher.counters().exitsSeen, std::uint64_t{1});
    }

    void twoHundredExitsAtOnce() {
        constexpr int kChildren = 200;
        Children children;
        const int baseline = openDescriptors();
        ExitWatcher watcher(ExitWatcher::kMaxWatchedProcesses);
        QSignalSpy spy(&watcher, &ExitWatcher::exited);
        std::set<std::uint32_t> pids;
        for (int i = 0; i < kChildren; ++i) {
            const std::uint32_t pid = children.start();
            QVERIFY(pid != 0);
            pids.insert(pid);
            QCOMPARE(watcher.watch(pid), WatchResult::Watching);
        }
        for (const std::uint32_t pid : pids)
            QCOMPARE(::kill(static_cast<pid_t>(pid), SIGKILL), 0);
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), kChildren, kCeilingMs);
        std::set<std::uint32_t> seen;
        for (qsizetype i = 0; i < spy.count(); ++i)
            QVERIFY(seen.insert(exitedPid(spy, i)).second);
        QCOMPARE(seen, pids);
        QCOMPARE(watcher.counters().exitsSeen, std::uint64_t{kChildren});
        QCOMPARE(watcher.watched(), std::size_t{0});
        QCOMPARE(openDescriptors(), baseline + 1);  // the epoll descriptor
    }

    void theDestructorClosesEveryPidfd() {
        Children children;
        const int baseline = openDescriptors();
        {
            ExitWatcher watcher(64);
            for (int i = 0; i < 10; ++i)
                QCOMPARE(watcher.watch(children.start()), WatchResult::Watching);
            QCOMPARE(openDescriptors(), baseline + 11);
        }
        QCOMPARE(openDescriptors(), baseline);
    }

    void capacityForOpenFileLimit_data() {
        QTest::addColumn<quint64>("softLimit");
        QTest::addColumn<quint64>("capacity");
        QTest::newRow("none") << quint64{0} << quint64{0};
        QTest::newRow("less than the reserve") << quint64{1000} << quint64{0};
        QTest::newRow("just the reserve") << quint64{1024} << quint64{0};
        QTest::newRow("one more") << quint64{1025} << quint64{1};
        QTest::newRow("systemd's default hard limit") << quint64{524288} << quint64{523264};
        QTest::newRow("unlimited") << ~quint64{0} << ~quint64{0} - 1024;
    }
    void capacityForOpenFileLimit() {
        QFETCH(quint64, softLimit);
        QFETCH(quint64, capacity);
        QCOMPARE(quint64{ExitWatcher::capacityForOpenFileLimit(softLimit)}, capacity);
    }

    void raisesTheSoftLimitToTheHardOne() {
        rlimit before{};
        QCOMPARE(::getrlimit(RLIMIT_NOFILE, &before), 0);
        const std::uint64_t now = raiseOpenFileLimit();
        rlimit after{};
        QCOMPARE(::getrlimit(RLIMIT_NOFILE, &after), 0);
        QCOMPARE(after.rlim_cur, before.rlim_max);
        QCOMPARE(now, std::uint64_t{after.rlim_cur});
        QCOMPARE(raiseOpenFileLimit(), now);
    }
};

QTEST_GUILESS_MAIN(TestExitWatcher)
#include "tst_exit_watcher.moc"
