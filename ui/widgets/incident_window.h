#pragma once
// A post-mortem of an incident's files: the console in read-only mode over an
// IncidentReplay, with a time bar to scrub through it. The agents table, timeline, children
// and events show everything as it stood at the bar's moment; stepping moves to the
// previous or next event. Opened by File -> Open event file... or --open.

#include "ui/incident/incident_log.h"
#include "ui/incident/incident_replay.h"
#include "ui/widgets/main_window.h"

#include <QStringList>
#include <QTimer>

#include <memory>

class QLabel;
class QSlider;

namespace varta::ui {

class IncidentWindow : public MainWindow {
    Q_OBJECT
public:
    // While the bar is dragged, the moment shown follows at most this often.
    static constexpr int kScrubSettleMs = 60;

    // Loads `paths` (event files and audit logs); null, with `error` naming the file,
    // when they cannot be read.
    static std::unique_ptr<IncidentWindow> open(const QStringList &paths, QString *error);

    const IncidentReplay &replay() const { return *m_replay; }
    const IncidentLog &log() const { return m_log; }
    EngineMs position() const { return m_positionMs; }
    // Shows the moment `atMs` (clamped to the incident), and moves the bar there.
    void seek(EngineMs atMs);
    void stepToPreviousEvent();
    void stepToNextEvent();
    QString positionText() const;
    QString summaryText() const;

private:
    IncidentWindow(IncidentLog log, const QStringList &paths);
    void createTimeBar();
    void onSliderMoved();
    int sliderValue(EngineMs atMs) const;

    IncidentLog m_log;
    std::unique_ptr<IncidentReplay> m_replay;
    QStringList m_paths;
    EngineMs m_positionMs = 0;
    EngineMs m_sliderStepMs = 1;
    QSlider *m_slider = nullptr;
    QLabel *m_position = nullptr;
    QLabel *m_summary = nullptr;
    QTimer m_settle;
};

}  // namespace varta::ui
