#pragma once
// A heartbeat sender that behaves like upstream's clients (docs/protocol.md section 4): one
// connected datagram socket, the pid re-read on every beat, nonces from 1 strictly
// increasing, timestamps in ns since connect, sends that never block (a beat the kernel
// cannot take right now is dropped and reported as a failed send). After a fork the child reconnects and
// starts a fresh session (nonce 1, timestamp 0), as real clients do.

#include "core/vlp/frame.h"

#include <QHostAddress>
#include <QString>

#include <cstdint>
#include <optional>
#include <span>

#include <sys/socket.h>
#include <sys/types.h>

namespace varta {

class BeatClient {
public:
    BeatClient() = default;
    ~BeatClient();
    BeatClient(const BeatClient &) = delete;
    BeatClient &operator=(const BeatClient &) = delete;

    // Connecting starts a session: the next beat carries nonce 1 and timestamps restart
    // at 0. Binds an ephemeral port and connect()s, like upstream's UDP clients.
    bool connectUdp(const QHostAddress &host, quint16 port);
    // The kernel attaches our credentials; the observer checks the frame's pid against them.
    bool connectUnix(const QString &path);
    bool isConnected() const noexcept { return m_fd >= 0; }
    // Why the last connect or send failed.
    QString errorString() const { return m_error; }
    // For batched senders (sendmmsg) that share this client's connected socket.
    int socketDescriptor() const noexcept { return m_fd; }
    std::int64_t connectedAtNs() const noexcept { return m_connectedAtNs; }

    // The next beat's frame; advances the nonce. A secure sender seals this frame and
    // passes the sealed bytes to sendRaw().
    vlp::Frame nextFrame(vlp::Status status, std::uint32_t payload);
    bool send(vlp::Status status, std::uint32_t payload = 0);
    // Critical + NONCE_TERMINAL: a client's last word. Leaves the nonce sequence alone.
    bool sendPanic(std::uint32_t payload = 0);
    // Encodes and sends exactly this frame (tests: replays, invalid fields).
    bool sendFrame(const vlp::Frame &frame);
    // Sends any bytes as one datagram (tests: malformed or wrong-length datagrams).
    bool sendRaw(std::span<const std::uint8_t> bytes);

    // Frames carry this pid instead of getpid() (tests: spoofing; simulated agents).
    void setPidOverride(std::optional<std::uint32_t> pid) noexcept { m_pidOverride = pid; }
    // The nonce the next beat carries (tests: replays; --nonce-start).
    void setNextNonce(std::uint64_t nonce) noexcept { m_nextNonce = nonce; }
    std::uint64_t nextNonce() const noexcept { return m_nextNonce; }

    static std::uint64_t nonceAfter(std::uint64_t nonce) noexcept;

private:
    bool openAndConnect();
    void closeSocket() noexcept;
    void restartSessionIfForked();
    vlp::Frame stampedFrame(vlp::Status status, std::uint64_t nonce, std::uint32_t payload);
    bool fail(const QString &what);

    int m_fd = -1;
    sockaddr_storage m_target{};
    socklen_t m_targetLength = 0;
    pid_t m_sessionPid = 0;
    std::int64_t m_connectedAtNs = 0;
    std::uint64_t m_nextNonce = 1;
    std::optional<std::uint32_t> m_pidOverride;
    QString m_error;
};

}  // namespace varta
