#pragma once
// The Unix datagram listener (--socket): kernel-verified sender pids through
// SO_PASSCRED, a stale socket file replaced, a live one or a non-socket refused
// (COMPAT.md section 1), and the socket file removed on close.

#include "core/ingest/datagram_sink.h"

#include <QObject>
#include <QSocketNotifier>

#include <memory>
#include <sys/types.h>

namespace varta {

class UdsListener : public QObject {
    Q_OBJECT
public:
    static constexpr unsigned kBatch = 64;
    static constexpr unsigned kMaxPerWakeup = 8192;
    static constexpr int kReceiveBufferBytes = 16 * 1024 * 1024;

    UdsListener(QString path, std::uint32_t mode, DatagramSink &sink, QObject *parent = nullptr);
    ~UdsListener() override;

    bool open(QString *error);
    void close();
    QString description() const { return QStringLiteral("uds ") + path_; }

private:
    bool clearStaleSocket(QString *error);
    void drain();

    QString path_;
    std::uint32_t mode_;
    DatagramSink &sink_;
    int fd_ = -1;
    ino_t inode_ = 0;   // of the socket file we created, so close() removes only ours
    std::unique_ptr<QSocketNotifier> notifier_;
    struct Buffers;
    std::unique_ptr<Buffers> buffers_;
};

} // namespace varta
