// The stall timeline: window selection, wheel zoom, drag pan, back to live, lanes and
// tooltips with exact times.
#include "tests/support/test_batches.h"
#include "ui/models/children_model.h"
#include "ui/models/timeline_store.h"
#include "ui/widgets/timeline/stall_timeline_view.h"
#include "ui/widgets/timeline/timeline_pane.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QTest>
#include <QToolButton>
#include <QWheelEvent>

using namespace varta;
using namespace varta::test;
using varta::ui::ChildrenModel;
using varta::ui::StallTimelineView;
using varta::ui::TimelineLane;
using varta::ui::TimelinePane;
using varta::ui::TimelineStore;

namespace {
constexpr EngineMs kNow = 1'000'000;
}

class TestStallTimelineView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() {
        m_children = std::make_unique<ChildrenModel>();
        m_tester = std::make_unique<QAbstractItemModelTester>(m_children.get(),
                                                              QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_store = std::make_unique<TimelineStore>();
        m_pane = std::make_unique<TimelinePane>();
        m_pane->resize(900, 320);
        view()->setSources(m_store.get(), m_children.get());
        view()->setNow(kNow);
        m_pane->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_pane.get()));
    }
    void cleanup() {
        m_pane.reset();
        m_store.reset();
        m_tester.reset();
        m_children.reset();
    }

    void windowComboSetsTheSpan_data() {
        QTest::addColumn<int>("index");
        QTest::addColumn<EngineMs>("span");
        QTest::newRow("15 s") << 0 << EngineMs(15'000);
        QTest::newRow("1 min") << 1 << EngineMs(60'000);
        QTest::newRow("5 min") << 2 << EngineMs(300'000);
        QTest::newRow("15 min") << 3 << EngineMs(900'000);
        QTest::newRow("1 h") << 4 << EngineMs(3'600'000);
    }
    void windowComboSetsTheSpan() {
        QFETCH(int, index);
        QFETCH(EngineMs, span);
        QComboBox *combo = m_pane->windowCombo();
        combo->setCurrentIndex(index);
        Q_EMIT combo->activated(index);
        QCOMPARE(view()->windowSpan(), span);
        QVERIFY(view()->isLive());
        QCOMPARE(view()->visibleEnd(), kNow);
    }

    // --demo shows 15 s: the combo names what the timeline shows, and "Back to live" has
    // nothing to go back to.
    void aSpanSetInCodeIsTheComboChoice() {
        m_pane->setWindowSpan(15'000);
        QCOMPARE(m_pane->windowCombo()->currentData().toLongLong(), 15'000);
        QCOMPARE(view()->windowSpan(), EngineMs(15'000));
        QVERIFY(!m_pane->findChild<QToolButton *>(QStringLiteral("timelineLive"))->isEnabled());
    }

    void wheelZoomsAroundTheCursorAndLiveComesBack() {
        const EngineMs before = view()->windowSpan();
        const QPointF at(view()->width() - 20, view()->height() / 2.0);
        QWheelEvent wheel(at, view()->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(view(), &wheel);
        QVERIFY(view()->windowSpan() < before);
        auto *live = m_pane->findChild<QToolButton *>(QStringLiteral("timelineLive"));
        QVERIFY(live->isEnabled());
        live->click();
        QCOMPARE(view()->windowSpan(), before);
        QVERIFY(view()->isLive());
    }

    void dragPansIntoThePast() {
        const int y = view()->height() / 2;
        QTest::mousePress(view(), Qt::LeftButton, {}, QPoint(600, y));
        QTest::mouseMove(view(), QPoint(700, y));
        QTest::mouseRelease(view(), Qt::LeftButton, {}, QPoint(700, y));
        QVERIFY(!view()->isLive());
        QVERIFY(view()->visibleEnd() < kNow);
        // Dragging back past now follows now again.
        QTest::mousePress(view(), Qt::LeftButton, {}, QPoint(700, y));
        QTest::mouseMove(view(), QPoint(300, y));
        QTest::mouseRelease(view(), Qt::LeftButton, {}, QPoint(300, y));
        QVERIFY(view()->isLive());
    }

    void lanesAreCapped() {
        QList<TimelineLane> lanes;
        for (std::uint32_t pid = 0; pid < StallTimelineView::kMaxLanes + 5; ++pid)
            lanes.append({AgentKey::local(pid), QStringLiteral("pid %1").arg(pid), AgentState::Up, 0});
        view()->setLanes(lanes);
        QCOMPARE(view()->lanes().size(), StallTimelineView::kMaxLanes);
    }

    void tooltipsGiveStateAndExactTimes() {
        const AgentKey key = AgentKey::local(7);
        m_store->append({{key, kNow - 120'000, AgentState::Up, AgentState::Stalled},
                         {key, kNow - 60'000, AgentState::Stalled, AgentState::Recovering}});
        m_children->applyChildren({child(1, key, ChildState::Running, kNow - 30'000)}, kNow);
        view()->setLanes({{key, QStringLiteral("pid 7 (uds)"), AgentState::Recovering, kNow - 200'000}});

        const QString atEnd = tooltipAlong(view()->width() - 12);
        QVERIFY2(atEnd.contains(QStringLiteral("recovering")), qPrintable(atEnd));
        QVERIFY(atEnd.contains(QStringLiteral("engine +940.000 s")));
        QVERIFY(atEnd.contains(QStringLiteral("now")));

        // 30 s before now in a 5 min window sits a tenth of the plot from the right edge.
        const QString atSpawn = tooltipAt(kNow - 30'000);
        QVERIFY2(atSpawn.contains(QStringLiteral("Recovery child 40001 started")), qPrintable(atSpawn));
    }

private:
    StallTimelineView *view() const { return m_pane->view(); }

    // The first tooltip found walking down the lanes at `x`.
    QString tooltipAlong(int x) const {
        for (int y = 0; y < view()->height(); ++y)
            if (const QString text = view()->toolTipAt(QPoint(x, y)); !text.isEmpty())
                return text;
        return {};
    }
    QString tooltipAt(EngineMs t) const {
        const QRect plot = view()->plotArea();
        const double fraction = double(t - view()->visibleStart()) / double(view()->windowSpan());
        return tooltipAlong(plot.left() + int(fraction * plot.width()));
    }

    std::unique_ptr<ChildrenModel> m_children;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    std::unique_ptr<TimelineStore> m_store;
    std::unique_ptr<TimelinePane> m_pane;
};

QTEST_MAIN(TestStallTimelineView)
#include "tst_stall_timeline_view.moc"
