// An agent's row written as bytes is the row agentJson defines, byte for byte, whatever
// the agent holds: every state and status, every optional field, keys of every
// transport, one after another, numbers at their limits and strings that need escaping.

#include "core/published/agent_json_bytes.h"
#include "core/published/published_json.h"
#include "tests/support/test_batches.h"

#include <QJsonDocument>
#include <QTest>

#include <limits>

using namespace varta;

namespace {

QByteArray viaQt(const AgentSnapshot &a, EngineMs nowMs) {
    return QJsonDocument(json::agentJson(a, nowMs)).toJson(QJsonDocument::Compact);
}

QByteArray written(const AgentSnapshot &a, EngineMs nowMs) {
    QByteArray out("prefix,");
    json::appendAgentJson(out, a, nowMs);
    return out.mid(7);
}

std::shared_ptr<const ProcessIdentity> identity(const QString &text) {
    auto p = std::make_shared<ProcessIdentity>();
    p->startTime = 123456789;
    p->comm = text.left(15);
    p->cmdline = text;
    p->cmdlineTruncated = true;
    p->uid = 1000;
    p->user = QStringLiteral("alice");
    p->cgroup = QStringLiteral("/system.slice/api.service");
    p->unit = QStringLiteral("api.service");
    return p;
}

}  // namespace

class TestAgentJsonBytes : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyStateAndStatus() {
        for (int s = 0; s < kAgentStateCount; ++s)
            for (const vlp::Status status :
                 {vlp::Status::Ok, vlp::Status::Degraded, vlp::Status::Critical, vlp::Status::Stall}) {
                AgentSnapshot a = test::snapshot(test::udpKey(4242), static_cast<AgentState>(s), 17, 9000);
                a.lastStatus = status;
                QCOMPARE(written(a, 12'345), viaQt(a, 12'345));
                a.silent = true;
                QCOMPARE(written(a, 12'345), viaQt(a, 12'345));
            }
    }

    void everyOptionalField() {
        for (int mask = 0; mask < 16; ++mask) {
            AgentSnapshot a = test::snapshot(AgentKey::local(77), AgentState::Stalled, 3, 500);
            if (mask & 1)
                a.downSinceMs = 600;
            if (mask & 2)
                a.identity = identity(QStringLiteral("/usr/bin/api --port 80"));
            if (mask & 4)
                a.continues = AgentKey::local(76);
            if (mask & 8)
                a.replacedByPid = 78;
            a.terminating = (mask & 1) != 0;
            QCOMPARE(written(a, 900), viaQt(a, 900));
        }
    }

    void keysOfEveryTransport() {
        const QList<AgentKey> keys{
            AgentKey::local(1),
            test::udpKey(2, "127.0.0.1"),
            test::udpKey(3, "2001:db8::1"),
            AgentKey::fromPeer(Transport::SecureUdp, QHostAddress(QStringLiteral("10.1.2.3")), 4),
            AgentKey::fromPeer(Transport::SecureUdp, QHostAddress(QStringLiteral("fe80::1")), 4'194'304),
        };
        for (const AgentKey &key : keys) {
            AgentSnapshot a = test::snapshot(key);
            a.continues = key;
            QCOMPARE(written(a, 1000), viaQt(a, 1000));
        }
    }

    // The texts an origin's keys share are made once for a run of its keys: keys that come
    // in runs and interleaved, from one sender and from another on the same address over
    // another transport, are each written as their own.
    void keysOfOneOriginInRunsAndInterleaved() {
        const QList<AgentKey> keys{
            test::udpKey(10, "10.0.0.1"),
            test::udpKey(11, "10.0.0.1"),
            test::udpKey(12, "10.0.0.2"),
            AgentKey::fromPeer(Transport::SecureUdp, QHostAddress(QStringLiteral("10.0.0.2")), 12),
            test::udpKey(13, "10.0.0.1"),
            AgentKey::local(14),
            test::udpKey(4'294'967'295u, "2001:db8::1"),
            test::udpKey(1, "2001:db8::1"),
        };
        for (const AgentKey &key : keys) {
            QCOMPARE(written(test::snapshot(key), 5), viaQt(test::snapshot(key), 5));
            QCOMPARE(json::keyText(key), key.text().toUtf8());
        }
    }

    void numbersAtTheirLimits() {
        AgentSnapshot a = test::snapshot(test::udpKey(std::numeric_limits<std::uint32_t>::max()));
        a.beats = std::numeric_limits<std::uint64_t>::max();  // written as the int64 it is cast to
        a.nonce = std::numeric_limits<std::uint64_t>::max() / 2;
        a.stalls = std::numeric_limits<std::uint64_t>::max() / 3;
        a.recoveries = 1ULL << 53;
        a.payload = std::numeric_limits<std::uint32_t>::max();
        a.firstSeenMs = std::numeric_limits<EngineMs>::min() / 2;
        a.lastBeatMs = std::numeric_limits<EngineMs>::max() / 2;
        a.downSinceMs = -1;
        a.replacedByPid = std::numeric_limits<std::uint32_t>::max();
        a.state = AgentState::Exited;  // silent: silent_ms is counted, never below 0
        QCOMPARE(written(a, 0), viaQt(a, 0));
        a.lastBeatMs = -5;
        QCOMPARE(written(a, 10), viaQt(a, 10));
    }

    void stringsThatNeedEscapes() {
        const QStringList texts{
            QStringLiteral("quote \" and backslash \\"),
            QStringLiteral("tab\tnewline\ncarriage\rbell\a"),
            QString(QChar(0x7f)) + QStringLiteral("delete"),
            QStringLiteral("Grüße, 日本, 🚀"),
            QString(QChar(0xd800)) + QStringLiteral("lone surrogate"),
            QString(),
        };
        for (const QString &text : texts) {
            AgentSnapshot a = test::snapshot(AgentKey::local(9));
            a.identity = identity(text);
            QCOMPARE(written(a, 1), viaQt(a, 1));
        }
    }
};

QTEST_GUILESS_MAIN(TestAgentJsonBytes)
#include "tst_agent_json_bytes.moc"
