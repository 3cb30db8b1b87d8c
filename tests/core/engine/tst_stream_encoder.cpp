// The subscribe stream's encoder on the observer's side: an agent goes out in full the
// first time, as a compact beat while only its beat fields change, in full again after
// any other change or a reset, and a removed agent leaves the cache. A snapshot's rows
// are what its subscriber holds: alone, its next beats are compact at once; beside others,
// only the rows every subscriber shares stay compact.

#include "core/engine/stream_encoder.h"
#include "core/published/published_json.h"
#include "core/published/published_json_read.h"
#include "tests/support/test_batches.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace varta;

namespace {

struct Decoded {
    QStringList full;  // the keys of the full rows
    QJsonArray beats;
    QJsonObject batch;
};

Decoded decode(const QByteArray &members) {
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson('{' + members + '}', &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("not JSON: %s in %s", qPrintable(error.errorString()), members.constData());
    Decoded d;
    d.batch = document.object().value(QLatin1String("batch")).toObject();
    for (const QJsonValue &a : d.batch.value(QLatin1String("agents")).toArray())
        d.full << a.toObject().value(QLatin1String("key")).toString();
    d.beats = d.batch.value(QLatin1String("beats")).toArray();
    return d;
}

// Batches a second apart unless a test says otherwise: a beat a second is never folded.
EngineMs g_nowMs = 0;

EngineBatch batchOf(const QList<AgentSnapshot> &agents, const QList<AgentKey> &removed = {},
                    EngineMs afterMs = StreamEncoder::kBeatEveryMs) {
    g_nowMs += afterMs;
    EngineBatch b;
    b.agents = agents;
    b.removed = removed;
    b.stats = test::stats(g_nowMs);
    return b;
}

QStringList beatKeys(const Decoded &d) {
    QStringList keys;
    for (const QJsonValue &b : d.beats)
        keys << b.toArray()[0].toString();
    return keys;
}

AgentSnapshot beaten(AgentSnapshot a) {
    a.beats += 1;
    a.nonce += 1;
    a.lastBeatMs += 1000;
    a.payload = 42;
    return a;
}

}  // namespace

class TestStreamEncoder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aFirstAppearanceIsAFullRow() {
        StreamEncoder encoder;
        const Decoded d =
            decode(encoder.encode(batchOf({test::snapshot(test::udpKey(1)), test::snapshot(AgentKey::local(2))})));
        QCOMPARE(d.full, (QStringList{"udp:10.0.0.7/1", "uds/2"}));
        QVERIFY(d.beats.isEmpty());
        QVERIFY(!d.batch.contains(QLatin1String("beats")));
        QCOMPARE(encoder.cachedAgents(), 2);
        // Everything else is what batchJson writes, the rows too.
        QString error;
        QVERIFY2(json::batchFromJson(d.batch, &error), qPrintable(error));
        EngineBatch sent = batchOf({test::snapshot(test::udpKey(1)), test::snapshot(AgentKey::local(2))});
        sent.stats.nowMs -= StreamEncoder::kBeatEveryMs;  // the batch encoded above
        QCOMPARE(d.batch, json::batchJson(sent));
    }

    void aBeatOnlyChangeIsCompact() {
        StreamEncoder encoder;
        AgentSnapshot a = test::snapshot(test::udpKey(1), AgentState::Up, 5, 9000);
        AgentSnapshot local = test::snapshot(AgentKey::local(2));
        local.identity = std::make_shared<const ProcessIdentity>();
        encoder.encode(batchOf({a, local}));
        a = beaten(a);
        local = beaten(local);
        const Decoded d = decode(encoder.encode(batchOf({a, local})));
        QVERIFY(d.full.isEmpty());
        QCOMPARE(d.beats.size(), 2);
        QCOMPARE(d.beats[0].toArray(), (QJsonArray{"udp:10.0.0.7/1", 10000, 6, 6, 42}));
        QCOMPARE(d.beats[1].toArray()[0].toString(), QStringLiteral("uds/2"));
        QCOMPARE(encoder.lastBeats(), 2);
        QCOMPARE(encoder.lastFullRows(), 0);
    }

    void anyOtherChangeIsAFullRow_data() {
        QTest::addColumn<int>("change");
        const char *names[] = {"state",  "last status", "down since", "stalls",   "recoveries", "terminating",
                               "silent", "identity",    "continues",  "replaced", "first seen"};
        for (int i = 0; i < int(std::size(names)); ++i)
            QTest::newRow(names[i]) << i;
    }
    void anyOtherChangeIsAFullRow() {
        QFETCH(int, change);
        StreamEncoder encoder;
        AgentSnapshot a = test::snapshot(AgentKey::local(7));
        encoder.encode(batchOf({a}));
        a = beaten(a);
        switch (change) {
        case 0: a.state = AgentState::Stalled; break;
        case 1: a.lastStatus = vlp::Status::Degraded; break;
        case 2: a.downSinceMs = 500; break;
        case 3: a.stalls = 1; break;
        case 4: a.recoveries = 1; break;
        case 5: a.terminating = true; break;
        case 6: a.silent = true; break;
        case 7: a.identity = std::make_shared<const ProcessIdentity>(); break;
        case 8: a.continues = AgentKey::local(6); break;
        case 9: a.replacedByPid = 8; break;
        default: a.firstSeenMs = 77; break;
        }
        Decoded d = decode(encoder.encode(batchOf({a})));
        QCOMPARE(d.full, QStringList{"uds/7"});
        QVERIFY(d.beats.isEmpty());
        // ... and what follows is relative to that row.
        d = decode(encoder.encode(batchOf({beaten(a)})));
        QVERIFY(d.full.isEmpty());
        QCOMPARE(d.beats.size(), 1);
    }

    void aResetMakesEverythingFullAgain() {
        StreamEncoder encoder;
        const AgentSnapshot a = test::snapshot(test::udpKey(1));
        const AgentSnapshot b = test::snapshot(test::udpKey(2));
        encoder.encode(batchOf({a, b}));
        encoder.reset();
        QCOMPARE(encoder.cachedAgents(), 0);
        const Decoded d = decode(encoder.encode(batchOf({beaten(a), beaten(b)})));
        QCOMPARE(d.full.size(), 2);
        QVERIFY(d.beats.isEmpty());
    }

    void theOnlySubscribersSnapshotMakesItsNextBeatsCompact() {
        StreamEncoder encoder;
        const AgentSnapshot a = test::snapshot(test::udpKey(1));
        const AgentSnapshot b = test::snapshot(test::udpKey(2), AgentState::Stalled);
        encoder.encode(batchOf({test::snapshot(test::udpKey(3))}));  // sent to someone gone since
        encoder.beginSnapshot(true, g_nowMs);
        encoder.snapshotRow(a);
        encoder.snapshotRow(b);
        QCOMPARE(encoder.cachedAgents(), 2);
        const Decoded d = decode(encoder.encode(batchOf({beaten(a), beaten(b), test::snapshot(test::udpKey(3))})));
        QCOMPARE(d.full, QStringList{"udp:10.0.0.7/3"});
        QCOMPARE(d.beats.size(), 2);
    }

    // The others hold what the stream sent them. Where the snapshot caught a change the
    // stream has not sent yet, or an agent it never sent, a beat would be relative to a
    // row they lack.
    void beside_others_onlyTheRowsEveryoneHoldsStayCompact() {
        StreamEncoder encoder;
        const AgentSnapshot same = test::snapshot(test::udpKey(1));
        AgentSnapshot changed = test::snapshot(test::udpKey(2));
        encoder.encode(batchOf({same, changed}));  // what the first subscriber holds
        changed.state = AgentState::Degraded;      // not yet in a batch when the second subscribes
        const AgentSnapshot unsent = test::snapshot(test::udpKey(3));
        encoder.beginSnapshot(false, g_nowMs);
        for (const AgentSnapshot &a : {same, changed, unsent})
            encoder.snapshotRow(a);
        const Decoded d = decode(encoder.encode(batchOf({beaten(same), beaten(changed), beaten(unsent)})));
        QCOMPARE(d.full, (QStringList{"udp:10.0.0.7/2", "udp:10.0.0.7/3"}));
        QCOMPARE(beatKeys(d), QStringList{"udp:10.0.0.7/1"});
    }

    // A beat within kBeatFoldMs of the agent's last entry is owed: it goes out, newest
    // fields and all, in the first batch after its time.
    void aBeatTooSoonIsFoldedIntoOneSentWhenDue() {
        StreamEncoder encoder;
        AgentSnapshot a = test::snapshot(test::udpKey(1));
        encoder.encode(batchOf({a}));
        a = beaten(a);
        Decoded d = decode(encoder.encode(batchOf({a}, {}, 300)));
        QVERIFY(d.beats.isEmpty());
        QCOMPARE(encoder.owedBeats(), 1);
        a = beaten(a);
        d = decode(encoder.encode(batchOf({a}, {}, 300)));
        QVERIFY(d.beats.isEmpty());
        d = decode(encoder.encode(batchOf({}, {}, 300)));  // 900 ms after the row: not yet
        QVERIFY(d.beats.isEmpty());
        d = decode(encoder.encode(batchOf({}, {}, StreamEncoder::kBeatFoldMs - 900)));
        QCOMPARE(d.beats.size(), 1);
        QCOMPARE(d.beats[0].toArray(),
                 (QJsonArray{"udp:10.0.0.7/1", qint64(a.lastBeatMs), qint64(a.beats), qint64(a.nonce), 42}));
        QCOMPARE(encoder.owedBeats(), 0);
        d = decode(encoder.encode(batchOf({})));
        QVERIFY(d.beats.isEmpty());
    }

    // 100 agents beating every 50 ms for 3 s: 60 beats each, about 3 entries each.
    void aFloodOfBeatsCostsAnEntryASecondPerAgent() {
        StreamEncoder encoder;
        QList<AgentSnapshot> agents;
        for (std::uint32_t pid = 1; pid <= 100; ++pid)
            agents.append(test::snapshot(test::udpKey(pid)));
        encoder.encode(batchOf(agents));
        qsizetype entries = 0;
        for (int batch = 0; batch < 60; ++batch) {
            for (AgentSnapshot &a : agents)
                a = beaten(a);
            encoder.encode(batchOf(agents, {}, 50));
            entries += encoder.lastBeats() + encoder.lastFullRows();
        }
        QCOMPARE(entries, 300);
    }

    // A change of state is never held back, and its row carries the owed beat.
    void aFullRowCarriesTheOwedBeat() {
        StreamEncoder encoder;
        AgentSnapshot a = test::snapshot(test::udpKey(1));
        encoder.encode(batchOf({a}));
        a = beaten(a);
        encoder.encode(batchOf({a}, {}, 100));
        QCOMPARE(encoder.owedBeats(), 1);
        a.state = AgentState::Degraded;
        Decoded d = decode(encoder.encode(batchOf({a}, {}, 100)));
        QCOMPARE(d.full, QStringList{"udp:10.0.0.7/1"});
        QCOMPARE(encoder.owedBeats(), 0);
        d = decode(encoder.encode(batchOf({}, {}, StreamEncoder::kBeatEveryMs)));
        QVERIFY(d.beats.isEmpty());
    }

    void aRemovedAgentsOwedBeatIsDropped() {
        StreamEncoder encoder;
        AgentSnapshot a = test::snapshot(test::udpKey(1));
        encoder.encode(batchOf({a}));
        encoder.encode(batchOf({beaten(a)}, {}, 100));
        encoder.encode(batchOf({}, {a.key}, 100));
        QCOMPARE(encoder.owedBeats(), 0);
        const Decoded d = decode(encoder.encode(batchOf({}, {}, StreamEncoder::kBeatEveryMs)));
        QVERIFY(d.beats.isEmpty());
    }

    void removedAgentsLeaveTheCache() {
        StreamEncoder encoder;
        const AgentSnapshot a = test::snapshot(test::udpKey(1));
        const AgentSnapshot b = test::snapshot(test::udpKey(2));
        encoder.encode(batchOf({a, b}));
        decode(encoder.encode(batchOf({}, {a.key})));
        QCOMPARE(encoder.cachedAgents(), 1);
        // Back under the same key: a new row, in full.
        const Decoded d = decode(encoder.encode(batchOf({beaten(a), beaten(b)})));
        QCOMPARE(d.full, QStringList{"udp:10.0.0.7/1"});
        QCOMPARE(d.beats.size(), 1);
    }

    // The compact form is the point: a beat costs far fewer bytes than its full row.
    void aBeatIsSmallerThanItsRow() {
        StreamEncoder encoder;
        QList<AgentSnapshot> agents;
        for (std::uint32_t pid = 100000; pid < 101000; ++pid)
            agents.append(test::snapshot(test::udpKey(pid, "127.0.0.1"), AgentState::Up, 1000, 1'000'000));
        const qsizetype fullBytes = encoder.encode(batchOf(agents)).size();
        for (AgentSnapshot &a : agents)
            a = beaten(a);
        const qsizetype beatBytes = encoder.encode(batchOf(agents)).size();
        QVERIFY2(beatBytes * 4 < fullBytes, qPrintable(QStringLiteral("%1 vs %2").arg(beatBytes).arg(fullBytes)));
        QVERIFY(beatBytes / agents.size() <= 64);
    }
};

QTEST_GUILESS_MAIN(TestStreamEncoder)
#include "tst_stream_encoder.moc"
