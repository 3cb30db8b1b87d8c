#pragma once
// The UDP listener (--udp-port, plain or secure): binds the socket and hands it to a
// BatchReader, which reads it in coalesced recvmmsg batches timed by the kernel.

#include "core/ingest/batch_reader.h"

#include <QHostAddress>
#include <QObject>

namespace varta {

class UdpListener : public QObject {
    Q_OBJECT
public:
    UdpListener(QHostAddress address, std::uint16_t port, Transport transport, DatagramSink &sink,
                QObject *parent = nullptr);
    ~UdpListener() override;

    bool open(QString *error);
    void close();
    std::uint16_t boundPort() const { return boundPort_; }
    int receiveBufferBytes() const { return reader_.receiveBufferBytes(); }  // as the kernel granted it
    QString description() const;
    // See BatchReader::drainPending.
    unsigned drainPending() { return reader_.drainPending(); }

private:
    QHostAddress address_;
    std::uint16_t port_;
    std::uint16_t boundPort_ = 0;
    Transport transport_;
    BatchReader reader_;
};

}  // namespace varta
