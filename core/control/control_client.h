#pragma once
// The blocking client of the control socket, for `varta-watch ctl` (docs/control.md):
// plain POSIX socket and poll(), no event loop. One request at a time; a reply is the
// line that echoes the request's id, or a line without an id that refuses the whole
// connection (permission_denied, busy, too_large, timeout). Lines that arrive while a
// reply is awaited (stream messages) are kept for readMessage().
//
// Errors are one line naming the socket, meant for stderr as they are.

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <csignal>
#include <deque>
#include <optional>

namespace varta {

class ControlClient {
public:
    static constexpr int kDefaultTimeoutMs = 30000;
    // How often a wait looks at the interrupt flag (setInterruptFlag).
    static constexpr int kInterruptCheckMs = 200;
    // A reply larger than this is refused rather than buffered (the biggest the observer
    // sends, 10,000 agents, is a few MB).
    static constexpr qsizetype kMaxLineBytes = qsizetype{256} * 1024 * 1024;

    ControlClient() = default;
    ~ControlClient();
    ControlClient(const ControlClient &) = delete;
    ControlClient &operator=(const ControlClient &) = delete;

    bool connectTo(const QString &path, QString *error);
    bool isConnected() const { return m_fd >= 0; }
    void close();

    // Sends {"v":1,"id":N,"cmd":cmd,"args":args} and returns the whole reply object
    // (`ok`, `result` or `code` and `error`). nullopt with `error` set when no reply came.
    std::optional<QJsonObject> request(const QString &cmd, const QJsonObject &args, QString *error,
                                       int timeoutMs = kDefaultTimeoutMs);
    // The next line from the server (stream messages after a request opened a stream).
    // timeoutMs -1 waits for ever. nullopt with `error` empty: the server closed the
    // connection; with `error` set: anything else, including an interruption.
    std::optional<QJsonObject> readMessage(QString *error, int timeoutMs = -1);

    // While a wait is in progress, a signal that sets *flag ends it ("interrupted");
    // other interruptions are retried. For `ctl events --follow` and SIGINT.
    void setInterruptFlag(const volatile std::sig_atomic_t *flag) { m_interrupt = flag; }
    bool wasInterrupted() const { return m_interrupted; }

private:
    enum class Read { Line, Closed, Failed };
    Read readLine(QByteArray *line, QString *error, int timeoutMs);
    bool sendAll(const QByteArray &bytes, QString *error, int timeoutMs);
    bool interrupted() const { return m_interrupt != nullptr && *m_interrupt != 0; }

    int m_fd = -1;
    QString m_path;
    QByteArray m_input;
    std::deque<QJsonObject> m_pending;
    qint64 m_nextId = 1;
    const volatile std::sig_atomic_t *m_interrupt = nullptr;
    bool m_interrupted = false;
};

}  // namespace varta
