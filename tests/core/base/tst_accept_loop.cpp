// AcceptLoop: every waiting connection is taken, a bounded number per wake-up, and a
// process out of descriptors pauses and retries instead of spinning on a readable
// listener (tests/e2e/tst_metrics_hostile_e2e runs the same against the binary).
#include "core/base/accept_loop.h"
#include "core/base/tcp_listen.h"
#include "tests/support/descriptor_exhaustion.h"
#include "tests/support/sanitizers.h"

#include <QDir>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace varta;

namespace {

constexpr int kCeilingMs = 10000;

struct Listener {
    Listener() {
        QString error;
        fd = listenTcp(QHostAddress::LocalHost, 0, 64, &port, &error);
        QVERIFY2(fd >= 0, qPrintable(error));
    }
    ~Listener() {
        if (fd >= 0)
            ::close(fd);
    }
    int fd = -1;
    quint16 port = 0;
};

std::vector<std::unique_ptr<QTcpSocket>> connectPeers(quint16 port, int count) {
    std::vector<std::unique_ptr<QTcpSocket>> peers;
    for (int i = 0; i < count; ++i) {
        peers.push_back(std::make_unique<QTcpSocket>());
        peers.back()->connectToHost(QHostAddress::LocalHost, port);
        if (!peers.back()->waitForConnected(kCeilingMs))
            return {};
    }
    return peers;
}

}  // namespace

class TestAcceptLoop : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void takesEveryConnectionABoundedNumberAtATime();
    void outOfDescriptorsPausesThenResumes();
    void stoppedTakesNothing();
    void listenTcpNamesWhatFailed();
};

void TestAcceptLoop::takesEveryConnectionABoundedNumberAtATime() {
    Listener listener;
    std::uint64_t failures = 0;
    std::vector<int> accepted;
    AcceptLoop loop(listener.fd, 3, failures, [&](int fd) { accepted.push_back(fd); });
    const auto peers = connectPeers(listener.port, 10);
    QCOMPARE(peers.size(), std::size_t(10));
    QTRY_COMPARE_WITH_TIMEOUT(accepted.size(), std::size_t(10), kCeilingMs);
    for (int fd : accepted) {
        QVERIFY((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
        QVERIFY((::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
        ::close(fd);
    }
    QCOMPARE(failures, std::uint64_t(0));
}

void TestAcceptLoop::outOfDescriptorsPausesThenResumes() {
    if (test::kSanitizersNeedDescriptors)
        QSKIP(test::kSanitizersNeedDescriptorsWhy);
    Listener listener;
    std::uint64_t failures = 0;
    std::vector<int> accepted;
    AcceptLoop loop(listener.fd, 64, failures, [&](int fd) { accepted.push_back(fd); });
    // One connection taken first: accept() has said EAGAIN before it says EMFILE.
    auto first = connectPeers(listener.port, 1);
    QTRY_COMPARE_WITH_TIMEOUT(accepted.size(), std::size_t(1), kCeilingMs);
    auto peers = connectPeers(listener.port, 4);
    QCOMPARE(peers.size(), std::size_t(4));

    test::DescriptorExhaustion exhaustion;
    constexpr int kWaitMs = 600;
    QTest::qWait(kWaitMs);
    const std::uint64_t failed = failures;
    const bool pausedThen = loop.paused();
    const std::size_t acceptedThen = accepted.size();
    const bool exhausted = exhaustion.exhausted();
    exhaustion.release();
    QVERIFY(exhausted);

    // Tried again once per kRetryMs, never in a loop, and nothing taken meanwhile.
    QVERIFY2(failed >= 1 && failed <= kWaitMs / AcceptLoop::kRetryMs + 2, qPrintable(QString::number(failed)));
    QVERIFY(pausedThen);
    QCOMPARE(acceptedThen, std::size_t(1));
    // Room again: the waiting peers are taken without anyone restarting the loop.
    QTRY_COMPARE_WITH_TIMEOUT(accepted.size(), std::size_t(5), kCeilingMs);
    QVERIFY(!loop.paused());
    for (int fd : accepted)
        ::close(fd);
}

void TestAcceptLoop::stoppedTakesNothing() {
    Listener listener;
    std::uint64_t failures = 0;
    int accepted = 0;
    AcceptLoop loop(listener.fd, 64, failures, [&](int fd) {
        ++accepted;
        ::close(fd);
    });
    loop.stop();
    const auto peers = connectPeers(listener.port, 2);  // the kernel's backlog takes them
    QCOMPARE(peers.size(), std::size_t(2));
    QTest::qWait(300);
    QCOMPARE(accepted, 0);
}

void TestAcceptLoop::listenTcpNamesWhatFailed() {
    Listener taken;
    quint16 port = 0;
    QString error;
    QCOMPARE(listenTcp(QHostAddress::LocalHost, taken.port, 64, &port, &error), -1);
    QVERIFY2(error.contains(QStringLiteral("bind")) && error.contains(QStringLiteral("in use")), qPrintable(error));
    // Any: both families at once, as QTcpServer listened.
    const int any = listenTcp(QHostAddress::Any, 0, 64, &port, &error);
    QVERIFY2(any >= 0, qPrintable(error));
    QTcpSocket v4;
    v4.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(v4.waitForConnected(kCeilingMs));
    ::close(any);
}

QTEST_GUILESS_MAIN(TestAcceptLoop)
#include "tst_accept_loop.moc"
