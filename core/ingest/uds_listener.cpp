#include "core/ingest/uds_listener.h"

#include "core/ingest/udp_listener.h"
#include "core/engine_clock.h"
#include "core/vlp/frame.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace varta {
namespace {

QString systemError() { return QString::fromLocal8Bit(std::strerror(errno)); }

bool fillAddress(const QString &path, sockaddr_un &address, QString *error) {
    const QByteArray native = path.toLocal8Bit();
    address = sockaddr_un{};
    address.sun_family = AF_UNIX;
    if (native.isEmpty() || static_cast<std::size_t>(native.size()) >= sizeof address.sun_path) {
        *error = path + QStringLiteral(": socket path is empty or longer than %1 bytes")
                            .arg(sizeof address.sun_path - 1);
        return false;
    }
    std::memcpy(address.sun_path, native.constData(), static_cast<std::size_t>(native.size()));
    return true;
}

} // namespace

struct UdsListener::Buffers {
    static constexpr std::size_t kControl = CMSG_SPACE(sizeof(ucred));
    std::array<std::array<std::uint8_t, vlp::kReceiveBufferSize>, kBatch> data{};
    std::array<std::array<std::uint8_t, kControl>, kBatch> control{};
    std::array<iovec, kBatch> iov{};
    std::array<mmsghdr, kBatch> headers{};
};

UdsListener::UdsListener(QString path, std::uint32_t mode, DatagramSink &sink, QObject *parent)
    : QObject(parent), path_(std::move(path)), mode_(mode), sink_(sink), buffers_(std::make_unique<Buffers>()) {}

UdsListener::~UdsListener() { close(); }

bool UdsListener::clearStaleSocket(QString *error) {
    const QByteArray native = path_.toLocal8Bit();
    struct stat st {};
    if (::lstat(native.constData(), &st) != 0) {
        if (errno == ENOENT)
            return true;
        *error = path_ + QStringLiteral(": ") + systemError();
        return false;
    }
    if (!S_ISSOCK(st.st_mode)) {
        *error = path_ + QStringLiteral(": exists and is not a socket; refusing to replace it");
        return false;
    }
    sockaddr_un address{};
    if (!fillAddress(path_, address, error))
        return false;
    const int probe = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int rc = ::connect(probe, reinterpret_cast<sockaddr *>(&address), sizeof address);
    const int connectErrno = errno;
    ::close(probe);
    if (rc == 0) {
        *error = QStringLiteral("another varta-watch is already running at ") + path_;
        return false;
    }
    if (connectErrno != ECONNREFUSED) {
        errno = connectErrno;
        *error = path_ + QStringLiteral(": cannot tell whether the socket is in use: ") + systemError();
        return false;
    }
    ::unlink(native.constData());  // stale: nobody listens
    return true;
}

bool UdsListener::open(QString *error) {
    sockaddr_un address{};
    if (!fillAddress(path_, address, error) || !clearStaleSocket(error))
        return false;
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int on = 1;
    if (fd_ < 0 || ::setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0 ||
        ::bind(fd_, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        *error = path_ + QStringLiteral(": cannot bind the Unix socket: ") + systemError();
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
        return false;
    }
    const QByteArray native = path_.toLocal8Bit();
    struct stat st {};
    if (::chmod(native.constData(), mode_) != 0 || ::stat(native.constData(), &st) != 0) {
        *error = path_ + QStringLiteral(": cannot set the socket's mode: ") + systemError();
        close();
        return false;
    }
    inode_ = st.st_ino;
    setReceiveBuffer(fd_, kReceiveBufferBytes);
    for (unsigned i = 0; i < kBatch; ++i)
        buffers_->iov[i] = iovec{buffers_->data[i].data(), buffers_->data[i].size()};
    notifier_ = std::make_unique<QSocketNotifier>(fd_, QSocketNotifier::Read);
    connect(notifier_.get(), &QSocketNotifier::activated, this, &UdsListener::drain);
    return true;
}

void UdsListener::close() {
    notifier_.reset();
    if (fd_ < 0)
        return;
    ::close(fd_);
    fd_ = -1;
    const QByteArray native = path_.toLocal8Bit();
    struct stat st {};
    if (inode_ != 0 && ::lstat(native.constData(), &st) == 0 && st.st_ino == inode_)
        ::unlink(native.constData());
    inode_ = 0;
}

void UdsListener::drain() {
    Buffers &b = *buffers_;
    unsigned total = 0;
    while (total < kMaxPerWakeup) {
        for (unsigned i = 0; i < kBatch; ++i) {
            msghdr &h = b.headers[i].msg_hdr;
            h = msghdr{};
            h.msg_iov = &b.iov[i];
            h.msg_iovlen = 1;
            h.msg_control = b.control[i].data();
            h.msg_controllen = b.control[i].size();
        }
        const int n = ::recvmmsg(fd_, b.headers.data(), kBatch, MSG_DONTWAIT | MSG_TRUNC, nullptr);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                sink_.onIoError(std::strerror(errno));
            break;
        }
        const std::int64_t receivedNs = engineNowNs();
        for (int i = 0; i < n; ++i) {
            msghdr &h = b.headers[static_cast<unsigned>(i)].msg_hdr;
            Datagram d;
            d.data = b.data[static_cast<unsigned>(i)].data();
            d.length = b.headers[static_cast<unsigned>(i)].msg_len;
            d.receivedNs = receivedNs;
            d.transport = Transport::Uds;
            for (cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
                    ucred cred{};
                    std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
                    d.kernelPid = cred.pid;
                }
            }
            sink_.onDatagram(d);
        }
        total += static_cast<unsigned>(n);
        if (static_cast<unsigned>(n) < kBatch)
            break;
    }
    sink_.onBatchEnd();
}

} // namespace varta
