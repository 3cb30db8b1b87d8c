#pragma once
// The stall timeline with its controls: the window (1 min .. 1 h) and a way back to the
// live edge after zooming or panning. The fleet band sits above the lanes, on their axis.

#include "core/published/engine_batch.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QToolButton;

namespace varta::ui {

class FleetBand;
class StallTimelineView;

class TimelinePane : public QWidget {
    Q_OBJECT
public:
    explicit TimelinePane(QWidget *parent = nullptr);

    StallTimelineView *view() const { return m_view; }
    FleetBand *band() const { return m_band; }
    QComboBox *windowCombo() const { return m_window; }
    // One of the combo's spans; anything else selects the nearest.
    void setWindowSpan(EngineMs spanMs);
    EngineMs windowSpan() const;

private:
    void onViewChanged();

    StallTimelineView *m_view = nullptr;
    FleetBand *m_band = nullptr;
    QComboBox *m_window = nullptr;
    QToolButton *m_live = nullptr;
    QLabel *m_hint = nullptr;
};

}  // namespace varta::ui
