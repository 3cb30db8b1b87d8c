#pragma once

#include <QMainWindow>

namespace varta::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
};

} // namespace varta::ui
