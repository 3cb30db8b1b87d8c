#pragma once
// The console's link to an observer elsewhere (docs/architecture.md section 6): it speaks
// the control protocol over the observer's control socket (unix:PATH) or its
// --console-listen port (TLS, a bearer token), subscribes, and hands the window the same
// batches an engine in this process would.
//
// Rules it keeps:
// - Every key, child id and time it hands on is the console's: keys carry this link's
//   observer number, child ids its number in their top 16 bits, and engine times are moved
//   onto the console's monotonic clock (the offset measured at each snapshot), so several
//   observers' rows, children and lanes can share one window.
// - A snapshot replaces everything: what the link reported before and the snapshot lacks
//   is removed in the same batch. It comes at every (re)connection and whenever the
//   observer had to drop batches this console did not read in time.
// - It never gives up: a lost or refused connection is retried with a doubling delay
//   (firstRetryMs .. maxRetryMs); status() says where it stands, and while it is not
//   connected every agent it reported is of unknown state (unreachableSinceMs()).
// - The peer is not trusted: lines are bounded (StreamDecoder), a malformed one is
//   counted and dropped, and a command's refusal comes back as an event-log line.
// - A batch's compact beats (an agent whose only change is a beat) become full rows
//   before they are handed on: the engine -> console contract knows no beats.

#include "core/attach/attach_target.h"
#include "core/attach/stream_decoder.h"
#include "core/published/engine_link.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPointer>
#include <QSet>
#include <QSslCertificate>
#include <QString>
#include <QTimer>

#include <cstdint>
#include <optional>

class QIODevice;
class QLocalSocket;
class QSslSocket;

namespace varta {

class RemoteEngineLink : public EngineLink {
    Q_OBJECT
public:
    enum class Status : std::uint8_t {
        Connecting,    // first attempt, or a retry under way
        Connected,     // subscribed: the rows are live
        Reconnecting,  // lost or failed; the next attempt at retryAtMs()
        Refused,       // the observer said no (token, permission); retried at the longest delay
    };

    struct Settings {
        AttachTarget target;
        QByteArray token;                       // for HOST:PORT; unused for unix:
        QList<QSslCertificate> caCertificates;  // trusted for TLS; empty: the system's
        std::uint16_t observer = 1;             // stamped on every key and child id
        int firstRetryMs = 1000;
        int maxRetryMs = 30000;
        int connectTimeoutMs = 10000;  // to connect, finish TLS and receive the snapshot
    };

    // Commands sent and not yet answered; more are refused locally (an event-log line).
    static constexpr int kMaxPendingRequests = 64;
    static constexpr int kObserverShift = 48;
    // The observer's recent events shown at each connection (its own ring keeps 1,000).
    static constexpr int kHistoryEvents = 1000;  // child ids: observer << 48 | the observer's id

    explicit RemoteEngineLink(Settings settings, QObject *parent = nullptr);
    ~RemoteEngineLink() override;

    const AttachTarget &target() const { return m_settings.target; }
    std::uint16_t observer() const { return m_settings.observer; }
    Status status() const { return m_status; }
    // Why it is not connected ("connection refused", "TLS: the certificate is self-signed
    // and untrusted", "token refused"); empty while connected.
    QString statusDetail() const { return m_detail; }
    // Console-clock ms of the next attempt (Reconnecting, Refused).
    std::int64_t retryAtMs() const { return m_retryAtMs; }
    // Since when its agents are of unknown state; nullopt while connected (or before any).
    std::optional<std::int64_t> unreachableSinceMs() const { return m_unreachableSinceMs; }
    // The token's role as the observer said at hello: "view" or "control"; empty for unix:.
    QString role() const { return m_role; }

    std::uint64_t malformedMessages() const { return m_decoder.malformed() + m_badMessages; }
    std::uint64_t snapshots() const { return m_snapshots; }
    std::uint64_t connections() const { return m_connections; }

    // The console's monotonic clock, which every link's times are moved onto.
    static std::int64_t consoleNowMs();

public Q_SLOTS:
    void setPublishing(bool on) override;
    void recoverNow(const QList<varta::AgentKey> &agents) override;
    void killChild(std::uint64_t childId) override;
    void pause(const QList<varta::AgentKey> &agents) override;
    void resume(const QList<varta::AgentKey> &agents) override;
    void rearm(const QList<varta::AgentKey> &agents) override;
    void requestOutput(std::uint64_t childId) override;

Q_SIGNALS:
    void statusChanged();

private:
    void connectNow();
    void onConnected();
    void onReadable();
    void onLost(const QString &why);
    void closeSocket();
    void scheduleRetry(Status status, const QString &why);
    void setStatus(Status status, const QString &detail);
    void send(const QJsonObject &request);
    void sendCommand(const QString &cmd, QJsonObject args, const QString &what);
    void actOn(const QString &cmd, const QList<AgentKey> &agents, const QString &what);
    void handle(StreamMessage message);
    void keepHistory(const QString &id, const QJsonObject &result);
    bool isNewEvent(const EventLogEntry &event) const;
    // Drops the events this console has shown already (a reconnection's history overlaps).
    void keepOnlyNewEvents(QList<EventLogEntry> &events);
    void applySnapshot(EngineBatch batch, std::int64_t remoteNowMs);
    // The beats (observer keys and times) expanded onto the rows m_known holds; a beat for
    // a row it does not hold is counted as malformed and dropped.
    void applyBatch(EngineBatch batch, const QList<StreamBeat> &beats);
    void applyOutput(std::uint64_t childId, const QJsonObject &result);
    void toConsole(EngineBatch &batch) const;
    EventLogEntry operatorNotice(EventSeverity severity, const QString &text) const;
    // A line in the console's event log, in a batch of its own.
    void tellOperator(EventSeverity severity, const QString &text);

    Settings m_settings;
    Status m_status = Status::Connecting;
    QString m_detail;
    QString m_role;
    bool m_publishing = false;
    QPointer<QLocalSocket> m_local;
    QPointer<QSslSocket> m_tcp;
    QIODevice *m_device = nullptr;  // whichever of the two is open
    StreamDecoder m_decoder;
    QTimer m_retryTimer;
    QTimer m_connectTimer;
    int m_retryMs = 0;
    std::int64_t m_retryAtMs = 0;
    std::optional<std::int64_t> m_unreachableSinceMs;
    std::int64_t m_offsetMs = 0;  // console ms minus the observer's engine ms
    bool m_subscribed = false;
    EngineStats m_lastStats;             // the observer's last totals, sent again with the link's own lines
    EngineBatch m_history;               // events and children answered before the snapshot
    std::int64_t m_lastEventUnixMs = 0;  // the newest event shown: when, and its seq
    std::uint64_t m_lastEventSeq = 0;
    // Every row this link has reported as it reported it (console keys and times): a
    // snapshot's removals, and what a compact beat is expanded onto.
    QHash<AgentKey, AgentSnapshot> m_known;
    QHash<qint64, QString> m_pending;               // request id -> what it asked, for its refusal's line
    QHash<qint64, std::uint64_t> m_outputRequests;  // request id -> the child (console id)
    QSet<std::uint64_t> m_outputAsked;              // per connection: each child's output is fetched once
    qint64 m_nextRequestId = 1;
    std::uint64_t m_badMessages = 0;
    std::uint64_t m_snapshots = 0;
    std::uint64_t m_connections = 0;
    bool m_warnedMalformed = false;  // once per connection: the count says the rest
};

}  // namespace varta
