#include "ui/console_wiring.h"

#include "core/observer.h"
#include "ui/widgets/main_window.h"

namespace varta::ui {

void connectConsole(MainWindow &window, Observer *observer) {
    qRegisterMetaType<varta::EngineBatch>();
    qRegisterMetaType<QList<varta::AgentKey>>();
    // The observer lives on the engine thread: every one of these is a queued call.
    QObject::connect(observer, &Observer::batchReady, &window, &MainWindow::applyBatch, Qt::QueuedConnection);
    QObject::connect(&window, &MainWindow::recoverNowRequested, observer, &Observer::recoverNow, Qt::QueuedConnection);
    QObject::connect(&window, &MainWindow::killChildRequested, observer, &Observer::killChild, Qt::QueuedConnection);
    QObject::connect(&window, &MainWindow::pauseRequested, observer, &Observer::pause, Qt::QueuedConnection);
    QObject::connect(&window, &MainWindow::resumeRequested, observer, &Observer::resume, Qt::QueuedConnection);
    QObject::connect(&window, &MainWindow::rearmRequested, observer, &Observer::rearm, Qt::QueuedConnection);
    QMetaObject::invokeMethod(observer, "setPublishing", Qt::QueuedConnection, Q_ARG(bool, true));
}

}  // namespace varta::ui
