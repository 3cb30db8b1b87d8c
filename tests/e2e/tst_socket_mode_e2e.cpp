// The Unix socket's file is born with --socket-mode (docs/compat.md section 1): its mode
// is right from the moment the name exists, and nothing is ever chmod'ed by name, so a
// path swapped for a symlink in a shared directory cannot lend another file that mode.
#include "tests/support/watch_process.h"

#include <QFileInfo>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <sys/stat.h>

using namespace varta;
using test::WatchProcess;

namespace {

mode_t modeOf(const QString &path) {
    struct stat st {};
    return ::lstat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_mode & 07777 : 0;
}

}  // namespace

class TestSocketModeE2E : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void theSocketIsBornWithTheModeAsked_data() {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<int>("mode");
        QTest::newRow("0600, the default") << QString() << 0600;
        QTest::newRow("0660") << QStringLiteral("0660") << 0660;
        QTest::newRow("0666") << QStringLiteral("0666") << 0666;
    }
    void theSocketIsBornWithTheModeAsked() {
        QFETCH(QString, flag);
        QFETCH(int, mode);
        QTemporaryDir dir;
        const QString socket = dir.filePath(QStringLiteral("varta.sock"));
        QStringList args{QStringLiteral("--socket"), socket};
        if (!flag.isEmpty())
            args << QStringLiteral("--socket-mode") << flag;
        WatchProcess watch;
        QVERIFY(watch.start(args));
        QCOMPARE(modeOf(socket), static_cast<mode_t>(mode));
        QCOMPARE(watch.stop(), 0);
    }

    // Whatever the mode asked, the observer makes no chmod call on the socket's path.
    void nothingIsChmodedByName() {
        const QString strace = QStandardPaths::findExecutable(QStringLiteral("strace"));
        if (strace.isEmpty())
            QSKIP("needs strace");
        QTemporaryDir dir;
        const QString socket = dir.filePath(QStringLiteral("varta.sock"));
        const QString trace = dir.filePath(QStringLiteral("trace"));
        QProcess process;
        process.start(strace,
                      {QStringLiteral("-f"), QStringLiteral("-qq"), QStringLiteral("-e"), QStringLiteral("trace=%file"),
                       QStringLiteral("-o"), trace, test::watchBinary(), QStringLiteral("--headless"),
                       QStringLiteral("--socket"), socket, QStringLiteral("--socket-mode"), QStringLiteral("0660"),
                       QStringLiteral("--shutdown-after-secs"), QStringLiteral("1")});
        QVERIFY(process.waitForFinished(30000));
        QFile file(trace);
        if (process.exitCode() != 0 || !file.open(QIODevice::ReadOnly) || file.size() == 0)
            QSKIP("strace cannot trace here (ptrace not allowed?)");
        const QByteArray calls = file.readAll();
        QVERIFY2(calls.contains(QFile::encodeName(socket)), "the trace shows the socket's path");
        for (const QByteArray &line : calls.split('\n'))
            QVERIFY2(!(line.contains("chmod") && line.contains(QFile::encodeName(socket))), line.constData());
    }

    // A symlink where the socket should be is never followed: start-up stops, and the
    // file it points to keeps its mode.
    void aSymlinkAtThePathIsRefusedAndItsTargetUntouched() {
        QTemporaryDir dir;
        const QString socket = dir.filePath(QStringLiteral("varta.sock"));
        const QString target = dir.filePath(QStringLiteral("precious"));
        {
            QFile f(target);
            QVERIFY(f.open(QIODevice::WriteOnly));
        }
        QVERIFY(::chmod(QFile::encodeName(target).constData(), 0644) == 0);
        QVERIFY(QFile::link(target, socket));
        QProcess process;
        process.start(test::watchBinary(), {QStringLiteral("--headless"), QStringLiteral("--socket"), socket,
                                            QStringLiteral("--socket-mode"), QStringLiteral("0666")});
        QVERIFY(process.waitForFinished(20000));
        QCOMPARE(process.exitCode(), 1);
        QVERIFY(QString::fromUtf8(process.readAllStandardError())
                    .contains(socket + QStringLiteral(": exists and is not a socket")));
        QCOMPARE(modeOf(target), static_cast<mode_t>(0644));
        QVERIFY(QFileInfo(socket).isSymLink());
    }
};

QTEST_GUILESS_MAIN(TestSocketModeE2E)
#include "tst_socket_mode_e2e.moc"
