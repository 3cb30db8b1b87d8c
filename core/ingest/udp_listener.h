#pragma once
// A UDP listener that owns its descriptor: recvmmsg in batches on every readiness
// notice, drained until the socket is empty (or a per-wakeup bound lets the event loop
// breathe — the notifier is level-triggered, so the rest is read on the next turn).
// Not a QUdpSocket: draining a QUdpSocket's descriptor behind its back silences it
// (DESIGN.md section 4), and readDatagram costs more syscalls per datagram.

#include "core/ingest/datagram_sink.h"

#include <QHostAddress>
#include <QObject>
#include <QSocketNotifier>

#include <memory>

namespace varta {

class UdpListener : public QObject {
    Q_OBJECT
public:
    static constexpr unsigned kBatch = 64;                       // datagrams per recvmmsg
    static constexpr unsigned kMaxPerWakeup = 8192;              // then yield to the event loop
    static constexpr int kReceiveBufferBytes = 16 * 1024 * 1024; // SO_RCVBUF asked for

    UdpListener(QHostAddress address, std::uint16_t port, Transport transport, DatagramSink &sink,
                QObject *parent = nullptr);
    ~UdpListener() override;

    bool open(QString *error);
    void close();
    std::uint16_t boundPort() const { return boundPort_; }
    int receiveBufferBytes() const { return receiveBuffer_; }  // as the kernel granted it
    QString description() const;

private:
    void drain();

    QHostAddress address_;
    std::uint16_t port_;
    std::uint16_t boundPort_ = 0;
    Transport transport_;
    DatagramSink &sink_;
    int fd_ = -1;
    int receiveBuffer_ = 0;
    std::unique_ptr<QSocketNotifier> notifier_;
    struct Buffers;
    std::unique_ptr<Buffers> buffers_;
};

// Sets SO_RCVBUF after bind (SO_RCVBUFFORCE first, which root may use past rmem_max)
// and returns what the kernel granted.
int setReceiveBuffer(int fd, int bytes);

} // namespace varta
