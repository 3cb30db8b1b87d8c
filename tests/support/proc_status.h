#pragma once
// A process's memory and CPU as the kernel reports them, for tests that bound them.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QMap>
#include <QProcess>
#include <QStandardPaths>
#include <QString>

#include <unistd.h>

namespace varta::test {

// A "Key:   N kB" line of /proc/PID/status ("self" for this process), in KiB, or -1.
inline qint64 statusKiB(const QString &pid, const QByteArray &key) {
    QFile file(QStringLiteral("/proc/%1/status").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : file.readAll().split('\n'))
        if (line.startsWith(key + ':'))
            return line.mid(key.size() + 1).simplified().split(' ').value(0).toLongLong();
    return -1;
}

inline qint64 statusKiB(qint64 pid, const QByteArray &key) { return statusKiB(QString::number(pid), key); }
inline qint64 vmRssKiB(qint64 pid) { return statusKiB(pid, "VmRSS"); }
inline qint64 residentKiB() { return statusKiB(QStringLiteral("self"), "VmRSS"); }

// User plus system CPU seconds of a /proc "stat" file (fields 14 and 15 of proc(5)), or -1.
inline double statCpuSeconds(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = file.readAll();
    // The name in parentheses may hold spaces; the fields after it start at field 3.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    return static_cast<double>(fields.value(11).toLongLong() + fields.value(12).toLongLong())
           / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

inline double cpuSeconds(qint64 pid) { return statCpuSeconds(QStringLiteral("/proc/%1/stat").arg(pid)); }

// CPU seconds of each thread of PID, by "TID name".
inline QMap<QString, double> threadCpuSeconds(qint64 pid) {
    QMap<QString, double> threads;
    const QString tasks = QStringLiteral("/proc/%1/task").arg(pid);
    for (const QString &tid : QDir(tasks).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks + QLatin1Char('/') + tid + QStringLiteral("/comm"));
        const QString name = comm.open(QIODevice::ReadOnly) ? QString::fromUtf8(comm.readAll().trimmed()) : QString();
        threads.insert(tid + QLatin1Char(' ') + name,
                       statCpuSeconds(tasks + QLatin1Char('/') + tid + QStringLiteral("/stat")));
    }
    return threads;
}

// For a failure message: which threads of PID used the CPU since `before` (a
// threadCpuSeconds() of earlier), and every thread's stack as gdb sees it, when gdb is
// on the machine. Says where a process spins when a test finds it busy.
inline QString busyThreadsReport(qint64 pid, const QMap<QString, double> &before) {
    QString report;
    const QMap<QString, double> now = threadCpuSeconds(pid);
    for (auto it = now.cbegin(); it != now.cend(); ++it)
        report +=
            QStringLiteral("\n  thread %1: %2 s").arg(it.key()).arg(it.value() - before.value(it.key()), 0, 'f', 2);
    const QString gdb = QStandardPaths::findExecutable(QStringLiteral("gdb"));
    if (gdb.isEmpty())
        return report + QStringLiteral("\n  (no gdb for stacks)");
    QProcess trace;
    trace.start(gdb, {QStringLiteral("-p"), QString::number(pid), QStringLiteral("-batch"), QStringLiteral("-nx"),
                      QStringLiteral("-ex"), QStringLiteral("thread apply all bt 25")});
    if (!trace.waitForFinished(60000))
        trace.kill();
    return report + QLatin1Char('\n') + QString::fromLocal8Bit(trace.readAllStandardOutput());
}

}  // namespace varta::test
