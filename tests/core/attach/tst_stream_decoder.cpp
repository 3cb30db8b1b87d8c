// The control protocol's stream as a console reads it: what published_json writes comes
// back equal, lines split anywhere reassemble, and every kind of bad line is refused
// alone, counted, and does not disturb the lines after it.

#include "core/attach/stream_decoder.h"
#include "core/published/published_json.h"
#include "tests/support/test_batches.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QTest>

using namespace varta;

namespace {

QByteArray line(const QJsonObject &object) { return QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n'; }

QByteArray batchLine(const EngineBatch &batch, int id = 7) {
    return line(QJsonObject{{"v", 1}, {"id", id}, {"batch", json::batchJson(batch)}});
}

// Everything a batch can hold, with the fields that are optional set.
EngineBatch fullBatch() {
    EngineBatch b;
    AgentSnapshot up = test::snapshot(test::udpKey(4242), AgentState::Up, 90, 9120);
    AgentSnapshot local = test::snapshot(AgentKey::local(77), AgentState::Stalled, 5, 2000);
    local.downSinceMs = 2000;
    local.silent = true;
    local.stalls = 1;
    local.recoveries = 2;
    local.terminating = true;
    auto identity = std::make_shared<ProcessIdentity>();
    identity->startTime = 3329340;
    identity->comm = QStringLiteral("api");
    identity->cmdline = QStringLiteral("/usr/bin/api --port 80");
    identity->uid = 1000;
    identity->user = QStringLiteral("alice");
    identity->unit = QStringLiteral("api.service");
    identity->cgroup = QStringLiteral("/system.slice/api.service");
    local.identity = identity;
    local.continues = AgentKey::local(70);
    b.agents = {up, local};
    b.removed = {AgentKey::local(70), test::udpKey(9, "2001:db8::7")};
    b.transitions = {StateTransition{AgentKey::local(77), 3000, AgentState::Up, AgentState::Stalled, true}};
    EventLogEntry e = EventLogEntry::of(EventKind::RecoveryEnded, EventSeverity::Warning, EventCategory::Recovery,
                                        QStringLiteral("child 3 ended"), AgentKey::local(77));
    e.seq = 41;
    e.atMs = 9120;
    e.unixMs = 1764600009120;
    e.details.childId = 3;
    e.details.childPid = 51234;
    e.details.exitCode = 1;
    e.details.durationMs = 280;
    e.details.bytesKept = 312;
    e.details.truncated = false;
    e.details.outputTail = {QStringLiteral("restarting"), QStringLiteral("done")};
    EventLogEntry refused = EventLogEntry::of(EventKind::Refused, EventSeverity::Info, EventCategory::Refused,
                                              QStringLiteral("no"), std::nullopt);
    refused.details.reason = QStringLiteral("debounce");
    b.events = {e, refused};
    b.children = {test::child(3, AgentKey::local(77), ChildState::Exited), test::child(4, up.key, ChildState::Running)};
    b.output = {test::chunk(3, OutputStream::Stderr, "restarting\n")};
    b.forgottenChildren = {1, 2};
    b.stats = test::stats(9500);
    b.stats.beatsAccepted = 12345;
    b.stats.agentsTracked = 2;
    b.stats.agentsByState[int(AgentState::Up)] = 1;
    b.stats.agentsByState[int(AgentState::Stalled)] = 1;
    b.stats.recoveryTemplate = {QStringLiteral("systemctl"), QStringLiteral("restart"), QStringLiteral("{unit}")};
    return b;
}

QList<StreamMessage> decodeAll(StreamDecoder &decoder, const QByteArray &bytes) {
    QList<StreamMessage> out;
    decoder.feed(bytes, out);
    return out;
}

}  // namespace

class TestStreamDecoder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aBatchComesBackAsItWasPublished() {
        const EngineBatch sent = fullBatch();
        StreamDecoder decoder;
        const QList<StreamMessage> got = decodeAll(decoder, batchLine(sent));
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].kind, StreamMessage::Kind::Batch);
        QCOMPARE(got[0].id.toInt(), 7);
        const EngineBatch &b = got[0].batch;
        // Written again, it is the same JSON: every field survived the trip.
        QCOMPARE(json::batchJson(b), json::batchJson(sent));
        QCOMPARE(b.agents[1].identity->unit, QStringLiteral("api.service"));
        QCOMPARE(b.agents[1].continues, std::optional(AgentKey::local(70)));
        QCOMPARE(b.events[0].category, EventCategory::Recovery);
        QCOMPARE(b.events[1].category, EventCategory::Refused);
        QCOMPARE(b.forgottenChildren, (QList<std::uint64_t>{1, 2}));
        QCOMPARE(decoder.malformed(), 0u);
    }

    // Compact beats ride beside the full rows and are handed on as they were sent.
    void beatsDecodeBesideTheFullRows() {
        const QByteArray bytes = R"({"v":1,"id":7,"batch":{"stats":{"now_ms":9500},"agents":[],)"
                                 R"("beats":[["udp:10.0.0.7/4242",9400,91,91,0],)"
                                 R"(["secure-udp:[2001:db8::7]/9",-5,0,9007199254740991,4294967295]]}})"
                                 "\n";
        StreamDecoder decoder;
        const QList<StreamMessage> got = decodeAll(decoder, bytes);
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].kind, StreamMessage::Kind::Batch);
        QVERIFY(got[0].batch.agents.isEmpty());
        const QList<StreamBeat> expected{
            StreamBeat{test::udpKey(4242), 9400, 91, 91, 0},
            StreamBeat{AgentKey::fromPeer(Transport::SecureUdp, QHostAddress(QStringLiteral("2001:db8::7")), 9), -5, 0,
                       9007199254740991, 4294967295u}};
        QCOMPARE(got[0].beats, expected);
        // Written again the observer's way, they read back the same.
        QCOMPARE(StreamDecoder::beatsFromJson(StreamDecoder::beatsJson(expected), nullptr), std::optional(expected));
        // No `beats` at all is an empty list, not a problem.
        QVERIFY(decodeAll(decoder, batchLine(fullBatch()))[0].beats.isEmpty());
        QCOMPARE(decoder.malformed(), 0u);
    }

    void theSubscribeReplyIsASnapshot() {
        EngineBatch snapshot = fullBatch();
        const QJsonObject body{{"agents", json::batchJson(snapshot).value("agents")},
                               {"children", json::batchJson(snapshot).value("children")},
                               {"stats", json::statsJson(snapshot.stats)}};
        StreamDecoder decoder;
        const QList<StreamMessage> got =
            decodeAll(decoder, line(QJsonObject{{"v", 1},
                                                {"id", "subscribe"},
                                                {"ok", true},
                                                {"result", QJsonObject{{"now_ms", 9500}, {"snapshot", body}}}}));
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].kind, StreamMessage::Kind::Snapshot);
        QCOMPARE(got[0].batch.agents.size(), 2);
        QCOMPARE(got[0].batch.children.size(), 2);
        QCOMPARE(got[0].result.value("now_ms").toInt(), 9500);
        QVERIFY(!got[0].result.contains("snapshot"));
    }

    void repliesAndRefusalsKeepTheirCodes() {
        StreamDecoder decoder;
        const QList<StreamMessage> got =
            decodeAll(decoder, R"({"v":1,"id":3,"ok":false,"code":"permission_denied","error":"token may only view"})"
                               "\n"
                               R"({"v":1,"id":4,"ok":true,"result":{"results":[]}})"
                               "\n"
                               R"({"v":1,"id":9,"event":{"seq":1}})"
                               "\n");
        QCOMPARE(got.size(), 3);
        QCOMPARE(got[0].kind, StreamMessage::Kind::Reply);
        QVERIFY(!got[0].ok);
        QCOMPARE(got[0].code, QStringLiteral("permission_denied"));
        QCOMPARE(got[0].error, QStringLiteral("token may only view"));
        QCOMPARE(got[1].kind, StreamMessage::Kind::Reply);
        QVERIFY(got[1].ok);
        QCOMPARE(got[2].kind, StreamMessage::Kind::Ignored);
    }

    void linesSplitAnywhereReassemble() {
        const QByteArray bytes = batchLine(fullBatch(), 1) + batchLine(fullBatch(), 2);
        StreamDecoder decoder;
        QList<StreamMessage> got;
        for (qsizetype i = 0; i < bytes.size(); i += 7)
            decoder.feed(QByteArrayView(bytes).sliced(i, std::min<qsizetype>(7, bytes.size() - i)), got);
        QCOMPARE(got.size(), 2);
        QCOMPARE(got[0].id.toInt(), 1);
        QCOMPARE(got[1].id.toInt(), 2);
        QCOMPARE(decoder.pendingBytes(), 0);
    }

    void badLinesAreRefusedAloneAndCounted_data() {
        QTest::addColumn<QByteArray>("bad");
        QTest::addColumn<QString>("why");
        QTest::newRow("not json") << QByteArray("{\"v\":1,") << "not JSON";
        QTest::newRow("an array") << QByteArray("[1,2]") << "JSON object";
        QTest::newRow("binary") << QByteArray("\x01\xff\xfe garbage", 12) << "not JSON";
        QTest::newRow("version 2") << QByteArray(R"({"v":2,"batch":{}})") << "version";
        QTest::newRow("neither") << QByteArray(R"({"v":1,"hello":1})") << "neither";
        QTest::newRow("ok not bool") << QByteArray(R"({"ok":"yes"})") << "\"ok\"";
        QTest::newRow("result not object") << QByteArray(R"({"ok":true,"result":5})") << "result";
        QTest::newRow("batch not object") << QByteArray(R"({"batch":[]})") << "batch";
        QTest::newRow("no stats") << QByteArray(R"({"batch":{"agents":[]}})") << "stats.now_ms";
        QTest::newRow("bad key") << QByteArray(
            R"({"batch":{"stats":{"now_ms":1},"agents":[{"key":"nope","state":"up"}]}})")
                                 << "agent.key";
        QTest::newRow("unknown state") << QByteArray(
            R"({"batch":{"stats":{"now_ms":1},"agents":[{"key":"uds/1","state":"asleep"}]}})")
                                       << "agent.state";
        QTest::newRow("pid too big") << QByteArray(
            R"({"batch":{"stats":{"now_ms":1},"agents":[{"key":"uds/99999999999","state":"up"}]}})")
                                     << "agent.key";
        QTest::newRow("huge number") << QByteArray(R"({"batch":{"stats":{"now_ms":1e300}}})") << "out of range";
        QTest::newRow("fraction") << QByteArray(R"({"batch":{"stats":{"now_ms":1.5}}})") << "not an integer";
        QTest::newRow("negative count") << QByteArray(R"({"batch":{"stats":{"now_ms":1,"by_state":{"up":-1}}}})")
                                        << "out of range";
        QTest::newRow("agent not object")
            << QByteArray(R"({"batch":{"stats":{"now_ms":1},"agents":[3]}})") << "not an object";
        QTest::newRow("bad stream") << QByteArray(
            R"({"batch":{"stats":{"now_ms":1},"output":[{"child":1,"stream":"stdin","text":""}]}})")
                                    << "stream";
        const auto beats = [](const char *list) {
            return QByteArray(R"({"batch":{"stats":{"now_ms":1},"beats":)") + list + "}}";
        };
        QTest::newRow("beats not a list") << beats("{}") << "batch.beats: not a list";
        QTest::newRow("beat not a list") << beats(R"(["uds/1"])") << "batch.beats[0]";
        QTest::newRow("beat too short") << beats(R"([["uds/1",1,1,1]])") << "batch.beats[0]";
        QTest::newRow("beat too long") << beats(R"([["uds/1",1,1,1,0,0]])") << "batch.beats[0]";
        QTest::newRow("beat bad key") << beats(R"([["uds/1",1,1,1,0],["nope",1,1,1,0]])")
                                      << "batch.beats[1]: not an agent key";
        QTest::newRow("beat key not text") << beats(R"([[7,1,1,1,0]])") << "not an agent key";
        QTest::newRow("beat negative count") << beats(R"([["uds/1",1,-1,1,0]])") << "in range";
        QTest::newRow("beat fraction") << beats(R"([["uds/1",1.5,1,1,0]])") << "in range";
        QTest::newRow("beat payload too big") << beats(R"([["uds/1",1,1,1,4294967296]])") << "in range";
        QTest::newRow("beat huge") << beats(R"([["uds/1",1e300,1,1,0]])") << "in range";
        QTest::newRow("beat not a number") << beats(R"([["uds/1",1,"1",1,0]])") << "in range";
        QTest::newRow("bad snapshot") << QByteArray(R"({"ok":true,"result":{"snapshot":{"stats":7}}})") << "snapshot";
    }
    void badLinesAreRefusedAloneAndCounted() {
        QFETCH(QByteArray, bad);
        QFETCH(QString, why);
        StreamDecoder decoder;
        const QList<StreamMessage> got = decodeAll(decoder, bad + '\n' + batchLine(fullBatch()));
        QCOMPARE(got.size(), 2);
        QCOMPARE(got[0].kind, StreamMessage::Kind::Malformed);
        QVERIFY2(got[0].error.contains(why), qPrintable(got[0].error));
        QCOMPARE(got[1].kind, StreamMessage::Kind::Batch);
        QCOMPARE(decoder.malformed(), 1u);
    }

    void aLineLongerThanTheBoundIsSkippedUnkept() {
        StreamDecoder decoder;
        QList<StreamMessage> got;
        const QByteArray mebibyte(1024 * 1024, 'x');
        decoder.feed("{\"batch\":\"", got);
        for (qsizetype fed = 0; fed <= StreamDecoder::kMaxLineBytes; fed += mebibyte.size()) {
            decoder.feed(mebibyte, got);
            QVERIFY(decoder.pendingBytes() <= StreamDecoder::kMaxLineBytes);
        }
        QCOMPARE(decoder.pendingBytes(), 0);  // nothing of it is held once it is known to be too long
        decoder.feed("\"}\n" + batchLine(fullBatch()), got);
        QCOMPARE(got.size(), 2);
        QCOMPARE(got[0].kind, StreamMessage::Kind::Malformed);
        QVERIFY(got[0].error.contains(QStringLiteral("longer than")));
        QCOMPARE(got[1].kind, StreamMessage::Kind::Batch);
        QCOMPARE(decoder.tooLong(), 1u);
    }

    void resetForgetsALineBegun() {
        StreamDecoder decoder;
        QList<StreamMessage> got;
        decoder.feed("{\"batch\":{\"stats\"", got);
        decoder.reset();
        decoder.feed(batchLine(fullBatch()), got);
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].kind, StreamMessage::Kind::Batch);
    }
};

QTEST_GUILESS_MAIN(TestStreamDecoder)
#include "tst_stream_decoder.moc"
