#pragma once
// The control socket's transport (--control-socket, docs/control.md): a Unix stream
// socket made with mode 0600 at bind(), a peer check (SO_PEERCRED: the observer's uid and
// root only) on every connection, newline-delimited JSON in both directions, and the
// bounds of section 1, each counted when reached. What a request means is the
// ControlHandler's business; this class never interprets a command.
//
// Rules it keeps:
// - It never blocks its thread: every descriptor is non-blocking, output is queued and
//   written as the peer reads it, and a peer that lets kMaxQueuedBytes pile up is dropped
//   (slow_reader). No SIGPIPE: writes use MSG_NOSIGNAL.
// - Replies go out in request order: requests are handled one at a time, in the order
//   their lines arrived, and each reply is queued before the next request is read.
// - A connection has at most one stream (the last reply that opened one wins); it stays
//   subscribed until the peer goes away or is dropped.
// - The handler (and whoever listens to subscribersChanged) may call broadcast() from
//   inside a request; connections are looked up again after every call out, so one
//   dropped meanwhile is never touched.

#include "core/control/control_counters.h"
#include "core/control/control_handler.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
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

    // The timeouts, injectable so tests need not wait for the real ones. The product uses
    // the defaults.
    struct Settings {
        int idleTimeoutMs = kIdleTimeoutMs;
        int requestTimeoutMs = kRequestTimeoutMs;
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

    // Sends `message`'s members, after the protocol's `v` and the subscribing request's
    // `id`, to every connection subscribed to `kind`: {"event":{...}} becomes
    // {"v":1,"id":7,"event":{...}}.
    void broadcast(ControlStream kind, const QJsonObject &message);
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
    void openConnection(int fd, const ControlPeer &peer);
    void refuseAtDoor(int fd, ControlRefusal refusal, const QString &error);
    void readFrom(std::uint64_t id);
    bool consume(std::uint64_t id, const char *data, qsizetype size);
    void handleLine(std::uint64_t id, const QByteArray &line);
    void reject(std::uint64_t id, const QJsonValue &requestId, const QString &error);
    void fail(std::uint64_t id, ControlRefusal refusal, const QString &error);
    void enqueue(Connection &connection, QByteArray bytes);
    bool flush(std::uint64_t id);
    void subscribe(std::uint64_t id, ControlStream kind, const QJsonValue &requestId);
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
    std::array<int, 2> m_subscribers{};
    QHash<uid_t, QString> m_userNames;
    ControlCounters m_counters;
};

}  // namespace varta
