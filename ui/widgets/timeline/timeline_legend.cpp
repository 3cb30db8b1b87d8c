#include "ui/widgets/timeline/timeline_legend.h"

#include "ui/style/state_style.h"

#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>
#include <QRect>

namespace varta::ui {

namespace {
constexpr int kSwatch = 12;
constexpr int kIcon = 14;
constexpr int kInnerGap = 4;
constexpr int kEntryGap = 14;
constexpr int kRowPadding = 4;
}  // namespace

TimelineLegend::TimelineLegend() {
    for (int i = 0; i < kAgentStateCount; ++i) {
        const auto state = static_cast<AgentState>(i);
        m_entries.append({true, state, TimelineMarker::Spawn, StateStyle::icon(state), StateStyle::name(state)});
    }
    for (TimelineMarker marker : {TimelineMarker::Spawn, TimelineMarker::Exit, TimelineMarker::Kill})
        m_entries.append({false, AgentState::Up, marker, QIcon(), markerName(marker)});
}

QString TimelineLegend::markerName(TimelineMarker marker) {
    switch (marker) {
    case TimelineMarker::Spawn: return tr("recovery started");
    case TimelineMarker::Exit: return tr("recovery exited");
    case TimelineMarker::Kill: return tr("recovery killed / timed out");
    }
    return {};
}

int TimelineLegend::entryWidth(const QFont &font, const Entry &entry) const {
    const int graphics = entry.isState ? kSwatch + kInnerGap + kIcon : kSwatch;
    return graphics + kInnerGap + QFontMetrics(font).horizontalAdvance(entry.text);
}

int TimelineLegend::heightForWidth(const QFont &font, int width) const {
    const int rowHeight = std::max(kIcon, QFontMetrics(font).height()) + kRowPadding;
    int rows = 1;
    int x = 0;
    for (const Entry &entry : m_entries) {
        const int w = entryWidth(font, entry);
        if (x > 0 && x + w > width) {
            ++rows;
            x = 0;
        }
        x += w + kEntryGap;
    }
    return rows * rowHeight + kRowPadding;
}

void TimelineLegend::paint(QPainter &painter, const QRect &area) const {
    const QFontMetrics fm(painter.font());
    const int rowHeight = std::max(kIcon, fm.height()) + kRowPadding;
    int x = area.left();
    int y = area.top() + kRowPadding;
    for (const Entry &entry : m_entries) {
        const int w = entryWidth(painter.font(), entry);
        if (x > area.left() && x + w > area.right()) {
            x = area.left();
            y += rowHeight;
        }
        const int midY = y + rowHeight / 2 - kRowPadding / 2;
        int cx = x;
        if (entry.isState) {
            paintSwatch(painter, QRectF(cx, midY - kSwatch / 2.0, kSwatch, kSwatch), entry.state);
            cx += kSwatch + kInnerGap;
            entry.icon.paint(&painter, QRect(cx, midY - kIcon / 2, kIcon, kIcon));
            cx += kIcon + kInnerGap;
        } else {
            paintMarker(painter, QPointF(cx + kSwatch / 2.0, midY), entry.marker, kSwatch);
            cx += kSwatch + kInnerGap;
        }
        painter.drawText(QRect(cx, y, w, rowHeight - kRowPadding), Qt::AlignVCenter | Qt::AlignLeft, entry.text);
        x += w + kEntryGap;
    }
}

void TimelineLegend::paintSwatch(QPainter &painter, const QRectF &rect, AgentState state) {
    painter.save();
    painter.setPen(Qt::NoPen);
    painter.fillRect(rect, StateStyle::fillColor(state));
    const Qt::BrushStyle pattern = StateStyle::pattern(state);
    if (pattern != Qt::NoBrush)
        painter.fillRect(rect, QBrush(QColor(255, 255, 255, 150), pattern));
    painter.restore();
}

void TimelineLegend::paintMarker(QPainter &painter, const QPointF &at, TimelineMarker marker, qreal size) {
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    const qreal h = size / 2;
    switch (marker) {
    case TimelineMarker::Spawn: {
        QPainterPath path;
        path.moveTo(at.x() - h, at.y() - h);
        path.lineTo(at.x() + h, at.y() - h);
        path.lineTo(at.x(), at.y() + h);
        path.closeSubpath();
        painter.setPen(QPen(Qt::white, 1));
        painter.setBrush(QColor(0x0d, 0x47, 0xa1));
        painter.drawPath(path);
        break;
    }
    case TimelineMarker::Exit:
        painter.setPen(QPen(Qt::white, 1));
        painter.setBrush(QColor(0x1b, 0x5e, 0x20));
        painter.drawEllipse(at, h * 0.85, h * 0.85);
        break;
    case TimelineMarker::Kill:
        painter.setPen(QPen(Qt::white, 4, Qt::SolidLine, Qt::RoundCap));
        painter.drawLine(at + QPointF(-h * 0.7, -h * 0.7), at + QPointF(h * 0.7, h * 0.7));
        painter.drawLine(at + QPointF(h * 0.7, -h * 0.7), at + QPointF(-h * 0.7, h * 0.7));
        painter.setPen(QPen(QColor(0xb7, 0x1c, 0x1c), 2, Qt::SolidLine, Qt::RoundCap));
        painter.drawLine(at + QPointF(-h * 0.7, -h * 0.7), at + QPointF(h * 0.7, h * 0.7));
        painter.drawLine(at + QPointF(h * 0.7, -h * 0.7), at + QPointF(-h * 0.7, h * 0.7));
        break;
    }
    painter.restore();
}

}  // namespace varta::ui
