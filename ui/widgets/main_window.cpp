#include "ui/widgets/main_window.h"

namespace varta::ui {

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent) {
    setWindowTitle(tr("varta-watch"));
    resize(1280, 800);
}

} // namespace varta::ui
