#pragma once
// Runs the real `varta-watch ctl` for end-to-end tests, optionally as another uid.

#include "tests/support/watch_process.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

#include <optional>

#include <unistd.h>

namespace varta::test {

struct Ctl {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
};

// `varta-watch ctl --socket SOCKET ARGS...`, as `uid` when given.
inline Ctl ctl(const QString &socket, const QStringList &args, std::optional<uid_t> uid = std::nullopt) {
    QProcess process;
    process.setProgram(watchBinary());
    process.setArguments(QStringList{QStringLiteral("ctl"), QStringLiteral("--socket"), socket} + args);
    if (uid)
        process.setChildProcessModifier([uid] {
            if (::setgid(*uid) != 0 || ::setuid(*uid) != 0)
                ::_exit(99);
        });
    process.start();
    process.waitForFinished(20000);
    return Ctl{process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
               process.readAllStandardError()};
}

}  // namespace varta::test
