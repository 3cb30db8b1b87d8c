#pragma once
// The control protocol's transport (docs/control.md): a Unix stream socket
// (--control-socket) made with mode 0600 at bind(), a peer check (SO_PEERCRED: the
// observer's uid and root only) on every connection; and, for consoles on other hosts,
// a TCP listener (--console-listen, section 7) whose connections are TLS when a
// certificate is given and must say hello with a known token before anything else.
// Both carry newline-delimited JSON in both directions under the bounds of section 1,
// each counted when reached; framing, request order, streams and broadcasts are one code
// path for both, which differ only in how bytes are read, written and closed. What a
// request means is the ControlHandler's business; this class never interprets a command
// (hello excepted: it is the transport's door).
//
// Rules it keeps:
// - It never blocks its thread: every descriptor is non-blocking, output is queued and
//   written as the peer reads it, and a peer that lets kMaxQueuedBytes pile up is dropped
//   (slow_reader); a Batches subscriber is resynced instead: its unsent batches are
//   dropped (never a line begun on the wire), and once it has caught up it gets a fresh
//   snapshot from the handler (section 7). No SIGPIPE: writes use MSG_NOSIGNAL.
// - Replies go out in request order: requests are handled one at a time, in the order
//   their lines arrived, and each reply is queued before the next request is read.
// - A connection has at most one stream (the last reply that opened one wins); it stays
//   subscribed until the peer goes away or is dropped.
// - The handler (and whoever listens to subscribersChanged) may call broadcast() from
//   inside a request; connections are looked up again after every call out, so one
//   dropped meanwhile is never touched.

#include "core/control/console_tls.h"
#include "core/control/console_tokens.h"
#include "core/control/control_counters.h"
#include "core/control/control_handler.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QTimer>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>

#include <sys/types.h>

class QSocketNotifier;
class QSslSocket;

namespace varta {

class AcceptLoop;

class ControlServer : public QObject {
    Q_OBJECT
public:
    // docs/control.md section 1.
    static constexpr int kMaxConnections = 32;
    static constexpr qsizetype kMaxRequestBytes = 65536;  // one request line, without its newline
    static constexpr int kIdleTimeoutMs = 60000;
    static constexpr int kRequestTimeoutMs = 10000;
    static constexpr qsizetype kMaxQueuedBytes = qsizetype{8} * 1024 * 1024;
    // Connections the kernel holds before they are accepted.
    static constexpr int kListenBacklog = 64;
    // docs/control.md section 7: the TCP listener's own bounds.
    static constexpr int kMaxConsoleConnections = 16;
    static constexpr int kMaxConsoleConnectionsPerSource = 8;
    static constexpr int kAuthTimeoutMs = 10000;  // TLS handshake and hello, from accept()
    // What is handed to a TCP socket's own buffer at a time: what sits there is on the
    // wire and can no longer be dropped by a resync.
    static constexpr qint64 kMaxSocketBufferedBytes = 64 * 1024;

    // The timeouts, injectable so tests need not wait for the real ones. The product uses
    // the defaults.
    struct Settings {
        int idleTimeoutMs = kIdleTimeoutMs;
        int requestTimeoutMs = kRequestTimeoutMs;
        int authTimeoutMs = kAuthTimeoutMs;
        int sweepIntervalMs = 1000;  // how often timeouts are checked: they are coarse on purpose
    };

    explicit ControlServer(ControlHandler &handler, QObject *parent = nullptr);
    ControlServer(ControlHandler &handler, Settings settings, QObject *parent = nullptr);
    ~ControlServer() override;

    // Makes the socket at `path` and starts accepting. A stale socket (nobody answers) is
    // replaced; a live one, or anything that is not a socket, is refused and left alone.
    // On failure returns false with one line naming the path and the problem.
    bool listen(const QString &path, QString *error);
    // Drops every connection, stops listening and removes the socket file, if it is still
    // the one listen() made.
    void close();
    bool isListening() const { return m_fd >= 0; }
    QString path() const { return m_path; }

    // Serves the protocol on TCP at address:port (0: a free one) to consoles that say
    // hello with one of `tokens`; TLS when `tls` is set. On failure returns false with
    // *error saying why (not naming the address: the caller knows how it was spelled).
    bool listenConsole(const QHostAddress &address, quint16 port, std::optional<ConsoleTls> tls, ConsoleTokens tokens,
                       QString *error);
    bool isConsoleListening() const { return m_consoleFd >= 0; }
    quint16 consolePort() const { return m_consolePort; }
    // "console tls://127.0.0.1:7070": how `status` lists it.
    QString consoleDescription() const;
    // The token file read again (SIGHUP): a connection whose token is gone, or changed, is closed.
    void setConsoleTokens(ConsoleTokens tokens);

    // Sends `message`'s members, after the protocol's `v` and the subscribing request's
    // `id`, to every connection subscribed to `kind`: {"event":{...}} becomes
    // {"v":1,"id":7,"event":{...}}.
    void broadcast(ControlStream kind, const QJsonObject &message);
    // The same with the members already written as JSON text, without braces
    // (`"batch":{...}`): a caller that encodes 100,000 agents a batch builds no QJsonObject.
    void broadcastMembers(ControlStream kind, QByteArrayView members);
    int subscribers(ControlStream kind) const { return m_subscribers[streamIndex(kind)]; }

    const ControlCounters &counters() const { return m_counters; }

Q_SIGNALS:
    void subscribersChanged(varta::ControlStream kind, int count);

private:
    struct Connection;

    static std::size_t streamIndex(ControlStream kind) { return static_cast<std::size_t>(kind); }

    bool clearStaleSocket(const QString &path, QString *error);
    // A connection AcceptLoop took: refused at the door, or opened.
    void admit(int fd);
    void admitConsole(int fd);
    Connection &openConnection(int fd, const ControlPeer &peer);
    void openConsoleConnection(int fd, const QHostAddress &source);
    void refuseAtDoor(int fd, ControlRefusal refusal, const QString &error, bool sayWhy = true);
    void readFrom(std::uint64_t id);
    void socketFailed(std::uint64_t id);
    bool consume(std::uint64_t id, const char *data, qsizetype size);
    void handleLine(std::uint64_t id, const QByteArray &line);
    bool hello(std::uint64_t id, const ControlRequest &request);
    void deny(std::uint64_t id);
    void reject(std::uint64_t id, const QJsonValue &requestId, const QString &error);
    void fail(std::uint64_t id, ControlRefusal refusal, const QString &error, const QString &code = {});
    void enqueue(Connection &connection, QByteArray bytes, bool streamLine = false);
    bool flush(std::uint64_t id);
    bool flushSocket(Connection &connection);
    qint64 pendingBytes(const Connection &connection) const;
    void startResync(Connection &connection);
    void finishResync(std::uint64_t id);
    void subscribe(std::uint64_t id, ControlStream kind, const ControlRequest &request);
    void unsubscribe(Connection &connection);
    void drop(std::uint64_t id, std::optional<ControlRefusal> refusal);
    void sweep();
    Connection *find(std::uint64_t id);
    QString userName(uid_t uid);
    qint64 nowMs() const { return m_clock.elapsed(); }

    ControlHandler &m_handler;
    Settings m_settings;
    QString m_path;
    int m_fd = -1;
    dev_t m_device = 0;  // of the socket file listen() made, so close() removes only ours
    ino_t m_inode = 0;
    AcceptLoop *m_acceptLoop = nullptr;
    QTimer m_sweepTimer;
    QElapsedTimer m_clock;
    std::uint64_t m_nextId = 1;
    std::map<std::uint64_t, std::unique_ptr<Connection>> m_connections;
    int m_unixConnections = 0;
    int m_consoleConnections = 0;
    int m_consoleFd = -1;
    QHostAddress m_consoleAddress;
    quint16 m_consolePort = 0;
    AcceptLoop *m_consoleAcceptLoop = nullptr;
    std::optional<ConsoleTls> m_tls;
    ConsoleTokens m_tokens;
    std::array<int, 2> m_subscribers{};
    QHash<uid_t, QString> m_userNames;
    ControlCounters m_counters;
};

}  // namespace varta
