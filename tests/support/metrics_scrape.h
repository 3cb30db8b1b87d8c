#pragma once
// GET /metrics from a running observer for end-to-end tests, and the value of one series.

#include "tests/support/secret_files.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QTcpSocket>

namespace varta::test {

// The flags that serve /metrics on a free loopback port with `token` (written to
// DIR/token), scrapes unlimited.
inline QStringList metricsFlags(const QString &dir, const QByteArray &token) {
    const QString tokenFile = dir + QStringLiteral("/token");
    writeSecretFile(tokenFile, token);
    return {QStringLiteral("--prom-addr"),
            QStringLiteral("127.0.0.1:0"),
            QStringLiteral("--prom-token-file"),
            tokenFile,
            QStringLiteral("--prom-rate-limit-per-sec"),
            QStringLiteral("0")};
}

// The body of /metrics at ADDRESS ("IP:PORT", as the observer prints it), with the token.
inline QByteArray scrapeMetrics(const QString &address, const QByteArray &token) {
    QTcpSocket socket;
    const qsizetype colon = address.lastIndexOf(QLatin1Char(':'));
    socket.connectToHost(QStringLiteral("127.0.0.1"), address.mid(colon + 1).toUShort());
    if (!socket.waitForConnected(5000))
        return {};
    socket.write("GET /metrics HTTP/1.0\r\nAuthorization: Bearer " + token + "\r\n\r\n");
    QByteArray all;
    while (socket.waitForReadyRead(5000) || socket.bytesAvailable())
        all += socket.readAll();
    all += socket.readAll();
    return all.mid(all.indexOf("\r\n\r\n") + 4);
}

// The value of the series written exactly `series` (name and labels), or -1.
inline qint64 metricValue(const QByteArray &body, const QByteArray &series) {
    for (const QByteArray &line : body.split('\n'))
        if (line.startsWith(series + ' '))
            return line.mid(series.size() + 1).toLongLong();
    return -1;
}

// The value of the first series whose text starts with `prefix` (labels in any order after it), or -1.
inline qint64 seriesValue(const QByteArray &body, const QByteArray &prefix) {
    for (const QByteArray &line : body.split('\n'))
        if (line.startsWith(prefix))
            return line.mid(line.lastIndexOf(' ') + 1).toLongLong();
    return -1;
}

}  // namespace varta::test
