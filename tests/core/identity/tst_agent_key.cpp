// How operators name an agent (docs/control.md section 3): ORIGIN/PID, read back exactly,
// and anything else refused.
#include "core/identity/agent_key.h"

#include <QTest>

using namespace varta;

class TestAgentKey : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void textNamesOriginAndPid_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("uds") << QStringLiteral("uds/4242");
        QTest::newRow("udp v4") << QStringLiteral("udp:10.0.0.7/4242");
        QTest::newRow("secure v6") << QStringLiteral("secure-udp:[2001:db8::7]/4242");
        QTest::newRow("udp loopback") << QStringLiteral("udp:127.0.0.1/1");
    }
    void textNamesOriginAndPid() {
        QFETCH(QString, text);
        const std::optional<AgentKey> key = AgentKey::parse(text);
        QVERIFY(key);
        QCOMPARE(key->text(), text);
    }

    void aKeyFromTheWireReadsBackAsItself() {
        const AgentKey v4 = AgentKey::fromPeer(Transport::Udp, QHostAddress(QStringLiteral("192.0.2.1")), 77);
        QCOMPARE(v4.text(), QStringLiteral("udp:192.0.2.1/77"));
        QVERIFY(AgentKey::parse(v4.text()) == v4);
        const AgentKey v6 = AgentKey::fromPeer(Transport::SecureUdp, QHostAddress(QStringLiteral("::1")), 9);
        QCOMPARE(v6.text(), QStringLiteral("secure-udp:[::1]/9"));
        QVERIFY(AgentKey::parse(v6.text()) == v6);
    }

    void malformedTextIsRefused_data() {
        QTest::addColumn<QString>("text");
        for (const char *bad : {"", "4242", "uds", "uds/", "uds/0", "uds/-1", "uds/4294967296", "uds/12x",
                                "tcp:1.2.3.4/5", "udp:/5", "udp:nothost/5", "udp:1.2.3.4", "/5"})
            QTest::newRow(bad) << QString::fromLatin1(bad);
    }
    void malformedTextIsRefused() {
        QFETCH(QString, text);
        QVERIFY(!AgentKey::parse(text));
    }
};

QTEST_GUILESS_MAIN(TestAgentKey)
#include "tst_agent_key.moc"
