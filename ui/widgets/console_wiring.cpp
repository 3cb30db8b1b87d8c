#include "ui/widgets/console_wiring.h"

#include "core/attach/observer_fleet.h"
#include "core/published/engine_link.h"
#include "ui/widgets/connect_observer_dialog.h"
#include "ui/widgets/main_window.h"

#include <QAction>
#include <QCoreApplication>
#include <QStatusBar>
#include <QTimer>

namespace varta::ui {

namespace {

// "db1:7300: connected", "db2:7300: reconnecting in 4 s (connection refused)".
QString connectionText(const RemoteEngineLink &link) {
    const QString name = link.target().shortName();
    const auto tr = [](const char *text) { return QCoreApplication::translate("varta::ui::ObserverStatus", text); };
    switch (link.status()) {
    case RemoteEngineLink::Status::Connected:
        return link.role() == QLatin1String("view") ? tr("%1: connected (view only)").arg(name)
                                                    : tr("%1: connected").arg(name);
    case RemoteEngineLink::Status::Connecting: return tr("%1: connecting…").arg(name);
    case RemoteEngineLink::Status::Reconnecting: {
        const std::int64_t inMs = std::max<std::int64_t>(link.retryAtMs() - RemoteEngineLink::consoleNowMs(), 0);
        return tr("%1: reconnecting in %2 s (%3)").arg(name).arg((inMs + 999) / 1000).arg(link.statusDetail());
    }
    case RemoteEngineLink::Status::Refused: return tr("%1: %2").arg(name, link.statusDetail());
    }
    return name;
}

// Rich text: an observer that is not connected stands out in bold and red, and its text
// says why (never colour alone).
void showObservers(MainWindow &window, const ObserverFleet &fleet) {
    QStringList parts;
    bool trouble = false;
    for (const RemoteEngineLink *link : fleet.links()) {
        const bool connected = link->status() == RemoteEngineLink::Status::Connected;
        const QString text = connectionText(*link).toHtmlEscaped();
        parts << (connected ? text : QStringLiteral("<b style=\"color:#b3261e\">%1</b>").arg(text));
        trouble = trouble || !connected;
        window.setObserver(link->observer(), link->target().shortName(), link->unreachableSinceMs());
    }
    window.setObserverStatus(QStringLiteral("<qt>%1</qt>").arg(parts.join(QStringLiteral(" · "))), trouble);
}

}  // namespace

void connectConsole(MainWindow &window, EngineLink &link) {
    QObject::connect(&link, &EngineLink::batchReady, &window, &MainWindow::applyBatch);
    QObject::connect(&window, &MainWindow::recoverNowRequested, &link, &EngineLink::recoverNow);
    QObject::connect(&window, &MainWindow::killChildRequested, &link, &EngineLink::killChild);
    QObject::connect(&window, &MainWindow::pauseRequested, &link, &EngineLink::pause);
    QObject::connect(&window, &MainWindow::resumeRequested, &link, &EngineLink::resume);
    QObject::connect(&window, &MainWindow::rearmRequested, &link, &EngineLink::rearm);
    QObject::connect(&window, &MainWindow::outputWanted, &link, &EngineLink::requestOutput);
    link.setPublishing(true);
}

void connectObservers(MainWindow &window, ObserverFleet &fleet) {
    showObservers(window, fleet);
    QObject::connect(&fleet, &ObserverFleet::observerStatusChanged, &window,
                     [&window, &fleet] { showObservers(window, fleet); });
    // The countdown of a reconnecting observer.
    auto *tick = new QTimer(&window);
    tick->setInterval(1000);
    QObject::connect(tick, &QTimer::timeout, &window, [&window, &fleet] { showObservers(window, fleet); });
    tick->start();
    QAction *add = window.connectObserverAction();
    add->setEnabled(true);
    QObject::connect(add, &QAction::triggered, &window, [&window, &fleet] {
        ConnectObserverDialog dialog(&window);
        if (dialog.exec() != QDialog::Accepted)
            return;
        RemoteEngineLink *link = fleet.add(dialog.settings());
        if (link == nullptr) {
            window.statusBar()->showMessage(
                QCoreApplication::translate("varta::ui::ObserverStatus", "At most %1 observers in one window")
                    .arg(ObserverFleet::kMaxObservers),
                10000);
            return;
        }
        link->setPublishing(true);
        showObservers(window, fleet);
    });
    connectConsole(window, fleet);
}

}  // namespace varta::ui
