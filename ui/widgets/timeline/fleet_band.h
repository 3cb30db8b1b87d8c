#pragma once
// The fleet band: above the stall timeline's lanes and on exactly their time axis (the
// lanes' view owns span, zoom, pan and the live edge; the band reads them), one strip per
// state that needs an operator, showing how many agents were in it when. Up is what is
// left. Each strip is scaled to its own peak in the visible window, and a count above
// zero is never thinner than kMinBarPx, so 400 stalled agents among 20,000 fill their
// strip rather than a pixel of a shared one; the label gives the count now and that peak
// as numbers. Hovering gives the exact counts at the cursor's time; clicking a strip or
// its label asks for the agents table to show that state (stateClicked).
//
// Stalled always has a strip; the other states get one once the kept history has seen
// them, so the band does not change height while panning.

#include "core/published/engine_batch.h"
#include "ui/models/fleet_history.h"

#include <QIcon>
#include <QList>
#include <QStaticText>
#include <QWidget>

#include <array>
#include <optional>
#include <vector>

namespace varta::ui {

class StallTimelineView;

class FleetBand : public QWidget {
    Q_OBJECT
public:
    static constexpr std::array<AgentState, 7> kBandStates{
        AgentState::Stalled,  AgentState::Recovering, AgentState::GaveUp, AgentState::Exited,
        AgentState::Critical, AgentState::Degraded,   AgentState::Paused};
    static constexpr int kMinBarPx = 2;

    explicit FleetBand(QWidget *parent = nullptr);

    void setHistory(const FleetHistory *history);
    // The lanes' view whose time axis the band shares.
    void setAxis(StallTimelineView *view);
    // To be called after the history took a batch: repaints, and makes room for a state
    // seen for the first time.
    void historyChanged();

    const QList<AgentState> &shownStates() const { return m_shown; }
    // Where a state's strip is drawn (the plot part) and its label; empty when not shown.
    QRect stripRect(AgentState state) const;
    QRect labelRect(AgentState state) const;
    // The state whose strip or label is at `pos`.
    std::optional<AgentState> stateAt(const QPoint &pos) const;
    // The highest count of `state` in the visible window: its strip's full height.
    std::uint32_t peakInView(AgentState state) const;
    QString labelText(AgentState state) const;
    QString toolTipAt(const QPoint &pos) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void stateClicked(varta::AgentState state);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    bool event(QEvent *event) override;

private:
    struct Layout {
        int plotLeft = 0;
        int plotWidth = 0;
        int labelsLeft = 0;
        int stripHeight = 0;
    };
    Layout computeLayout() const;
    QRect rowRect(const Layout &layout, qsizetype row) const;
    // Each pixel column's highest count per state over the visible window.
    std::vector<FleetCounts> columns(const Layout &layout) const;
    EngineMs xToTime(const Layout &layout, int x) const;
    QList<AgentState> statesToShow() const;
    QString labelText(AgentState state, std::uint32_t peak) const;
    void paintStrip(QPainter &painter, const Layout &layout, qsizetype row, const std::vector<FleetCounts> &columns,
                    std::uint32_t peak);

    struct LabelCache {
        QString text;
        int width = -1;
        QStaticText shown;
    };

    const FleetHistory *m_history = nullptr;
    StallTimelineView *m_view = nullptr;
    QList<AgentState> m_shown;
    std::array<QIcon, kAgentStateCount> m_icons;
    std::array<LabelCache, kAgentStateCount> m_labels;
};

}  // namespace varta::ui
