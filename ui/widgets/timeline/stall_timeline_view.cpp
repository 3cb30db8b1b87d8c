#include "ui/widgets/timeline/stall_timeline_view.h"

#include "core/identity/state_groups.h"
#include "ui/models/children_model.h"
#include "ui/models/timeline_store.h"
#include "ui/style/state_style.h"
#include "ui/style/time_format.h"
#include "ui/widgets/timeline/tool_tip.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QStyle>
#include <QStyleOptionFocusRect>
#include <QToolTip>
#include <QWheelEvent>

#include <array>
#include <cmath>

namespace varta::ui {

namespace {
constexpr int kMargin = 4;
constexpr int kLaneGap = 2;
constexpr int kMarkerSize = 10;
constexpr int kMarkerHitPx = 6;
constexpr int kMinTickSpacingPx = 90;
constexpr double kZoomPerNotch = 0.8;
// One arrow key moves the view by this much of its span.
constexpr double kPanPerKey = 0.1;
constexpr std::array<EngineMs, 17> kTickSteps{1'000,     2'000,     5'000,      10'000,     15'000,    30'000,
                                              60'000,    120'000,   300'000,    600'000,    900'000,   1'800'000,
                                              3'600'000, 7'200'000, 10'800'000, 21'600'000, 43'200'000};

bool isKill(const ChildInfo &child) {
    return child.state == ChildState::Killed || child.state == ChildState::TimedOut
           || child.state == ChildState::FailedToStart;
}
}  // namespace

StallTimelineView::StallTimelineView(QWidget *parent) : QWidget(parent) {
    setMouseTracking(false);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setCursor(Qt::OpenHandCursor);
    // Reached with Tab and F6 like the tables: arrows pan, + and - zoom, End goes live.
    setFocusPolicy(Qt::StrongFocus);
}

void StallTimelineView::setSources(const TimelineStore *store, const ChildrenModel *children) {
    m_store = store;
    m_children = children;
    update();
}

void StallTimelineView::setLanes(const QList<TimelineLane> &lanes) {
    m_lanes = lanes.mid(0, kMaxLanes);
    update();
}

void StallTimelineView::setNow(EngineMs nowMs) {
    m_nowMs = nowMs;
    update();
    Q_EMIT axisChanged();
}

void StallTimelineView::setWindowSpan(EngineMs spanMs) {
    m_spanMs = std::clamp(spanMs, kMinSpanMs, kMaxSpanMs);
    m_live = true;
    update();
    Q_EMIT viewChanged();
    Q_EMIT axisChanged();
}

void StallTimelineView::goLive() { setView(m_spanMs, m_nowMs); }

void StallTimelineView::followView(const StallTimelineView &other) {
    if (other.isLive())
        setWindowSpan(other.windowSpan());
    else
        setView(other.windowSpan(), other.visibleEnd());
}

void StallTimelineView::setCompact(bool compact) {
    m_compact = compact;
    updateGeometry();
    update();
}

void StallTimelineView::setView(EngineMs spanMs, EngineMs endMs) {
    m_spanMs = std::clamp(spanMs, kMinSpanMs, kMaxSpanMs);
    m_live = endMs >= m_nowMs;
    m_endMs = m_live ? m_nowMs : endMs;
    update();
    Q_EMIT viewChanged();
    Q_EMIT axisChanged();
}

void StallTimelineView::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    Q_EMIT axisChanged();
}

QSize StallTimelineView::sizeHint() const {
    if (!m_compact)
        return {800, 220};
    const QFontMetrics fm(font());
    return {300, 2 * kMargin + std::max(16, fm.height() + 6) + kMargin + fm.height() + 8};
}

QSize StallTimelineView::minimumSizeHint() const {
    return m_compact ? QSize(120, sizeHint().height()) : QSize(300, 110);
}

StallTimelineView::Layout StallTimelineView::computeLayout() const {
    const QFontMetrics fm(font());
    const QRect area = rect().adjusted(kMargin, kMargin, -kMargin, -kMargin);
    Layout layout;
    const int legendHeight = m_compact ? 0 : m_legend.heightForWidth(font(), area.width());
    layout.legend = QRect(area.left(), area.top(), area.width(), legendHeight);
    const int axisHeight = fm.height() + 8;
    layout.axis = QRect(area.left(), area.bottom() - axisHeight + 1, area.width(), axisHeight);
    const int labelWidth = m_compact ? 0 : std::clamp(fm.averageCharWidth() * 36, 120, std::max(120, area.width() / 3));
    const int labelGap = m_compact ? 0 : kMargin;
    const int lanesTop = m_compact ? area.top() : layout.legend.bottom() + 1 + kMargin;
    const int lanesHeight = std::max(0, layout.axis.top() - lanesTop);
    layout.labels = QRect(area.left(), lanesTop, labelWidth, lanesHeight);
    layout.plot =
        QRect(area.left() + labelWidth + labelGap, lanesTop, area.width() - labelWidth - labelGap, lanesHeight);
    layout.axis.setLeft(layout.plot.left());
    layout.laneHeight = std::max(16, fm.height() + 6);
    const int fits = lanesHeight / (layout.laneHeight + kLaneGap);
    layout.laneCount = std::min(static_cast<int>(m_lanes.size()), fits);
    return layout;
}

QRect StallTimelineView::laneRect(const Layout &layout, int lane) const {
    return {layout.plot.left(), layout.plot.top() + lane * (layout.laneHeight + kLaneGap), layout.plot.width(),
            layout.laneHeight};
}

double StallTimelineView::timeToX(const Layout &layout, EngineMs t) const {
    const double fraction = double(t - visibleStart()) / double(m_spanMs);
    return layout.plot.left() + fraction * layout.plot.width();
}

EngineMs StallTimelineView::xToTime(const Layout &layout, double x) const {
    const double fraction = (x - layout.plot.left()) / std::max(1, layout.plot.width());
    return visibleStart() + static_cast<EngineMs>(std::llround(fraction * double(m_spanMs)));
}

void StallTimelineView::paintEvent(QPaintEvent *) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Base));
    if (hasFocus()) {
        QStyleOptionFocusRect focus;
        focus.initFrom(this);
        focus.rect = rect().adjusted(1, 1, -1, -1);
        focus.backgroundColor = palette().color(QPalette::Base);
        style()->drawPrimitive(QStyle::PE_FrameFocusRect, &focus, &painter, this);
    }
    const Layout layout = computeLayout();
    painter.setPen(palette().color(QPalette::Text));
    if (!m_compact)
        m_legend.paint(painter, layout.legend);
    paintAxis(painter, layout);
    if (m_lanes.isEmpty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(layout.plot.united(layout.labels), Qt::AlignCenter | Qt::TextWordWrap,
                         tr("No agents to show. Agents selected in the table get a lane here; "
                            "without a selection the first rows of the table do."));
        return;
    }
    for (int lane = 0; lane < layout.laneCount; ++lane)
        paintLane(painter, layout, lane);
    if (layout.laneCount < m_lanes.size()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        const QString more = tr("+%1 more").arg(m_lanes.size() - layout.laneCount);
        painter.drawText(layout.labels.adjusted(0, 0, 0, fontMetrics().height()), Qt::AlignBottom | Qt::AlignLeft,
                         fontMetrics().elidedText(more, Qt::ElideRight, layout.labels.width()));
    }
}

void StallTimelineView::paintLane(QPainter &painter, const Layout &layout, int lane) {
    const TimelineLane &info = m_lanes[lane];
    const QRect area = laneRect(layout, lane);
    const QRect label(layout.labels.left(), area.top(), layout.labels.width(), area.height());
    painter.fillRect(label.united(area),
                     lane % 2 ? palette().color(QPalette::AlternateBase) : palette().color(QPalette::Base));
    if (label.width() > 0)
        paintLaneLabel(painter, label, info);
    paintSegments(painter, layout, area, info);
}

void StallTimelineView::paintLaneLabel(QPainter &painter, const QRect &label, const TimelineLane &info) {
    const int icon = std::min(16, label.height() - 2);
    StateStyle::icon(info.current).paint(&painter, QRect(label.left(), label.center().y() - icon / 2, icon, icon));
    painter.setPen(palette().color(QPalette::Text));
    const QRect textRect = label.adjusted(icon + 4, 0, 0, 0);
    painter.drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft,
                     fontMetrics().elidedText(info.label, Qt::ElideMiddle, textRect.width()));
}

void StallTimelineView::paintSegments(QPainter &painter, const Layout &layout, const QRect &area,
                                      const TimelineLane &info) {
    const EngineMs t0 = visibleStart();
    const EngineMs t1 = visibleEnd();
    const QList<TimelineSegment> segments =
        m_store ? m_store->segments(info.key, info.firstSeenMs, info.current, m_nowMs, info.silent)
                : QList<TimelineSegment>{{info.firstSeenMs, m_nowMs, info.current, info.silent}};
    painter.save();
    painter.setClipRect(area);
    for (const TimelineSegment &s : segments) {
        if (s.toMs <= t0 || s.fromMs >= t1)
            continue;
        const double x0 = timeToX(layout, std::max(s.fromMs, t0));
        const double x1 = std::max(x0 + 1.0, timeToX(layout, std::min(s.toMs, t1)));
        QRectF r(x0, area.top() + 2, x1 - x0, area.height() - 4);
        if (isOverlay(s.state)) {
            // Beneath the overlay, a strip says whether the agent beat meanwhile.
            const qreal strip = std::max<qreal>(3.0, r.height() / 3.0);
            TimelineLegend::paintSwatch(painter, QRectF(r.left(), r.bottom() - strip, r.width(), strip),
                                        s.silent ? AgentState::Stalled : AgentState::Up);
            r.setBottom(r.bottom() - strip);
        }
        TimelineLegend::paintSwatch(painter, r, s.state);
        const QString name = StateStyle::name(s.state);
        if (r.width() > fontMetrics().horizontalAdvance(name) + 8) {
            painter.setPen(StateStyle::fillColor(s.state).lightness() > 150 ? Qt::black : Qt::white);
            painter.drawText(r.adjusted(4, 0, -2, 0), Qt::AlignVCenter | Qt::AlignLeft, name);
        }
    }
    paintMarkers(painter, area, info, layout);
    painter.restore();
}

void StallTimelineView::paintMarkers(QPainter &painter, const QRect &laneArea, const TimelineLane &lane,
                                     const Layout &layout) {
    if (!m_children)
        return;
    const EngineMs t0 = visibleStart();
    const EngineMs t1 = visibleEnd();
    const double y = laneArea.center().y();
    for (const ChildInfo &child : m_children->childrenOf(lane.key)) {
        if (child.startedMs >= t0 && child.startedMs <= t1)
            TimelineLegend::paintMarker(painter, {timeToX(layout, child.startedMs), y}, TimelineMarker::Spawn,
                                        kMarkerSize);
        if (child.endedMs >= t0 && child.endedMs <= t1)
            TimelineLegend::paintMarker(painter, {timeToX(layout, child.endedMs), y},
                                        isKill(child) ? TimelineMarker::Kill : TimelineMarker::Exit, kMarkerSize);
    }
}

void StallTimelineView::paintAxis(QPainter &painter, const Layout &layout) {
    const double pxPerMs = double(layout.plot.width()) / double(m_spanMs);
    EngineMs step = kTickSteps.back();
    for (EngineMs candidate : kTickSteps) {
        if (candidate * pxPerMs >= kMinTickSpacingPx) {
            step = candidate;
            break;
        }
    }
    // Ticks sit on round wall-clock times, which is what the operator compares against.
    const std::int64_t firstWall = visibleStart() + m_wallOffsetMs;
    std::int64_t wall = (firstWall / step + 1) * step;
    QColor grid = palette().color(QPalette::Mid);
    grid.setAlpha(110);
    for (; wall - m_wallOffsetMs <= visibleEnd(); wall += step) {
        const double x = timeToX(layout, wall - m_wallOffsetMs);
        painter.setPen(grid);
        painter.drawLine(QPointF(x, layout.plot.top()), QPointF(x, layout.axis.top() + 3));
        painter.setPen(palette().color(QPalette::Text));
        const QString text = TimeFormat::wallTime(wall - m_wallOffsetMs, m_wallOffsetMs, false);
        const int w = fontMetrics().horizontalAdvance(text);
        if (x + w / 2.0 > width() || x - w / 2.0 < layout.labels.right())
            continue;  // a label cut by the edge reads as a different time
        painter.drawText(QRectF(x - w / 2.0, layout.axis.top() + 4, w, layout.axis.height() - 4),
                         Qt::AlignHCenter | Qt::AlignTop, text);
    }
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawLine(layout.plot.bottomLeft(), layout.plot.bottomRight());
}

void StallTimelineView::wheelEvent(QWheelEvent *event) {
    const Layout layout = computeLayout();
    const double notches = event->angleDelta().y() / 120.0;
    if (notches == 0.0 || layout.plot.width() <= 0) {
        event->ignore();
        return;
    }
    const double x = std::clamp(event->position().x(), double(layout.plot.left()), double(layout.plot.right()));
    const EngineMs anchor = xToTime(layout, x);
    const EngineMs span =
        std::clamp(static_cast<EngineMs>(double(m_spanMs) * std::pow(kZoomPerNotch, notches)), kMinSpanMs, kMaxSpanMs);
    const double rightFraction = (layout.plot.right() - x) / double(layout.plot.width());
    setView(span, anchor + static_cast<EngineMs>(rightFraction * double(span)));
    event->accept();
}

void StallTimelineView::keyPressEvent(QKeyEvent *event) {
    const EngineMs end = visibleEnd();
    const auto step = static_cast<EngineMs>(double(m_spanMs) * kPanPerKey);
    switch (event->key()) {
    case Qt::Key_Left: setView(m_spanMs, end - step); break;
    case Qt::Key_Right: setView(m_spanMs, end + step); break;
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomAroundCentre(kZoomPerNotch); break;
    case Qt::Key_Minus: zoomAroundCentre(1.0 / kZoomPerNotch); break;
    case Qt::Key_End: goLive(); break;
    default: QWidget::keyPressEvent(event); return;
    }
    event->accept();
}

void StallTimelineView::zoomAroundCentre(double factor) {
    const EngineMs centre = visibleEnd() - m_spanMs / 2;
    const EngineMs span = std::clamp(static_cast<EngineMs>(double(m_spanMs) * factor), kMinSpanMs, kMaxSpanMs);
    setView(span, centre + span / 2);
}

void StallTimelineView::focusInEvent(QFocusEvent *event) {
    QWidget::focusInEvent(event);
    update();
}

void StallTimelineView::focusOutEvent(QFocusEvent *event) {
    QWidget::focusOutEvent(event);
    update();
}

void StallTimelineView::mousePressEvent(QMouseEvent *event) {
    if (event->button() != Qt::LeftButton)
        return QWidget::mousePressEvent(event);
    m_dragStartX = qRound(event->position().x());
    m_dragStartEndMs = visibleEnd();
    setCursor(Qt::ClosedHandCursor);
}

void StallTimelineView::mouseMoveEvent(QMouseEvent *event) {
    if (!m_dragStartX)
        return QWidget::mouseMoveEvent(event);
    const Layout layout = computeLayout();
    const double dx = event->position().x() - *m_dragStartX;
    const auto dt = static_cast<EngineMs>(dx / std::max(1, layout.plot.width()) * double(m_spanMs));
    setView(m_spanMs, m_dragStartEndMs - dt);
}

void StallTimelineView::mouseReleaseEvent(QMouseEvent *event) {
    if (event->button() == Qt::LeftButton && m_dragStartX) {
        m_dragStartX.reset();
        setCursor(Qt::OpenHandCursor);
        return;
    }
    QWidget::mouseReleaseEvent(event);
}

bool StallTimelineView::event(QEvent *event) {
    if (event->type() != QEvent::ToolTip)
        return QWidget::event(event);
    auto *help = static_cast<QHelpEvent *>(event);
    return answerToolTip(this, help, toolTipAt(help->pos()));
}

QString StallTimelineView::toolTipAt(const QPoint &pos) const {
    const Layout layout = computeLayout();
    if (pos.y() < layout.plot.top() || pos.y() > layout.plot.bottom())
        return {};
    const int lane = (pos.y() - layout.plot.top()) / (layout.laneHeight + kLaneGap);
    if (lane >= layout.laneCount)
        return {};
    const TimelineLane &info = m_lanes[lane];
    if (pos.x() < layout.plot.left())
        return tr("%1\nNow %2: %3")
            .arg(info.label, StateStyle::nameWithLiveness(info.current, info.silent),
                 StateStyle::description(info.current));
    const QString marker = markerToolTip(layout, info, pos.x());
    if (!marker.isEmpty())
        return marker;
    const EngineMs t = xToTime(layout, pos.x());
    if (!m_store)
        return {};
    for (const TimelineSegment &s : m_store->segments(info.key, info.firstSeenMs, info.current, m_nowMs, info.silent)) {
        if (t < s.fromMs || t >= s.toMs)
            continue;
        return tr("%1: %2\nfrom %3\nto %4\nfor %5")
            .arg(info.label, StateStyle::nameWithLiveness(s.state, s.silent),
                 TimeFormat::exact(s.fromMs, m_wallOffsetMs),
                 s.toMs >= m_nowMs ? tr("now") : TimeFormat::exact(s.toMs, m_wallOffsetMs),
                 TimeFormat::duration(s.toMs - s.fromMs));
    }
    return {};
}

QString StallTimelineView::markerToolTip(const Layout &layout, const TimelineLane &lane, int x) const {
    if (!m_children)
        return {};
    QStringList lines;
    for (const ChildInfo &child : m_children->childrenOf(lane.key)) {
        const QString pid = child.pid > 0 ? QString::number(child.pid) : QStringLiteral("–");
        if (std::abs(timeToX(layout, child.startedMs) - x) <= kMarkerHitPx)
            lines << tr("Recovery child %1 started at %2").arg(pid, TimeFormat::exact(child.startedMs, m_wallOffsetMs));
        if (child.endedMs >= 0 && std::abs(timeToX(layout, child.endedMs) - x) <= kMarkerHitPx)
            lines << tr("Recovery child %1 %2 at %3")
                         .arg(pid, ChildrenModel::stateText(child), TimeFormat::exact(child.endedMs, m_wallOffsetMs));
    }
    return lines.join(QLatin1Char('\n'));
}

}  // namespace varta::ui
