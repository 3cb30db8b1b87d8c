#include <QCommandLineParser>
#include <QCoreApplication>

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("varta-beat"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VARTA_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Send Varta VLP heartbeats"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.process(app);
    return 0;
}
