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
    std::uint16_t boundPort() const { return m_boundPort; }
    int receiveBufferBytes() const { return m_reader.receiveBufferBytes(); }  // as the kernel granted it
    QString description() const;
    // See BatchReader::drainArrivedBefore.
    BatchReader::Drained drainArrivedBefore(std::int64_t untilNs) { return m_reader.drainArrivedBefore(untilNs); }
    // See BatchReader::yieldAt.
    void yieldAt(std::int64_t deadlineNs) { m_reader.yieldAt(deadlineNs); }

private:
    QHostAddress m_address;
    std::uint16_t m_port;
    std::uint16_t m_boundPort = 0;
    Transport m_transport;
    BatchReader m_reader;
};

}  // namespace varta
