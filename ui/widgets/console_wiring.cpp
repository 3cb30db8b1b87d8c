#include "ui/widgets/console_wiring.h"

#include "core/published/engine_link.h"
#include "ui/widgets/main_window.h"

namespace varta::ui {

void connectConsole(MainWindow &window, EngineLink &link) {
    QObject::connect(&link, &EngineLink::batchReady, &window, &MainWindow::applyBatch);
    QObject::connect(&window, &MainWindow::recoverNowRequested, &link, &EngineLink::recoverNow);
    QObject::connect(&window, &MainWindow::killChildRequested, &link, &EngineLink::killChild);
    QObject::connect(&window, &MainWindow::pauseRequested, &link, &EngineLink::pause);
    QObject::connect(&window, &MainWindow::resumeRequested, &link, &EngineLink::resume);
    QObject::connect(&window, &MainWindow::rearmRequested, &link, &EngineLink::rearm);
    link.setPublishing(true);
}

}  // namespace varta::ui
