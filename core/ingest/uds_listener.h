#pragma once
// The Unix datagram listener (--socket): kernel-verified sender pids through
// SO_PASSCRED, a stale socket file replaced, a live one or a non-socket refused
// (COMPAT.md section 1), and the socket file removed on close. Read by a BatchReader,
// which pauses reads only as far as the socket's small queue allows.

#include "core/ingest/batch_reader.h"

#include <QObject>

#include <sys/types.h>

namespace varta {

class UdsListener : public QObject {
    Q_OBJECT
public:
    UdsListener(QString path, std::uint32_t mode, DatagramSink &sink, QObject *parent = nullptr);
    ~UdsListener() override;

    bool open(QString *error);
    void close();
    QString description() const { return QStringLiteral("uds ") + path_; }
    // See BatchReader::drainPending.
    unsigned drainPending() { return reader_.drainPending(); }
    // See BatchReader::gathersReads.
    bool gathersReads() const { return reader_.gathersReads(); }
    // The socket's queue, in datagrams (net.unix.max_dgram_qlen when it was made).
    std::int64_t queueLimit() const { return queueLimit_; }

private:
    bool clearStaleSocket(QString *error);

    QString path_;
    std::uint32_t mode_;
    ino_t inode_ = 0;  // of the socket file we created, so close() removes only ours
    std::int64_t queueLimit_ = 0;
    BatchReader reader_;
};

}  // namespace varta
