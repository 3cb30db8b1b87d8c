#pragma once
// The status bar's contents: where the engine listens, how many agents are in each
// state (icon, count and name: a flat button that asks for the table to show only that
// state), and beat and decode-error rates computed from the totals of successive batches.

#include "core/published/engine_batch.h"
#include "ui/models/rate_meter.h"

#include <QWidget>

#include <array>

class QLabel;
class QToolButton;

namespace varta::ui {

class StatusBarPanel : public QWidget {
    Q_OBJECT
public:
    explicit StatusBarPanel(QWidget *parent = nullptr);

    void applyStats(const EngineStats &stats);
    // A console attached to observers elsewhere shows each connection where a console
    // with its own engine shows that engine's listeners; the listeners become the tooltip.
    // `text` is rich text; `trouble`: some observer is not connected.
    void setObserverStatus(const QString &text, bool trouble);
    bool observersInTrouble() const { return m_observersInTrouble; }

    QString listenersText() const;
    QString agentsText() const;
    QString ratesText() const;
    double beatsPerSecond() const { return m_beats.perSecond(); }
    double decodeErrorsPerSecond() const { return m_decodeErrors.perSecond(); }
    QToolButton *stateButton(AgentState state) const { return m_stateCounts[std::size_t(state)]; }

Q_SIGNALS:
    // A state's count was clicked.
    void stateClicked(varta::AgentState state);

private:
    QLabel *m_listeners = nullptr;
    bool m_showsObservers = false;
    bool m_observersInTrouble = false;
    QLabel *m_total = nullptr;
    std::array<QToolButton *, kAgentStateCount> m_stateCounts{};
    QLabel *m_rates = nullptr;
    RateMeter m_beats;
    RateMeter m_decodeErrors;
};

}  // namespace varta::ui
