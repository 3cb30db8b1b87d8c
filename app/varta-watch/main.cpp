#include "ui/widgets/main_window.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("varta-watch"));
    QApplication::setApplicationVersion(QStringLiteral(VARTA_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Operator console for Varta heartbeats"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.process(app);

    varta::ui::MainWindow window;
    window.show();
    return app.exec();
}
