#pragma once
// How an agent state, a beat status or an event severity looks to the operator. Every
// state has an icon with its own shape, a name and a colour, so nothing is told by
// colour alone (docs/architecture.md section 5). Models and the timeline take all of it from here.

#include "core/published/engine_batch.h"

#include <QBrush>
#include <QColor>
#include <QCoreApplication>
#include <QIcon>
#include <QString>

namespace varta::ui {

class StateStyle {
    Q_DECLARE_TR_FUNCTIONS(varta::ui::StateStyle)
public:
    static QString name(AgentState state);
    // "paused · beating", "gave up · silent"; the plain name for any other state.
    static QString nameWithLiveness(AgentState state, bool silent);
    static QString description(AgentState state);
    static QString iconPath(AgentState state);
    static QIcon icon(AgentState state);
    // Saturated fill for timeline segments and legend swatches.
    static QColor fillColor(AgentState state);
    // Text colour with enough contrast on the palette's base colour.
    static QColor textColor(AgentState state, bool darkBackground);
    // Hatching drawn over a fill, so problem states differ by more than hue.
    static Qt::BrushStyle pattern(AgentState state);
    // Higher is more urgent; sorting by state puts the agents needing attention first.
    static int urgency(AgentState state);

    static QString statusName(vlp::Status status);

    static QString severityName(EventSeverity severity);
    static QIcon severityIcon(EventSeverity severity);
    static QColor severityColor(EventSeverity severity, bool darkBackground);

    static bool isDark(const QColor &background);
};

}  // namespace varta::ui
