// The German translation is embedded, complete, and used by the widgets.
#include "core/engine/engine.h"
#include "core/recovery/recovery_engine.h"
#include "tests/support/menu_mnemonics.h"
#include "ui/models/event_log_model.h"
#include "ui/style/install_translator.h"
#include "ui/widgets/agent_actions.h"
#include "ui/widgets/main_window.h"

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QStandardPaths>
#include <QTest>
#include <QXmlStreamReader>

class TestTranslations : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("varta-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_translations"));
    }

    // Runs before any translator is installed.
    void englishNeedsNoTranslation() {
        QVERIFY(varta::ui::installTranslator(*qApp, QStringLiteral("en")));
        QCOMPARE(QLocale().toString(4096), QStringLiteral("4,096"));
        QVERIFY(!varta::ui::installTranslator(*qApp, QStringLiteral("fr")));
        QCOMPARE(QCoreApplication::translate("varta::ui::AgentActions", "Recover now"), QStringLiteral("Recover now"));
    }

    void tsFileIsComplete() {
        QFile ts(QStringLiteral(VARTA_TRANSLATIONS_DIR "/varta-watch_de.ts"));
        QVERIFY(ts.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&ts);
        int messages = 0;
        QStringList unfinished;
        QString source;
        while (!xml.atEnd()) {
            xml.readNext();
            if (!xml.isStartElement())
                continue;
            if (xml.name() == QLatin1String("source")) {
                source = xml.readElementText();
            } else if (xml.name() == QLatin1String("translation")) {
                ++messages;
                const QString type = xml.attributes().value(QLatin1String("type")).toString();
                const QString text = xml.readElementText(QXmlStreamReader::IncludeChildElements);
                if (type == QLatin1String("unfinished") || type == QLatin1String("obsolete")
                    || type == QLatin1String("vanished") || text.trimmed().isEmpty())
                    unfinished << source;
            }
        }
        QVERIFY(!xml.hasError());
        QVERIFY(messages > 100);
        QVERIFY2(unfinished.isEmpty(), qPrintable(unfinished.join(QStringLiteral(" | "))));
    }

    void germanLoadsAndTranslates() {
        QVERIFY(varta::ui::installTranslator(*qApp, QStringLiteral("de_DE")));
        QCOMPARE(QCoreApplication::translate("varta::ui::AgentActions", "Recover now"),
                 QStringLiteral("Jetzt wiederherstellen"));
        QCOMPARE(QCoreApplication::translate("varta::ui::StateStyle", "stalled"), QStringLiteral("verstummt"));
        QCOMPARE(QCoreApplication::translate("varta::ui::StateStyle", "exited"), QStringLiteral("beendet"));
        // --lang sets the locale too: German sizes and numbers.
        QCOMPARE(QLocale().toString(4096), QStringLiteral("4.096"));
        QCOMPARE(QLocale().formattedDataSize(4096), QStringLiteral("4,00 KiB"));
        varta::ui::MainWindow window;
        QCOMPARE(window.actions()->recoverNowAction()->text(), QStringLiteral("Jetzt &wiederherstellen"));
        // German words move the mnemonics: still one per item, none shared in a menu.
        const QString problem = varta::test::menuMnemonicProblem(window);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    // The engine runs in the console's process: its event-log texts and categories are
    // German too.
    void engineEventsAreTranslated() {
        QVERIFY(varta::ui::installTranslator(*qApp, QStringLiteral("de_DE")));
        QCOMPARE(varta::RecoveryEngine::tr("recovery of %1 refused: %2 (%3)"),
                 QStringLiteral("Wiederherstellung von %1 abgelehnt: %2 (%3)"));
        QCOMPARE(varta::Engine::tr("agent %1 (%2) evicted to make room"),
                 QStringLiteral("Agent %1 (%2) verdrängt, um Platz zu schaffen"));

        varta::ui::EventLogModel log;
        log.appendEvents({varta::EventLogEntry{1000, varta::EventSeverity::Warning, varta::EventCategory::Refused,
                                               QStringLiteral("text"), std::nullopt}});
        QCOMPARE(log.index(0, varta::ui::EventLogModel::CategoryColumn).data().toString(), QStringLiteral("abgelehnt"));
    }
};

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
