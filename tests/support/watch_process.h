#pragma once
// Drives the real varta-watch binary for end-to-end tests: start it with flags, learn
// its listeners from stdout, stop it, and read its event file.

#include "core/vlp/crc32c.h"
#include "core/vlp/frame.h"

#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>
#include <QUdpSocket>

#include <csignal>

namespace varta::test {

inline QString watchBinary() { return QStringLiteral(VARTA_BINARY_DIR "/bin/varta-watch"); }

struct EventLine {
    qint64 observerNs = 0;
    QString kind, pid, nonce, status, payload;
};

inline QList<EventLine> readEventFile(const QString &path) {
    QList<EventLine> lines;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return lines;
    const QList<QByteArray> raw = file.readAll().split('\n');
    for (const QByteArray &line : raw) {
        if (line.isEmpty())
            continue;
        const QList<QByteArray> f = line.split('\t');
        if (f.size() != 6) {
            qWarning("malformed event line: %s", line.constData());
            lines.append(EventLine{-1, QStringLiteral("MALFORMED"), {}, {}, {}, {}});
            continue;
        }
        lines.append(EventLine{f[0].toLongLong(), QString::fromLatin1(f[1]), QString::fromLatin1(f[2]),
                               QString::fromLatin1(f[3]), QString::fromLatin1(f[4]), QString::fromLatin1(f[5])});
    }
    return lines;
}

inline QList<EventLine> ofKind(const QList<EventLine> &lines, const QString &kind) {
    QList<EventLine> out;
    for (const EventLine &l : lines)
        if (l.kind == kind)
            out.append(l);
    return out;
}

class WatchProcess {
public:
    ~WatchProcess() {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished(5000);
        }
    }

    // Starts varta-watch --headless (or, with `headless` false, with its console on the
    // offscreen platform) with `args` and waits for its listener lines.
    bool start(const QStringList &args, int expectedListeners = 1) {
        process.setProgram(watchBinary());
        if (!headless) {
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
            process.setProcessEnvironment(env);
        }
        process.setArguments((headless ? QStringList{QStringLiteral("--headless")} : QStringList{}) + args);
        process.start();
        if (!process.waitForStarted(10000))
            return false;
        QRegularExpression udp(QStringLiteral("listening on (?:secure-)?udp [^ ]+:(\\d+)"));
        int seen = 0;
        QElapsedTimer clock;
        clock.start();
        while (seen < expectedListeners && clock.elapsed() < 20000) {
            if (!process.canReadLine() && !process.waitForReadyRead(200)) {
                if (process.state() == QProcess::NotRunning)
                    return false;
                continue;
            }
            while (process.canReadLine()) {
                const QString line = QString::fromUtf8(process.readLine()).trimmed();
                stdoutLines.append(line);
                if (!line.contains(QLatin1String("listening on")))
                    continue;
                ++seen;
                const auto m = udp.match(line);
                if (m.hasMatch())
                    udpPort = static_cast<quint16>(m.captured(1).toUInt());
            }
        }
        return seen == expectedListeners;
    }

    // SIGTERM, then the exit code (or -1 when it did not exit cleanly in time).
    int stop() {
        ::kill(static_cast<pid_t>(process.processId()), SIGTERM);
        if (!process.waitForFinished(20000))
            return -1;
        for (const QByteArray &line : process.readAllStandardOutput().split('\n'))
            if (!line.isEmpty())
                stdoutLines.append(QString::fromUtf8(line));
        return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    }

    // A counter from the "stopped:" summary line, e.g. summaryValue("truncated").
    qint64 summaryValue(const QString &name) const {
        for (const QString &line : stdoutLines) {
            if (!line.contains(QLatin1String("stopped:")))
                continue;
            const auto m = QRegularExpression(QStringLiteral("\\b%1=(\\d+)").arg(name)).match(line);
            if (m.hasMatch())
                return m.captured(1).toLongLong();
        }
        return -1;
    }

    void sendUdp(const QByteArray &datagram) { socket.writeDatagram(datagram, QHostAddress::LocalHost, udpPort); }

    void sendFrame(const vlp::Frame &frame) {
        const auto bytes = vlp::encode(frame);
        sendUdp(QByteArray(reinterpret_cast<const char *>(bytes.data()), static_cast<qsizetype>(bytes.size())));
    }

    bool headless = true;
    QProcess process;
    QStringList stdoutLines;
    quint16 udpPort = 0;
    QUdpSocket socket;
};

}  // namespace varta::test
