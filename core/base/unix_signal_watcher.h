#pragma once
// SIGINT/SIGTERM and SIGHUP → Qt signals on the thread that created the watcher, through
// a self-pipe: the handler only writes one byte, which is async-signal-safe.

#include <QObject>
#include <QSocketNotifier>

#include <memory>

namespace varta {

class UnixSignalWatcher : public QObject {
    Q_OBJECT
public:
    explicit UnixSignalWatcher(QObject *parent = nullptr);  // one per process
    ~UnixSignalWatcher() override;

Q_SIGNALS:
    void terminationRequested(int signalNumber);  // SIGINT, SIGTERM
    void reopenRequested();                       // SIGHUP: logrotate moved our files

private:
    void onReadable();
    std::unique_ptr<QSocketNotifier> m_notifier;
};

}  // namespace varta
