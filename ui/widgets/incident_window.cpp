#include "ui/widgets/incident_window.h"

#include "ui/models/agent_table_model.h"
#include "ui/models/event_log_model.h"
#include "ui/widgets/agent_details_pane.h"
#include "ui/widgets/child_output_view.h"
#include "ui/widgets/timeline/timeline_pane.h"

#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QSlider>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>

#include <limits>

namespace varta::ui {

std::unique_ptr<IncidentWindow> IncidentWindow::open(const QStringList &paths, QString *error) {
    IncidentLog log;
    if (!log.load(paths, error))
        return nullptr;
    return std::unique_ptr<IncidentWindow>(new IncidentWindow(std::move(log), paths));
}

IncidentWindow::IncidentWindow(IncidentLog log, const QStringList &paths)
    : m_log(std::move(log)), m_replay(std::make_unique<IncidentReplay>(m_log)), m_paths(paths) {
    QStringList names;
    for (const QString &path : paths)
        names << QFileInfo(path).fileName();
    setReadOnly(m_log.wallOffsetMs(), tr("Post-mortem: %1 — varta-watch").arg(names.join(QStringLiteral(", "))));
    setAttribute(Qt::WA_DeleteOnClose, false);
    createTimeBar();
    // The event file names agents by pid alone: which transport they beat over is not in it.
    agentView()->setColumnHidden(AgentTableModel::OriginColumn, true);
    // The whole incident in view, as far as the timeline's longest window reaches.
    const EngineMs span = m_replay->endMs() - m_replay->startMs();
    const QComboBox *windows = timelinePane()->windowCombo();
    EngineMs shown = windows->itemData(windows->count() - 1).toLongLong();
    for (int i = windows->count() - 1; i >= 0; --i)
        if (windows->itemData(i).toLongLong() >= span)
            shown = std::min<EngineMs>(shown, windows->itemData(i).toLongLong());
    timelinePane()->setWindowSpan(shown);
    m_settle.setSingleShot(true);
    m_settle.setInterval(kScrubSettleMs);
    connect(&m_settle, &QTimer::timeout, this, &IncidentWindow::onSliderMoved);
    const QString noOutput = tr("The audit log keeps a child's exit and output size, not its output.");
    outputView()->setNoOutputText(noOutput);
    detailsPane()->outputView()->setNoOutputText(noOutput);
    setFleetHistory(m_replay->fleetCounts());
    seek(m_replay->endMs());
}

void IncidentWindow::createTimeBar() {
    QToolBar *bar = new QToolBar(tr("Time"), this);
    bar->setObjectName(QStringLiteral("incidentTimeBar"));
    bar->setMovable(false);
    addToolBarBreak(Qt::TopToolBarArea);
    addToolBar(Qt::TopToolBarArea, bar);

    auto *previous = new QAction(tr("&Previous event"), this);
    previous->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_BracketLeft));
    previous->setToolTip(tr("Go to the event before this moment (%1)").arg(previous->shortcut().toString()));
    connect(previous, &QAction::triggered, this, &IncidentWindow::stepToPreviousEvent);
    auto *next = new QAction(tr("&Next event"), this);
    next->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_BracketRight));
    next->setToolTip(tr("Go to the event after this moment (%1)").arg(next->shortcut().toString()));
    connect(next, &QAction::triggered, this, &IncidentWindow::stepToNextEvent);
    auto *end = new QAction(tr("&End of the files"), this);
    end->setToolTip(tr("Show how everything stood at the last line of the files"));
    connect(end, &QAction::triggered, this, [this] { seek(m_replay->endMs()); });

    const EngineMs span = std::max<EngineMs>(0, m_replay->endMs() - m_replay->startMs());
    m_sliderStepMs = std::max<EngineMs>(1, span / std::numeric_limits<int>::max() + 1);
    m_slider = new QSlider(Qt::Horizontal, bar);
    m_slider->setObjectName(QStringLiteral("incidentSlider"));
    m_slider->setRange(0, sliderValue(m_replay->endMs()));
    m_slider->setPageStep(std::max(1, int(60'000 / m_sliderStepMs)));
    m_slider->setSingleStep(std::max(1, int(1'000 / m_sliderStepMs)));
    m_slider->setToolTip(tr("The moment shown: drag, or use the arrow keys (a second) and Page Up/Down (a minute)"));
    m_slider->setMinimumWidth(240);
    connect(m_slider, &QSlider::valueChanged, this, [this] {
        if (sliderValue(m_positionMs) != m_slider->value())
            m_settle.start();
    });

    m_position = new QLabel(bar);
    m_position->setObjectName(QStringLiteral("incidentPosition"));
    m_position->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary = new QLabel(summaryText(), bar);
    m_summary->setObjectName(QStringLiteral("incidentSummary"));

    bar->addAction(previous);
    bar->addWidget(m_slider);
    bar->addAction(next);
    bar->addAction(end);
    bar->addWidget(m_position);
    bar->addSeparator();
    bar->addWidget(m_summary);

    QMenu *time = menuBar()->addMenu(tr("&Time"));
    time->addActions({previous, next, end});
    // Before Help, which stays last.
    const QList<QAction *> menus = menuBar()->actions();
    if (menus.size() >= 2)
        menuBar()->insertAction(menus[menus.size() - 2], time->menuAction());
}

int IncidentWindow::sliderValue(EngineMs atMs) const { return int((atMs - m_replay->startMs()) / m_sliderStepMs); }

void IncidentWindow::onSliderMoved() { seek(m_replay->startMs() + EngineMs(m_slider->value()) * m_sliderStepMs); }

void IncidentWindow::seek(EngineMs atMs) {
    m_positionMs = std::clamp(atMs, m_replay->startMs(), m_replay->endMs());
    showAt(m_replay->batchAt(m_positionMs, EventLogModel::kMaxEntries));
    if (m_slider) {
        const QSignalBlocker quiet(m_slider);
        m_slider->setValue(sliderValue(m_positionMs));
    }
    if (m_position)
        m_position->setText(positionText());
}

void IncidentWindow::stepToPreviousEvent() { seek(m_replay->previousEventMs(m_positionMs)); }

void IncidentWindow::stepToNextEvent() { seek(m_replay->nextEventMs(m_positionMs)); }

QString IncidentWindow::positionText() const {
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(m_log.wallOffsetMs() + m_positionMs);
    const QString when = QLocale().toString(at, QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    return m_log.wallFromAudit() ? when : tr("%1 (estimated: no audit log)").arg(when);
}

QString IncidentWindow::summaryText() const {
    const QLocale locale;
    qsizetype malformed = 0;
    for (const IncidentFileReport &file : m_log.files())
        malformed += file.malformed;
    QStringList parts;
    parts << tr("%n file(s)", nullptr, int(m_log.files().size()));
    if (m_log.runs() > 1)
        parts << tr("%n observer run(s)", nullptr, m_log.runs());
    parts << tr("%1 agents").arg(locale.toString(m_replay->agentCount()));
    parts << tr("%1 beats").arg(locale.toString(m_log.beatsRead()));
    if (malformed > 0)
        parts << tr("%1 lines unreadable").arg(locale.toString(malformed));
    if (m_log.linesNotLoaded() > 0)
        parts << tr("%1 lines past the %2-fact bound not loaded")
                     .arg(locale.toString(m_log.linesNotLoaded()), locale.toString(IncidentLog::kMaxFacts));
    if (m_replay->eventsNotKept() > 0)
        parts << tr("%1 events past the bound not shown").arg(locale.toString(m_replay->eventsNotKept()));
    return parts.join(QStringLiteral(" · "));
}

}  // namespace varta::ui
