#pragma once
// A recovery command for end-to-end tests that prints known lines: a shell script in a
// test directory, executable, run with the agent's pid as its argument.

#include <QFile>
#include <QString>

namespace varta::test {

// Writes DIR/NAME printing `stdoutLines` on stdout, then `stderrLine` (when not empty) on
// stderr, then exits with `exitCode`; returns its path.
inline QString writeRecoveryScript(const QString &dir, const QString &name, const QStringList &stdoutLines,
                                   const QString &stderrLine = QString(), int exitCode = 0) {
    const QString path = dir + QLatin1Char('/') + name;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    QByteArray script = "#!/bin/sh\n";
    for (const QString &line : stdoutLines)
        script += "echo '" + line.toUtf8() + "'\n";
    if (!stderrLine.isEmpty())
        script += "echo '" + stderrLine.toUtf8() + "' >&2\n";
    script += "exit " + QByteArray::number(exitCode) + "\n";
    file.write(script);
    file.close();
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return path;
}

}  // namespace varta::test
