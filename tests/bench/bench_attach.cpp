// A console attached to an observer elsewhere, at 100,000 agents beating once a second:
// the observer is the real binary (varta-watch --headless --console-listen on loopback,
// a process of its own), fed over UDP by a generator thread here; this process is the
// console, wired as `varta-watch --attach` wires it (ObserverFleet, MainWindow offscreen).
// Prints two markdown rows:
//  1. Attach time: from the link's first connection attempt until the agents table holds
//     every agent and the window has painted them, against reading the same snapshot
//     line raw off the same port (what the observer takes to build and send it).
//  2. Steady-state stream bytes on the wire per changed agent (every entry of a batch,
//     full row or compact beat, is one agent that changed), against the 32-byte VLP
//     frame the agent itself sent for that beat.
#include "core/attach/observer_fleet.h"
#include "core/attach/stream_decoder.h"
#include "core/sender/load_generator.h"
#include "ui/models/agent_table_model.h"
#include "ui/style/resources_init.h"
#include "ui/widgets/console_wiring.h"
#include "ui/widgets/main_window.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <sys/prctl.h>

using namespace varta;

namespace {

constexpr std::uint32_t kAgents = 100000;
constexpr double kRatePerAgent = 1.0;
constexpr int kRounds = 3;
constexpr int kSteadyMs = 10000;
constexpr int kSettleMs = 3000;   // after a subscription, before the steady window opens
constexpr int kGiveUpMs = 60000;  // a round that takes this long has failed
constexpr double kTargetAttachMs = 2000;
constexpr double kTargetBytesPerAgent = 64;
constexpr double kFrameBytes = 32;  // a VLP beat on the wire, UDP and IP headers aside

void runFor(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? -1 : v[v.size() / 2];
}

[[noreturn]] void fail(const QString &why) {
    std::fprintf(stderr, "bench_attach: %s\n", qPrintable(why));
    std::exit(1);
}

void writePrivate(const QString &path, const QByteArray &text) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(text) != text.size())
        fail(path + QStringLiteral(": cannot write"));
}

// The observer: varta-watch --headless on ephemeral ports, its announced ports read off
// its standard output.
struct Observer {
    QProcess process;
    quint16 udpPort = 0;
    quint16 consolePort = 0;

    void start(const QString &tokenFile) {
        process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        // fail() exits without unwinding: the observer must not outlive the benchmark.
        process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        process.start(QStringLiteral(VARTA_BINARY_DIR "/bin/varta-watch"),
                      {"--headless", "--udp-port", "0", "--console-listen", "127.0.0.1:0", "--console-token-file",
                       tokenFile, "--tracker-capacity", "131072", "--max-beat-rate", "0", "--threshold-ms", "600000"});
        const QRegularExpression udp(QStringLiteral("listening on udp 127\\.0\\.0\\.1:(\\d+)"));
        const QRegularExpression console(QStringLiteral("listening on console tcp://127\\.0\\.0\\.1:(\\d+)"));
        QElapsedTimer clock;
        clock.start();
        QByteArray out;
        while ((udpPort == 0 || consolePort == 0) && clock.elapsed() < 20000) {
            process.waitForReadyRead(100);
            out += process.readAllStandardOutput();
            const QString text = QString::fromUtf8(out);
            if (const auto m = udp.match(text); m.hasMatch())
                udpPort = static_cast<quint16>(m.captured(1).toUInt());
            if (const auto m = console.match(text); m.hasMatch())
                consolePort = static_cast<quint16>(m.captured(1).toUInt());
        }
        if (udpPort == 0 || consolePort == 0)
            fail(QStringLiteral("the observer did not announce its ports: ") + QString::fromUtf8(out));
    }

    // Stops it and returns the beats its summary line says it accepted, or -1.
    qint64 stop() {
        process.terminate();
        if (!process.waitForFinished(10000))
            process.kill();
        const QRegularExpression beats(QStringLiteral("stopped: .* beats=(\\d+)"));
        const auto m = beats.match(QString::fromUtf8(process.readAllStandardOutput()));
        return m.hasMatch() ? m.captured(1).toLongLong() : -1;
    }

    ~Observer() {
        if (process.state() != QProcess::NotRunning)
            stop();
    }
};

// A raw subscriber on the console port: hello, subscribe, then every byte counted and,
// when it decodes, every line decoded as a console decodes it.
class RawSubscriber {
public:
    RawSubscriber(quint16 port, const QByteArray &token, bool decodes) : m_decodes(decodes) {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        m_socket.write(R"({"v":1,"id":"hello","cmd":"hello","args":{"token":")" + token + "\"}}\n");
        m_socket.write(R"({"v":1,"id":"subscribe","cmd":"subscribe"})"
                       "\n");
        QObject::connect(&m_socket, &QTcpSocket::readyRead, [this] { read(); });
    }

    qint64 bytes() const { return m_bytes; }
    std::optional<qint64> snapshotBytes() const { return m_snapshotBytes; }
    qsizetype snapshotAgents() const { return m_snapshotAgents; }
    qint64 changedAgents() const { return m_changed; }
    qint64 snapshots() const { return m_snapshots; }

private:
    void read() {
        const QByteArray chunk = m_socket.readAll();
        m_bytes += chunk.size();
        if (!m_decodes) {
            // The hello reply, then the snapshot's line.
            m_lines += chunk.count('\n');
            if (m_lines >= 2 && !m_snapshotBytes)
                m_snapshotBytes = m_bytes;
            return;
        }
        QList<StreamMessage> messages;
        m_decoder.feed(chunk, messages);
        for (const StreamMessage &m : messages) {
            if (m.kind == StreamMessage::Kind::Snapshot) {
                ++m_snapshots;
                if (!m_snapshotBytes) {
                    m_snapshotBytes = m_bytes - m_decoder.pendingBytes();
                    m_snapshotAgents = m.batch.agents.size();
                }
            } else if (m.kind == StreamMessage::Kind::Batch) {
                m_changed += m.batch.agents.size() + m.beats.size();
            } else if (m.kind == StreamMessage::Kind::Malformed) {
                fail(QStringLiteral("a malformed stream line: ") + m.error);
            }
        }
    }

    bool m_decodes;
    qsizetype m_lines = 0;
    QTcpSocket m_socket;
    StreamDecoder m_decoder;
    qint64 m_bytes = 0;
    std::optional<qint64> m_snapshotBytes;
    qsizetype m_snapshotAgents = 0;
    qint64 m_changed = 0;
    qint64 m_snapshots = 0;
};

// How long a subscriber that does not decode takes to hold the whole snapshot line.
double rawSnapshotMs(quint16 port, const QByteArray &token, qint64 *bytes) {
    QElapsedTimer clock;
    clock.start();
    RawSubscriber raw(port, token, false);
    while (!raw.snapshotBytes() && clock.elapsed() < kGiveUpMs)
        runFor(1);
    if (!raw.snapshotBytes())
        fail(QStringLiteral("no snapshot within %1 ms").arg(kGiveUpMs));
    *bytes = *raw.snapshotBytes();
    return double(clock.nsecsElapsed()) / 1e6;
}

// How long a fresh console window takes to show every agent of the observer.
double consoleAttachMs(quint16 port, const QByteArray &token) {
    QString error;
    const std::optional<AttachTarget> target = AttachTarget::parse(QStringLiteral("127.0.0.1:%1").arg(port), &error);
    if (!target)
        fail(error);
    ObserverFleet fleet;
    ui::MainWindow window;
    window.resize(1280, 800);
    window.show();
    runFor(200);  // the window's first paint is not the attach's
    QElapsedTimer clock;
    clock.start();
    RemoteEngineLink::Settings settings{*target, token, {}};
    fleet.add(settings);
    ui::connectObservers(window, fleet);
    while (window.agentModel()->rowCount() < int(kAgents) && clock.elapsed() < kGiveUpMs)
        runFor(1);
    if (window.agentModel()->rowCount() < int(kAgents))
        fail(QStringLiteral("the console showed %1 agents").arg(window.agentModel()->rowCount()));
    window.repaint();  // the rows on screen, not only in the model
    const double ms = double(clock.nsecsElapsed()) / 1e6;
    fleet.setPublishing(false);
    return ms;
}

}  // namespace

int main(int argc, char *argv[]) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("varta-bench"));
    ui::initUiResources();

    QTemporaryDir dir;
    const QByteArray secret = QByteArray::number(QRandomGenerator::system()->generate64(), 16).rightJustified(16, '0')
                              + QByteArray::number(QRandomGenerator::system()->generate64(), 16);
    writePrivate(dir.filePath("tokens"), "bench control " + secret + "\n");
    Observer observer;
    observer.start(dir.filePath("tokens"));

    LoadGenerator::Config config;
    config.agents = kAgents;
    config.ratePerAgentHz = kRatePerAgent;
    LoadGenerator generator(config);
    if (!generator.connectUdp(QHostAddress::LocalHost, observer.udpPort))
        fail(generator.errorString());
    std::atomic<bool> stop{false};
    std::thread sender([&] { generator.run(stop); });
    runFor(2500);  // every agent has beaten at least twice

    std::vector<double> raw;
    std::vector<double> shown;
    qint64 snapshotBytes = 0;
    for (int round = 0; round < kRounds; ++round) {
        raw.push_back(rawSnapshotMs(observer.consolePort, secret, &snapshotBytes));
        shown.push_back(consoleAttachMs(observer.consolePort, secret));
        std::fprintf(stderr, "bench_attach: round %d: snapshot read raw in %.0f ms, every row shown in %.0f ms\n",
                     round + 1, raw.back(), shown.back());
    }

    RawSubscriber steady(observer.consolePort, secret, true);
    runFor(kSettleMs);
    const qint64 bytes0 = steady.bytes();
    const qint64 changed0 = steady.changedAgents();
    QElapsedTimer window;
    window.start();
    runFor(kSteadyMs);
    const double seconds = double(window.nsecsElapsed()) / 1e9;
    const qint64 bytes = steady.bytes() - bytes0;
    const qint64 changed = steady.changedAgents() - changed0;
    stop = true;
    sender.join();
    const double beatsPerSecond = double(generator.framesSent()) / (double(generator.elapsedNs()) / 1e9);
    runFor(500);  // the observer takes what is queued
    const qint64 accepted = observer.stop();
    const auto sent = static_cast<qint64>(generator.framesSent());
    if (steady.snapshotAgents() < kAgents)
        fail(QStringLiteral("the steady subscriber's snapshot held %1 agents").arg(steady.snapshotAgents()));
    if (steady.snapshots() != 1)
        fail(QStringLiteral("the steady subscriber was resynced %1 times").arg(steady.snapshots() - 1));

    const double rawMs = median(raw);
    const double shownMs = median(shown);
    std::printf("| console attach, %u agents on loopback TCP: every row shown (ms; median of %d) | snapshot read raw "
                "%.0f (%.1f MB) | %.0f | %.2fx | <= %.0f ms | %s |\n",
                kAgents, kRounds, rawMs, double(snapshotBytes) / 1e6, shownMs, rawMs > 0 ? shownMs / rawMs : 0.0,
                kTargetAttachMs, shownMs <= kTargetAttachMs ? "met" : "MISSED");
    const double perAgent = changed > 0 ? double(bytes) / double(changed) : -1;
    std::printf("| console stream, %u agents x %.0f Hz steady state (bytes on the wire per changed agent; %.0f changed "
                "agents/s of %.0f beats/s sent) | the beat's own VLP frame %.0f | %.1f | %.2fx | <= %.0f bytes | %s "
                "|\n",
                kAgents, kRatePerAgent, double(changed) / seconds, beatsPerSecond, kFrameBytes, perAgent,
                perAgent / kFrameBytes, kTargetBytesPerAgent,
                perAgent > 0 && perAgent <= kTargetBytesPerAgent ? "met" : "MISSED");
    std::printf("| beats lost while %d consoles attached one after another, %u agents x %.0f Hz (beats) | %lld sent | "
                "%lld accepted | %.3f%% lost | 0 lost | %s |\n",
                2 * kRounds + 1, kAgents, kRatePerAgent, static_cast<long long>(sent), static_cast<long long>(accepted),
                sent > 0 ? 100.0 * double(sent - accepted) / double(sent) : 0.0, accepted >= sent ? "met" : "MISSED");
    return 0;
}
