#pragma once
// One lane per shown agent, time running left to right: segments coloured and hatched by
// state, markers where recovery children started and ended, a legend, tooltips with exact
// times. The window is selectable (1 min .. 1 h); the wheel zooms around the cursor and a
// drag pans into the past. While "live", the right edge follows the engine's now.

#include "core/published/engine_batch.h"
#include "ui/widgets/timeline/timeline_legend.h"

#include <QList>
#include <QWidget>

#include <optional>

namespace varta::ui {

class ChildrenModel;
class TimelineStore;

struct TimelineLane {
    AgentKey key;
    QString label;
    AgentState current = AgentState::Up;
    EngineMs firstSeenMs = 0;
    bool silent = false;  // now, beneath an overlay state
};

class StallTimelineView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxLanes = 16;
    static constexpr EngineMs kMinSpanMs = 2'000;
    static constexpr EngineMs kMaxSpanMs = 24 * 3'600'000;

    explicit StallTimelineView(QWidget *parent = nullptr);

    void setSources(const TimelineStore *store, const ChildrenModel *children);
    void setLanes(const QList<TimelineLane> &lanes);
    const QList<TimelineLane> &lanes() const { return m_lanes; }
    void setNow(EngineMs nowMs);
    EngineMs nowMs() const { return m_nowMs; }
    void setWallOffset(std::int64_t wallOffsetMs) { m_wallOffsetMs = wallOffsetMs; }
    std::int64_t wallOffset() const { return m_wallOffsetMs; }

    // Shows the last `spanMs` and follows now again.
    void setWindowSpan(EngineMs spanMs);
    EngineMs windowSpan() const { return m_spanMs; }
    bool isLive() const { return m_live; }
    void goLive();
    // Shows the time `other` shows: its span, and its right edge or the live edge.
    void followView(const StallTimelineView &other);
    // One lane under a heading that already names it (an agent's details): no legend and
    // no label column, so the lane gets the whole width.
    void setCompact(bool compact);
    bool isCompact() const { return m_compact; }
    // Visible time range, for tests and the pane's caption.
    EngineMs visibleStart() const { return visibleEnd() - m_spanMs; }
    EngineMs visibleEnd() const { return m_live ? m_nowMs : m_endMs; }

    // Where time is drawn, in widget coordinates.
    QRect plotArea() const { return computeLayout().plot; }
    // What hovering at `pos` explains: a segment's state and exact times, or a marker.
    QString toolTipAt(const QPoint &pos) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    // Span or live state changed through zoom, pan or setWindowSpan.
    void viewChanged();
    // What time a pixel column stands for moved: now advanced, a zoom, a pan, a resize.
    // The fleet band, which shares this axis, repaints on it.
    void axisChanged();

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void focusInEvent(QFocusEvent *event) override;
    void focusOutEvent(QFocusEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    bool event(QEvent *event) override;

private:
    struct Layout {
        QRect legend;
        QRect labels;
        QRect plot;
        QRect axis;
        int laneHeight = 0;
        int laneCount = 0;
    };
    Layout computeLayout() const;
    QRect laneRect(const Layout &layout, int lane) const;
    double timeToX(const Layout &layout, EngineMs t) const;
    EngineMs xToTime(const Layout &layout, double x) const;
    void setView(EngineMs spanMs, EngineMs endMs);
    void zoomAroundCentre(double factor);

    void paintLane(QPainter &painter, const Layout &layout, int lane);
    void paintLaneLabel(QPainter &painter, const QRect &label, const TimelineLane &info);
    void paintSegments(QPainter &painter, const Layout &layout, const QRect &area, const TimelineLane &info);
    void paintMarkers(QPainter &painter, const QRect &laneArea, const TimelineLane &lane, const Layout &layout);
    void paintAxis(QPainter &painter, const Layout &layout);
    QString markerToolTip(const Layout &layout, const TimelineLane &lane, int x) const;

    const TimelineStore *m_store = nullptr;
    const ChildrenModel *m_children = nullptr;
    QList<TimelineLane> m_lanes;
    TimelineLegend m_legend;
    EngineMs m_nowMs = 0;
    std::int64_t m_wallOffsetMs = 0;
    EngineMs m_spanMs = 5 * 60'000;
    EngineMs m_endMs = 0;
    bool m_live = true;
    bool m_compact = false;
    // Drag state: where the drag started and the right edge at that moment.
    std::optional<int> m_dragStartX;
    EngineMs m_dragStartEndMs = 0;
};

}  // namespace varta::ui
