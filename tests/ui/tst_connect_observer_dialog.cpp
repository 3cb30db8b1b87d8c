// File -> Connect to observer…: it accepts only what reads, says in the dialog what does
// not, and remembers addresses and paths for next time, never a token.
#include "tests/support/secret_files.h"
#include "ui/widgets/connect_observer_dialog.h"

#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace varta;
using namespace varta::ui;

class TestConnectObserverDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName(QStringLiteral("varta-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_connect_observer_dialog"));
    }
    void init() { QSettings().clear(); }

    void whatDoesNotReadIsSaidAndNotAccepted_data() {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("tokenFile");
        QTest::addColumn<QString>("why");
        QTest::newRow("no port") << "db1"
                                 << ""
                                 << "db1: needs unix:PATH or HOST:PORT";
        QTest::newRow("port 0") << "db1:0"
                                << ""
                                << "port must be 1 to 65535";
        QTest::newRow("no token file") << "db1:7300"
                                       << ""
                                       << "needs a token file";
        QTest::newRow("missing token file") << "db1:7300"
                                            << "missing"
                                            << "missing";
        QTest::newRow("token readable by others") << "db1:7300"
                                                  << "open"
                                                  << "permissions";
    }
    void whatDoesNotReadIsSaidAndNotAccepted() {
        QFETCH(QString, address);
        QFETCH(QString, tokenFile);
        QFETCH(QString, why);
        QTemporaryDir dir;
        QString path;
        if (tokenFile == QLatin1String("missing"))
            path = dir.filePath(QStringLiteral("missing"));
        if (tokenFile == QLatin1String("open")) {
            path = dir.filePath(QStringLiteral("open"));
            QVERIFY(test::writeSecretFile(path, "secret-secret-secret\n"));
            QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
        }
        ConnectObserverDialog dialog;
        dialog.addressField()->setEditText(address);
        dialog.tokenFileField()->setText(path);
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QVERIFY2(dialog.errorText().contains(why), qPrintable(dialog.errorText()));
    }

    void anObserverThatReadsIsAcceptedAndRemembered() {
        QTemporaryDir dir;
        const QString token = dir.filePath(QStringLiteral("ops.token"));
        QVERIFY(test::writeSecretFile(token, "  s3cret-token-for-db1  \nignored\n"));
        {
            ConnectObserverDialog dialog;
            dialog.addressField()->setEditText(QStringLiteral("db1.example:7300"));
            dialog.tokenFileField()->setText(token);
            dialog.accept();
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
            QCOMPARE(dialog.settings().target.host, QStringLiteral("db1.example"));
            QCOMPARE(dialog.settings().target.port, 7300);
            QCOMPARE(dialog.settings().token, QByteArray("s3cret-token-for-db1"));
        }
        {
            ConnectObserverDialog dialog;
            dialog.addressField()->setEditText(QStringLiteral("unix:/run/varta-watch/control.sock"));
            dialog.accept();
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
            QVERIFY(dialog.settings().target.isUnix());
        }
        // Next time: both offered, newest first; choosing one fills its paths back in.
        ConnectObserverDialog dialog;
        QCOMPARE(dialog.addressField()->count(), 2);
        QCOMPARE(dialog.addressField()->itemText(0), QStringLiteral("unix:/run/varta-watch/control.sock"));
        QCOMPARE(dialog.addressField()->itemText(1), QStringLiteral("db1.example:7300"));
        dialog.addressField()->setCurrentIndex(1);
        Q_EMIT dialog.addressField()->activated(1);
        QCOMPARE(dialog.tokenFileField()->text(), token);
        // The settings hold paths, never the token itself.
        QFile settings(QSettings().fileName());
        QVERIFY(settings.open(QIODevice::ReadOnly));
        QVERIFY(!settings.readAll().contains("s3cret-token"));
    }
};

QTEST_MAIN(TestConnectObserverDialog)
#include "tst_connect_observer_dialog.moc"
