#include "core/ingest/udp_listener.h"

#include "core/engine_clock.h"
#include "core/vlp/frame.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace varta {

struct UdpListener::Buffers {
    std::array<std::array<std::uint8_t, vlp::kReceiveBufferSize>, kBatch> data{};
    std::array<sockaddr_storage, kBatch> peers{};
    std::array<iovec, kBatch> iov{};
    std::array<mmsghdr, kBatch> headers{};
    std::array<Datagram, kBatch> datagrams{};
};

int setReceiveBuffer(int fd, int bytes) {
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    int granted = 0;
    socklen_t length = sizeof granted;
    ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &length);
    return granted;
}

UdpListener::UdpListener(QHostAddress address, std::uint16_t port, Transport transport,
                         DatagramSink &sink, QObject *parent)
    : QObject(parent), address_(std::move(address)), port_(port), transport_(transport), sink_(sink),
      buffers_(std::make_unique<Buffers>()) {}

UdpListener::~UdpListener() { close(); }

bool UdpListener::open(QString *error) {
    const bool v6 = address_.protocol() == QAbstractSocket::IPv6Protocol;
    sockaddr_storage bindAddress{};
    socklen_t bindLength = 0;
    if (v6) {
        auto &sa = reinterpret_cast<sockaddr_in6 &>(bindAddress);
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(port_);
        const Q_IPV6ADDR raw = address_.toIPv6Address();
        std::memcpy(sa.sin6_addr.s6_addr, raw.c, 16);
        bindLength = sizeof sa;
    } else {
        auto &sa = reinterpret_cast<sockaddr_in &>(bindAddress);
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port_);
        sa.sin_addr.s_addr = htonl(address_.toIPv4Address());
        bindLength = sizeof sa;
    }
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr *>(&bindAddress), bindLength) != 0) {
        *error = QStringLiteral("cannot bind UDP %1:%2: %3")
                     .arg(address_.toString()).arg(port_).arg(QString::fromLocal8Bit(std::strerror(errno)));
        close();
        return false;
    }
    receiveBuffer_ = setReceiveBuffer(fd_, kReceiveBufferBytes);
    sockaddr_storage bound{};
    socklen_t boundLength = sizeof bound;
    ::getsockname(fd_, reinterpret_cast<sockaddr *>(&bound), &boundLength);
    boundPort_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6 &>(bound).sin6_port
                          : reinterpret_cast<sockaddr_in &>(bound).sin_port);

    for (unsigned i = 0; i < kBatch; ++i) {
        buffers_->iov[i] = iovec{buffers_->data[i].data(), buffers_->data[i].size()};
    }
    notifier_ = std::make_unique<QSocketNotifier>(fd_, QSocketNotifier::Read);
    connect(notifier_.get(), &QSocketNotifier::activated, this, &UdpListener::drain);
    return true;
}

void UdpListener::close() {
    notifier_.reset();
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

QString UdpListener::description() const {
    return QStringLiteral("%1 %2:%3")
        .arg(transport_ == Transport::SecureUdp ? QStringLiteral("secure-udp") : QStringLiteral("udp"),
             address_.toString())
        .arg(boundPort_);
}

void UdpListener::drain() {
    Buffers &b = *buffers_;
    unsigned total = 0;
    while (total < kMaxPerWakeup) {
        for (unsigned i = 0; i < kBatch; ++i) {
            msghdr &h = b.headers[i].msg_hdr;
            h = msghdr{};
            h.msg_name = &b.peers[i];
            h.msg_namelen = sizeof(sockaddr_storage);
            h.msg_iov = &b.iov[i];
            h.msg_iovlen = 1;
        }
        // MSG_TRUNC makes msg_len the datagram's real length, so an over-long
        // datagram is seen as over-long rather than as a clipped frame.
        const int n = ::recvmmsg(fd_, b.headers.data(), kBatch, MSG_DONTWAIT | MSG_TRUNC, nullptr);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                sink_.onIoError(std::strerror(errno));
            break;
        }
        const std::int64_t receivedNs = engineNowNs();
        for (unsigned i = 0; i < static_cast<unsigned>(n); ++i) {
            Datagram &d = b.datagrams[i];
            d.data = b.data[i].data();
            d.length = b.headers[i].msg_len;
            d.receivedNs = receivedNs;
            d.transport = transport_;
            d.peer = &b.peers[i];
        }
        sink_.onDatagrams(std::span<const Datagram>(b.datagrams.data(), static_cast<std::size_t>(n)));
        total += static_cast<unsigned>(n);
        if (static_cast<unsigned>(n) < kBatch)
            break;
    }
    sink_.onBatchEnd();
}

} // namespace varta
