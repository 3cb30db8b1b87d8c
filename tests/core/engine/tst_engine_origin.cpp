// What the console is told when a local pid moves to a stronger origin: the weaker
// agent is removed (as an evicted one is), the event log says by whom, and the agent
// over the Unix socket is the one left.
#include "core/engine/engine.h"
#include "core/vlp/frame.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

#include <algorithm>
#include <cstring>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace varta;

class TestEngineOrigin : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void strongerOriginRemovesTheWeakerAgentFromTheConsole() {
        QTemporaryDir dir;
        const QString socketPath = dir.filePath(QStringLiteral("varta.sock"));
        Options options;
        options.udp = UdpOptions{};
        options.udp->port = 0;
        options.uds = UdsOptions{};
        options.uds->path = socketPath;
        options.tracker.thresholdMs = 60'000;  // nobody stalls while the test runs
        options.tracker.maxBeatRate = 0;
        Engine engine(options);
        QList<AgentKey> removed;
        QList<EventLogEntry> events;
        QList<AgentKey> published;
        connect(&engine, &Engine::batchReady, this, [&](const EngineBatch &batch) {
            removed << batch.removed;
            events << batch.events;
            for (const AgentSnapshot &agent : batch.agents)
                published << agent.key;
        });
        QString error;
        QVERIFY2(engine.start(&error), qPrintable(error));
        engine.setPublishing(true);

        const auto me = static_cast<std::uint32_t>(::getpid());
        const AgentKey weaker = AgentKey::fromPeer(Transport::Udp, QHostAddress::LocalHost, me);
        const AgentKey stronger = AgentKey::local(me);
        QUdpSocket udp;
        const auto first = vlp::encode(vlp::Frame{vlp::Status::Ok, me, 1, 1, 0});
        udp.writeDatagram(reinterpret_cast<const char *>(first.data()), 32, QHostAddress::LocalHost, engine.udpPort());
        QTRY_VERIFY_WITH_TIMEOUT(published.contains(weaker), 10000);

        const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const QByteArray native = socketPath.toLocal8Bit();
        std::memcpy(address.sun_path, native.constData(), static_cast<std::size_t>(native.size()));
        QCOMPARE(::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
        const auto local = vlp::encode(vlp::Frame{vlp::Status::Ok, me, 1, 1, 0});
        QCOMPARE(::send(fd, local.data(), 32, 0), 32);
        ::close(fd);
        QTRY_VERIFY_WITH_TIMEOUT(removed.contains(weaker), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(published.contains(stronger), 10000);

        QCOMPARE(removed, QList<AgentKey>{weaker});
        const auto replaced = std::find_if(
            events.begin(), events.end(), [](const EventLogEntry &e) { return e.category == EventCategory::Eviction; });
        QVERIFY(replaced != events.end());
        QCOMPARE(replaced->agent, std::optional(stronger));
        QVERIFY2(replaced->text.contains(QStringLiteral("udp:127.0.0.1"))
                     && replaced->text.contains(QLatin1String("uds")),
                 qPrintable(replaced->text));
        QCOMPARE(engine.tracker().table().size(), 1u);
        QVERIFY(engine.tracker().find(stronger) != kNoSlot);
        QCOMPARE(engine.trackerCounters().originTakeovers, 1u);
        QCOMPARE(engine.trackerCounters().evicted, 0u);

        QSignalSpy stopped(&engine, &Engine::stopped);
        engine.shutdown();
        QVERIFY(stopped.count() == 1 || stopped.wait(20000));
    }
};

QTEST_GUILESS_MAIN(TestEngineOrigin)
#include "tst_engine_origin.moc"
