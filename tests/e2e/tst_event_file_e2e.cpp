// The real observer's event file when the disk and the operator get in its way
// (docs/compat.md section 2): a full disk never tears or glues a line, and what it cost
// is on stderr, in the summary line and in /metrics; a rotation the disk refused comes
// back; logrotate's rename and SIGHUP, or a file deleted under it, lead to a new file at
// the path.
#include "tests/support/metrics_scrape.h"
#include "tests/support/secret_files.h"
#include "tests/support/small_tmpfs.h"
#include "tests/support/watch_process.h"

#include <QFileInfo>
#include <QTemporaryDir>

#include <csignal>

using namespace varta;
using test::WatchProcess;

namespace {

const QByteArray kToken = test::randomToken();

QStringList observerArgs(const QString &eventFile, const QString &tokenFile) {
    test::writeSecretFile(tokenFile, kToken);
    return {QStringLiteral("--udp-port"),
            QStringLiteral("0"),
            QStringLiteral("--max-beat-rate"),
            QStringLiteral("0"),
            QStringLiteral("--export-file"),
            eventFile,
            QStringLiteral("--prom-addr"),
            QStringLiteral("127.0.0.1:0"),
            QStringLiteral("--prom-token-file"),
            tokenFile,
            QStringLiteral("--prom-rate-limit-per-sec"),
            QStringLiteral("0")};
}

// Beats of one agent, nonces continuing from `nonce`, a little apart so none is dropped
// by the kernel.
void sendBeats(WatchProcess &watch, std::uint64_t &nonce, int count) {
    for (int i = 0; i < count; ++i) {
        ++nonce;
        watch.sendFrame(vlp::Frame{vlp::Status::Ok, 4242, nonce * 1000, nonce, 0});
        if (i % 20 == 19)
            QTest::qWait(5);
    }
    QTest::qWait(300);
}

// Whole lines only, in all of `paths`.
bool allWhole(const QStringList &paths) {
    for (const QString &path : paths)
        for (const test::EventLine &line : test::readEventFile(path))
            if (line.kind == QLatin1String("MALFORMED"))
                return false;
    return true;
}

QList<std::uint64_t> beatNonces(const QStringList &paths) {
    QList<std::uint64_t> out;
    for (const QString &path : paths)
        for (const test::EventLine &line : test::ofKind(test::readEventFile(path), QStringLiteral("beat")))
            out << line.nonce.toULongLong();
    return out;
}

QList<std::uint64_t> oneTo(std::uint64_t n) {
    QList<std::uint64_t> out;
    for (std::uint64_t i = 1; i <= n; ++i)
        out << i;
    return out;
}

QString metricsAddress(const WatchProcess &watch) {
    return watch.stdoutLines.isEmpty() ? QString() : watch.stdoutLines.first();
}

qint64 metric(const WatchProcess &watch, const char *series) {
    QTest::qWait(1200);  // the snapshot /metrics renders from is taken once a second
    return test::metricValue(test::scrapeMetrics(metricsAddress(watch), kToken), series);
}

// Waits until stderr has a line containing `needle`; everything read is kept in `seen`.
bool waitForStderr(WatchProcess &watch, QString &seen, const QString &needle) {
    QElapsedTimer clock;
    clock.start();
    while (!seen.contains(needle) && clock.elapsed() < 5000) {
        watch.process.waitForReadyRead(100);
        seen += QString::fromUtf8(watch.process.readAllStandardError());
    }
    return seen.contains(needle);
}

}  // namespace

class TestEventFileE2E : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aFullDiskNeverTearsOrGluesALineAndCountsTheLoss() {
        test::SmallTmpfs disk("size=64k");
        if (!disk.mounted())
            QSKIP("cannot mount a tmpfs (needs root)");
        QTemporaryDir dir;
        const QString events = disk.filePath(QStringLiteral("events"));
        const QStringList args = observerArgs(events, dir.filePath(QStringLiteral("token")));
        std::uint64_t nonce = 0;
        {
            WatchProcess watch;
            QVERIFY(watch.start(args, 2));
            sendBeats(watch, nonce, 10);
            disk.fill();
            sendBeats(watch, nonce, 400);  // the file's last page fills mid-line, then nothing fits
            QVERIFY(allWhole({events}));
            QVERIFY(metric(watch, "varta_export_write_errors_total") > 0);
            QString stderrText;
            QVERIFY(waitForStderr(watch, stderrText, events + QStringLiteral(": cannot write the event file: ")));

            // Room again: the lines that waited are written, each once, in order.
            disk.remove();
            sendBeats(watch, nonce, 5);
            QVERIFY(allWhole({events}));
            QCOMPARE(beatNonces({events}), oneTo(nonce));
            QCOMPARE(metric(watch, "varta_export_lines_dropped_total"), 0);

            // Full at exit: what never got written is lost, and said to be.
            disk.fill();
            sendBeats(watch, nonce, 400);
            QCOMPARE(watch.stop(), 0);
            QVERIFY(watch.summaryValue(QStringLiteral("event_lines_lost")) > 0);
            QVERIFY(watch.summaryValue(QStringLiteral("event_write_errors")) > 0);
            stderrText += QString::fromUtf8(watch.process.readAllStandardError());
            QVERIFY2(stderrText.contains(QStringLiteral("event lines could not be written before exit")),
                     qPrintable(stderrText));
        }
        QVERIFY(allWhole({events}));

        // A restart with room: its lines start lines of their own.
        disk.remove();
        WatchProcess again;
        QVERIFY(again.start(args, 2));
        sendBeats(again, nonce, 5);
        QCOMPARE(again.stop(), 0);
        QCOMPARE(again.summaryValue(QStringLiteral("event_lines_lost")), 0);
        QVERIFY(allWhole({events}));
        QCOMPARE(beatNonces({events}).mid(beatNonces({events}).size() - 5), oneTo(nonce).mid(nonce - 5));
    }

    // The file is renamed to .1 but no new one can be created (no inode left, which
    // stops root as well): lines wait, and once the disk has room the file comes back.
    void aRotationTheDiskRefusedComesBack() {
        test::SmallTmpfs disk("nr_inodes=16");
        if (!disk.mounted())
            QSKIP("cannot mount a tmpfs (needs root)");
        QTemporaryDir dir;
        const QString events = disk.filePath(QStringLiteral("events"));
        WatchProcess watch;
        QVERIFY(watch.start(observerArgs(events, dir.filePath(QStringLiteral("token")))
                                + QStringList{QStringLiteral("--export-file-max-bytes"), QStringLiteral("2000")},
                            2));
        std::uint64_t nonce = 0;
        sendBeats(watch, nonce, 20);
        disk.useUpInodes();
        sendBeats(watch, nonce, 100);
        QVERIFY(QFileInfo::exists(events + QStringLiteral(".1")));
        QVERIFY(!QFileInfo::exists(events));
        disk.freeInodes();
        QTest::qWait(1100);
        sendBeats(watch, nonce, 5);
        QVERIFY(QFileInfo::exists(events));
        QCOMPARE(watch.stop(), 0);
        QVERIFY(watch.summaryValue(QStringLiteral("event_write_errors")) > 0);
        QCOMPARE(watch.summaryValue(QStringLiteral("event_lines_lost")), 0);
        QStringList generations;
        for (int g = 5; g >= 1; --g)
            generations << events + QLatin1Char('.') + QString::number(g);
        generations << events;
        QVERIFY(allWhole(generations));
        QCOMPARE(beatNonces(generations), oneTo(nonce));
        for (const QString &path : generations)
            QVERIFY(QFileInfo(path).size() <= 2000);
    }

    // logrotate: rename the file, then SIGHUP (its postrotate). The observer keeps
    // running, says so, and writes on in a new file at the path.
    void sighupAfterARenameReopensAtThePath() {
        QTemporaryDir dir;
        const QString events = dir.filePath(QStringLiteral("events"));
        WatchProcess watch;
        QVERIFY(watch.start(observerArgs(events, dir.filePath(QStringLiteral("token"))), 2));
        std::uint64_t nonce = 0;
        sendBeats(watch, nonce, 3);
        QVERIFY(QFile::rename(events, events + QStringLiteral(".1")));
        ::kill(static_cast<pid_t>(watch.process.processId()), SIGHUP);
        QString stderrText;
        QVERIFY2(waitForStderr(watch, stderrText, QStringLiteral("reopened ") + events), qPrintable(stderrText));
        sendBeats(watch, nonce, 2);
        QCOMPARE(watch.process.state(), QProcess::Running);
        QCOMPARE(beatNonces({events + QStringLiteral(".1")}), oneTo(3));
        QCOMPARE(beatNonces({events}), (QList<std::uint64_t>{4, 5}));
        QCOMPARE(metric(watch, "varta_export_reopens_total"), 1);
        QCOMPARE(watch.stop(), 0);
    }

    // Deleted (or renamed) without a signal: within a second or two the lines land in a
    // new file at the path.
    void aFileDeletedUnderItComesBackAtThePath() {
        QTemporaryDir dir;
        const QString events = dir.filePath(QStringLiteral("events"));
        WatchProcess watch;
        QVERIFY(watch.start(observerArgs(events, dir.filePath(QStringLiteral("token"))), 2));
        std::uint64_t nonce = 0;
        sendBeats(watch, nonce, 3);
        QVERIFY(QFile::remove(events));
        QElapsedTimer clock;
        clock.start();
        while (!QFileInfo::exists(events) && clock.elapsed() < 2500)
            sendBeats(watch, nonce, 1);
        QVERIFY(QFileInfo::exists(events));
        QVERIFY(clock.elapsed() <= 2000);
        sendBeats(watch, nonce, 1);
        QCOMPARE(beatNonces({events}).constLast(), nonce);
        QCOMPARE(watch.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestEventFileE2E)
#include "tst_event_file_e2e.moc"
