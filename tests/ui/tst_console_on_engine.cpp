// The console on the real engine: a window wired to an observer on its own thread, fed
// by real UDP beats, with a real recovery command. The operator selects an agent,
// clicks Recover now, and sees the child and its output appear.
#include "core/engine/engine.h"
#include "core/engine/engine_thread.h"
#include "core/vlp/frame.h"
#include "ui/models/agent_table_model.h"
#include "ui/models/children_model.h"
#include "ui/style/resources_init.h"
#include "ui/widgets/agent_actions.h"
#include "ui/widgets/child_output_view.h"
#include "ui/widgets/console_wiring.h"
#include "ui/widgets/main_window.h"

#include <QAbstractItemModelTester>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QToolBar>
#include <QToolButton>
#include <QUdpSocket>

using namespace varta;
using namespace varta::ui;

namespace {

QString helper(const char *name) {
    return QStringLiteral(VARTA_BINARY_DIR "/child_programs/varta_child_") + QLatin1String(name);
}

QToolButton *toolButtonFor(MainWindow &window, QAction *action) {
    for (QToolBar *bar : window.findChildren<QToolBar *>())
        if (auto *button = qobject_cast<QToolButton *>(bar->widgetForAction(action)))
            return button;
    return nullptr;
}

}  // namespace

class TestConsoleOnEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName(QStringLiteral("varta-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_console_on_engine"));
        QSettings().clear();
        QSettings().setValue(QLatin1String(AgentActions::kConfirmRecoverKey), false);
        initUiResources();
    }

    void recoverNowRunsTheCommandAndShowsItsOutput() {
        Options options;
        options.udp = UdpOptions{};
        options.udp->port = 0;
        options.tracker.thresholdMs = 60'000;  // the agent stays up: only the operator recovers it
        // stdout: the agent's pid in bytes; stderr: 40 bytes; all kept.
        options.recovery.execTemplate = {helper("output"), QStringLiteral("o:{pid}"), QStringLiteral("e:40")};
        options.recovery.execSource = QStringLiteral("inline");
        EngineThread host(options);
        QString error;
        QVERIFY2(host.start(&error), qPrintable(error));

        MainWindow window;
        QAbstractItemModelTester agentsTester(window.agentModel());
        QAbstractItemModelTester childrenTester(window.childrenModel());
        connectConsole(window, host.link());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        QUdpSocket agent;
        constexpr std::uint32_t kPid = 321;
        const auto beat = vlp::encode(vlp::Frame{vlp::Status::Ok, kPid, 1, 1, 0});
        agent.writeDatagram(reinterpret_cast<const char *>(beat.data()), 32, QHostAddress::LocalHost, host.udpPort());
        QTRY_COMPARE_WITH_TIMEOUT(window.agentModel()->rowCount(), 1, 10000);

        QTableView *agents = window.agentView();
        agents->selectRow(0);
        QAction *recover = window.actions()->recoverNowAction();
        QTRY_VERIFY_WITH_TIMEOUT(recover->isEnabled(), 5000);
        QTest::mouseClick(toolButtonFor(window, recover), Qt::LeftButton);

        QTRY_COMPARE_WITH_TIMEOUT(window.childrenModel()->rowCount(), 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(window.outputView()->childId().has_value(), 5000);
        // 321 bytes of stdout, then 40 of stderr, visibly marked.
        QTRY_VERIFY_WITH_TIMEOUT(window.outputView()->text().contains(QStringLiteral("[err]")), 10000);
        QVERIFY(window.outputView()->text().contains(QString(40, QLatin1Char('b'))));
        QVERIFY(!window.outputView()->isTruncationBannerShown());
        const QModelIndex state = window.childrenModel()->index(0, ChildrenModel::StateColumn);
        QTRY_VERIFY_WITH_TIMEOUT(state.data().toString().contains(QStringLiteral("0")), 10000);

        QSignalSpy finished(&host, &EngineThread::finished);
        host.requestShutdown();
        QVERIFY(finished.wait(20000));
    }
};

QTEST_MAIN(TestConsoleOnEngine)
#include "tst_console_on_engine.moc"
