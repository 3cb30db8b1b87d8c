#include "core/ingest/udp_listener.h"

#include "core/engine_clock.h"
#include "core/vlp/frame.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace varta {

namespace {

// Room for one SCM_TIMESTAMPNS control message.
struct alignas(cmsghdr) Control {
    char bytes[CMSG_SPACE(sizeof(timespec))];
};

std::int64_t wallNowNs() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The kernel's receive time (wall clock) as engine time, or `readNs` when the datagram
// carries none or one too far off to believe (the wall clock was stepped).
std::int64_t arrivalNs(const msghdr &h, std::int64_t readNs, std::int64_t wallMinusEngineNs) noexcept {
    const cmsghdr *c = (h.msg_flags & MSG_CTRUNC) ? nullptr : CMSG_FIRSTHDR(&h);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
        return readNs;
    timespec ts{};
    std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
    const std::int64_t at = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec - wallMinusEngineNs;
    // The two clocks are read a few nanoseconds apart: "after the read" by less than a
    // millisecond is that jitter, not a stepped clock.
    if (at < readNs - UdpListener::kMaxArrivalAgeNs || at > readNs + 1'000'000)
        return readNs;
    return std::min(at, readNs);
}

} // namespace

struct UdpListener::Buffers {
    std::array<std::array<std::uint8_t, vlp::kReceiveBufferSize>, kBatch> data{};
    std::array<Control, kBatch> control{};
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
      buffers_(std::make_unique<Buffers>()) {
    coalesce_.setSingleShot(true);
    coalesce_.setTimerType(Qt::PreciseTimer);
    connect(&coalesce_, &QTimer::timeout, this, &UdpListener::onReadable);
}

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
    // Without timestamps (never seen on Linux) a datagram gets the time it was read.
    const int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    sockaddr_storage bound{};
    socklen_t boundLength = sizeof bound;
    ::getsockname(fd_, reinterpret_cast<sockaddr *>(&bound), &boundLength);
    boundPort_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6 &>(bound).sin6_port
                          : reinterpret_cast<sockaddr_in &>(bound).sin_port);

    for (unsigned i = 0; i < kBatch; ++i) {
        buffers_->iov[i] = iovec{buffers_->data[i].data(), buffers_->data[i].size()};
    }
    notifier_ = std::make_unique<QSocketNotifier>(fd_, QSocketNotifier::Read);
    connect(notifier_.get(), &QSocketNotifier::activated, this, &UdpListener::onReadable);
    return true;
}

void UdpListener::close() {
    coalesce_.stop();
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

void UdpListener::onReadable() {
    if (!notifier_)
        return;
    const bool gathered = !notifier_->isEnabled();  // this read ends a pause
    const unsigned read = drain();
    if (!notifier_)
        return;  // closed by what the sink did with the batch
    const int pauseMs = nextPauseMs(read, gathered);
    notifier_->setEnabled(pauseMs == 0);
    if (pauseMs > 0) {
        pausedAtNs_ = engineNowNs();
        coalesce_.start(pauseMs);
    }
}

// 0: listen again at once (the socket is quiet, or still holds more than one wakeup may
// read, or datagrams come too fast for any pause to be safe).
int UdpListener::nextPauseMs(unsigned read, bool gathered) const {
    if (read == 0 || read >= kMaxPerWakeup)
        return 0;
    if (!gathered)
        return kFirstPauseMs;
    // `read` datagrams came during the pause just ended; the next one may last until a
    // quarter of the receive buffer would fill at that rate.
    const std::int64_t spanNs = std::max<std::int64_t>(engineNowNs() - pausedAtNs_, 1'000'000);
    const std::int64_t gatherLimit = std::max(receiveBuffer_, 1) / kQueuedDatagramBytes / 4;
    const std::int64_t pauseMs = gatherLimit * spanNs / read / 1'000'000;
    return static_cast<int>(std::min<std::int64_t>(pauseMs, kCoalesceMs));
}

unsigned UdpListener::drainPending() {
    return fd_ >= 0 ? drain() : 0;
}

unsigned UdpListener::drain() {
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
            h.msg_control = b.control[i].bytes;
            h.msg_controllen = sizeof(Control);
        }
        // MSG_TRUNC makes msg_len the datagram's real length, so an over-long
        // datagram is seen as over-long rather than as a clipped frame.
        const int n = ::recvmmsg(fd_, b.headers.data(), kBatch, MSG_DONTWAIT | MSG_TRUNC, nullptr);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                sink_.onIoError(std::strerror(errno));
            break;
        }
        const std::int64_t wallNs = wallNowNs();
        const std::int64_t readNs = engineNowNs();
        for (unsigned i = 0; i < static_cast<unsigned>(n); ++i) {
            Datagram &d = b.datagrams[i];
            d.data = b.data[i].data();
            d.length = b.headers[i].msg_len;
            d.receivedNs = arrivalNs(b.headers[i].msg_hdr, readNs, wallNs - readNs);
            d.transport = transport_;
            d.peer = &b.peers[i];
        }
        sink_.onDatagrams(std::span<const Datagram>(b.datagrams.data(), static_cast<std::size_t>(n)));
        total += static_cast<unsigned>(n);
        if (static_cast<unsigned>(n) < kBatch)
            break;
    }
    sink_.onBatchEnd();
    return total;
}

} // namespace varta
