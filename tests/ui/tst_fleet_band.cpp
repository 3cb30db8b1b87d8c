// The fleet band: on the lanes' time axis, a strip per state that needs an operator,
// each scaled to its own peak so a few hundred stalled agents among 20,000 read at a
// glance, exact counts on hover, and a click that names the state to filter by.
#include "ui/models/fleet_history.h"
#include "ui/style/state_style.h"
#include "ui/style/time_format.h"
#include "ui/widgets/timeline/fleet_band.h"
#include "ui/widgets/timeline/stall_timeline_view.h"
#include "ui/widgets/timeline/timeline_pane.h"

#include <QLocale>
#include <QSignalSpy>
#include <QTest>
#include <QWheelEvent>

using namespace varta;
using varta::ui::FleetBand;
using varta::ui::FleetCounts;
using varta::ui::FleetHistory;
using varta::ui::TimelinePane;

namespace {
constexpr EngineMs kNow = 1'000'000;

FleetCounts fleetOf(std::uint32_t total, std::uint32_t stalled, std::uint32_t exited = 0) {
    FleetCounts c{};
    c[std::size_t(AgentState::Up)] = total - stalled - exited;
    c[std::size_t(AgentState::Stalled)] = stalled;
    c[std::size_t(AgentState::Exited)] = exited;
    return c;
}
}  // namespace

class TestFleetBand : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        m_history = std::make_unique<FleetHistory>();
        m_pane = std::make_unique<TimelinePane>();
        m_pane->resize(1000, 360);
        band()->setHistory(m_history.get());
        m_pane->view()->setNow(kNow);
        m_pane->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_pane.get()));
    }
    void cleanup() {
        m_pane.reset();
        m_history.reset();
    }

    void stalledAlwaysHasAStripOthersOnceSeen() {
        QCOMPARE(band()->shownStates(), QList<AgentState>{AgentState::Stalled});
        const int before = band()->sizeHint().height();
        feed(kNow - 10'000, fleetOf(100, 0, 2));
        QCOMPARE(band()->shownStates(), (QList<AgentState>{AgentState::Stalled, AgentState::Exited}));
        QVERIFY(band()->sizeHint().height() > before);
    }

    // Same x, same time: the strips start where the lanes' plot starts and are as wide.
    void sharesTheLanesTimeAxis() {
        feed(kNow - 60'000, fleetOf(20'000, 400));
        const QRect strip = band()->stripRect(AgentState::Stalled);
        const QRect plot = m_pane->view()->plotArea();
        QCOMPARE(band()->mapTo(m_pane.get(), strip.topLeft()).x(),
                 m_pane->view()->mapTo(m_pane.get(), plot.topLeft()).x());
        QCOMPARE(strip.width(), plot.width());
        // After a pan on the lanes the band's times follow.
        QTest::keyClick(m_pane->view(), Qt::Key_Left);
        QVERIFY(!m_pane->view()->isLive());
        const int x = strip.left() + strip.width() / 4;
        const double fraction = double(x - strip.left()) / strip.width();
        const EngineMs t = m_pane->view()->visibleStart()
                           + static_cast<EngineMs>(std::llround(fraction * double(m_pane->view()->windowSpan())));
        const QString tip = band()->toolTipAt(QPoint(x, strip.center().y()));
        QVERIFY2(tip.startsWith(ui::TimeFormat::exact(t, m_pane->view()->wallOffset())), qPrintable(tip));
    }

    // 400 of 20,000 fill their strip, and the numbers are printed.
    void aFewHundredAmongTwentyThousandAreVisible() {
        feed(kNow - 120'000, fleetOf(20'000, 0));
        feed(kNow - 60'000, fleetOf(20'000, 400));
        QCOMPARE(band()->peakInView(AgentState::Stalled), 400u);
        const QString label = band()->labelText(AgentState::Stalled);
        QVERIFY2(label.contains(QStringLiteral("400 now")) && label.contains(QStringLiteral("peak 400")),
                 qPrintable(label));

        const QRect strip = band()->stripRect(AgentState::Stalled);
        QVERIFY2(paintedRows(strip.right() - 5) >= strip.height() - 3, "the stalled strip is filled near now");
        QCOMPARE(paintedRows(strip.left() + 5), 0);  // before the stall: nothing
    }

    // One agent is never a hairline, even beside a peak of thousands.
    void oneAgentIsNeverThinnerThanTheMinimum() {
        feed(kNow - 200'000, fleetOf(20'000, 5'000));
        feed(kNow - 100'000, fleetOf(20'000, 1));
        const QRect strip = band()->stripRect(AgentState::Stalled);
        QVERIFY(paintedRows(strip.right() - 5) >= FleetBand::kMinBarPx);
        QVERIFY(paintedRows(strip.right() - 5) < strip.height() / 2);
    }

    void tooltipGivesTheExactCountsAtTheCursor() {
        feed(kNow - 60'000, fleetOf(20'000, 400, 3));
        const QRect strip = band()->stripRect(AgentState::Stalled);
        const QString tip = band()->toolTipAt(QPoint(strip.right() - 5, strip.center().y()));
        for (const char *line : {"stalled: 400", "exited: 3", "up: 19,597", "tracked: 20,000"})
            QVERIFY2(tip.contains(QLatin1String(line)), qPrintable(tip));
        QVERIFY(band()->toolTipAt(QPoint(strip.left() + 1, strip.center().y())).contains(QStringLiteral("No counts")));
    }

    void clickingAStripOrItsLabelNamesTheState() {
        feed(kNow - 60'000, fleetOf(100, 4, 2));
        QSignalSpy clicked(band(), &FleetBand::stateClicked);
        QTest::mouseClick(band(), Qt::LeftButton, {}, band()->stripRect(AgentState::Exited).center());
        QTest::mouseClick(band(), Qt::LeftButton, {}, band()->labelRect(AgentState::Stalled).center());
        QCOMPARE(clicked.count(), 2);
        QCOMPARE(clicked[0][0].value<AgentState>(), AgentState::Exited);
        QCOMPARE(clicked[1][0].value<AgentState>(), AgentState::Stalled);
    }

    void theWheelZoomsTheSharedAxis() {
        const EngineMs span = m_pane->view()->windowSpan();
        const QPoint at = band()->stripRect(AgentState::Stalled).center();
        QWheelEvent wheel(at, band()->mapToGlobal(at), {}, {0, 120}, Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase,
                          false);
        QApplication::sendEvent(band(), &wheel);
        QVERIFY(m_pane->view()->windowSpan() < span);
    }

private:
    FleetBand *band() const { return m_pane->band(); }
    // How many pixels of the stalled strip's column at `x` are drawn in (not background
    // or the baseline).
    int paintedRows(int x) const {
        const QImage image = band()->grab().toImage();
        const QRect strip = band()->stripRect(AgentState::Stalled);
        const QPalette &palette = band()->palette();
        int rows = 0;
        for (int y = strip.top(); y <= strip.bottom(); ++y) {
            const QRgb c = image.pixel(x, y);
            if (c != palette.color(QPalette::Base).rgb() && c != palette.color(QPalette::AlternateBase).rgb()
                && c != palette.color(QPalette::Mid).rgb())
                ++rows;
        }
        return rows;
    }
    void feed(EngineMs atMs, const FleetCounts &counts) {
        m_history->append(atMs, counts);
        band()->historyChanged();
        QCoreApplication::processEvents();  // the band takes its new height
    }

    std::unique_ptr<FleetHistory> m_history;
    std::unique_ptr<TimelinePane> m_pane;
};

QTEST_MAIN(TestFleetBand)
#include "tst_fleet_band.moc"
