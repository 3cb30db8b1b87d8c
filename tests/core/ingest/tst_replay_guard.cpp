// ReplayGuard: the per-sender iv_random/counter rules, the bounded table failing closed,
// and idle expiry, with time passed in (no sleeps).
#include "core/ingest/replay_guard.h"
#include "core/vlp/frame.h"

#include <QTest>

#include <bit>

using namespace varta;
using Verdict = ReplayGuard::Verdict;

Q_DECLARE_METATYPE(ReplayGuard::Verdict)

namespace {

// One frame offered to the guard: which iv_random (by letter), its counter and nonce.
struct Step {
    char iv = 'A';
    quint32 counter = 0;
    quint64 nonce = 0;
    Verdict expected = Verdict::Accepted;
};

vlp::IvRandom ivNamed(char name) {
    vlp::IvRandom iv{};
    iv.fill(static_cast<std::uint8_t>(name));
    return iv;
}

constexpr std::uint32_t kPid = 4242;
constexpr std::int64_t kExpiry = ReplayGuard::kIdleExpiryNs;

}  // namespace

Q_DECLARE_METATYPE(QList<Step>)

class TestReplayGuard : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sequences_data() {
        QTest::addColumn<QList<Step>>("steps");
        const auto acc = Verdict::Accepted;
        const auto oldCounter = Verdict::StaleCounter;
        const auto oldNonce = Verdict::StaleNonce;
        const quint64 panic = vlp::kNonceTerminal;
        QTest::newRow("first frame of a sender, counter 0") << QList<Step>{{'A', 0, 1, acc}};
        QTest::newRow("strictly greater counter") << QList<Step>{{'A', 0, 1, acc}, {'A', 1, 2, acc}, {'A', 7, 3, acc}};
        QTest::newRow("same counter replayed") << QList<Step>{{'A', 3, 1, acc}, {'A', 3, 1, oldCounter}};
        QTest::newRow("older counter") << QList<Step>{
            {'A', 5, 1, acc}, {'A', 4, 2, oldCounter}, {'A', 0, 3, oldCounter}};
        QTest::newRow("counter rule alone on a known iv (nonce is the tracker's)")
            << QList<Step>{{'A', 0, 10, acc}, {'A', 1, 3, acc}};
        QTest::newRow("previous iv_random still accepted")
            << QList<Step>{{'A', 0, 1, acc}, {'A', 1, 2, acc}, {'B', 0, 3, acc}, {'A', 2, 4, acc}, {'B', 1, 5, acc}};
        QTest::newRow("previous iv_random keeps its own counter")
            << QList<Step>{{'A', 4, 1, acc}, {'B', 0, 2, acc}, {'A', 4, 1, oldCounter}, {'A', 3, 1, oldCounter}};
        QTest::newRow("unknown iv_random with a stale nonce")
            << QList<Step>{{'A', 0, 10, acc}, {'B', 0, 5, oldNonce}, {'B', 0, 10, oldNonce}, {'B', 0, 11, acc}};
        QTest::newRow("a refused new iv_random is not remembered")
            << QList<Step>{{'A', 0, 10, acc}, {'B', 9, 5, oldNonce}, {'A', 1, 11, acc}, {'B', 0, 12, acc}};
        QTest::newRow("only two iv_randoms are kept") << QList<Step>{
            {'A', 0, 1, acc}, {'B', 0, 2, acc}, {'C', 0, 3, acc}, {'A', 5, 2, oldNonce}, {'B', 1, 4, acc}};
        QTest::newRow("last counter value")
            << QList<Step>{{'A', 0xFFFFFFFE, 1, acc}, {'A', 0xFFFFFFFF, 2, acc}, {'A', 0xFFFFFFFF, 3, oldCounter}};
        QTest::newRow("panic frame replayed")
            << QList<Step>{{'A', 0, 1, acc}, {'A', 1, panic, acc}, {'A', 1, panic, oldCounter}};
        QTest::newRow("panic frame does not raise the nonce bar")
            << QList<Step>{{'A', 0, 5, acc}, {'A', 1, panic, acc}, {'B', 0, 6, acc}};
    }
    void sequences() {
        QFETCH(QList<Step>, steps);
        ReplayGuard guard;
        for (qsizetype i = 0; i < steps.size(); ++i) {
            const Step &s = steps[i];
            const Verdict got = guard.check(kPid, ivNamed(s.iv), s.counter, s.nonce, 1000 + i);
            if (got != s.expected)
                QFAIL(qPrintable(
                    QStringLiteral("step %1: verdict %2, expected %3").arg(i).arg(int(got)).arg(int(s.expected))));
        }
        QCOMPARE(guard.size(), std::size_t(1));
    }

    void sendersAreSeparate() {
        ReplayGuard guard;
        QCOMPARE(guard.check(100, ivNamed('A'), 3, 1, 0), Verdict::Accepted);
        QCOMPARE(guard.check(101, ivNamed('A'), 3, 1, 0), Verdict::Accepted);
        QCOMPARE(guard.check(100, ivNamed('A'), 3, 1, 0), Verdict::StaleCounter);
        QCOMPARE(guard.size(), std::size_t(2));
    }

    void fullTableFailsClosed() {
        ReplayGuard guard(3);
        for (std::uint32_t pid = 10; pid < 13; ++pid)
            QCOMPARE(guard.check(pid, ivNamed('A'), 0, 1, 0), Verdict::Accepted);
        QCOMPARE(guard.check(13, ivNamed('A'), 0, 1, 1), Verdict::TableFull);
        QCOMPARE(guard.check(13, ivNamed('A'), 0, 1, kExpiry - 1), Verdict::TableFull);
        QCOMPARE(guard.size(), std::size_t(3));
        // Known senders carry on.
        QCOMPARE(guard.check(11, ivNamed('A'), 1, 2, 2), Verdict::Accepted);
        QCOMPARE(guard.check(11, ivNamed('A'), 1, 2, 2), Verdict::StaleCounter);
    }

    void idleExpiryFreesASlot() {
        ReplayGuard guard(2);
        QCOMPARE(guard.check(10, ivNamed('A'), 0, 1, 0), Verdict::Accepted);
        QCOMPARE(guard.check(11, ivNamed('A'), 0, 1, 0), Verdict::Accepted);
        QCOMPARE(guard.check(11, ivNamed('A'), 1, 2, 1000), Verdict::Accepted);
        QCOMPARE(guard.check(12, ivNamed('A'), 0, 1, kExpiry - 1), Verdict::TableFull);
        // pid 10 has now been silent for the whole expiry; pid 11 has not.
        QCOMPARE(guard.check(12, ivNamed('A'), 0, 1, kExpiry), Verdict::Accepted);
        QCOMPARE(guard.size(), std::size_t(2));
        QCOMPARE(guard.check(11, ivNamed('A'), 1, 2, kExpiry), Verdict::StaleCounter);
        QCOMPARE(guard.check(13, ivNamed('A'), 0, 1, kExpiry), Verdict::TableFull);
    }

    void refusedFramesDoNotKeepAnEntryAlive() {
        ReplayGuard guard(1);
        QCOMPARE(guard.check(10, ivNamed('A'), 5, 1, 0), Verdict::Accepted);
        QCOMPARE(guard.check(10, ivNamed('A'), 5, 1, kExpiry / 2), Verdict::StaleCounter);
        QCOMPARE(guard.check(11, ivNamed('A'), 0, 1, kExpiry), Verdict::Accepted);
    }

    // A process that restarts under the same pid (nonce back to 1, new salt) is refused
    // until its old state has been idle for the expiry, then starts afresh.
    void expiredSenderStartsAfresh() {
        ReplayGuard guard;
        QCOMPARE(guard.check(kPid, ivNamed('A'), 50, 100, 0), Verdict::Accepted);
        QCOMPARE(guard.check(kPid, ivNamed('B'), 0, 1, kExpiry - 1), Verdict::StaleNonce);
        QCOMPARE(guard.check(kPid, ivNamed('B'), 0, 1, kExpiry), Verdict::Accepted);
        QCOMPARE(guard.check(kPid, ivNamed('A'), 51, 101, kExpiry), Verdict::Accepted);
        QCOMPARE(guard.check(kPid, ivNamed('B'), 0, 2, kExpiry), Verdict::StaleCounter);
    }

    // Many senders, then a sweep that keeps half of them: the survivors keep their state.
    void sweepKeepsActiveSenders() {
        const std::uint32_t n = 600;
        ReplayGuard guard(n);
        for (std::uint32_t pid = 2; pid < n + 2; ++pid)
            QCOMPARE(guard.check(pid, ivNamed('A'), 0, 1, 0), Verdict::Accepted);
        for (std::uint32_t pid = 2; pid < n + 2; pid += 2)
            QCOMPARE(guard.check(pid, ivNamed('A'), 1, 2, 1000), Verdict::Accepted);
        QCOMPARE(guard.check(n + 2, ivNamed('A'), 0, 1, kExpiry), Verdict::Accepted);
        QCOMPARE(guard.size(), std::size_t(n / 2 + 1));
        for (std::uint32_t pid = 2; pid < n + 2; pid += 2)
            QCOMPARE(guard.check(pid, ivNamed('A'), 1, 2, kExpiry), Verdict::StaleCounter);
        // Refill to capacity with the expired half (less one: pid n + 2 took a slot).
        for (std::uint32_t pid = 3; pid < n; pid += 2)
            QCOMPARE(guard.check(pid, ivNamed('A'), 0, 1, kExpiry), Verdict::Accepted);
        QCOMPARE(guard.size(), std::size_t(n));
        QCOMPARE(guard.check(n + 1, ivNamed('A'), 0, 1, kExpiry), Verdict::TableFull);
    }

    void capacityIsClamped() {
        QCOMPARE(ReplayGuard(0).capacity(), std::size_t(1));
        QCOMPARE(ReplayGuard().capacity(), ReplayGuard::kDefaultCapacity);
        QCOMPARE(ReplayGuard(1u << 20).capacity(), std::size_t(1u << 20));  // --tracker-capacity's ceiling
        QCOMPARE(ReplayGuard(ReplayGuard::kMaxCapacity * 4).capacity(), ReplayGuard::kMaxCapacity);
    }

    // The index follows the senders seen, not the capacity: a guard sized for a million
    // senders starts at kInitialBuckets and doubles only as senders arrive, staying at
    // most half full.
    void indexGrowsWithTheSenders() {
        ReplayGuard guard(ReplayGuard::kMaxCapacity);
        QCOMPARE(guard.bucketCount(), ReplayGuard::kInitialBuckets);
        for (std::uint32_t pid = 2; pid < 2 + 512; ++pid)
            QCOMPARE(guard.check(pid, ivNamed('A'), 0, 1, 0), Verdict::Accepted);
        QCOMPARE(guard.bucketCount(), ReplayGuard::kInitialBuckets);
        QCOMPARE(guard.check(9999, ivNamed('A'), 0, 1, 0), Verdict::Accepted);
        QCOMPARE(guard.bucketCount(), ReplayGuard::kInitialBuckets * 2);
        // A small table starts at its final size: twice its capacity, rounded up to a power of two.
        ReplayGuard small(5);
        QCOMPARE(small.bucketCount(), std::size_t(16));
    }

    // 100,000 senders at once (what one observer tracks), in a table of exactly that size:
    // each one's counter, iv and nonce rules hold independently, and the next sender is
    // refused, failing closed.
    void hundredThousandSenders() {
        const std::uint32_t n = 100'000;
        const std::uint32_t base = 3'000'000;
        ReplayGuard guard(n);
        for (std::uint32_t i = 0; i < n; ++i)
            QCOMPARE(guard.check(base + i, ivNamed('A'), 0, 1, 0), Verdict::Accepted);
        QCOMPARE(guard.size(), std::size_t(n));
        QVERIFY(guard.bucketCount() <= std::bit_ceil(std::size_t(n) * 2));
        QCOMPARE(guard.check(base + n, ivNamed('A'), 0, 1, 1), Verdict::TableFull);
        for (std::uint32_t i = 0; i < n; ++i) {
            const std::uint32_t pid = base + i;
            if (guard.check(pid, ivNamed('A'), 0, 1, 2) != Verdict::StaleCounter)
                QFAIL(qPrintable(QStringLiteral("pid %1: replay accepted").arg(pid)));
            if (guard.check(pid, ivNamed('B'), 0, 1, 2) != Verdict::StaleNonce)
                QFAIL(qPrintable(QStringLiteral("pid %1: stale nonce on a new iv accepted").arg(pid)));
            if (guard.check(pid, ivNamed('A'), 1, 2, 2) != Verdict::Accepted)
                QFAIL(qPrintable(QStringLiteral("pid %1: next counter refused").arg(pid)));
        }
        QCOMPARE(guard.check(base + n, ivNamed('A'), 0, 1, 3), Verdict::TableFull);
        // All of them silent for the expiry: the newcomer gets a slot.
        QCOMPARE(guard.check(base + n, ivNamed('A'), 0, 1, kExpiry + 2), Verdict::Accepted);
    }

    // New senders reclaim the slots of idle ones as they arrive, before the table is full:
    // memory stays at the senders active in the last kIdleExpiryNs.
    void newSendersReclaimIdleEntries() {
        ReplayGuard guard(1000);
        for (std::uint32_t pid = 100; pid < 110; ++pid)
            QCOMPARE(guard.check(pid, ivNamed('A'), 5, 9, 0), Verdict::Accepted);
        for (std::uint32_t pid = 200; pid < 210; ++pid)
            QCOMPARE(guard.check(pid, ivNamed('A'), 0, 1, kExpiry), Verdict::Accepted);
        QCOMPARE(guard.size(), std::size_t(10));
        // The old pids start afresh; the new ones keep their state.
        QCOMPARE(guard.check(100, ivNamed('A'), 0, 1, kExpiry), Verdict::Accepted);
        QCOMPARE(guard.check(200, ivNamed('A'), 0, 1, kExpiry), Verdict::StaleCounter);
    }

    // Erasing from the middle of probe runs (backward shift) keeps every other sender
    // findable: 300 senders, the even pids idle; 150 newcomers sweep two entries each,
    // which erases exactly the idle half, and everyone else keeps their state.
    void erasingKeepsProbeRunsIntact() {
        ReplayGuard guard(1000);
        for (std::uint32_t pid = 2; pid < 302; ++pid)
            QCOMPARE(guard.check(pid, ivNamed('A'), 0, 1, pid % 2 == 0 ? 0 : kExpiry / 2), Verdict::Accepted);
        for (std::uint32_t pid = 5000; pid < 5150; ++pid)
            QCOMPARE(guard.check(pid, ivNamed('A'), 0, 1, kExpiry), Verdict::Accepted);
        QCOMPARE(guard.size(), std::size_t(300));
        for (std::uint32_t pid = 3; pid < 302; pid += 2)
            QCOMPARE(guard.check(pid, ivNamed('A'), 0, 1, kExpiry), Verdict::StaleCounter);
        for (std::uint32_t pid = 5000; pid < 5150; ++pid)
            QCOMPARE(guard.check(pid, ivNamed('A'), 0, 1, kExpiry), Verdict::StaleCounter);
        QCOMPARE(guard.size(), std::size_t(300));
        for (std::uint32_t pid = 2; pid < 302; pid += 2)
            QCOMPARE(guard.check(pid, ivNamed('A'), 0, 1, kExpiry), Verdict::Accepted);
        QCOMPARE(guard.size(), std::size_t(450));
    }

    // Master-key deployments keep each sender's derived key with its entry: stored when
    // a frame opened with it is accepted, not when refused, and wiped when the entry goes.
    void agentKeysLiveAndDieWithTheirEntry() {
        vlp::KeyBytes key{};
        key.fill(0x5A);
        ReplayGuard guard(2, true);
        QCOMPARE(guard.agentKey(10), nullptr);
        QCOMPARE(guard.check(10, ivNamed('A'), 0, 1, 0, &key), Verdict::Accepted);
        QVERIFY(guard.agentKey(10) != nullptr);
        QCOMPARE(*guard.agentKey(10), key);
        QCOMPARE(guard.check(11, ivNamed('A'), 0, 1, 0), Verdict::Accepted);
        QCOMPARE(guard.agentKey(11), nullptr);
        QCOMPARE(guard.check(11, ivNamed('A'), 0, 1, 0, &key), Verdict::StaleCounter);
        QCOMPARE(guard.agentKey(11), nullptr);  // a refused frame stores nothing
        QCOMPARE(guard.check(12, ivNamed('A'), 0, 1, 1, &key), Verdict::TableFull);
        QCOMPARE(guard.agentKey(12), nullptr);
        QCOMPARE(guard.agentKeysHeld(), std::size_t(1));
        QCOMPARE(guard.check(11, ivNamed('A'), 1, 2, 1000), Verdict::Accepted);
        QCOMPARE(guard.check(12, ivNamed('A'), 0, 1, kExpiry, &key), Verdict::Accepted);  // pid 10 expired
        QCOMPARE(guard.agentKey(10), nullptr);
        QVERIFY(guard.agentKey(12) != nullptr);
        QCOMPARE(guard.agentKeysHeld(), std::size_t(1));
        // Without a master key nothing is kept.
        ReplayGuard shared(2);
        QCOMPARE(shared.check(10, ivNamed('A'), 0, 1, 0, &key), Verdict::Accepted);
        QCOMPARE(shared.agentKey(10), nullptr);
    }
};

QTEST_GUILESS_MAIN(TestReplayGuard)
#include "tst_replay_guard.moc"
