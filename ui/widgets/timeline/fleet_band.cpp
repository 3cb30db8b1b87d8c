#include "ui/widgets/timeline/fleet_band.h"

#include "ui/style/state_style.h"
#include "ui/style/time_format.h"
#include "ui/widgets/timeline/stall_timeline_view.h"
#include "ui/widgets/timeline/timeline_legend.h"
#include "ui/widgets/timeline/tool_tip.h"

#include <QApplication>
#include <QHelpEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QStaticText>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace varta::ui {

namespace {
constexpr int kMargin = 4;  // as the lanes' view's
constexpr int kStripGap = 1;
constexpr int kIconSize = 14;
constexpr int kFallbackLabelWidth = 160;
}  // namespace

FleetBand::FleetBand(QWidget *parent) : QWidget(parent) {
    setAttribute(Qt::WA_OpaquePaintEvent);
    setCursor(Qt::PointingHandCursor);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    setAccessibleName(tr("Fleet band"));
    // Made once: a QIcon made per paint renders its SVG again each time.
    for (int i = 0; i < kAgentStateCount; ++i)
        m_icons[std::size_t(i)] = StateStyle::icon(static_cast<AgentState>(i));
    m_shown = statesToShow();
}

void FleetBand::setHistory(const FleetHistory *history) {
    m_history = history;
    historyChanged();
}

void FleetBand::setAxis(StallTimelineView *view) {
    if (m_view)
        disconnect(m_view, nullptr, this, nullptr);
    m_view = view;
    if (m_view)
        connect(m_view, &StallTimelineView::axisChanged, this, qOverload<>(&QWidget::update));
    update();
}

void FleetBand::historyChanged() {
    QList<AgentState> shown = statesToShow();
    if (shown != m_shown) {
        m_shown = std::move(shown);
        updateGeometry();
    }
    update();
}

QList<AgentState> FleetBand::statesToShow() const {
    QList<AgentState> shown;
    for (AgentState state : kBandStates)
        if (state == AgentState::Stalled || (m_history && m_history->seen(state)))
            shown.append(state);
    return shown;
}

FleetBand::Layout FleetBand::computeLayout() const {
    Layout layout;
    layout.stripHeight = std::max(kIconSize, fontMetrics().height()) + 2;
    layout.labelsLeft = kMargin;
    if (m_view && m_view->window() == window()) {
        // The lanes' plot, in this widget's coordinates: the same x is the same time.
        const QRect plot = m_view->plotArea();
        layout.plotLeft = mapFrom(window(), m_view->mapTo(window(), plot.topLeft())).x();
        layout.plotWidth = plot.width();
    } else {
        layout.plotLeft = kMargin + kFallbackLabelWidth + kMargin;
        layout.plotWidth = std::max(0, width() - layout.plotLeft - kMargin);
    }
    return layout;
}

QRect FleetBand::rowRect(const Layout &layout, qsizetype row) const {
    return {0, kMargin + int(row) * (layout.stripHeight + kStripGap), width(), layout.stripHeight};
}

QRect FleetBand::stripRect(AgentState state) const {
    const qsizetype row = m_shown.indexOf(state);
    if (row < 0)
        return {};
    const Layout layout = computeLayout();
    const QRect r = rowRect(layout, row);
    return {layout.plotLeft, r.top(), layout.plotWidth, r.height()};
}

QRect FleetBand::labelRect(AgentState state) const {
    const qsizetype row = m_shown.indexOf(state);
    if (row < 0)
        return {};
    const Layout layout = computeLayout();
    const QRect r = rowRect(layout, row);
    return {layout.labelsLeft, r.top(), std::max(0, layout.plotLeft - kMargin - layout.labelsLeft), r.height()};
}

std::optional<AgentState> FleetBand::stateAt(const QPoint &pos) const {
    const Layout layout = computeLayout();
    for (qsizetype row = 0; row < m_shown.size(); ++row) {
        const QRect r = rowRect(layout, row);
        if (pos.y() >= r.top() && pos.y() <= r.bottom() && pos.x() < layout.plotLeft + layout.plotWidth)
            return m_shown[row];
    }
    return std::nullopt;
}

EngineMs FleetBand::xToTime(const Layout &layout, int x) const {
    if (!m_view)
        return 0;
    const double fraction = double(x - layout.plotLeft) / std::max(1, layout.plotWidth);
    return m_view->visibleStart() + static_cast<EngineMs>(std::llround(fraction * double(m_view->windowSpan())));
}

std::vector<FleetCounts> FleetBand::columns(const Layout &layout) const {
    std::vector<FleetCounts> result(std::size_t(std::max(0, layout.plotWidth)), FleetCounts{});
    if (!m_history || !m_view || result.empty() || m_history->size() == 0)
        return result;
    const EngineMs t0 = m_view->visibleStart();
    const EngineMs t1 = m_view->visibleEnd();
    const EngineMs span = std::max<EngineMs>(1, t1 - t0);
    const auto w = std::int64_t(result.size());
    const auto column = [&](EngineMs t) { return std::clamp<std::int64_t>((t - t0) * w / span, 0, w - 1); };
    for (qsizetype i = std::max<qsizetype>(0, m_history->indexAt(t0)); i < m_history->size(); ++i) {
        const FleetSample &s = m_history->at(i);
        if (s.atMs >= t1)
            break;
        // The newest sample lasts until now.
        const EngineMs end = i + 1 < m_history->size() ? m_history->at(i + 1).atMs : m_view->nowMs();
        if (end <= t0 && i + 1 < m_history->size())
            continue;
        const std::int64_t c0 = column(std::max(s.atMs, t0));
        const std::int64_t c1 = std::max(c0, column(std::min(end, t1) - 1));
        for (std::int64_t c = c0; c <= c1; ++c) {
            FleetCounts &counts = result[std::size_t(c)];
            for (std::size_t k = 0; k < counts.size(); ++k)
                counts[k] = std::max(counts[k], s.peak[k]);
        }
    }
    return result;
}

std::uint32_t FleetBand::peakInView(AgentState state) const {
    std::uint32_t peak = 0;
    for (const FleetCounts &counts : columns(computeLayout()))
        peak = std::max(peak, counts[std::size_t(state)]);
    return peak;
}

QString FleetBand::labelText(AgentState state) const { return labelText(state, peakInView(state)); }

QString FleetBand::labelText(AgentState state, std::uint32_t peak) const {
    const QLocale locale;
    const std::uint32_t now = m_history ? m_history->current()[std::size_t(state)] : 0;
    return tr("%1: %2 now, peak %3").arg(StateStyle::name(state), locale.toString(now), locale.toString(peak));
}

QSize FleetBand::sizeHint() const {
    const int strip = std::max(kIconSize, fontMetrics().height()) + 2;
    return {800, 2 * kMargin + int(m_shown.size()) * (strip + kStripGap)};
}

QSize FleetBand::minimumSizeHint() const { return {300, sizeHint().height()}; }

void FleetBand::paintEvent(QPaintEvent *) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Base));
    const Layout layout = computeLayout();
    const std::vector<FleetCounts> cols = columns(layout);
    for (qsizetype row = 0; row < m_shown.size(); ++row) {
        std::uint32_t peak = 0;
        for (const FleetCounts &counts : cols)
            peak = std::max(peak, counts[std::size_t(m_shown[row])]);
        paintStrip(painter, layout, row, cols, peak);
    }
}

void FleetBand::paintStrip(QPainter &painter, const Layout &layout, qsizetype row, const std::vector<FleetCounts> &cols,
                           std::uint32_t peak) {
    const AgentState state = m_shown[row];
    const auto k = std::size_t(state);
    const QRect r = rowRect(layout, row);
    painter.fillRect(r, row % 2 ? palette().color(QPalette::AlternateBase) : palette().color(QPalette::Base));

    const QRect label(layout.labelsLeft, r.top(), std::max(0, layout.plotLeft - kMargin - layout.labelsLeft),
                      r.height());
    m_icons[k].paint(&painter, QRect(label.left(), label.center().y() - kIconSize / 2, kIconSize, kIconSize));
    const std::uint32_t now = m_history ? m_history->current()[k] : 0;
    const QRect textRect = label.adjusted(kIconSize + 4, 0, 0, 0);
    // Laid out again only when the text or the room changes: most paints only move time.
    LabelCache &cached = m_labels[k];
    if (const QString text = labelText(state, peak); text != cached.text || textRect.width() != cached.width) {
        cached.text = text;
        cached.width = textRect.width();
        cached.shown.setText(fontMetrics().elidedText(text, Qt::ElideRight, textRect.width()));
        cached.shown.setTextFormat(Qt::PlainText);
        cached.shown.prepare(QTransform(), font());
    }
    painter.setPen(now > 0 ? StateStyle::textColor(state, StateStyle::isDark(palette().color(QPalette::Base)))
                           : palette().color(QPalette::Text));
    painter.drawStaticText(textRect.left(), textRect.top() + (textRect.height() - fontMetrics().height()) / 2,
                           cached.shown);

    const QRect plot(layout.plotLeft, r.top() + 1, layout.plotWidth, r.height() - 2);
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    if (peak == 0)
        return;
    const auto heightOf = [&](std::uint32_t v) {
        if (v == 0)
            return 0;
        const auto scaled = int(std::lround(double(v) / double(peak) * plot.height()));
        return std::clamp(scaled, kMinBarPx, plot.height());
    };
    // Runs of columns of one height are one rectangle, and all of a strip's rectangles
    // are filled in two calls (colour, then hatching) rather than a swatch each.
    QList<QRectF> bars;
    const auto n = int(cols.size());
    for (int c = 0; c < n;) {
        const int h = heightOf(cols[std::size_t(c)][k]);
        int end = c + 1;
        while (end < n && heightOf(cols[std::size_t(end)][k]) == h)
            ++end;
        if (h > 0)
            bars.append(QRectF(plot.left() + c, plot.bottom() + 1 - h, end - c, h));
        c = end;
    }
    painter.save();
    painter.setPen(Qt::NoPen);
    painter.setBrush(StateStyle::fillColor(state));
    painter.drawRects(bars.constData(), int(bars.size()));
    if (const Qt::BrushStyle pattern = StateStyle::pattern(state); pattern != Qt::NoBrush) {
        painter.setBrush(QBrush(QColor(255, 255, 255, 150), pattern));  // as TimelineLegend::paintSwatch
        painter.drawRects(bars.constData(), int(bars.size()));
    }
    painter.restore();
}

void FleetBand::mouseReleaseEvent(QMouseEvent *event) {
    if (event->button() == Qt::LeftButton) {
        if (const std::optional<AgentState> state = stateAt(event->position().toPoint())) {
            Q_EMIT stateClicked(*state);
            event->accept();
            return;
        }
    }
    QWidget::mouseReleaseEvent(event);
}

// The wheel zooms the shared axis, around the same time as on the lanes.
void FleetBand::wheelEvent(QWheelEvent *event) {
    if (!m_view) {
        event->ignore();
        return;
    }
    const QPointF at = m_view->mapFromGlobal(mapToGlobal(event->position()));
    QWheelEvent forwarded(at, m_view->mapToGlobal(at), event->pixelDelta(), event->angleDelta(), event->buttons(),
                          event->modifiers(), event->phase(), event->inverted(), event->source());
    QApplication::sendEvent(m_view, &forwarded);
    event->setAccepted(forwarded.isAccepted());
}

bool FleetBand::event(QEvent *event) {
    if (event->type() != QEvent::ToolTip)
        return QWidget::event(event);
    auto *help = static_cast<QHelpEvent *>(event);
    return answerToolTip(this, help, toolTipAt(help->pos()));
}

QString FleetBand::toolTipAt(const QPoint &pos) const {
    const std::optional<AgentState> hovered = stateAt(pos);
    if (!hovered)
        return {};
    const QString click = tr("Click to show only the %1 agents in the table").arg(StateStyle::name(*hovered));
    const Layout layout = computeLayout();
    if (pos.x() < layout.plotLeft || !m_view)
        return StateStyle::description(*hovered) + QLatin1Char('\n') + click;
    const EngineMs t = xToTime(layout, pos.x());
    QStringList lines{TimeFormat::exact(t, m_view->wallOffset())};
    const std::optional<FleetSample> sample = m_history ? m_history->sampleAt(t) : std::nullopt;
    if (!sample) {
        lines << tr("No counts from this time");
    } else {
        const QLocale locale;
        std::uint64_t tracked = 0;
        for (std::uint32_t n : sample->last)
            tracked += n;
        const auto line = [&](AgentState state) {
            const auto k = std::size_t(state);
            return sample->peak[k] > sample->last[k]
                       ? tr("%1: %2 (up to %3 within that second)")
                             .arg(StateStyle::name(state), locale.toString(sample->last[k]),
                                  locale.toString(sample->peak[k]))
                       : tr("%1: %2").arg(StateStyle::name(state), locale.toString(sample->last[k]));
        };
        for (AgentState state : kBandStates)
            if (state == *hovered || sample->peak[std::size_t(state)] > 0)
                lines << line(state);
        lines << line(AgentState::Up);
        lines << tr("tracked: %1").arg(locale.toString(qulonglong(tracked)));
    }
    lines << click;
    return lines.join(QLatin1Char('\n'));
}

}  // namespace varta::ui
