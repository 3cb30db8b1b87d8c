// Incidents from files: event files and audit logs read back and replayed into what the
// console showed at each moment (docs/compat.md sections 2 and 3 are the formats).
#include "ui/incident/audit_line.h"
#include "ui/incident/event_file_line.h"
#include "ui/incident/incident_log.h"
#include "ui/incident/incident_replay.h"

#include <QDateTime>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace varta;
using namespace varta::ui;

namespace {

constexpr std::int64_t kMs = 1'000'000;                 // ns
constexpr std::int64_t kWallStart = 1'796'000'000'000;  // the observer's boot, in Unix ms

void write(const QString &path, const QByteArray &text) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(text);
}

QByteArray beat(std::int64_t ms, std::uint32_t pid, std::uint64_t nonce, const char *status = "ok") {
    return QByteArray::number(ms * kMs) + "\tbeat\t" + QByteArray::number(pid) + '\t' + QByteArray::number(nonce) + '\t'
           + status + "\t7\n";
}

QByteArray stall(std::int64_t ms, std::uint32_t pid, std::uint64_t nonce) {
    return QByteArray::number(ms * kMs) + "\tstall\t" + QByteArray::number(pid) + '\t' + QByteArray::number(nonce)
           + "\tstall\t-\n";
}

// One audit row; the chain is not checked by the reader, so any 64 hex digits do.
QByteArray audit(int seq, std::int64_t observerMs, const QByteArray &kindAndFields) {
    const std::int64_t wall = observerMs == 0 ? kWallStart : kWallStart + observerMs;
    return QByteArray::number(seq) + '\t' + QByteArray::number(wall) + '\t' + QByteArray::number(observerMs * kMs)
           + '\t' + kindAndFields + '\t' + QByteArray(64, 'a') + '\n';
}

const AgentSnapshot *agent(const EngineBatch &batch, std::uint32_t pid) {
    for (const AgentSnapshot &s : batch.agents)
        if (s.key.pid == pid)
            return &s;
    return nullptr;
}

QStringList eventKinds(const EngineBatch &batch) {
    QStringList kinds;
    for (const EventLogEntry &e : batch.events)
        kinds << QString::fromLatin1(eventKindName(e.kind));
    return kinds;
}

}  // namespace

class TstIncidentLog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readsEveryKindOfEventLine();
    void refusesLinesThatAreNotOurs();
    void readsAuditRecordsAndTellsHeadersFromJunk();
    void aStallItsRecoveryAndTheAgentComingBack();
    void givingUpLastsUntilTheOperatorReArms();
    void aPauseWithAnEndEndsOnItsOwn();
    void anEvictedAgentLeavesTheTableUntilItBeatsAgain();
    void rotatedGenerationsAreReadOldestFirst();
    void aFastSenderIsFoldedButEveryBeatCounted();
    void withoutAnAuditLogTheFileAgeDatesTheLastLine();
    void restartsAreSeparateRunsPlacedByTheAuditLog();
    void malformedLinesAreCountedAndSkipped();
    void aFileThatCannotBeOpenedIsNamed();
};

void TstIncidentLog::readsEveryKindOfEventLine() {
    const auto b = parseEventFileLine("12\tbeat\t42\t7\tdegraded\t99\n");
    QVERIFY(b);
    QCOMPARE(b->kind, EventFileLine::Kind::Beat);
    QCOMPARE(b->observerNs, 12);
    QCOMPARE(b->pid, 42u);
    QCOMPARE(b->nonce, 7u);
    QCOMPARE(b->status, vlp::Status::Degraded);
    QCOMPARE(b->payload, 99u);
    const auto s = parseEventFileLine("13\tstall\t42\t7\tstall\t-");
    QVERIFY(s);
    QCOMPARE(s->kind, EventFileLine::Kind::Stall);
    const auto d = parseEventFileLine("14\tdecode\t-\t-\t-\tBadCrc { expected: 1, actual: 2 }\n");
    QVERIFY(d);
    QCOMPARE(d->kind, EventFileLine::Kind::Decode);
    QCOMPARE(d->text, QStringLiteral("BadCrc { expected: 1, actual: 2 }"));
    const auto m = parseEventFileLine("15\tmismatch\t77\t-\t-\tauth_failure\n");
    QVERIFY(m);
    QCOMPARE(m->pid, 77u);
    QCOMPARE(m->text, QStringLiteral("auth_failure"));
    QVERIFY(parseEventFileLine("16\teviction\t78\t-\t-\t-\n"));
    QVERIFY(parseEventFileLine("17\tio\t-\t-\t-\tConnection refused (os error 111)\n"));
    QVERIFY(parseEventFileLine("18\tctrunc\t-\t-\t-\tancillary data truncated\n"));
}

void TstIncidentLog::refusesLinesThatAreNotOurs() {
    QVERIFY(!parseEventFileLine(""));
    QVERIFY(!parseEventFileLine("12\tbeat\t42\t7\tok\n"));              // five columns
    QVERIFY(!parseEventFileLine("12\tbeat\t42\t7\tok\t1\textra\n"));    // seven
    QVERIFY(!parseEventFileLine("-5\tbeat\t42\t7\tok\t1\n"));           // negative time
    QVERIFY(!parseEventFileLine("12\tbeat\t42\t7\tfine\t1\n"));         // no such status
    QVERIFY(!parseEventFileLine("12\tbeat\t99999999999\t7\tok\t1\n"));  // pid past u32
    QVERIFY(!parseEventFileLine("12\tbeats\t42\t7\tok\t1\n"));          // no such kind
    QVERIFY(!parseEventFileLine("12\tstall\t42\t7\tok\t-\n"));          // a stall says stall
}

void TstIncidentLog::readsAuditRecordsAndTellsHeadersFromJunk() {
    AuditLine line;
    QCOMPARE(parseAuditLine("# varta-watch recovery audit v2\n", &line), AuditLineResult::Header);
    QCOMPARE(parseAuditLine(audit(2, 500, "spawn\t42\t4242\texec\t/bin/restart\tmanual\t19"), &line),
             AuditLineResult::Record);
    QCOMPARE(line.kind, AuditLine::Kind::Spawn);
    QCOMPARE(line.seq, 2u);
    QCOMPARE(line.agentPid, 42u);
    QCOMPARE(line.childPid, 4242);
    QCOMPARE(line.program, QStringLiteral("/bin/restart"));
    QVERIFY(line.manual);
    QCOMPARE(parseAuditLine(audit(3, 600, "complete\t42\t4242\tkilled\t-\t9\t5000000\t10\t20\ttrue"), &line),
             AuditLineResult::Record);
    QCOMPARE(line.status, QStringLiteral("killed"));
    QVERIFY(!line.exitCode);
    QCOMPARE(line.signal, 9);
    QCOMPARE(line.bytesKept, 30);
    QVERIFY(line.truncated);
    QCOMPARE(parseAuditLine(audit(4, 700, "operator\t0\troot\tkill\t-\tchild:1\tok\t-"), &line),
             AuditLineResult::Record);
    QVERIFY(!line.agentPid);
    QCOMPARE(line.detail, QString());
    QCOMPARE(parseAuditLine(audit(5, 800, "future_kind\tx"), &line), AuditLineResult::UnknownKind);
    QCOMPARE(parseAuditLine(audit(6, 800, "refused\t42"), &line), AuditLineResult::Malformed);  // a field short
    QCOMPARE(parseAuditLine("not a record at all\n", &line), AuditLineResult::Malformed);
}

void TstIncidentLog::aStallItsRecoveryAndTheAgentComingBack() {
    QTemporaryDir dir;
    const QString events = dir.filePath("events.tsv");
    const QString log = dir.filePath("audit.log");
    write(events, beat(1000, 42, 1) + beat(2000, 42, 2) + beat(2000, 43, 1) + stall(4000, 42, 2) + beat(9000, 42, 3)
                      + beat(9000, 43, 2));
    write(log, "# varta-watch recovery audit v2\n" + audit(1, 0, "boot\t100\t-\tfresh")
                   + audit(2, 4001, "spawn\t42\t5000\texec\t/bin/restart\tinline\t17")
                   + audit(3, 6000, "complete\t42\t5000\treaped\t0\t-\t1999000000\t0\t0\tfalse"));
    IncidentLog files;
    QString error;
    QVERIFY2(files.load({events, log}, &error), qPrintable(error));
    QVERIFY(files.wallFromAudit());
    const IncidentReplay replay(files);
    QCOMPARE(replay.agentCount(), 2);

    // Times run on the audit log's wall clock: the boot row is the axis' start.
    QCOMPARE(files.wallOffsetMs(), kWallStart);
    QCOMPARE(replay.endMs(), 9000);

    const EngineBatch before = replay.batchAt(3000, 1000);
    QCOMPARE(agent(before, 42)->state, AgentState::Up);
    QCOMPARE(agent(before, 42)->beats, 2u);
    QCOMPARE(agent(before, 42)->lastBeatMs, 2000);
    QVERIFY(!agent(before, 42)->downSinceMs);

    const EngineBatch stalled = replay.batchAt(4000, 1000);
    QCOMPARE(agent(stalled, 42)->state, AgentState::Stalled);
    QCOMPARE(agent(stalled, 42)->downSinceMs, 4000);
    QCOMPARE(agent(stalled, 42)->stalls, 1u);
    QCOMPARE(stalled.stats.agentsByState[int(AgentState::Stalled)], 1u);

    const EngineBatch recovering = replay.batchAt(5000, 1000);
    QCOMPARE(agent(recovering, 42)->state, AgentState::Recovering);
    QCOMPARE(agent(recovering, 42)->downSinceMs, 4000);  // down since the stall, across its recovery
    QCOMPARE(recovering.children.size(), 1);
    QCOMPARE(recovering.children[0].state, ChildState::Running);
    QCOMPARE(recovering.children[0].endedMs, -1);

    const EngineBatch ended = replay.batchAt(7000, 1000);
    QCOMPARE(agent(ended, 42)->state, AgentState::Stalled);  // the child ended, the agent is still silent
    QCOMPARE(ended.children[0].state, ChildState::Exited);
    QCOMPARE(ended.children[0].exitCode, 0);

    const EngineBatch back = replay.batchAt(9000, 1000);
    QCOMPARE(agent(back, 42)->state, AgentState::Up);
    QCOMPARE(agent(back, 42)->recoveries, 1u);
    QCOMPARE(eventKinds(back), (QStringList{"notice", "stall", "recovery_started", "recovery_ended", "back"}));
    QCOMPARE(back.events.back().text, QStringLiteral("pid 42 is back after 7.0 s silent"));
    QCOMPARE(back.events.back().unixMs, kWallStart + 9000);
    // The timeline gets every transition up to the moment shown, and none after it.
    QCOMPARE(back.transitions.size(), 4);
    QCOMPARE(replay.batchAt(5000, 1000).transitions.size(), 2);
    // Stepping goes from event to event.
    QCOMPARE(replay.nextEventMs(4000), 4001);
    QCOMPARE(replay.previousEventMs(4001), 4000);
    // Only the newest events asked for.
    QCOMPARE(replay.batchAt(9000, 2).events.size(), 2);
    // The fleet band's counts: one stalled from the stall, recovering meanwhile, none at the end.
    const auto fleet = replay.fleetCounts();
    const auto countsAt = [&fleet](EngineMs t) {
        std::array<std::uint32_t, kAgentStateCount> counts{};
        for (const auto &[atMs, c] : fleet)
            if (atMs <= t)
                counts = c;
        return counts;
    };
    QCOMPARE(countsAt(3000)[int(AgentState::Up)], 2u);
    QCOMPARE(countsAt(4000)[int(AgentState::Stalled)], 1u);
    QCOMPARE(countsAt(5000)[int(AgentState::Recovering)], 1u);
    QCOMPARE(countsAt(9000)[int(AgentState::Stalled)], 0u);
    QCOMPARE(countsAt(9000)[int(AgentState::Up)], 2u);
}

void TstIncidentLog::givingUpLastsUntilTheOperatorReArms() {
    QTemporaryDir dir;
    const QString events = dir.filePath("events.tsv");
    const QString log = dir.filePath("audit.log");
    write(events, beat(1000, 42, 1) + stall(3000, 42, 1) + beat(5000, 42, 2) + beat(6000, 42, 3));
    write(log, "# varta-watch recovery audit v2\n" + audit(1, 0, "boot\t100\t-\tfresh")
                   + audit(2, 3001, "refused\t42\tgave_up")
                   + audit(3, 7000, "operator\t1000\talice\trearm\t42\tuds/42\tok\t-"));
    IncidentLog files;
    QString error;
    QVERIFY2(files.load({events, log}, &error), qPrintable(error));
    const IncidentReplay replay(files);
    QCOMPARE(agent(replay.batchAt(3500, 100), 42)->state, AgentState::GaveUp);
    QVERIFY(agent(replay.batchAt(3500, 100), 42)->silent);
    // Beating again does not end giving up: only re-arming does. "gave up · beating".
    const EngineBatch beating = replay.batchAt(6500, 100);
    QCOMPARE(agent(beating, 42)->state, AgentState::GaveUp);
    QVERIFY(!agent(beating, 42)->silent);
    QCOMPARE(agent(beating, 42)->lastBeatMs, 6000);
    const StateTransition &back = beating.transitions.back();
    QCOMPARE(back.from, AgentState::GaveUp);
    QCOMPARE(back.to, AgentState::GaveUp);
    QCOMPARE(back.atMs, 5000);
    QVERIFY(!back.silent);
    const EngineBatch rearmed = replay.batchAt(7000, 100);
    QCOMPARE(agent(rearmed, 42)->state, AgentState::Up);
    QCOMPARE(eventKinds(rearmed), (QStringList{"notice", "stall", "gave_up", "back", "operator"}));
    QCOMPARE(rearmed.events.back().text, QStringLiteral("alice: rearm uds/42: ok"));
}

void TstIncidentLog::aPauseWithAnEndEndsOnItsOwn() {
    QTemporaryDir dir;
    const QString events = dir.filePath("events.tsv");
    const QString log = dir.filePath("audit.log");
    write(events, beat(1000, 42, 1) + beat(10000, 42, 2));
    write(log, "# varta-watch recovery audit v2\n" + audit(1, 0, "boot\t100\t-\tfresh")
                   + audit(2, 2000, "operator\t0\tbob\tpause\t42\tuds/42\tok\treason=disk swap; for_ms=3000"));
    IncidentLog files;
    QString error;
    QVERIFY2(files.load({events, log}, &error), qPrintable(error));
    const IncidentReplay replay(files);
    QCOMPARE(agent(replay.batchAt(4999, 100), 42)->state, AgentState::Paused);
    const EngineBatch after = replay.batchAt(5000, 100);
    QCOMPARE(agent(after, 42)->state, AgentState::Up);
    QCOMPARE(eventKinds(after), (QStringList{"notice", "operator", "pause_expired"}));
}

void TstIncidentLog::anEvictedAgentLeavesTheTableUntilItBeatsAgain() {
    QTemporaryDir dir;
    const QString events = dir.filePath("events.tsv");
    write(events, beat(1000, 42, 1) + "2000000000\teviction\t42\t-\t-\t-\n" + beat(3000, 42, 2));
    IncidentLog files;
    QString error;
    QVERIFY2(files.load({events}, &error), qPrintable(error));
    const IncidentReplay replay(files);
    // Without an audit log the first line is the start of the incident's time.
    QCOMPARE(replay.startMs(), 0);
    QVERIFY(agent(replay.batchAt(500, 10), 42));
    QVERIFY(!agent(replay.batchAt(1500, 10), 42));
    QVERIFY(agent(replay.batchAt(2000, 10), 42));
}

void TstIncidentLog::rotatedGenerationsAreReadOldestFirst() {
    QTemporaryDir dir;
    const QString events = dir.filePath("events.tsv");
    write(events + ".2", beat(1000, 42, 1));
    write(events + ".1", beat(2000, 42, 2));
    write(events, beat(3000, 42, 3));
    IncidentLog files;
    QString error;
    QVERIFY2(files.load({events}, &error), qPrintable(error));
    QCOMPARE(files.files().size(), 3);
    QCOMPARE(files.files()[0].path, events + ".2");
    QCOMPARE(files.files()[2].path, events);
    QCOMPARE(files.runs(), 1);  // one observer, rotating
    const IncidentReplay replay(files);
    QCOMPARE(agent(replay.batchAt(replay.endMs(), 10), 42)->beats, 3u);
    // A generation named on its own is read alone.
    QVERIFY(files.load({events + ".1"}, &error));
    QCOMPARE(files.files().size(), 1);
}

void TstIncidentLog::aFastSenderIsFoldedButEveryBeatCounted() {
    QTemporaryDir dir;
    const QString events = dir.filePath("events.tsv");
    QByteArray text;
    for (int i = 0; i < 1000; ++i)
        text += beat(1000 + i * 10, 42, std::uint64_t(i + 1));  // 100 Hz for 10 s
    write(events, text);
    IncidentLog files;
    QString error;
    QVERIFY2(files.load({events}, &error), qPrintable(error));
    QCOMPARE(files.beatsRead(), 1000);
    QVERIFY2(files.facts().size() <= 41, qPrintable(QString::number(files.facts().size())));
    const IncidentReplay replay(files);
    const EngineBatch atEnd = replay.batchAt(replay.endMs(), 10);
    const AgentSnapshot *last = agent(atEnd, 42);
    QCOMPARE(last->beats, 1000u);
    QCOMPARE(last->nonce, 1000u);
}

void TstIncidentLog::withoutAnAuditLogTheFileAgeDatesTheLastLine() {
    QTemporaryDir dir;
    const QString events = dir.filePath("events.tsv");
    write(events, beat(1000, 42, 1) + beat(61000, 42, 2));
    const QDateTime modified = QDateTime::fromMSecsSinceEpoch(kWallStart + 500'000);
    QFile file(events);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.setFileTime(modified, QFileDevice::FileModificationTime));
    file.close();
    IncidentLog files;
    QString error;
    QVERIFY2(files.load({events}, &error), qPrintable(error));
    QVERIFY(!files.wallFromAudit());
    QCOMPARE(files.startMs(), 0);
    QCOMPARE(files.endMs(), 60000);
    QCOMPARE(files.wallOffsetMs() + files.endMs(), modified.toMSecsSinceEpoch());
}

void TstIncidentLog::restartsAreSeparateRunsPlacedByTheAuditLog() {
    QTemporaryDir dir;
    const QString events = dir.filePath("events.tsv");
    const QString log = dir.filePath("audit.log");
    // The observer ran 10 s, was restarted 100 s after it started, and counted from 0 again.
    write(events, beat(1000, 42, 1) + beat(10000, 42, 2) + beat(500, 42, 3) + beat(2000, 42, 4));
    const QByteArray secondBoot = QByteArray::number(3) + '\t' + QByteArray::number(kWallStart + 100'000)
                                  + "\t0\tboot\t101\t-\tresume\t" + QByteArray(64, 'b') + '\n';
    const QByteArray secondRunRow = QByteArray::number(4) + '\t' + QByteArray::number(kWallStart + 100'000 + 1500)
                                    + '\t' + QByteArray::number(1500 * kMs) + "\trefused\t42\tdebounced\t"
                                    + QByteArray(64, 'c') + '\n';
    write(log, "# varta-watch recovery audit v2\n" + audit(1, 0, "boot\t100\t-\tfresh")
                   + audit(2, 5000, "refused\t42\tpaused") + secondBoot + secondRunRow);
    IncidentLog files;
    QString error;
    QVERIFY2(files.load({events, log}, &error), qPrintable(error));
    QCOMPARE(files.runs(), 2);
    const IncidentReplay replay(files);
    // The second run's beat at its 500 ms is 100.5 s after the first run's start.
    const EngineBatch second = replay.batchAt(100'500, 10);
    QCOMPARE(agent(second, 42)->beats, 3u);
    QCOMPARE(agent(second, 42)->lastBeatMs, 100'500);
    QCOMPARE(replay.endMs(), 102'000);
}

void TstIncidentLog::malformedLinesAreCountedAndSkipped() {
    QTemporaryDir dir;
    const QString events = dir.filePath("events.tsv");
    write(events, beat(1000, 42, 1) + "garbage\n" + QByteArray(100'000, 'x') + "\n" + beat(2000, 42, 2)
                      + "3000000000\tbeat\t42");  // a line cut short by a crash
    IncidentLog files;
    QString error;
    QVERIFY2(files.load({events}, &error), qPrintable(error));
    QCOMPARE(files.files()[0].malformed, 3);
    const IncidentReplay replay(files);
    QCOMPARE(agent(replay.batchAt(replay.endMs(), 10), 42)->beats, 2u);
}

void TstIncidentLog::aFileThatCannotBeOpenedIsNamed() {
    QTemporaryDir dir;
    IncidentLog files;
    QString error;
    QVERIFY(!files.load({dir.filePath("missing.tsv")}, &error));
    QVERIFY2(error.startsWith(dir.filePath("missing.tsv") + QStringLiteral(": cannot open")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TstIncidentLog)
#include "tst_incident_log.moc"
