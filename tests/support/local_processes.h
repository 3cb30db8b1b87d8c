#pragma once
// Helpers for end-to-end tests that run servers of their own (Prometheus, Alertmanager):
// a free loopback port to give them, and an orderly stop.

#include <QHostAddress>
#include <QProcess>
#include <QTcpServer>

namespace varta::test {

// A loopback TCP port nobody listens on now (the caller's server takes it next).
inline quint16 freeTcpPort() {
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
}

// Ends a child the test started: SIGTERM, then SIGKILL if it does not go.
inline void stopProcess(QProcess &process) {
    if (process.state() == QProcess::NotRunning)
        return;
    process.terminate();
    if (!process.waitForFinished(10000)) {
        process.kill();
        process.waitForFinished(5000);
    }
}

}  // namespace varta::test
