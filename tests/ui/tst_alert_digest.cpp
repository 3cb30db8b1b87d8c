// AlertDigest: a fleet going down is one notification, then at most one per hold.
#include "ui/models/alert_digest.h"

#include <QTest>

using namespace varta;
using varta::ui::AlertDigest;
using varta::ui::AlertKind;

namespace {

AgentKey local(std::uint32_t pid) { return AgentKey::local(pid); }
const AlertDigest::Group &group(const AlertDigest::Digest &d, AlertKind kind) {
    return d[static_cast<std::size_t>(kind)];
}

}  // namespace

class TestAlertDigest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void nothingGatheredIsNothingDue() {
        AlertDigest digest;
        QVERIFY(digest.empty());
        QVERIFY(!digest.take(0));
    }

    void theFirstAlertAfterAQuietSpellIsDueAtOnce() {
        AlertDigest digest;
        digest.add(AlertKind::Stalled, local(7));
        const auto due = digest.take(5'000);
        QVERIFY(due);
        QCOMPARE(group(*due, AlertKind::Stalled).count, 1);
        QCOMPARE(group(*due, AlertKind::Stalled).first, QList<AgentKey>{local(7)});
        QVERIFY(digest.empty());
    }

    void alertsWithinTheHoldWaitForItsEndAndGoOutTogether() {
        AlertDigest digest;
        digest.add(AlertKind::Stalled, local(1));
        QVERIFY(digest.take(1'000));
        digest.add(AlertKind::Stalled, local(2));
        digest.add(AlertKind::Exited, local(3));
        digest.add(AlertKind::GaveUp, local(4));
        QVERIFY(!digest.take(1'000 + AlertDigest::kHoldMs - 1));
        const auto due = digest.take(1'000 + AlertDigest::kHoldMs);
        QVERIFY(due);
        QCOMPARE(group(*due, AlertKind::Stalled).count, 1);
        QCOMPARE(group(*due, AlertKind::Exited).count, 1);
        QCOMPARE(group(*due, AlertKind::GaveUp).count, 1);
        // The next hold starts at this notification.
        digest.add(AlertKind::Stalled, local(5));
        QVERIFY(!digest.take(1'000 + AlertDigest::kHoldMs + 1));
    }

    void aFlappingAgentIsCountedOnce() {
        AlertDigest digest;
        digest.add(AlertKind::Stalled, local(1));
        digest.add(AlertKind::Stalled, local(1));
        digest.add(AlertKind::Exited, local(1));
        const auto due = digest.take(0);
        QVERIFY(due);
        QCOMPARE(group(*due, AlertKind::Stalled).count, 1);
        QCOMPARE(group(*due, AlertKind::Stalled).first.size(), 1);
        QCOMPARE(group(*due, AlertKind::Exited).count, 1);
        digest.add(AlertKind::Stalled, local(1));  // a new hold: counted again
        QVERIFY(!digest.empty());
    }

    void fourHundredStallsAreOneNotificationNamingThree() {
        AlertDigest digest;
        for (std::uint32_t pid = 1; pid <= 400; ++pid)
            digest.add(AlertKind::Stalled, local(pid));
        const auto due = digest.take(0);
        QVERIFY(due);
        QCOMPARE(group(*due, AlertKind::Stalled).count, 400);
        QCOMPARE(group(*due, AlertKind::Stalled).first, (QList<AgentKey>{local(1), local(2), local(3)}));
        QCOMPARE(group(*due, AlertKind::Exited).count, 0);
        QVERIFY(!digest.take(AlertDigest::kHoldMs * 10));  // all of them went out
    }
};

QTEST_GUILESS_MAIN(TestAlertDigest)
#include "tst_alert_digest.moc"
