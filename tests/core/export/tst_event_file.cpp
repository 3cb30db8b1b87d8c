// The event file: docs/compat.md section 2's six tab-separated columns, 0600, whole lines,
// and five generations of rotation; whole lines on a full disk, and a file that comes
// back after a failed rotation and after being renamed or deleted under the observer.
#include "core/export/event_file.h"
#include "tests/support/small_tmpfs.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace varta;

namespace {

QList<QByteArray> linesOf(const QString &path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines = f.readAll().split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

// Every line has the six columns, and the beats' nonces are 1, 2, 3 ... with none twice.
void verifyWholeLinesInOrder(const QStringList &paths, std::uint64_t *lastNonce) {
    std::uint64_t previous = 0;
    for (const QString &path : paths)
        for (const QByteArray &line : linesOf(path)) {
            const QList<QByteArray> f = line.split('\t');
            QVERIFY2(f.size() == 6, line.constData());
            QCOMPARE(f[3].toULongLong(), previous + 1);
            previous = f[3].toULongLong();
        }
    *lastNonce = previous;
}

void beats(EventFile &file, std::uint64_t &nonce, int count) {
    for (int i = 0; i < count; ++i)
        file.beat(1000, vlp::Frame{vlp::Status::Ok, 4242, 0, ++nonce, 0});
    file.flush();
}

}  // namespace

class TestEventFile : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyKindHasSixColumns_data() {
        QTest::addColumn<int>("which");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("beat ok") << 0 << QByteArray("1000\tbeat\t4242\t7\tok\t99");
        QTest::newRow("beat degraded") << 1 << QByteArray("1001\tbeat\t12345\t100\tdegraded\t3735928559");
        QTest::newRow("stall") << 2 << QByteArray("2000\tstall\t4242\t7\tstall\t-");
        QTest::newRow("decode") << 3
                                << QByteArray(
                                       "3000\tdecode\t-\t-\t-\tBadCrc { expected: 1857092459, actual: 1873869675 }");
        QTest::newRow("decode, the longest")
            << 7 << QByteArray("3001\tdecode\t-\t-\t-\tBadNonce { nonce: 18446744073709551615, status: Degraded }");
        QTest::newRow("io") << 4 << QByteArray("4000\tio\t-\t-\t-\trecvmmsg failed: no buffer space");
        QTest::newRow("mismatch") << 5 << QByteArray("5000\tmismatch\t99\t-\t-\tauth_failure");
        QTest::newRow("eviction") << 6 << QByteArray("6000\teviction\t31\t-\t-\t-");
        QTest::newRow("ctrunc") << 8
                                << QByteArray("7000\tctrunc\t-\t-\t-\tancillary data truncated by kernel "
                                              "(ANCILLARY_BUFFER_SIZE too small)");
    }
    void everyKindHasSixColumns() {
        QFETCH(int, which);
        QFETCH(QByteArray, expected);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("events"));
        {
            EventFile file(path, 0, 0);
            QString error;
            QVERIFY2(file.open(&error), qPrintable(error));
            switch (which) {
            case 0: file.beat(1000, vlp::Frame{vlp::Status::Ok, 4242, 1, 7, 99}); break;
            case 1: file.beat(1001, vlp::Frame{vlp::Status::Degraded, 12345, 1, 100, 3735928559u}); break;
            case 2: file.stall(2000, 4242, 7); break;
            case 3:
                file.decodeError(
                    3000, {.kind = vlp::DecodeError::BadCrc, .expectedCrc = 1857092459u, .actualCrc = 1873869675u});
                break;
            case 7:
                file.decodeError(3001, {.kind = vlp::DecodeError::BadNonce, .status = 1, .value = vlp::kNonceTerminal});
                break;
            case 4: file.ioError(4000, "recvmmsg failed:\tno buffer space"); break;
            case 5: file.mismatch(5000, 99, "auth_failure"); break;
            case 6: file.eviction(6000, 31); break;
            case 8: file.controlTruncated(7000); break;
            }
        }
        const QList<QByteArray> lines = linesOf(path);
        QCOMPARE(lines.size(), 1);
        QCOMPARE(lines.first(), expected);
        QCOMPARE(lines.first().count('\t'), 5);
    }

    // observer_ns as upstream: never negative, never decreasing in file order, although
    // a beat carries its kernel arrival time and other lines the time they were written.
    void observerNsNeverNegativeNorDecreasing() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("events"));
        {
            EventFile file(path, 0, 0);
            QString error;
            QVERIFY2(file.open(&error), qPrintable(error));
            file.beat(-5000, vlp::Frame{vlp::Status::Ok, 4242, 1, 1, 0});  // arrived before the epoch
            file.mismatch(3000, 99, "auth_failure");
            file.beat(2500, vlp::Frame{vlp::Status::Ok, 4242, 1, 2, 0});  // read in the same batch, older
            file.beat(4000, vlp::Frame{vlp::Status::Ok, 4242, 1, 3, 0});
        }
        QList<qint64> times;
        for (const QByteArray &line : linesOf(path))
            times << line.split('\t').constFirst().toLongLong();
        QCOMPARE(times, (QList<qint64>{0, 3000, 3000, 4000}));
    }

    void createdOwnerOnly() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("events"));
        EventFile file(path, 0, 0);
        QString error;
        QVERIFY(file.open(&error));
        QCOMPARE(QFileInfo(path).permissions()
                     & ~(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser),
                 QFile::Permissions());
    }

    void unwritableLocationNamesThePath() {
        EventFile file(QStringLiteral("/nonexistent-dir/events"), 0, 0);
        QString error;
        QVERIFY(!file.open(&error));
        QVERIFY(error.startsWith(QLatin1String("/nonexistent-dir/events: ")));
    }

    // As upstream: an existing event file must be a regular file of ours with one name.
    void aHardLinkedFileIsRefused() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("events"));
        QFile(path).open(QIODevice::WriteOnly);
        QCOMPARE(::link(QFile::encodeName(path).constData(),
                        QFile::encodeName(dir.filePath(QStringLiteral("other-name"))).constData()),
                 0);
        EventFile file(path, 0, 0);
        QString error;
        QVERIFY(!file.open(&error));
        QCOMPARE(error, path + ": the event file has 2 hard links; it must have exactly one");
    }

    void someoneElsesFileIsRefused() {
        if (::geteuid() != 0)
            QSKIP("needs root to give the file to another user");
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("events"));
        QFile(path).open(QIODevice::WriteOnly);
        QCOMPARE(::chown(QFile::encodeName(path).constData(), 65534, 65534), 0);
        EventFile file(path, 0, 0);
        QString error;
        QVERIFY(!file.open(&error));
        QCOMPARE(error, path + ": the event file is owned by uid 65534, not by us (uid 0)");
    }

    void rotatesKeepingFiveGenerations() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("events"));
        EventFile file(path, 200, 0);  // a few lines per generation
        QString error;
        QVERIFY(file.open(&error));
        std::uint64_t nonce = 0;
        for (int round = 0; round < 40; ++round) {
            for (int i = 0; i < 3; ++i)
                file.beat(round * 10 + i, vlp::Frame{vlp::Status::Ok, 2, 0, ++nonce, 0});
            file.flush();
        }
        for (int g = 1; g <= EventFile::kGenerations; ++g)
            QVERIFY2(QFileInfo::exists(path + QLatin1Char('.') + QString::number(g)), qPrintable(QString::number(g)));
        QVERIFY(!QFileInfo::exists(path + QStringLiteral(".6")));
        // Every file holds whole lines only, at most the limit, and the newest lines are
        // in the newest files: nonces increase from .5 to the live file.
        std::uint64_t previous = 0;
        for (int g = EventFile::kGenerations; g >= 0; --g) {
            const QString name = g == 0 ? path : path + QLatin1Char('.') + QString::number(g);
            QVERIFY(QFileInfo(name).size() <= 200);
            for (const QByteArray &line : linesOf(name)) {
                const QList<QByteArray> f = line.split('\t');
                QCOMPARE(f.size(), 6);
                const std::uint64_t n = f[3].toULongLong();
                QVERIFY(n > previous);
                previous = n;
            }
        }
        QCOMPARE(previous, nonce);
    }

    void appendsToAnExistingFile() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("events"));
        for (int run = 0; run < 2; ++run) {
            EventFile file(path, 0, 1);
            QString error;
            QVERIFY(file.open(&error));
            file.stall(run, 5, 1);
        }
        QCOMPARE(linesOf(path).size(), 2);
    }

    // A run that died mid-line (a crash, a full disk under an older version) left bytes
    // after the last newline: they are cut off, and the next line starts a line of its own.
    void aLineCutShortBeforeOpenIsCutOff() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("events"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("1000\tbeat\t4242\t1\tok\t0\n1001\tbeat\t42");
        }
        {
            EventFile file(path, 0, 0);
            QString error;
            QVERIFY2(file.open(&error), qPrintable(error));
            QCOMPARE(file.tornBytesCut(), std::uint64_t(12));
            file.beat(1002, vlp::Frame{vlp::Status::Ok, 4242, 0, 2, 0});
        }
        std::uint64_t last = 0;
        verifyWholeLinesInOrder({path}, &last);
        QCOMPARE(last, std::uint64_t(2));
    }

    // More after the last newline than any line of ours is someone else's text: it stays,
    // ended by a newline.
    void aLongTailIsEndedNotCut() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("events"));
        const QByteArray foreign(EventFile::kLongestTornTail + 10, 'z');
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(foreign);
        }
        {
            EventFile file(path, 0, 0);
            QString error;
            QVERIFY2(file.open(&error), qPrintable(error));
            file.stall(5, 7, 1);
        }
        const QList<QByteArray> lines = linesOf(path);
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines.first(), foreign);
        QCOMPARE(lines.last().split('\t').size(), 6);
    }

    // On a full disk the file ends in whole lines only; the lines it refused wait and
    // are written once there is room again, each once; what never got written is lost
    // and counted.
    void aFullDiskNeverTearsALineAndLosesNoneItCouldKeep() {
        test::SmallTmpfs disk("size=64k");
        if (!disk.mounted())
            QSKIP("cannot mount a tmpfs (needs root)");
        const QString path = disk.filePath(QStringLiteral("events"));
        std::uint64_t nonce = 0;
        EventFile file(path, 0, 0);
        QStringList problems;
        file.setProblemSink([&problems](const QString &line) { problems << line; });
        QString error;
        QVERIFY(file.open(&error));
        beats(file, nonce, 10);
        disk.fill();
        for (int round = 0; round < 20; ++round)
            beats(file, nonce, 50);  // the file's last page fills, then nothing more fits
        QVERIFY(file.writeErrors() > 0);
        QVERIFY(file.pendingLines() > 0);
        QVERIFY(!problems.isEmpty());
        QVERIFY2(problems.first().startsWith(path + QStringLiteral(": cannot write the event file: No space left")),
                 qPrintable(problems.first()));
        std::uint64_t last = 0;
        verifyWholeLinesInOrder({path}, &last);
        QVERIFY(last < nonce);

        disk.remove();
        beats(file, nonce, 5);
        QCOMPARE(file.pendingLines(), 0);
        verifyWholeLinesInOrder({path}, &last);
        QCOMPARE(last, nonce);
        QCOMPARE(file.linesDropped(), std::uint64_t(0));

        disk.fill();
        beats(file, nonce, 200);
        const qsizetype waiting = file.pendingLines();
        QVERIFY(waiting > 0);
        file.abandonUnwritten();
        QCOMPARE(file.linesDropped(), std::uint64_t(waiting));
        verifyWholeLinesInOrder({path}, &last);
    }

    // Rotation renames the file away and creates a new one; when the new one cannot be
    // created (here: no inode left) the lines wait, and a flush a little later creates it.
    void aFailedRecreateIsTriedAgain() {
        test::SmallTmpfs disk("nr_inodes=16");
        if (!disk.mounted())
            QSKIP("cannot mount a tmpfs (needs root)");
        const QString path = disk.filePath(QStringLiteral("events"));
        std::uint64_t nonce = 0;
        EventFile file(path, 200, 0);
        QString error;
        QVERIFY(file.open(&error));
        beats(file, nonce, 6);
        disk.useUpInodes();
        beats(file, nonce, 6);  // past the limit: renamed to .1, no new file
        QVERIFY(file.writeErrors() > 0);
        QVERIFY(QFileInfo::exists(path + QStringLiteral(".1")));
        QVERIFY(!QFileInfo::exists(path));
        disk.freeInodes();
        beats(file, nonce, 1);  // within the retry interval: still waiting
        QVERIFY(!QFileInfo::exists(path));
        QTest::qWait(static_cast<int>(EventFile::kRetryIntervalNs / 1'000'000) + 100);
        beats(file, nonce, 1);
        QVERIFY(QFileInfo::exists(path));
        QCOMPARE(file.pendingLines(), 0);
        std::uint64_t last = 0;
        verifyWholeLinesInOrder({path + QStringLiteral(".1"), path}, &last);
        QCOMPARE(last, nonce);
    }

    // A live file that cannot be renamed (PATH.1 ... PATH.5 are directories) keeps its
    // size, so rotation is tried again; it grows past the limit meanwhile, losing nothing,
    // and rotates once the rename works.
    void aFailedRenameKeepsTheSizeAndIsTriedAgain() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("events"));
        for (int g = 1; g <= EventFile::kGenerations; ++g)
            QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("events.%1/occupied").arg(g)));
        std::uint64_t nonce = 0;
        EventFile file(path, 200, 0);
        QStringList problems;
        file.setProblemSink([&problems](const QString &line) { problems << line; });
        QString error;
        QVERIFY(file.open(&error));
        beats(file, nonce, 20);
        QVERIFY(QFileInfo(path).size() > 200);
        QVERIFY(file.writeErrors() > 0);
        QVERIFY(!problems.isEmpty());
        QVERIFY2(problems.first().startsWith(path + QStringLiteral(": cannot rotate the event file to ") + path
                                             + QStringLiteral(".1: ")),
                 qPrintable(problems.first()));
        for (int g = 1; g <= EventFile::kGenerations; ++g)
            QVERIFY(QDir(dir.filePath(QStringLiteral("events.%1").arg(g))).removeRecursively());
        QTest::qWait(static_cast<int>(EventFile::kRetryIntervalNs / 1'000'000) + 100);
        beats(file, nonce, 1);
        QVERIFY(QFileInfo(path + QStringLiteral(".1")).size() > 200);
        QVERIFY(QFileInfo(path).size() <= 200);
        std::uint64_t last = 0;
        verifyWholeLinesInOrder({path + QStringLiteral(".1"), path}, &last);
        QCOMPARE(last, nonce);
    }

    // logrotate moves the file and asks for a reopen: the next lines go to a new file
    // at the path, the moved one keeps what it had.
    void reopenStartsANewFileAtThePath() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("events"));
        std::uint64_t nonce = 0;
        EventFile file(path, 0, 0);
        QString error;
        QVERIFY(file.open(&error));
        beats(file, nonce, 3);
        QVERIFY(QFile::rename(path, path + QStringLiteral(".1")));
        QVERIFY(file.reopen());
        beats(file, nonce, 2);
        QCOMPARE(linesOf(path + QStringLiteral(".1")).size(), 3);
        std::uint64_t last = 0;
        verifyWholeLinesInOrder({path + QStringLiteral(".1"), path}, &last);
        QCOMPARE(last, nonce);
    }

    // Moved or deleted without a reopen: noticed within a second, at a write, and the
    // lines from then on go to a new file at the path.
    void aFileMovedOrDeletedUnderItIsReopened_data() {
        QTest::addColumn<bool>("deleted");
        QTest::newRow("renamed") << false;
        QTest::newRow("deleted") << true;
    }
    void aFileMovedOrDeletedUnderItIsReopened() {
        QFETCH(bool, deleted);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("events"));
        std::uint64_t nonce = 0;
        EventFile file(path, 0, 0);
        QString error;
        QVERIFY(file.open(&error));
        beats(file, nonce, 3);
        QVERIFY(deleted ? QFile::remove(path) : QFile::rename(path, path + QStringLiteral(".old")));
        QTest::qWait(static_cast<int>(EventFile::kIdentityCheckIntervalNs / 1'000'000) + 100);
        beats(file, nonce, 2);
        QCOMPARE(file.reopens(), std::uint64_t(1));
        const QList<QByteArray> lines = linesOf(path);
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines.last().split('\t').value(3), QByteArray::number(nonce));
    }
};

QTEST_GUILESS_MAIN(TestEventFile)
#include "tst_event_file.moc"
