#pragma once
// Test-side receiver for beats: a real UDP socket on 127.0.0.1 (ephemeral port) or a
// real Unix datagram socket with SO_PASSCRED, so each datagram comes with the sender's
// kernel-verified pid. Waits use poll() with a ceiling, never a fixed sleep.

#include "core/base/engine_clock.h"
#include "core/vlp/frame.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <algorithm>
#include <cstring>
#include <optional>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace varta::test {

struct Datagram {
    QByteArray bytes;
    std::optional<pid_t> kernelPid;  // Unix sockets only
    quint16 sourcePort = 0;          // UDP only

    std::optional<vlp::Frame> frame() const {
        vlp::Frame out;
        if (bytes.size() != static_cast<qsizetype>(vlp::kFrameSize))
            return std::nullopt;
        const auto *data = reinterpret_cast<const std::uint8_t *>(bytes.constData());
        if (vlp::decode(std::span<const std::uint8_t, vlp::kFrameSize>(data, vlp::kFrameSize), out))
            return std::nullopt;
        return out;
    }
};

class DatagramReceiver {
public:
    static constexpr int kCeilingMs = 20000;

    DatagramReceiver() = default;
    ~DatagramReceiver() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    DatagramReceiver(const DatagramReceiver &) = delete;
    DatagramReceiver &operator=(const DatagramReceiver &) = delete;

    bool openUdp() {
        m_fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
            return false;
        // Room for every frame a test sends, so that none is dropped before it is read.
        const int wanted = 4 << 20;
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &wanted, sizeof wanted);
        socklen_t length = sizeof address;
        ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&address), &length);
        m_port = ntohs(address.sin_port);
        return true;
    }

    bool openUnix(const QString &path) {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const QByteArray encoded = path.toLocal8Bit();
        if (m_fd < 0 || static_cast<std::size_t>(encoded.size()) >= sizeof address.sun_path)
            return false;
        std::memcpy(address.sun_path, encoded.constData(), static_cast<std::size_t>(encoded.size()));
        const int on = 1;
        return ::bind(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0
               && ::setsockopt(m_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == 0;
    }

    quint16 port() const { return m_port; }

    // Receives until `count` datagrams arrived or the ceiling passed.
    QList<Datagram> receive(int count, int ceilingMs = kCeilingMs) {
        QList<Datagram> received;
        const std::int64_t deadline = monotonicNs() + std::int64_t{ceilingMs} * 1'000'000;
        while (received.size() < count) {
            const std::int64_t left = deadline - monotonicNs();
            pollfd pfd{m_fd, POLLIN, 0};
            if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left / 1'000'000) + 1) <= 0)
                break;
            received.append(drain());
        }
        return received;
    }

    // Everything queued now, without waiting.
    QList<Datagram> drain() {
        QList<Datagram> received;
        while (auto datagram = receiveOne())
            received.append(*datagram);
        return received;
    }

private:
    std::optional<Datagram> receiveOne() {
        char buffer[vlp::kReceiveBufferSize + 64];
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
        sockaddr_storage from{};
        iovec iov{buffer, sizeof buffer};
        msghdr message{};
        message.msg_name = &from;
        message.msg_namelen = sizeof from;
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        const ssize_t size = ::recvmsg(m_fd, &message, MSG_DONTWAIT);
        if (size < 0)
            return std::nullopt;
        Datagram datagram;
        datagram.bytes = QByteArray(buffer, static_cast<qsizetype>(size));
        if (from.ss_family == AF_INET)
            datagram.sourcePort = ntohs(reinterpret_cast<sockaddr_in *>(&from)->sin_port);
        for (cmsghdr *c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
                ucred credentials{};
                std::memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
                datagram.kernelPid = credentials.pid;
            }
        }
        return datagram;
    }

    int m_fd = -1;
    quint16 m_port = 0;
};

}  // namespace varta::test
