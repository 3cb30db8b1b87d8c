// How operators name an agent (docs/control.md section 3): ORIGIN/PID, read back exactly,
// and anything else refused. And how it is hashed: seeded per process, so keys chosen to
// collide under a fixed function spread, and another process spreads them otherwise.
#include "core/identity/agent_key.h"
#include "tests/support/colliding_keys.h"

#include <QCoreApplication>
#include <QProcess>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

using namespace varta;

namespace {

constexpr const char *kPrintHashes = "--print-hashes";

// This process's hashes of a few fixed keys: equal between two processes only if their
// seeds are.
QByteArray hashesOfFixedKeys() {
    QByteArray out;
    for (std::uint32_t pid : {2u, 3u, 4242u, 4194304u})
        out += QByteArray::number(quint64{hashAgentKey(AgentKey::local(pid))}, 16) + ' ';
    out += QByteArray::number(
        quint64{hashAgentKey(AgentKey::fromPeer(Transport::Udp, QHostAddress(QStringLiteral("10.0.0.7")), 7))}, 16);
    return out;
}

AgentKey fromFlooder(std::uint32_t pid) {
    return AgentKey::fromPeer(Transport::Udp, QHostAddress(QStringLiteral("10.0.0.7")), pid);
}

// The most keys any one of `indexSize` buckets is home to.
template <typename Hash>
std::size_t busiestBucket(const std::vector<AgentKey> &keys, Hash hash, std::size_t indexSize) {
    std::vector<std::size_t> homes(indexSize, 0);
    for (const AgentKey &key : keys)
        ++homes[hash(key) & (indexSize - 1)];
    return *std::max_element(homes.begin(), homes.end());
}

}  // namespace

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

    void keysChosenToCollideSpread() {
        // 3,000 pids from one peer chosen, under the unseeded hash, to share 4 of 4,096
        // buckets: hundreds a bucket there, and about one each under the process's seed.
        constexpr std::size_t indexSize = 4096;
        const std::vector<AgentKey> keys =
            test::collidingKeys(fromFlooder, test::unseededAgentKeyHash, 3000, 4, indexSize);
        QCOMPARE(keys.size(), std::size_t{3000});
        QVERIFY(busiestBucket(keys, test::unseededAgentKeyHash, indexSize) >= 3000 / 4);
        const std::size_t seeded = busiestBucket(
            keys, [](const AgentKey &key) { return hashAgentKey(key); }, indexSize);
        QVERIFY2(seeded <= 12, QByteArray::number(quint64{seeded}).constData());
    }

    void theSeedDecidesWhichKeysCollide() {
        // Keys that share a bucket under one seed are spread by another: a set built
        // against a seed that leaked is worth nothing to the next process.
        constexpr std::size_t indexSize = 4096;
        HashSeed one;
        one.words = {1, 2, 3, 5};
        HashSeed two;
        two.words = {7, 11, 13, 17};
        const auto underOne = [&](const AgentKey &key) { return hashAgentKey(key, one); };
        const std::vector<AgentKey> keys = test::collidingKeys(fromFlooder, underOne, 1000, 1, indexSize);
        QCOMPARE(keys.size(), std::size_t{1000});
        QCOMPARE(busiestBucket(keys, underOne, indexSize), std::size_t{1000});
        const std::size_t underTwo = busiestBucket(
            keys, [&](const AgentKey &key) { return hashAgentKey(key, two); }, indexSize);
        QVERIFY2(underTwo <= 8, QByteArray::number(quint64{underTwo}).constData());
    }

    void eachProcessHasItsOwnSeed() {
        const QByteArray mine = hashesOfFixedKeys();
        QCOMPARE(hashesOfFixedKeys(), mine);  // fixed for the process's life
        QByteArrayList children;
        for (int i = 0; i < 2; ++i) {
            QProcess child;
            child.start(QCoreApplication::applicationFilePath(), {QString::fromLatin1(kPrintHashes)});
            QVERIFY(child.waitForFinished(30000));
            QCOMPARE(child.exitCode(), 0);
            children.append(child.readAllStandardOutput().trimmed());
            QCOMPARE(children.last().count(' '), mine.count(' '));
            QVERIFY2(children.last() != mine, children.last().constData());
        }
        QVERIFY(children[0] != children[1]);
    }
};

int main(int argc, char **argv) {
    // The child eachProcessHasItsOwnSeed starts: its hashes, and no test run.
    if (argc == 2 && std::strcmp(argv[1], kPrintHashes) == 0) {
        std::printf("%s\n", hashesOfFixedKeys().constData());
        return 0;
    }
    QCoreApplication app(argc, argv);
    TestAgentKey test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}
#include "tst_agent_key.moc"
