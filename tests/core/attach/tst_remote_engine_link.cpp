// The console's link to an observer elsewhere, against a real control server on a real
// Unix socket: what it hands the window (tagged keys and child ids, the console's clock,
// snapshots that replace), how it follows the connection (lost, retried, back), where
// commands go, and what it makes of a peer that sends garbage.

#include "core/attach/remote_engine_link.h"
#include "core/control/control_server.h"
#include "core/published/published_json.h"
#include "tests/support/test_batches.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalServer>
#include <QLocalSocket>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace varta;

namespace {

constexpr int kWaitMs = 10000;
constexpr std::uint16_t kObserver = 3;

// An observer's answers, scripted: its agents and children, its recent events, and
// whatever a command should get back.
class ScriptedObserver : public ControlHandler {
public:
    EngineBatch state;
    QList<EventLogEntry> recent;
    QList<ControlRequest> requests;
    std::optional<ControlReply> actReply;
    EngineMs nowMs = 50'000;

    ControlReply handle(const ControlRequest &request, const ControlPeer &) override {
        requests.append(request);
        if (request.cmd == QLatin1String("subscribe")) {
            const QJsonObject body = json::batchJson(state);
            ControlReply reply =
                ControlReply::success(QJsonObject{{"now_ms", static_cast<qint64>(nowMs)},
                                                  {"snapshot", QJsonObject{{"agents", body.value("agents")},
                                                                           {"children", body.value("children")},
                                                                           {"stats", body.value("stats")}}}});
            reply.stream = ControlStream::Batches;
            return reply;
        }
        if (request.cmd == QLatin1String("events")) {
            QJsonArray events;
            for (const EventLogEntry &e : recent)
                events.append(json::eventJson(e));
            return ControlReply::success(QJsonObject{{"events", events}});
        }
        if (request.cmd == QLatin1String("output"))
            return ControlReply::success(
                QJsonObject{{"child", QJsonObject{{"id", request.args.value("child")}}},
                            {"chunks", QJsonArray{QJsonObject{{"stream", "stdout"}, {"text", "restarting\n"}},
                                                  QJsonObject{{"stream", "stderr"}, {"text", "warming up\n"}}}},
                            {"truncated", false}});
        if (request.cmd == QLatin1String("children"))
            return ControlReply::success(QJsonObject{{"children", QJsonArray()}});
        if (actReply)
            return *actReply;
        return ControlReply::success(QJsonObject{{"results", QJsonArray()}});
    }

    QList<ControlRequest> commands(const QString &cmd) const {
        QList<ControlRequest> out;
        for (const ControlRequest &r : requests)
            if (r.cmd == cmd)
                out.append(r);
        return out;
    }
};

EventLogEntry pastEvent(std::uint64_t seq, std::int64_t unixMs, const char *text) {
    EventLogEntry e = EventLogEntry::of(EventKind::Stall, EventSeverity::Warning, EventCategory::Recovery,
                                        QString::fromLatin1(text), test::udpKey(4242));
    e.seq = seq;
    e.unixMs = unixMs;
    e.atMs = 40'000 + static_cast<EngineMs>(seq);
    return e;
}

RemoteEngineLink::Settings settingsFor(const QString &path) {
    RemoteEngineLink::Settings s;
    s.target.unixPath = path;
    s.observer = kObserver;
    s.firstRetryMs = 100;
    s.maxRetryMs = 400;
    return s;
}

QStringList texts(const QList<EngineBatch> &batches) {
    QStringList out;
    for (const EngineBatch &b : batches)
        for (const EventLogEntry &e : b.events)
            out << e.text;
    return out;
}

}  // namespace

class TestRemoteEngineLink : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() {
        m_dir = std::make_unique<QTemporaryDir>();
        m_path = m_dir->filePath(QStringLiteral("control.sock"));
        m_observer = std::make_unique<ScriptedObserver>();
        m_observer->state.agents = {test::snapshot(test::udpKey(4242), AgentState::Up, 90, 49'000),
                                    test::snapshot(test::udpKey(4243), AgentState::Stalled, 3, 20'000)};
        m_observer->state.children = {test::child(9, test::udpKey(4243), ChildState::Running, 45'000)};
        m_observer->state.stats = test::stats(m_observer->nowMs);
        m_observer->state.stats.agentsTracked = 2;
        startServer();
    }
    void cleanup() {
        m_server.reset();
        m_observer.reset();
        m_dir.reset();
    }

    void theSnapshotArrivesTaggedAndOnTheConsoleClock() {
        RemoteEngineLink link(settingsFor(m_path));
        QList<EngineBatch> batches;
        connect(&link, &EngineLink::batchReady, this, [&](const EngineBatch &b) { batches.append(b); });
        link.setPublishing(true);
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Connected, kWaitMs);
        QCOMPARE(batches.size(), 1);
        const EngineBatch &b = batches[0];
        QCOMPARE(b.agents.size(), 2);
        for (const AgentSnapshot &a : b.agents)
            QCOMPARE(a.key.observer, kObserver);
        QCOMPARE(b.agents[0].key.text(), QStringLiteral("udp:10.0.0.7/4242"));
        // Moved onto the console's clock, ages kept: the beat was 1 s before the observer's now.
        QCOMPARE(b.stats.nowMs - b.agents[0].lastBeatMs, 1000);
        QVERIFY(std::abs(b.stats.nowMs - RemoteEngineLink::consoleNowMs()) < 5000);
        QCOMPARE(b.children.size(), 1);
        QCOMPARE(b.children[0].id, (std::uint64_t{kObserver} << RemoteEngineLink::kObserverShift) | 9);
        QCOMPARE(b.children[0].agent.observer, kObserver);
        QCOMPARE(b.children[0].startedMs - b.stats.nowMs, -5000);
        QVERIFY(!link.unreachableSinceMs());
    }

    void batchesFollowTheSnapshot() {
        RemoteEngineLink link(settingsFor(m_path));
        QList<EngineBatch> batches;
        connect(&link, &EngineLink::batchReady, this, [&](const EngineBatch &b) { batches.append(b); });
        link.setPublishing(true);
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Connected, kWaitMs);
        EngineBatch next;
        next.agents = {test::snapshot(test::udpKey(4244), AgentState::Up, 1, 50'100)};
        next.transitions = {StateTransition{test::udpKey(4243), 50'050, AgentState::Stalled, AgentState::Up, false}};
        next.output = {test::chunk(9, OutputStream::Stdout, "restarted\n")};
        next.stats = test::stats(50'200);
        m_server->broadcast(ControlStream::Batches, QJsonObject{{"batch", json::batchJson(next)}});
        QTRY_COMPARE_WITH_TIMEOUT(batches.size(), 2, kWaitMs);
        const EngineBatch &b = batches[1];
        QCOMPARE(b.agents[0].key.observer, kObserver);
        QCOMPARE(b.transitions[0].key.observer, kObserver);
        QCOMPARE(b.stats.nowMs - b.transitions[0].atMs, 150);
        QCOMPARE(b.output[0].childId >> RemoteEngineLink::kObserverShift, kObserver);
        QCOMPARE(b.output[0].data, QByteArray("restarted\n"));
    }

    // A compact beat becomes the full row the link has, with the beat's fields and time
    // moved onto the console's clock; a beat for a row it never had is counted, dropped.
    void aBeatExpandsOntoTheRowTheLinkHas() {
        RemoteEngineLink link(settingsFor(m_path));
        QList<EngineBatch> batches;
        connect(&link, &EngineLink::batchReady, this, [&](const EngineBatch &b) { batches.append(b); });
        link.setPublishing(true);
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Connected, kWaitMs);
        const AgentSnapshot before = batches[0].agents[1];  // 4243, stalled
        sendBeats({StreamBeat{test::udpKey(4243), 50'100, 4, 17, 3}, StreamBeat{test::udpKey(9999), 50'100, 1, 1, 0}},
                  50'200);
        QTRY_COMPARE_WITH_TIMEOUT(batches.size(), 2, kWaitMs);
        const EngineBatch &b = batches[1];
        QCOMPARE(b.agents.size(), 1);
        const AgentSnapshot &a = b.agents[0];
        QCOMPARE(a.key, before.key);
        QCOMPARE(a.key.observer, kObserver);
        QCOMPARE(a.state, AgentState::Stalled);
        QCOMPARE(a.firstSeenMs, before.firstSeenMs);
        QCOMPARE(a.beats, 4u);
        QCOMPARE(a.nonce, 17u);
        QCOMPARE(a.payload, 3u);
        QCOMPARE(b.stats.nowMs - a.lastBeatMs, 100);
        QCOMPARE(link.malformedMessages(), 1u);

        // The next beat goes on top of the expanded row, not the snapshot's.
        sendBeats({StreamBeat{test::udpKey(4243), 50'300, 5, 18, 3}}, 50'300);
        QTRY_COMPARE_WITH_TIMEOUT(batches.size(), 3, kWaitMs);
        QCOMPARE(batches[2].agents[0].beats, 5u);
        QCOMPARE(batches[2].agents[0].state, AgentState::Stalled);
    }

    // After a reconnection the rows are the new snapshot's: a beat for an agent it no
    // longer has is unknown, one for an agent it has goes on the snapshot's row.
    void afterAReconnectionBeatsGoOnTheNewSnapshot() {
        RemoteEngineLink link(settingsFor(m_path));
        QList<EngineBatch> batches;
        connect(&link, &EngineLink::batchReady, this, [&](const EngineBatch &b) { batches.append(b); });
        link.setPublishing(true);
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Connected, kWaitMs);
        m_server.reset();
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Reconnecting, kWaitMs);
        m_observer->state.agents = {test::snapshot(test::udpKey(4242), AgentState::Degraded, 95, 49'500)};
        startServer();
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Connected, kWaitMs);
        batches.clear();
        sendBeats({StreamBeat{test::udpKey(4242), 50'100, 96, 96, 0}, StreamBeat{test::udpKey(4243), 50'100, 4, 4, 0}},
                  50'200);
        QTRY_COMPARE_WITH_TIMEOUT(batches.size(), 1, kWaitMs);
        QCOMPARE(batches[0].agents.size(), 1);
        QCOMPARE(batches[0].agents[0].state, AgentState::Degraded);
        QCOMPARE(batches[0].agents[0].beats, 96u);
        QCOMPARE(link.malformedMessages(), 1u);
    }

    void aLostObserverIsUnknownRetriedAndReplacedByItsNextSnapshot() {
        RemoteEngineLink link(settingsFor(m_path));
        QList<EngineBatch> batches;
        connect(&link, &EngineLink::batchReady, this, [&](const EngineBatch &b) { batches.append(b); });
        link.setPublishing(true);
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Connected, kWaitMs);

        m_server.reset();  // the observer goes away
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Reconnecting, kWaitMs);
        QVERIFY(link.unreachableSinceMs());
        QVERIFY(!link.statusDetail().isEmpty());
        QVERIFY2(texts(batches).join('\n').contains(QStringLiteral("Lost observer")),
                 qPrintable(texts(batches).join('\n')));
        // Retried with a doubling delay while nobody answers, never past the longest.
        QTRY_VERIFY_WITH_TIMEOUT(link.connections() >= 4, kWaitMs);
        QVERIFY(link.retryAtMs() - RemoteEngineLink::consoleNowMs() <= 400);

        // It comes back without agent 4243; the snapshot says so as a removal.
        m_observer->state.agents.removeLast();
        batches.clear();
        startServer();
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Connected, kWaitMs);
        QVERIFY(!link.unreachableSinceMs());
        QCOMPARE(batches.size(), 1);
        AgentKey gone = test::udpKey(4243);
        gone.observer = kObserver;
        QCOMPARE(batches[0].removed, QList<AgentKey>{gone});
        QVERIFY(texts(batches).join('\n').contains(QStringLiteral("is back")));
        QCOMPARE(link.snapshots(), 2u);
    }

    void commandsGoToTheirOwnObserverUntagged() {
        RemoteEngineLink link(settingsFor(m_path));
        link.setPublishing(true);
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Connected, kWaitMs);
        AgentKey mine = test::udpKey(4242);
        mine.observer = kObserver;
        AgentKey theirs = test::udpKey(4243);
        theirs.observer = kObserver + 1;
        link.recoverNow({mine, theirs});
        link.pause({theirs});  // nothing of this observer's: nothing is sent
        link.killChild((std::uint64_t{kObserver} << RemoteEngineLink::kObserverShift) | 9);
        link.killChild((std::uint64_t{kObserver + 1} << RemoteEngineLink::kObserverShift) | 9);
        QTRY_COMPARE_WITH_TIMEOUT(m_observer->commands(QStringLiteral("kill")).size(), 1, kWaitMs);
        const QList<ControlRequest> recover = m_observer->commands(QStringLiteral("recover"));
        QCOMPARE(recover.size(), 1);
        QCOMPARE(recover[0].args.value("keys").toArray(), QJsonArray{QStringLiteral("udp:10.0.0.7/4242")});
        QCOMPARE(m_observer->commands(QStringLiteral("kill"))[0].args.value("child").toInt(), 9);
        QVERIFY(m_observer->commands(QStringLiteral("pause")).isEmpty());
    }

    // A child that ended before the console attached: its kept output is fetched once,
    // when asked for, and arrives under the console's id for it.
    void anEarlierChildsOutputIsFetchedOnceWhenWanted() {
        RemoteEngineLink link(settingsFor(m_path));
        QList<EngineBatch> batches;
        connect(&link, &EngineLink::batchReady, this, [&](const EngineBatch &b) { batches.append(b); });
        link.setPublishing(true);
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Connected, kWaitMs);
        const std::uint64_t child = (std::uint64_t{kObserver} << RemoteEngineLink::kObserverShift) | 9;
        link.requestOutput(child);
        link.requestOutput(child);
        link.requestOutput((std::uint64_t{kObserver + 1} << RemoteEngineLink::kObserverShift) | 9);  // not ours
        QTRY_COMPARE_WITH_TIMEOUT(batches.size(), 2, kWaitMs);
        QCOMPARE(batches[1].output.size(), 2);
        QCOMPARE(batches[1].output[0].childId, child);
        QCOMPARE(batches[1].output[1].stream, OutputStream::Stderr);
        QCOMPARE(batches[1].output[1].data, QByteArray("warming up\n"));
        QCOMPARE(m_observer->commands(QStringLiteral("output")).size(), 1);
        QCOMPARE(m_observer->commands(QStringLiteral("output"))[0].args.value("child").toInt(), 9);
    }

    void aRefusedCommandBecomesAnEventLine() {
        m_observer->actReply =
            ControlReply::failure(QStringLiteral("permission_denied"), QStringLiteral("token alice may only view"));
        RemoteEngineLink link(settingsFor(m_path));
        QList<EngineBatch> batches;
        connect(&link, &EngineLink::batchReady, this, [&](const EngineBatch &b) { batches.append(b); });
        link.setPublishing(true);
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Connected, kWaitMs);
        AgentKey mine = test::udpKey(4242);
        mine.observer = kObserver;
        link.recoverNow({mine});
        QTRY_VERIFY_WITH_TIMEOUT(texts(batches).join('\n').contains(QStringLiteral("token alice may only view")),
                                 kWaitMs);
        // The line keeps the observer's totals: the status bar does not drop to zero.
        QCOMPARE(batches.last().stats.agentsTracked, 2u);
    }

    void aCommandWhileDisconnectedIsNotSentAndSaysWhy() {
        RemoteEngineLink link(settingsFor(m_dir->filePath(QStringLiteral("nobody.sock"))));
        QList<EngineBatch> batches;
        connect(&link, &EngineLink::batchReady, this, [&](const EngineBatch &b) { batches.append(b); });
        link.setPublishing(true);
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Reconnecting, kWaitMs);
        AgentKey mine = test::udpKey(4242);
        mine.observer = kObserver;
        link.recoverNow({mine});
        QVERIFY(texts(batches).join('\n').contains(QStringLiteral("not connected")));
    }

    void recentEventsAreShownOnceAcrossReconnections() {
        m_observer->recent = {pastEvent(1, 1'764'600'000'000, "first"), pastEvent(2, 1'764'600'000'500, "second")};
        RemoteEngineLink link(settingsFor(m_path));
        QList<EngineBatch> batches;
        connect(&link, &EngineLink::batchReady, this, [&](const EngineBatch &b) { batches.append(b); });
        link.setPublishing(true);
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Connected, kWaitMs);
        QCOMPARE(texts(batches), (QStringList{"first", "second"}));
        // A batch that still carries an event the history had is not shown twice.
        EngineBatch next;
        next.events = {pastEvent(2, 1'764'600'000'500, "second"), pastEvent(3, 1'764'600'001'000, "third")};
        next.stats = test::stats(50'300);
        m_server->broadcast(ControlStream::Batches, QJsonObject{{"batch", json::batchJson(next)}});
        QTRY_COMPARE_WITH_TIMEOUT(batches.size(), 2, kWaitMs);
        QCOMPARE(texts({batches[1]}), QStringList{"third"});

        m_server.reset();
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Reconnecting, kWaitMs);
        m_observer->recent.append(pastEvent(3, 1'764'600'001'000, "third"));
        m_observer->recent.append(pastEvent(4, 1'764'600'002'000, "fourth"));
        batches.clear();
        startServer();
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Connected, kWaitMs);
        QStringList shown = texts(batches);
        shown.removeIf([](const QString &t) { return t.contains(QStringLiteral("is back")); });
        QCOMPARE(shown, QStringList{"fourth"});
    }

    // A peer that is not an observer, or a broken one: every line it sends that is not
    // the protocol is counted and dropped, one line in the event log says so, and the
    // lines after it still count.
    void garbageFromThePeerIsCountedNotFatal() {
        m_server.reset();
        QLocalServer fake;
        QVERIFY(fake.listen(m_path));
        RemoteEngineLink link(settingsFor(m_path));
        QList<EngineBatch> batches;
        connect(&link, &EngineLink::batchReady, this, [&](const EngineBatch &b) { batches.append(b); });
        link.setPublishing(true);
        QVERIFY(fake.waitForNewConnection(kWaitMs));
        QLocalSocket *peer = fake.nextPendingConnection();
        const QJsonObject body = json::batchJson(m_observer->state);
        const QJsonObject snapshot{{"v", 1},
                                   {"id", "subscribe"},
                                   {"ok", true},
                                   {"result", QJsonObject{{"now_ms", 50'000},
                                                          {"snapshot", QJsonObject{{"agents", body.value("agents")},
                                                                                   {"stats", body.value("stats")}}}}}};
        const char garbage[] = "\x00\x01\x02 not json\n[1,2,3]\n{\"batch\":{\"agents\":[{\"key\":7}]}}\n";
        peer->write(garbage, sizeof garbage - 1);
        peer->write(QJsonDocument(snapshot).toJson(QJsonDocument::Compact) + '\n');
        peer->flush();
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Connected, kWaitMs);
        QCOMPARE(link.malformedMessages(), 3u);
        QCOMPARE(texts(batches).filter(QStringLiteral("cannot read")).size(), 1);
        QCOMPARE(batches.last().agents.size(), 2);
    }

    void aSnapshotThatCannotBeReadIsALostConnection() {
        m_server.reset();
        QLocalServer fake;
        QVERIFY(fake.listen(m_path));
        RemoteEngineLink link(settingsFor(m_path));
        link.setPublishing(true);
        QVERIFY(fake.waitForNewConnection(kWaitMs));
        QLocalSocket *peer = fake.nextPendingConnection();
        peer->write(R"({"v":1,"id":"subscribe","ok":true,"result":{"snapshot":{"stats":"x"}}})"
                    "\n");
        peer->flush();
        QTRY_COMPARE_WITH_TIMEOUT(link.status(), RemoteEngineLink::Status::Reconnecting, kWaitMs);
        QVERIFY2(link.statusDetail().contains(QStringLiteral("snapshot")), qPrintable(link.statusDetail()));
    }

private:
    // A batch with no full rows and these beats, as the observer's stream encoder writes one.
    void sendBeats(const QList<StreamBeat> &beats, EngineMs nowMs) {
        EngineBatch next;
        next.stats = test::stats(nowMs);
        QJsonObject batch = json::batchJson(next);
        batch.insert(QStringLiteral("beats"), StreamDecoder::beatsJson(beats));
        m_server->broadcast(ControlStream::Batches, QJsonObject{{"batch", batch}});
    }

    void startServer() {
        m_server = std::make_unique<ControlServer>(*m_observer);
        QString error;
        QVERIFY2(m_server->listen(m_path, &error), qPrintable(error));
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
    std::unique_ptr<ScriptedObserver> m_observer;
    std::unique_ptr<ControlServer> m_server;
};

QTEST_GUILESS_MAIN(TestRemoteEngineLink)
#include "tst_remote_engine_link.moc"
