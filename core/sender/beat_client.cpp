#include "core/sender/beat_client.h"

#include "core/base/engine_clock.h"

#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

namespace varta {
namespace {

QString systemError(int error) { return QString::fromLocal8Bit(std::strerror(error)); }

}  // namespace

BeatClient::~BeatClient() { closeSocket(); }

bool BeatClient::connectUdp(const QHostAddress &host, quint16 port) {
    closeSocket();
    m_target = {};
    bool isIpv4 = false;
    const quint32 ipv4 = host.toIPv4Address(&isIpv4);
    if (isIpv4) {
        auto *in = reinterpret_cast<sockaddr_in *>(&m_target);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = htonl(ipv4);
        m_targetLength = sizeof(sockaddr_in);
    } else if (host.protocol() == QAbstractSocket::IPv6Protocol) {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&m_target);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        const Q_IPV6ADDR bytes = host.toIPv6Address();
        std::memcpy(&in6->sin6_addr, bytes.c, sizeof(bytes.c));
        m_targetLength = sizeof(sockaddr_in6);
    } else {
        return fail(QStringLiteral("not an IP address: %1").arg(host.toString()));
    }
    return openAndConnect();
}

bool BeatClient::connectUnix(const QString &path) {
    closeSocket();
    m_target = {};
    auto *un = reinterpret_cast<sockaddr_un *>(&m_target);
    const QByteArray encoded = path.toLocal8Bit();
    if (encoded.isEmpty() || static_cast<std::size_t>(encoded.size()) >= sizeof(un->sun_path))
        return fail(QStringLiteral("socket path too long or empty: %1").arg(path));
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, encoded.constData(), static_cast<std::size_t>(encoded.size()));
    m_targetLength = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + encoded.size() + 1);
    return openAndConnect();
}

bool BeatClient::openAndConnect() {
    const int family = m_target.ss_family;
    // Non-blocking like upstream's clients: a full observer queue drops the beat instead
    // of stalling the application that is trying to report it is alive.
    m_fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (m_fd < 0)
        return fail(QStringLiteral("socket: %1").arg(systemError(errno)));
    if (family != AF_UNIX) {
        // Upstream binds the wildcard address on an ephemeral port before connecting.
        sockaddr_storage any{};
        any.ss_family = static_cast<sa_family_t>(family);
        if (::bind(m_fd, reinterpret_cast<sockaddr *>(&any), m_targetLength) != 0)
            return fail(QStringLiteral("bind: %1").arg(systemError(errno)));
    }
    if (::connect(m_fd, reinterpret_cast<const sockaddr *>(&m_target), m_targetLength) != 0)
        return fail(QStringLiteral("connect: %1").arg(systemError(errno)));
    m_sessionPid = ::getpid();
    m_connectedAtNs = monotonicNs();
    m_nextNonce = 1;
    m_error.clear();
    return true;
}

void BeatClient::closeSocket() noexcept {
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

bool BeatClient::fail(const QString &what) {
    m_error = what;
    closeSocket();
    return false;
}

void BeatClient::restartSessionIfForked() {
    // A forked child shares the parent's socket and counters; like upstream's clients it
    // reconnects and starts over so the observer sees a new agent, not a replay.
    if (m_fd < 0 || ::getpid() == m_sessionPid)
        return;
    closeSocket();
    openAndConnect();
}

std::uint64_t BeatClient::nonceAfter(std::uint64_t nonce) noexcept {
    // The terminal value belongs to panic frames, so the sequence wraps FF..FE -> 0.
    return nonce >= vlp::kNonceTerminal - 1 ? 0 : nonce + 1;
}

vlp::Frame BeatClient::stampedFrame(vlp::Status status, std::uint64_t nonce, std::uint32_t payload) {
    restartSessionIfForked();
    vlp::Frame frame;
    frame.status = status;
    frame.pid = m_pidOverride.value_or(static_cast<std::uint32_t>(::getpid()));
    frame.timestamp = static_cast<std::uint64_t>(monotonicNs() - m_connectedAtNs);
    frame.nonce = nonce;
    frame.payload = payload;
    return frame;
}

vlp::Frame BeatClient::nextFrame(vlp::Status status, std::uint32_t payload) {
    // Stamp first: a fork restarts the session, which resets the nonce to 1.
    vlp::Frame frame = stampedFrame(status, 0, payload);
    frame.nonce = m_nextNonce;
    m_nextNonce = nonceAfter(m_nextNonce);
    return frame;
}

bool BeatClient::send(vlp::Status status, std::uint32_t payload) { return sendFrame(nextFrame(status, payload)); }

bool BeatClient::sendPanic(std::uint32_t payload) {
    return sendFrame(stampedFrame(vlp::Status::Critical, vlp::kNonceTerminal, payload));
}

bool BeatClient::sendFrame(const vlp::Frame &frame) {
    const auto bytes = vlp::encode(frame);
    return sendRaw(bytes);
}

bool BeatClient::sendRaw(std::span<const std::uint8_t> bytes) {
    if (m_fd < 0) {
        m_error = QStringLiteral("not connected");
        return false;
    }
    for (;;) {
        const ssize_t sent = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent >= 0)
            return true;
        if (errno != EINTR) {
            // EAGAIN (observer queue full) and ECONNREFUSED (an earlier ICMP error, or no
            // listener on the Unix socket) drop this beat; the socket stays usable.
            m_error = QStringLiteral("send: %1").arg(systemError(errno));
            return false;
        }
    }
}

}  // namespace varta
