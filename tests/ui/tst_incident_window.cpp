// A post-mortem of the files the real binary wrote: varta-watch --demo records a stall and
// its recovery in an event file and an audit log; the console opens both read-only and
// shows each moment as it was. And `varta-watch --open` does the same from the command line.
#include "tests/support/watch_process.h"
#include "ui/models/agent_table_model.h"
#include "ui/models/children_model.h"
#include "ui/models/event_log_model.h"
#include "ui/widgets/agent_actions.h"
#include "ui/widgets/incident_window.h"
#include "ui/widgets/table_export.h"

#include <QAction>
#include <QApplication>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QMenuBar>
#include <QSlider>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace varta;
using namespace varta::test;
using varta::ui::AgentTableModel;
using varta::ui::IncidentWindow;
using varta::ui::TableExport;

namespace {

int rowOfPid(const AgentTableModel &model, std::uint32_t pid) {
    for (int row = 0; row < model.rowCount(); ++row)
        if (model.snapshot(row).key.pid == pid)
            return row;
    return -1;
}

QStringList eventTexts(const ui::EventLogModel &model) {
    QStringList texts;
    for (int row = 0; row < model.rowCount(); ++row)
        texts << model.entry(row).text;
    return texts;
}

QProcess::ProcessState runWatch(const QStringList &args, QByteArray *out, QByteArray *err, int *code) {
    QProcess watch;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    watch.setProcessEnvironment(env);
    watch.start(watchBinary(), args);
    if (!watch.waitForFinished(60'000)) {
        watch.kill();
        watch.waitForFinished();
        return QProcess::Running;
    }
    *out = watch.readAllStandardOutput();
    *err = watch.readAllStandardError();
    *code = watch.exitCode();
    return QProcess::NotRunning;
}

}  // namespace

class TstIncidentWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void theConsoleShowsEachMomentOfWhatTheBinaryRecorded();
    void nothingInAPostMortemActsOnAnObserver();
    void theTableAndTheEventsExportAsTabSeparatedText();
    void openOnTheCommandLineShowsTheFilesWithoutAnObserver();
    void openRefusesWhatItCannotShow();

private:
    QTemporaryDir m_dir;
    QString m_events;
    QString m_audit;
    EventLine m_stall;
};

void TstIncidentWindow::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    m_events = m_dir.filePath(QStringLiteral("events.tsv"));
    m_audit = m_dir.filePath(QStringLiteral("audit.log"));
    QByteArray out;
    QByteArray err;
    int code = -1;
    // The demo's agents include one that falls silent and one recovery command.
    QCOMPARE(runWatch({"--headless", "--demo", "--export-file", m_events, "--recovery-audit-file", m_audit,
                       "--shutdown-after-secs", "6"},
                      &out, &err, &code),
             QProcess::NotRunning);
    QCOMPARE(code, 0);
    const QList<EventLine> stalls = ofKind(readEventFile(m_events), QStringLiteral("stall"));
    QVERIFY2(!stalls.isEmpty(), err.constData());
    m_stall = stalls.front();
}

void TstIncidentWindow::theConsoleShowsEachMomentOfWhatTheBinaryRecorded() {
    QString error;
    const std::unique_ptr<IncidentWindow> window = IncidentWindow::open({m_events, m_audit}, &error);
    QVERIFY2(window, qPrintable(error));
    window->show();
    QVERIFY(window->windowTitle().startsWith(QStringLiteral("Post-mortem: events.tsv, audit.log")));
    QVERIFY(window->log().wallFromAudit());
    const std::uint32_t pid = m_stall.pid.toUInt();

    // At the end of the files: every agent the demo ran, the stalled one among them.
    QCOMPARE(window->position(), window->replay().endMs());
    const AgentTableModel &agents = *window->agentModel();
    QVERIFY2(agents.rowCount() >= 5, qPrintable(QString::number(agents.rowCount())));
    QVERIFY(rowOfPid(agents, pid) >= 0);
    QCOMPARE(agents.snapshot(rowOfPid(agents, pid)).stalls, 1u);
    QCOMPARE(window->childrenModel()->rowCount(), 1);
    const QStringList texts = eventTexts(*window->eventLogModel());
    QVERIFY2(texts.filter(QStringLiteral("pid %1 stalled").arg(pid)).size() == 1, qPrintable(texts.join('\n')));
    QVERIFY2(texts.filter(QStringLiteral("recovery of pid %1: started child 1").arg(pid)).size() == 1,
             qPrintable(texts.join('\n')));

    // The start is the observer's boot; the next event is the stall.
    window->seek(window->replay().startMs());
    window->stepToNextEvent();
    const EngineMs stalledAt = window->position();
    // The demo recovers at once: when the child started within the stall's millisecond,
    // that moment already shows it recovering.
    const AgentState atStall = agents.snapshot(rowOfPid(agents, pid)).state;
    QVERIFY2(atStall == AgentState::Stalled || atStall == AgentState::Recovering, agentStateName(atStall));
    // Its wall time is the audit log's clock, the file's observer_ns on it.
    const QList<QByteArray> boot = [&] {
        QFile file(m_audit);
        file.open(QIODevice::ReadOnly);
        return file.readAll().split('\n')[1].split('\t');
    }();
    const std::int64_t bootWallMs = boot[1].toLongLong();
    const std::int64_t stallWallMs = window->log().wallOffsetMs() + stalledAt;
    QVERIFY2(stallWallMs > bootWallMs && stallWallMs < bootWallMs + 6'000,
             qPrintable(QStringLiteral("%1 vs boot %2").arg(stallWallMs).arg(bootWallMs)));
    // Just before, it was not stalled and no child had run.
    window->seek(stalledAt - 1);
    QVERIFY(agents.snapshot(rowOfPid(agents, pid)).state != AgentState::Stalled);
    QCOMPARE(window->childrenModel()->rowCount(), 0);
    // The bar follows, and says where it is.
    QCOMPARE(window->findChild<QSlider *>(QStringLiteral("incidentSlider"))->value(),
             int(stalledAt - 1 - window->replay().startMs()));
    QVERIFY(
        !window->findChild<QLabel *>(QStringLiteral("incidentPosition"))->text().contains(QStringLiteral("estimated")));
    // Dragging the bar shows the moment it is left at.
    window->findChild<QSlider *>(QStringLiteral("incidentSlider"))->setValue(int(window->replay().endMs()));
    QTRY_COMPARE(window->position(), window->replay().endMs());
    QCOMPARE(window->childrenModel()->rowCount(), 1);
}

void TstIncidentWindow::nothingInAPostMortemActsOnAnObserver() {
    QString error;
    const std::unique_ptr<IncidentWindow> window = IncidentWindow::open({m_events, m_audit}, &error);
    QVERIFY2(window, qPrintable(error));
    window->show();
    QVERIFY(window->isReadOnly());
    window->agentView()->selectAll();
    QVERIFY(!window->agentView()->selectionModel()->selectedRows().isEmpty());
    for (QAction *action :
         {window->actions()->recoverNowAction(), window->actions()->pauseAction(), window->actions()->resumeAction(),
          window->actions()->rearmAction(), window->actions()->killChildAction()}) {
        QVERIFY2(!action->isEnabled(), qPrintable(action->text()));
        QVERIFY(action->toolTip().contains(QStringLiteral("post-mortem")));
    }
    // Moving in time keeps the selection where the agents are still shown.
    const qsizetype selected = window->agentView()->selectionModel()->selectedRows().size();
    window->seek(window->replay().endMs() - 1);
    QCOMPARE(window->agentView()->selectionModel()->selectedRows().size(), selected);
}

void TstIncidentWindow::theTableAndTheEventsExportAsTabSeparatedText() {
    QString error;
    const std::unique_ptr<IncidentWindow> window = IncidentWindow::open({m_events, m_audit}, &error);
    QVERIFY2(window, qPrintable(error));
    window->show();
    // Every row shown, the header first, hidden columns left out (the files know no origin).
    const QStringList agents = TableExport::tsv(*window->agentView()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(agents.size(), window->agentModel()->rowCount() + 1);
    QVERIFY(agents[0].startsWith(QStringLiteral("PID\tName\tState")));
    QVERIFY(!agents[0].contains(QStringLiteral("Origin")));
    for (const QString &line : agents)
        QCOMPARE(line.count('\t'), agents[0].count('\t'));
    // With rows selected, only those.
    window->agentView()->selectRow(0);
    QCOMPARE(TableExport::tsv(*window->agentView()).split('\n', Qt::SkipEmptyParts).size(), 2);
    // Events: an event range is the rows selected in the log.
    window->eventLogView()->selectRow(0);
    window->eventLogView()->selectionModel()->select(window->eventLogView()->model()->index(1, 0),
                                                     QItemSelectionModel::Select | QItemSelectionModel::Rows);
    const QStringList events = TableExport::tsv(*window->eventLogView()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(events.size(), 3);
    QVERIFY2(events[1].contains(QStringLiteral("observer started")), qPrintable(events[1]));

    const QString saved = m_dir.filePath(QStringLiteral("agents.tsv"));
    QVERIFY2(TableExport::save(saved, agents.join('\n'), &error), qPrintable(error));
    QFile file(saved);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(file.readAll()), agents.join('\n'));
    const QString nowhere = m_dir.filePath(QStringLiteral("no-such-dir/agents.tsv"));
    QVERIFY(!TableExport::save(nowhere, agents.join('\n'), &error));
    QVERIFY2(error.startsWith(nowhere + QStringLiteral(": cannot write")), qPrintable(error));
}

void TstIncidentWindow::openOnTheCommandLineShowsTheFilesWithoutAnObserver() {
    const QString picture = m_dir.filePath(QStringLiteral("post-mortem.png"));
    QByteArray out;
    QByteArray err;
    int code = -1;
    QCOMPARE(runWatch({"--open", m_events, "--open", m_audit, "--screenshot", picture, "--screenshot-delay-ms", "500",
                       "--shutdown-after-secs", "3"},
                      &out, &err, &code),
             QProcess::NotRunning);
    QVERIFY2(code == 0, err.constData());
    QVERIFY2(!out.contains("listening on"), out.constData());  // no observer was started
    const QImage image(picture);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() >= 1024);
}

void TstIncidentWindow::openRefusesWhatItCannotShow() {
    QByteArray out;
    QByteArray err;
    int code = -1;
    const QString missing = m_dir.filePath(QStringLiteral("no-such.tsv"));
    QCOMPARE(runWatch({"--open", missing, "--shutdown-after-secs", "3"}, &out, &err, &code), QProcess::NotRunning);
    QCOMPARE(code, 1);
    QVERIFY2(err.contains((missing + QStringLiteral(": cannot open")).toUtf8()), err.constData());
    QCOMPARE(runWatch({"--headless", "--open", m_events}, &out, &err, &code), QProcess::NotRunning);
    QCOMPARE(code, 2);
    QVERIFY2(err.startsWith("varta-watch: --open: "), err.constData());
    QCOMPARE(err.count('\n'), 1);
}

QTEST_MAIN(TstIncidentWindow)
#include "tst_incident_window.moc"
