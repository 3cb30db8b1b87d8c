// `varta-watch ctl` (docs/control.md section 6) against a real ControlServer whose
// handler answers with section 5's shapes: what each command sends, how its reply is
// shown (tables, --json), and its exit status: 0 ok, 1 refused or a key not acted on or
// no socket, 2 usage.
#include "core/control/control_server.h"
#include "core/control/ctl_command.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <vector>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace varta;

namespace {

constexpr qint64 kSince = 1764600000000;  // 2025-12-01 14:40:00 UTC
constexpr qint64 kUntil = 1764603600000;  // 2025-12-01 15:40:00 UTC

QJsonObject object(const char *json) { return QJsonDocument::fromJson(json).object(); }

const char *kChild = R"({"id":3,"agent":"uds/4242","pid":51234,"argv":["systemctl","restart","api"],
    "manual":false,"started_ms":9200,"ended_ms":9480,"state":"exited","exit_code":0,
    "signal":0,"bytes_kept":312,"truncated":false,"error":""})";

// Canned replies in docs/control.md's shapes; every request is recorded.
class CannedHandler : public ControlHandler {
public:
    ControlReply handle(const ControlRequest &request, const ControlPeer &) override {
        requests.append(request);
        const QString &cmd = request.cmd;
        if (cmd == QLatin1String("status"))
            return ControlReply::success(object(R"({"version":"1.4.0","pid":1234,"uptime_ms":7500000,
                "now_ms":7500000,"listeners":["uds /run/varta/beat.sock","udp 127.0.0.1:9000"],
                "agents":{"total":3,"by_state":{"up":2,"stalled":1}},"children_running":1,
                "options":{"threshold_ms":1000,"tracker_capacity":4096,"recovery_configured":true,
                "recovery_command":"systemctl restart api","audit_file":"/var/log/varta/audit.log",
                "state_file":null,"event_file":""}})"));
        if (cmd == QLatin1String("agents"))
            return ControlReply::success(agents());
        if (cmd == QLatin1String("agent")) {
            if (request.args.value("key").toString() != QLatin1String("uds/4242"))
                return ControlReply::failure("not_found", "no agent " + request.args.value("key").toString());
            QJsonObject result{{"now_ms", 11000},
                               {"agent", agents().value("agents").toArray().at(0)},
                               {"transitions", QJsonArray{object(R"({"at_ms":9120,"from":"up","to":"stalled"})")}},
                               {"children", QJsonArray{object(kChild)}}};
            return ControlReply::success(result);
        }
        if (cmd == QLatin1String("children")) {
            QJsonObject running = object(kChild);
            running["id"] = 4;
            running["pid"] = 51300;
            running["started_ms"] = 10000;
            running["ended_ms"] = QJsonValue::Null;
            running["state"] = "running";
            running["bytes_kept"] = 70000;
            running["truncated"] = true;
            return ControlReply::success({{"now_ms", 11000}, {"children", QJsonArray{object(kChild), running}}});
        }
        if (cmd == QLatin1String("output"))
            return ControlReply::success(object(R"({"child":{"id":3,"bytes_kept":312,"truncated":true},
                "chunks":[{"stream":"stdout","text":"restarting api\n"},
                          {"stream":"stderr","text":"warning: slow\nsecond"},
                          {"stream":"stderr","text":" half\n"},
                          {"stream":"stdout","text":"done\n"}],"truncated":true})"));
        if (cmd == QLatin1String("events")) {
            ControlReply reply = ControlReply::success({{"events", QJsonArray{event(41), event(42)}}});
            if (request.args.value("follow").toBool())
                reply.stream = ControlStream::Events;
            return reply;
        }
        if (cmd == QLatin1String("recover") || cmd == QLatin1String("pause") || cmd == QLatin1String("resume")
            || cmd == QLatin1String("rearm")) {
            QJsonArray results;
            int child = 3;
            for (const QJsonValue &key : request.args.value("keys").toArray()) {
                if (key.toString().contains("bad")) {
                    results.append(QJsonObject{{"key", key}, {"ok", false}, {"error", "gave_up"}});
                    continue;
                }
                QJsonObject entry{{"key", key}, {"ok", true}};
                if (cmd == QLatin1String("recover"))
                    entry["child_id"] = child++;
                if (cmd == QLatin1String("pause"))
                    entry["until_unix_ms"] = request.args.contains("for_ms") ? QJsonValue(kUntil) : QJsonValue();
                results.append(entry);
            }
            return ControlReply::success({{"results", results}});
        }
        if (cmd == QLatin1String("kill"))
            return ControlReply::success(
                {{"results", QJsonArray{QJsonObject{{"child", request.args.value("child")}, {"ok", true}}}}});
        return ControlReply::failure("unknown_command", "unknown command " + cmd);
    }

    static QJsonObject agents() {
        return object(R"json({"now_ms":11000,"matched":2,"truncated":false,"agents":[
            {"key":"uds/4242","pid":4242,"origin":"uds","state":"stalled","last_status":"ok",
             "first_seen_ms":120,"last_beat_ms":9120,"silent_ms":1880,"beats":90,"stalls":1,
             "recoveries":1,"nonce":90,"payload":0,"terminating":false,"gave_up":false,
             "identity":{"start_time":123456,"comm":"api","cmdline":"/usr/bin/api --port 80",
                         "cmdline_truncated":false,"uid":1000,"user":"alice","cgroup":"/system.slice/api.service",
                         "unit":"api.service","container":""},
             "continues":"uds/4100",
             "paused":{"by":"alice (uid 1000)","reason":"disk swap","since_unix_ms":1764600000000,
                       "until_unix_ms":1764603600000}},
            {"key":"udp:10.0.0.7/77","pid":77,"origin":"udp","state":"up","last_status":"ok",
             "first_seen_ms":50,"last_beat_ms":10500,"silent_ms":0,"beats":12000,"stalls":0,
             "recoveries":0,"nonce":12000,"payload":0,"terminating":false,"gave_up":false,"paused":null}]})json");
    }
    static QJsonObject event(int seq) {
        QJsonObject e = object(R"({"at_ms":9120,"kind":"stall","severity":"warning",
            "text":"pid 4242 (uds) stalled: silent for 1.00 s","agent":"uds/4242","silent_ms":1000})");
        e["seq"] = seq;
        e["ts_unix_ms"] = kSince + (seq - 41) * 1000;
        return e;
    }

    QList<ControlRequest> requests;
};

struct CtlRun {
    int exit = -1;
    QString out;
    QString err;
};

}  // namespace

class TestCtlCommand : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    CannedHandler m_handler;
    std::unique_ptr<ControlServer> m_server;
    QString socketPath() const { return m_dir.filePath(QStringLiteral("control.sock")); }

    // runCtl blocks, and the server answers on this thread: ctl runs on a thread of its
    // own while this one turns its event loop.
    CtlRun ctl(QStringList args, bool withSocket = true) {
        if (withSocket)
            args.prepend(QStringLiteral("--socket=") + socketPath());
        CtlRun run;
        char *outText = nullptr;
        char *errText = nullptr;
        std::size_t outSize = 0;
        std::size_t errSize = 0;
        std::FILE *out = ::open_memstream(&outText, &outSize);
        std::FILE *err = ::open_memstream(&errText, &errSize);
        std::unique_ptr<QThread> thread(QThread::create([&] { run.exit = runCtl(args, out, err); }));
        QEventLoop loop;
        connect(thread.get(), &QThread::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(30000, &loop, &QEventLoop::quit);  // a ceiling, not a pause
        thread->start();
        loop.exec();
        thread->wait();
        std::fclose(out);
        std::fclose(err);
        run.out = QString::fromUtf8(outText, qsizetype(outSize));
        run.err = QString::fromUtf8(errText, qsizetype(errSize));
        std::free(outText);
        std::free(errText);
        return run;
    }

private Q_SLOTS:
    void initTestCase() {
        qputenv("TZ", "UTC");  // local times in the output are UTC here
        ::tzset();
        qunsetenv("VARTA_WATCH_CONTROL_SOCKET");
        QVERIFY(m_dir.isValid());
    }
    void init() {
        m_handler.requests.clear();
        m_server = std::make_unique<ControlServer>(m_handler);
        QString error;
        QVERIFY2(m_server->listen(socketPath(), &error), qPrintable(error));
    }
    void cleanup() { m_server.reset(); }

    void statusIsKeyValueLines() {
        const CtlRun run = ctl({"status"});
        QCOMPARE(run.exit, 0);
        QCOMPARE(run.err, QString());
        QCOMPARE(run.out, QString("version:           1.4.0\n"
                                  "pid:               1234\n"
                                  "uptime:            2 h 5 min\n"
                                  "listeners:         uds /run/varta/beat.sock, udp 127.0.0.1:9000\n"
                                  "agents:            3 (up 2, stalled 1)\n"
                                  "children running:  1\n"
                                  "threshold:         1.0 s\n"
                                  "tracker capacity:  4096\n"
                                  "recovery:          systemctl restart api\n"
                                  "audit file:        /var/log/varta/audit.log\n"
                                  "state file:        -\n"
                                  "event file:        -\n"));
        QCOMPARE(m_handler.requests.size(), 1);
        QCOMPARE(m_handler.requests[0].cmd, QString("status"));
    }

    void agentsIsATable() {
        const CtlRun run = ctl({"agents"});
        QCOMPARE(run.exit, 0);
        QCOMPARE(run.out,
                 QString("KEY              NAME         USER   STATE    LAST-BEAT  SILENT  BEATS  STALLS  RECOVERIES  "
                         "PAUSED\n"
                         "uds/4242         api.service  alice  stalled  1.9 s ago  1.9 s      90       1           1  "
                         "until 2025-12-01 15:40:00 (disk swap)\n"
                         "udp:10.0.0.7/77  -            -      up       0.5 s ago  -       12000       0           0  "
                         "-\n"));
    }

    void agentsSendsItsFilters() {
        QCOMPARE(ctl({"agents", "--state", "stalled", "--pid=4242", "--origin", "uds"}).exit, 0);
        QCOMPARE(m_handler.requests[0].args, object(R"({"state":"stalled","pid":4242,"origin":"uds"})"));
    }

    void agentIsFieldsThenTransitionsAndChildren() {
        const CtlRun run = ctl({"agent", "uds/4242"});
        QCOMPARE(run.exit, 0);
        QCOMPARE(m_handler.requests[0].args, object(R"({"key":"uds/4242"})"));
        QVERIFY2(run.out.startsWith("key:          uds/4242\n"
                                    "pid:          4242\n"),
                 qPrintable(run.out));
        QVERIFY2(run.out.contains("last beat:    1.9 s ago\n"), qPrintable(run.out));
        // The kernel's facts about a local agent's process, and the agent it continues.
        QVERIFY2(run.out.contains("name:         api.service\n"
                                  "unit:         api.service\n"
                                  "container:    -\n"
                                  "command:      /usr/bin/api --port 80\n"
                                  "comm:         api\n"
                                  "user:         alice\n"
                                  "cgroup:       /system.slice/api.service\n"
                                  "start time:   123456 (clock ticks after boot)\n"
                                  "continues:    uds/4100\n"),
                 qPrintable(run.out));
        QVERIFY2(run.out.contains("paused:       by alice (uid 1000) since 2025-12-01 14:40:00, until 2025-12-01 "
                                  "15:40:00 (disk swap)\n"),
                 qPrintable(run.out));
        QVERIFY2(run.out.contains("\ntransitions:\n"
                                  "AT         FROM  TO\n"
                                  "1.9 s ago  up    stalled\n"),
                 qPrintable(run.out));
        QVERIFY2(run.out.contains("\nchildren:\n"
                                  "ID  AGENT       PID  STATE   EXIT  STARTED    DURATION  BYTES\n"
                                  " 3  uds/4242  51234  exited  0     1.8 s ago  0.3 s     312\n"),
                 qPrintable(run.out));
    }

    void childrenIsATable() {
        const CtlRun run = ctl({"children"});
        QCOMPARE(run.exit, 0);
        QCOMPARE(run.out, QString("ID  AGENT       PID  STATE    EXIT  STARTED    DURATION  BYTES\n"
                                  " 3  uds/4242  51234  exited   0     1.8 s ago  0.3 s     312\n"
                                  " 4  uds/4242  51300  running  -     1.0 s ago  1.0 s     70000 (truncated)\n"));
    }

    void outputTagsStderrAndNotesTruncation() {
        const CtlRun run = ctl({"output", "3"});
        QCOMPARE(run.exit, 0);
        QCOMPARE(m_handler.requests[0].args, object(R"({"child":3})"));
        QCOMPARE(run.out, QString("restarting api\n"
                                  "[stderr] warning: slow\n"
                                  "[stderr] second half\n"
                                  "done\n"
                                  "(output truncated: the observer kept the first 312 bytes)\n"));
    }

    void eventsIsATable() {
        const CtlRun run = ctl({"events", "--limit", "5"});
        QCOMPARE(run.exit, 0);
        QCOMPARE(m_handler.requests[0].args, object(R"({"limit":5})"));
        QCOMPARE(run.out,
                 QString("TIME                 SEVERITY  KIND              AGENT           TEXT\n"
                         "2025-12-01 14:40:00  warning   stall             uds/4242        pid 4242 (uds) stalled: "
                         "silent for 1.00 s\n"
                         "2025-12-01 14:40:01  warning   stall             uds/4242        pid 4242 (uds) stalled: "
                         "silent for 1.00 s\n"));
    }

    void eventsFollowPrintsStreamedEventsUntilTheEnd_data() {
        QTest::addColumn<bool>("json");
        QTest::newRow("table") << false;
        QTest::newRow("json") << true;
    }
    void eventsFollowPrintsStreamedEventsUntilTheEnd() {
        QFETCH(bool, json);
        QStringList args{"events", "--follow"};
        if (json)
            args.prepend("--json");
        // The server's side of the story runs while ctl waits for the stream.
        QTimer::singleShot(0, this, [this] {
            QTRY_COMPARE(m_server->subscribers(ControlStream::Events), 1);
            m_server->broadcast(ControlStream::Events, {{"event", CannedHandler::event(43)}});
            m_server->close();  // the observer goes away: the stream ends
        });
        const CtlRun run = ctl(args);
        QCOMPARE(run.exit, 0);
        QCOMPARE(run.err, QString());
        QCOMPARE(m_handler.requests[0].args, object(R"({"follow":true})"));
        const QStringList lines = run.out.split('\n', Qt::SkipEmptyParts);
        if (json) {
            QCOMPARE(lines.size(), 2);
            QCOMPARE(QJsonDocument::fromJson(lines[0].toUtf8()).object().value("events").toArray().size(), 2);
            QCOMPARE(QJsonDocument::fromJson(lines[1].toUtf8()).object(), CannedHandler::event(43));
        } else {
            QCOMPARE(lines.size(), 4);
            QVERIFY(lines[0].startsWith("TIME "));
            QCOMPARE(lines[3], QString("2025-12-01 14:40:02  warning   stall             uds/4242        pid 4242 "
                                       "(uds) stalled: silent for 1.00 s"));
        }
    }

    void eventsFollowEndsCleanlyOnSigint() {
        QTimer::singleShot(0, this, [this] {
            QTRY_COMPARE(m_server->subscribers(ControlStream::Events), 1);
            ::kill(::getpid(), SIGINT);  // as ^C does; ctl's wait notices whichever thread takes it
        });
        const CtlRun run = ctl({"events", "--follow"});
        QCOMPARE(run.exit, 0);
        QCOMPARE(run.err, QString());
        QVERIFY(run.out.startsWith("TIME "));
    }

    void jsonPrintsTheResultOnOneLine() {
        const CtlRun run = ctl({"--json", "agents"});
        QCOMPARE(run.exit, 0);
        QVERIFY(run.out.endsWith('\n'));
        QCOMPARE(run.out.count('\n'), 1);
        QCOMPARE(QJsonDocument::fromJson(run.out.toUtf8()).object(), CannedHandler::agents());
    }

    void aRefusalIsExitOne() {
        const CtlRun run = ctl({"agent", "uds/9"});
        QCOMPARE(run.exit, 1);
        QCOMPARE(run.out, QString());
        QCOMPARE(run.err, QString("varta-watch ctl: no agent uds/9\n"));
    }

    void resultsSayWhatWasDoneAndAnyFailureIsExitOne() {
        CtlRun run = ctl({"recover", "uds/1", "uds/2"});
        QCOMPARE(run.exit, 0);
        QCOMPARE(run.out, QString("uds/1: recovery started (child 3)\nuds/2: recovery started (child 4)\n"));
        QCOMPARE(m_handler.requests.last().args, object(R"({"keys":["uds/1","uds/2"]})"));

        run = ctl({"rearm", "uds/1", "uds/bad"});
        QCOMPARE(run.exit, 1);
        QCOMPARE(run.out, QString("uds/1: re-armed\n"));
        QCOMPARE(run.err, QString("varta-watch ctl: uds/bad: refused: gave_up\n"));

        run = ctl({"--json", "resume", "uds/bad"});
        QCOMPARE(run.exit, 1);
        QCOMPARE(run.err, QString("varta-watch ctl: uds/bad: refused: gave_up\n"));
        QCOMPARE(QJsonDocument::fromJson(run.out.toUtf8()).object().value("results").toArray().size(), 1);

        run = ctl({"kill", "7"});
        QCOMPARE(run.exit, 0);
        QCOMPARE(run.out, QString("child 7: killed\n"));
        QCOMPARE(m_handler.requests.last().args, object(R"({"child":7})"));
    }

    void pauseSendsItsDurationAndReason_data() {
        QTest::addColumn<QString>("duration");
        QTest::addColumn<qint64>("ms");
        QTest::newRow("minutes") << "15m" << qint64(900000);
        QTest::newRow("seconds") << "90s" << qint64(90000);
        QTest::newRow("plain seconds") << "90" << qint64(90000);
        QTest::newRow("hours") << "2h" << qint64(7200000);
        QTest::newRow("a day") << "1d" << qint64(86400000);
        QTest::newRow("the shortest") << "1s" << qint64(1000);
        QTest::newRow("the longest") << "30d" << qint64(2592000000);
    }
    void pauseSendsItsDurationAndReason() {
        QFETCH(QString, duration);
        QFETCH(qint64, ms);
        const CtlRun run = ctl({"pause", "uds/1", "uds/2", "--reason", "disk swap", "--for", duration});
        QCOMPARE(run.exit, 0);
        const QJsonObject args = m_handler.requests[0].args;
        QCOMPARE(args.value("for_ms").toInteger(), ms);
        QCOMPARE(args.value("reason").toString(), QString("disk swap"));
        QCOMPARE(args.value("keys").toArray(), QJsonArray({"uds/1", "uds/2"}));
        QCOMPARE(run.out,
                 QString("uds/1: paused until 2025-12-01 15:40:00\nuds/2: paused until 2025-12-01 15:40:00\n"));
    }

    void pauseWithoutDurationIsOpenEnded() {
        const CtlRun run = ctl({"pause", "uds/1"});
        QCOMPARE(run.exit, 0);
        QCOMPARE(m_handler.requests[0].args, object(R"({"keys":["uds/1"]})"));
        QCOMPARE(run.out, QString("uds/1: paused\n"));
    }

    void usageErrorsNameTheProblemInOneLine_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("line");
        QTest::newRow("no command") << QStringList() << "no command given (see --help)";
        QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command \"frobnicate\" (see --help)";
        QTest::newRow("not a duration") << QStringList{"pause", "uds/1", "--for", "5x"}
                                        << "pause: --for: \"5x\" is not a duration (90s, 15m, 2h, 1d)";
        QTest::newRow("too long a pause")
            << QStringList{"pause", "uds/1", "--for", "31d"} << "pause: --for: \"31d\" is out of range (1s .. 30d)";
        QTest::newRow("too short a pause")
            << QStringList{"pause", "uds/1", "--for=0s"} << "pause: --for: \"0s\" is out of range (1s .. 30d)";
        QTest::newRow("no value") << QStringList{"pause", "uds/1", "--reason"} << "pause: --reason needs a value";
        QTest::newRow("no keys") << QStringList{"pause", "--reason", "x"} << "pause: at least one KEY is needed";
        QTest::newRow("no key") << QStringList{"agent"} << "agent: KEY is missing";
        QTest::newRow("two keys") << QStringList{"agent", "a", "b"} << "agent: one KEY only; unexpected \"b\"";
        QTest::newRow("extra argument") << QStringList{"status", "now"} << "status: unexpected argument \"now\"";
        QTest::newRow("unknown option") << QStringList{"agents", "--bogus"} << "agents: unknown option --bogus";
        QTest::newRow("another command's option")
            << QStringList{"status", "--follow"} << "status: unknown option --follow";
        QTest::newRow("a flag with a value")
            << QStringList{"events", "--follow=yes"} << "events: --follow takes no value";
        QTest::newRow("not a state") << QStringList{"agents", "--state", "sleepy"}
                                     << "agents: --state: \"sleepy\" is not a state (up, degraded, critical, "
                                        "stalled, recovering, gave_up, paused)";
        QTest::newRow("not a pid") << QStringList{"agents", "--pid", "-3"} << "agents: --pid: \"-3\" is not a pid";
        QTest::newRow("limit zero") << QStringList{"events", "--limit", "0"}
                                    << "events: --limit: \"0\" is not a number from 1 to 1000";
        QTest::newRow("limit too big") << QStringList{"events", "--limit", "1001"}
                                       << "events: --limit: \"1001\" is not a number from 1 to 1000";
        QTest::newRow("not a child") << QStringList{"kill", "abc"} << "kill: CHILD: \"abc\" is not a child id";
        QTest::newRow("socket without a path") << QStringList{"status", "--socket"} << "status: --socket needs a value";
    }
    void usageErrorsNameTheProblemInOneLine() {
        QFETCH(QStringList, args);
        QFETCH(QString, line);
        const CtlRun run = ctl(args);
        QCOMPARE(run.exit, 2);
        QCOMPARE(run.out, QString());
        QCOMPARE(run.err, "varta-watch ctl: " + line + "\n");
        QVERIFY(m_handler.requests.isEmpty());  // nothing was sent
    }

    void helpPrintsTheUsage() {
        const CtlRun run = ctl({"--help"});
        QCOMPARE(run.exit, 0);
        QVERIFY(run.out.startsWith("usage: varta-watch ctl [--socket PATH] [--json] COMMAND [ARGS...]\n"));
        QVERIFY(run.out.contains("  pause KEY... [--reason TEXT] [--for DURATION]"));
    }

    void aMissingSocketIsOneLine() {
        const QString path = m_dir.filePath("none.sock");
        const CtlRun run = ctl({"--socket", path, "status"}, false);
        QCOMPARE(run.exit, 1);
        QCOMPARE(run.out, QString());
        QCOMPARE(run.err, "varta-watch ctl: " + path
                              + ": no such control socket (is varta-watch running with "
                                "--control-socket "
                              + path + "?)\n");
    }

    void aSocketNobodyListensOnIsRefused() {
        const QString path = m_dir.filePath("stale.sock");
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const QByteArray native = path.toLocal8Bit();
        std::memcpy(address.sun_path, native.constData(), static_cast<std::size_t>(native.size()));
        QCOMPARE(::bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address), 0);
        ::close(fd);
        const CtlRun run = ctl({"--socket", path, "status"}, false);
        QCOMPARE(run.exit, 1);
        QCOMPARE(run.err, "varta-watch ctl: " + path + ": connection refused (no observer is listening)\n");
    }

    void theEnvironmentNamesTheDefaultSocket() {
        qputenv("VARTA_WATCH_CONTROL_SOCKET", socketPath().toLocal8Bit());
        const CtlRun run = ctl({"status"}, false);
        qunsetenv("VARTA_WATCH_CONTROL_SOCKET");
        QCOMPARE(run.exit, 0);
        QCOMPARE(m_handler.requests.size(), 1);
    }

    void aConnectionTheServerRefusesIsOneLine() {
        std::vector<int> held;  // fill the server
        for (int i = 0; i < ControlServer::kMaxConnections; ++i) {
            const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un address{};
            address.sun_family = AF_UNIX;
            const QByteArray native = socketPath().toLocal8Bit();
            std::memcpy(address.sun_path, native.constData(), static_cast<std::size_t>(native.size()));
            QCOMPARE(::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address), 0);
            held.push_back(fd);
        }
        QTRY_COMPARE(m_server->counters().connectionsOpen, std::uint64_t(ControlServer::kMaxConnections));
        const CtlRun run = ctl({"status"});
        for (const int fd : held)
            ::close(fd);
        QCOMPARE(run.exit, 1);
        QCOMPARE(run.err, QString("varta-watch ctl: too many control connections (32 open); try again later\n"));
        QVERIFY(m_handler.requests.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCtlCommand)
#include "tst_ctl_command.moc"
