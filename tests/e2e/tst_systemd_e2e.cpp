// varta-watch under a service manager, as systemd runs upstream's example unit
// (Type=notify, WatchdogSec=, --self-watchdog-secs 4): READY=1 once it listens,
// WATCHDOG=1 every WATCHDOG_USEC/2 while the engine turns, STOPPING=1 on SIGTERM; and a
// wedged engine thread stops the pings and is aborted by the self-watchdog.
#include "tests/support/watch_process.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <cstring>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace varta;

namespace {

// The service manager's end of $NOTIFY_SOCKET: a Unix datagram socket the test owns.
class NotifyReceiver {
public:
    explicit NotifyReceiver(const QString &path) : m_path(path) {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const QByteArray native = path.toLocal8Bit();
        std::memcpy(address.sun_path, native.constData(), static_cast<std::size_t>(native.size()));
        m_bound = m_fd >= 0 && ::bind(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
    }
    ~NotifyReceiver() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    bool bound() const { return m_bound; }

    // Every message that arrives within `ms`, with the time it arrived.
    struct Message {
        QByteArray text;
        qint64 atMs;
    };
    void collect(int ms, const QElapsedTimer &clock) {
        QElapsedTimer wait;
        wait.start();
        while (wait.elapsed() < ms) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(ms - wait.elapsed())) <= 0)
                continue;
            char buffer[512];
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n > 0)
                messages.append({QByteArray(buffer, static_cast<qsizetype>(n)).trimmed(), clock.elapsed()});
        }
    }
    QList<qint64> times(const QByteArray &text) const {
        QList<qint64> out;
        for (const Message &m : messages)
            if (m.text == text)
                out.append(m.atMs);
        return out;
    }
    qsizetype indexOf(const QByteArray &text) const {
        for (qsizetype i = 0; i < messages.size(); ++i)
            if (messages[i].text == text)
                return i;
        return -1;
    }

    QList<Message> messages;

private:
    QString m_path;
    int m_fd = -1;
    bool m_bound = false;
};

QProcessEnvironment serviceEnvironment(const QString &notifySocket, qint64 watchdogUsec) {
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("NOTIFY_SOCKET"), notifySocket);
    environment.insert(QStringLiteral("WATCHDOG_USEC"), QString::number(watchdogUsec));
    environment.remove(QStringLiteral("WATCHDOG_PID"));
    for (const char *variable : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        environment.remove(QString::fromLatin1(variable));  // a server: no display either
    return environment;
}

constexpr qint64 kWatchdogUsec = 1'000'000;  // WatchdogSec=1s: a ping every 500 ms
constexpr qint64 kPingMs = kWatchdogUsec / 2000;

}  // namespace

class TestSystemdE2E : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readyWatchdogStopping() {
        QTemporaryDir dir;
        NotifyReceiver manager(dir.filePath(QStringLiteral("notify")));
        QVERIFY(manager.bound());
        QProcess watch;
        watch.setProcessEnvironment(serviceEnvironment(dir.filePath(QStringLiteral("notify")), kWatchdogUsec));
        // Upstream's example unit's command line.
        watch.start(test::watchBinary(), {QStringLiteral("--socket"), dir.filePath(QStringLiteral("varta.sock")),
                                          QStringLiteral("--threshold-ms"), QStringLiteral("5000"),
                                          QStringLiteral("--self-watchdog-secs"), QStringLiteral("4")});
        QVERIFY(watch.waitForStarted(10000));
        QElapsedTimer clock;
        clock.start();
        manager.collect(static_cast<int>(6 * kPingMs), clock);
        QCOMPARE(watch.state(), QProcess::Running);
        QCOMPARE(manager.indexOf("READY=1"), 0);  // first, once it listens
        QCOMPARE(manager.times("READY=1").size(), 1);
        const QList<qint64> pings = manager.times("WATCHDOG=1");
        QVERIFY2(pings.size() >= 4, qPrintable(QString::number(pings.size())));
        for (qsizetype i = 1; i < pings.size(); ++i) {
            const qint64 gap = pings[i] - pings[i - 1];
            // Every half interval: never so late that systemd would give up on us.
            QVERIFY2(gap >= kPingMs * 8 / 10 && gap < kPingMs * 2, qPrintable(QString::number(gap)));
        }
        QCOMPARE(manager.indexOf("STOPPING=1"), -1);

        ::kill(static_cast<pid_t>(watch.processId()), SIGTERM);
        QVERIFY(watch.waitForFinished(20000));
        QCOMPARE(watch.exitStatus(), QProcess::NormalExit);
        QCOMPARE(watch.exitCode(), 0);
        manager.collect(200, clock);
        QVERIFY(manager.indexOf("STOPPING=1") > manager.indexOf("READY=1"));
    }

    // The engine thread stops turning (a test hook blocks it): no WATCHDOG=1 after the
    // wedge, so systemd would restart the service; and the self-watchdog aborts it first.
    void aWedgedEngineStopsThePingsAndIsAborted() {
        QTemporaryDir dir;
        NotifyReceiver manager(dir.filePath(QStringLiteral("notify")));
        QVERIFY(manager.bound());
        QProcessEnvironment environment = serviceEnvironment(dir.filePath(QStringLiteral("notify")), kWatchdogUsec);
        constexpr qint64 kWedgeAfterMs = 1500;
        environment.insert(QStringLiteral("VARTA_WATCH_TEST_WEDGE_AFTER_MS"), QString::number(kWedgeAfterMs));
        QProcess watch;
        watch.setProcessEnvironment(environment);
        watch.start(test::watchBinary(), {QStringLiteral("--socket"), dir.filePath(QStringLiteral("varta.sock")),
                                          QStringLiteral("--self-watchdog-secs"), QStringLiteral("2")});
        QVERIFY(watch.waitForStarted(10000));
        QElapsedTimer clock;
        clock.start();
        manager.collect(static_cast<int>(kWedgeAfterMs + 4000), clock);
        QVERIFY(watch.waitForFinished(10000));
        QCOMPARE(watch.exitStatus(), QProcess::CrashExit);  // SIGABRT
        const QString err = QString::fromUtf8(watch.readAllStandardError());
        QVERIFY2(err.contains(QLatin1String("engine thread wedged for >2s; aborting")), qPrintable(err));
        const QList<qint64> pings = manager.times("WATCHDOG=1");
        QVERIFY2(!pings.isEmpty(), "pinged while the engine turned");
        // The last ping at most one interval (plus a tick) after the wedge began.
        QVERIFY2(pings.constLast() < kWedgeAfterMs + 2 * kPingMs, qPrintable(QString::number(pings.constLast())));
    }
};

QTEST_GUILESS_MAIN(TestSystemdE2E)
#include "tst_systemd_e2e.moc"
