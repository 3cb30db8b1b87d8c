// The operator's marks on an agent (paused, gave up) and its running recovery child, as
// the engine shows them: each is one fact with one owner, so no sequence of operator
// commands can count a recovery twice or lose one.
#include "core/engine/engine.h"
#include "core/vlp/frame.h"

#include <QSignalSpy>
#include <QTest>
#include <QUdpSocket>

using namespace varta;

namespace {

QString childProgram(const char *name) {
    return QStringLiteral(VARTA_BINARY_DIR "/child_programs/varta_child_") + QLatin1String(name);
}

// An engine on the test's thread, publishing, with every agent row it published.
class EngineRig {
public:
    EngineRig() {
        options.udp = UdpOptions{};
        options.udp->port = 0;
        options.tracker.thresholdMs = 60'000;  // the agent never stalls: only the operator acts
        options.recovery.execTemplate = {childProgram("hang")};
        options.recovery.execSource = QStringLiteral("inline");
        options.recovery.debounceMs = 0;
    }

    ~EngineRig() {
        // A failed check may leave the child running: end it the engine's way.
        if (engine && !stoppedSeen) {
            QSignalSpy stopped(engine.get(), &Engine::stopped);
            engine->shutdown();
            stopped.wait(20000);
        }
    }

    void stop() {
        QSignalSpy stopped(engine.get(), &Engine::stopped);
        engine->shutdown();
        stoppedSeen = stopped.count() == 1 || stopped.wait(20000);
    }

    bool start() {
        engine = std::make_unique<Engine>(options);
        QObject::connect(engine.get(), &Engine::batchReady, [this](const EngineBatch &batch) {
            for (const AgentSnapshot &agent : batch.agents)
                last = agent;
            for (const ChildInfo &child : batch.children)
                children.append(child);
        });
        QString error;
        if (!engine->start(&error)) {
            qWarning("start: %s", qPrintable(error));
            return false;
        }
        engine->setPublishing(true);
        return true;
    }

    void beat(std::uint64_t nonce) {
        const auto frame = vlp::encode(vlp::Frame{vlp::Status::Ok, kPid, nonce, nonce, 0});
        socket.writeDatagram(reinterpret_cast<const char *>(frame.data()), 32, QHostAddress::LocalHost,
                             engine->udpPort());
    }

    bool childRunning() const { return !children.isEmpty() && children.constLast().state == ChildState::Running; }
    bool childEnded() const { return !children.isEmpty() && children.constLast().endedMs >= 0; }

    static constexpr std::uint32_t kPid = 4242;
    Options options;
    std::unique_ptr<Engine> engine;
    std::optional<AgentSnapshot> last;
    QList<ChildInfo> children;
    QUdpSocket socket;
    bool stoppedSeen = false;
};

// An engine whose one agent has a recovery child running, started by Recover now.
AgentKey startRecovering(EngineRig &rig) {
    [&rig] {
        QVERIFY(rig.start());
        rig.beat(1);
        QTRY_VERIFY_WITH_TIMEOUT(rig.last.has_value(), 10000);
        rig.engine->recoverNow({rig.last->key});
        QTRY_VERIFY_WITH_TIMEOUT(rig.childRunning(), 10000);
    }();
    return rig.last ? rig.last->key : AgentKey{};
}

}  // namespace

class TestEngineMarks : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Pause and resume while the agent's recovery child runs: the agent shows Paused,
    // then Recovering again, and the one child is one recovery.
    void pauseAndResumeDuringRecoveryCountsOneRecovery() {
        EngineRig rig;
        const AgentKey agent = startRecovering(rig);
        if (QTest::currentTestFailed())
            return;
        QTRY_COMPARE_WITH_TIMEOUT(rig.last->state, AgentState::Recovering, 5000);
        QCOMPARE(rig.last->recoveries, 1u);

        rig.engine->pause({agent});
        QTRY_COMPARE_WITH_TIMEOUT(rig.last->state, AgentState::Paused, 5000);
        rig.engine->resume({agent});
        QTRY_COMPARE_WITH_TIMEOUT(rig.last->state, AgentState::Recovering, 5000);
        QCOMPARE(rig.last->recoveries, 1u);

        rig.engine->killChild(rig.children.constLast().id);
        QTRY_VERIFY_WITH_TIMEOUT(rig.childEnded(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(rig.last->state, AgentState::Up, 5000);
        QCOMPARE(rig.last->recoveries, 1u);

        rig.stop();
        QVERIFY(rig.stoppedSeen);
    }

    // The child ends while the agent is paused: it stays Paused, and resuming shows the
    // agent as its beats say, not as recovering.
    void childEndingWhilePausedLeavesNoRecoveringMark() {
        EngineRig rig;
        const AgentKey agent = startRecovering(rig);
        if (QTest::currentTestFailed())
            return;
        rig.engine->pause({agent});
        QTRY_COMPARE_WITH_TIMEOUT(rig.last->state, AgentState::Paused, 5000);
        rig.engine->killChild(rig.children.constLast().id);
        QTRY_VERIFY_WITH_TIMEOUT(rig.childEnded(), 10000);
        QCOMPARE(rig.last->state, AgentState::Paused);

        rig.engine->resume({agent});
        QTRY_COMPARE_WITH_TIMEOUT(rig.last->state, AgentState::Up, 5000);
        QCOMPARE(rig.last->recoveries, 1u);

        rig.stop();
        QVERIFY(rig.stoppedSeen);
    }
};

QTEST_GUILESS_MAIN(TestEngineMarks)
#include "tst_engine_marks.moc"
