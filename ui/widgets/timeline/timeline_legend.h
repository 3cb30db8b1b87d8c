#pragma once
// The stall timeline's key: one entry per state (swatch with its hatching, icon, name)
// and one per recovery marker. Entries flow onto further rows when the view is narrow.

#include "core/published/engine_batch.h"

#include <QCoreApplication>
#include <QFont>
#include <QIcon>
#include <QList>
#include <QString>

class QPainter;
class QPointF;
class QRect;
class QRectF;

namespace varta::ui {

enum class TimelineMarker : std::uint8_t { Spawn, Exit, Kill };

class TimelineLegend {
    Q_DECLARE_TR_FUNCTIONS(varta::ui::TimelineLegend)
public:
    TimelineLegend();

    int heightForWidth(const QFont &font, int width) const;
    void paint(QPainter &painter, const QRect &area) const;

    static void paintSwatch(QPainter &painter, const QRectF &rect, AgentState state);
    static void paintMarker(QPainter &painter, const QPointF &at, TimelineMarker marker, qreal size);
    static QString markerName(TimelineMarker marker);

private:
    struct Entry {
        bool isState = true;
        AgentState state = AgentState::Up;
        TimelineMarker marker = TimelineMarker::Spawn;
        QIcon icon;
        QString text;
    };
    int entryWidth(const QFont &font, const Entry &entry) const;

    QList<Entry> m_entries;
};

}  // namespace varta::ui
