#pragma once
// The Unix datagram listener (--socket): kernel-verified sender pids through
// SO_PASSCRED, a stale socket file replaced, a live one or a non-socket refused
// (docs/compat.md section 1), and the socket file removed on close. Read by a BatchReader,
// which pauses reads only as far as the socket's small queue allows.

#include "core/ingest/batch_reader.h"

#include <QObject>

#include <sys/types.h>

namespace varta {

class UdsListener : public QObject {
    Q_OBJECT
public:
    // `receiveBufferBytes`: SO_RCVBUF asked for (--uds-rcvbuf-bytes; 0 = the kernel's default).
    UdsListener(QString path, std::uint32_t mode, int receiveBufferBytes, DatagramSink &sink,
                QObject *parent = nullptr);
    ~UdsListener() override;

    bool open(QString *error);
    void close();
    QString description() const { return QStringLiteral("uds ") + m_path; }
    // See BatchReader::drainArrivedBefore.
    BatchReader::Drained drainArrivedBefore(std::int64_t untilNs) { return m_reader.drainArrivedBefore(untilNs); }
    // See BatchReader::yieldAt.
    void yieldAt(std::int64_t deadlineNs) { m_reader.yieldAt(deadlineNs); }
    // See BatchReader::gathersReads.
    bool gathersReads() const { return m_reader.gathersReads(); }
    // The socket's queue, in datagrams (net.unix.max_dgram_qlen when it was made).
    std::int64_t queueLimit() const { return m_queueLimit; }
    int receiveBufferBytes() const { return m_reader.receiveBufferBytes(); }  // as the kernel granted it

private:
    bool clearStaleSocket(QString *error);

    QString m_path;
    std::uint32_t m_mode;
    int m_receiveBufferBytes;
    ino_t m_inode = 0;  // of the socket file we created, so close() removes only ours
    std::int64_t m_queueLimit = 0;
    BatchReader m_reader;
};

}  // namespace varta
