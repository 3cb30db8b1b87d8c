#include "core/attach/remote_engine_link.h"

#include "core/published/published_json_read.h"

#include <QDateTime>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QSslConfiguration>
#include <QSslSocket>

#include <algorithm>
#include <chrono>

namespace varta {

namespace {

// Qt reads a socket into its own buffer ahead of the reader; bounded, so a peer that
// floods costs the console this much plus the decoder's line.
constexpr qint64 kReadBufferBytes = qint64{4} * 1024 * 1024;
constexpr std::uint64_t kChildIdMask = (std::uint64_t{1} << RemoteEngineLink::kObserverShift) - 1;

const QString kHelloId = QStringLiteral("hello");
const QString kSubscribeId = QStringLiteral("subscribe");
const QString kHistoryId = QStringLiteral("history");
const QString kChildrenId = QStringLiteral("children");

QString secondsText(int ms) { return QString::number((ms + 999) / 1000); }

// In words an operator reads in the status bar; Qt's errorString() names its functions.
QString localSocketProblem(QLocalSocket::LocalSocketError error) {
    switch (error) {
    case QLocalSocket::ServerNotFoundError: return RemoteEngineLink::tr("no observer's socket there");
    case QLocalSocket::ConnectionRefusedError: return RemoteEngineLink::tr("connection refused");
    case QLocalSocket::PeerClosedError: return RemoteEngineLink::tr("the observer closed the connection");
    case QLocalSocket::SocketAccessError: return RemoteEngineLink::tr("permission denied");
    case QLocalSocket::SocketTimeoutError: return RemoteEngineLink::tr("timed out");
    default: return RemoteEngineLink::tr("socket error %1").arg(static_cast<int>(error));
    }
}

}  // namespace

std::int64_t RemoteEngineLink::consoleNowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

RemoteEngineLink::RemoteEngineLink(Settings settings, QObject *parent)
    : EngineLink(parent), m_settings(std::move(settings)) {
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &RemoteEngineLink::connectNow);
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        onLost(QStringLiteral("no snapshot within %1 s").arg(secondsText(m_settings.connectTimeoutMs)));
    });
}

RemoteEngineLink::~RemoteEngineLink() {
    blockSignals(true);
    closeSocket();
}

void RemoteEngineLink::setPublishing(bool on) {
    m_publishing = on;
    if (on && !m_device && !m_retryTimer.isActive())
        connectNow();
    if (!on) {
        m_retryTimer.stop();
        closeSocket();
    }
}

void RemoteEngineLink::connectNow() {
    closeSocket();
    if (!m_publishing)
        return;
    ++m_connections;
    m_warnedMalformed = false;
    setStatus(Status::Connecting, QString());
    m_connectTimer.start(m_settings.connectTimeoutMs);
    const AttachTarget &target = m_settings.target;
    if (target.isUnix()) {
        auto *socket = new QLocalSocket(this);
        m_local = socket;
        socket->setReadBufferSize(kReadBufferBytes);
        connect(socket, &QLocalSocket::connected, this, &RemoteEngineLink::onConnected);
        connect(socket, &QLocalSocket::readyRead, this, &RemoteEngineLink::onReadable);
        connect(socket, &QLocalSocket::disconnected, this,
                [this] { onLost(QStringLiteral("the observer closed the connection")); });
        connect(socket, &QLocalSocket::errorOccurred, this,
                [this](QLocalSocket::LocalSocketError error) { onLost(localSocketProblem(error)); });
        socket->connectToServer(target.unixPath);
        return;
    }
    auto *socket = new QSslSocket(this);
    m_tcp = socket;
    socket->setReadBufferSize(kReadBufferBytes);
    connect(socket, &QSslSocket::readyRead, this, &RemoteEngineLink::onReadable);
    connect(socket, &QSslSocket::disconnected, this,
            [this] { onLost(QStringLiteral("the observer closed the connection")); });
    connect(socket, &QSslSocket::errorOccurred, this, [this, socket] { onLost(socket->errorString()); });
    const bool tls = !target.isLoopback() || !m_settings.caCertificates.isEmpty();
    if (!tls) {
        connect(socket, &QSslSocket::connected, this, &RemoteEngineLink::onConnected);
        socket->connectToHost(target.host, target.port);
        return;
    }
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    if (!m_settings.caCertificates.isEmpty())
        config.setCaCertificates(m_settings.caCertificates);
    config.setPeerVerifyMode(QSslSocket::VerifyPeer);
    socket->setSslConfiguration(config);
    connect(socket, &QSslSocket::encrypted, this, &RemoteEngineLink::onConnected);
    connect(socket, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        QStringList texts;
        for (const QSslError &e : errors)
            texts << e.errorString();
        onLost(QStringLiteral("TLS: ") + texts.join(QStringLiteral("; ")));
    });
    socket->connectToHostEncrypted(target.host, target.port);
}

void RemoteEngineLink::onConnected() {
    m_device = m_local ? static_cast<QIODevice *>(m_local.data()) : static_cast<QIODevice *>(m_tcp.data());
    if (m_tcp)
        send(QJsonObject{
            {"id", kHelloId}, {"cmd", "hello"}, {"args", QJsonObject{{"token", QString::fromUtf8(m_settings.token)}}}});
    // What happened before: the last events and the children the observer still knows,
    // asked before the stream starts, so the snapshot's batch carries them and nothing
    // posted later is missed (events seen both ways are told apart by when and seq).
    send(QJsonObject{
        {"id", kHistoryId}, {"cmd", "events"}, {"args", QJsonObject{{"limit", static_cast<qint64>(kHistoryEvents)}}}});
    send(QJsonObject{{"id", kChildrenId}, {"cmd", "children"}});
    send(QJsonObject{{"id", kSubscribeId}, {"cmd", "subscribe"}});
}

void RemoteEngineLink::keepHistory(const QString &id, const QJsonObject &result) {
    const bool events = id == kHistoryId;
    for (const QJsonValue &item :
         result.value(events ? QLatin1String("events") : QLatin1String("children")).toArray()) {
        QString error;
        if (!item.isObject()) {
            ++m_badMessages;
            continue;
        }
        if (events) {
            if (std::optional<EventLogEntry> e = json::eventFromJson(item.toObject(), &error))
                m_history.events.append(std::move(*e));
            else
                ++m_badMessages;
        } else if (std::optional<ChildInfo> c = json::childFromJson(item.toObject(), &error)) {
            m_history.children.append(std::move(*c));
        } else {
            ++m_badMessages;
        }
    }
}

bool RemoteEngineLink::isNewEvent(const EventLogEntry &e) const {
    return e.unixMs > m_lastEventUnixMs || (e.unixMs == m_lastEventUnixMs && e.seq > m_lastEventSeq);
}

void RemoteEngineLink::keepOnlyNewEvents(QList<EventLogEntry> &events) {
    events.removeIf([this](const EventLogEntry &e) { return !isNewEvent(e); });
    if (!events.isEmpty()) {
        m_lastEventUnixMs = events.constLast().unixMs;
        m_lastEventSeq = events.constLast().seq;
    }
}

void RemoteEngineLink::onReadable() {
    QIODevice *const device = m_device;
    if (device == nullptr)
        return;
    QList<StreamMessage> messages;
    m_decoder.feed(device->readAll(), messages);
    for (StreamMessage &message : messages) {
        if (m_device != device)  // a message closed the connection: the rest is moot
            return;
        handle(std::move(message));
    }
}

void RemoteEngineLink::handle(StreamMessage message) {
    using Kind = StreamMessage::Kind;
    const QString id = message.id.isString() ? message.id.toString() : QString();
    switch (message.kind) {
    case Kind::Ignored: return;
    case Kind::Malformed:
        if (id == kSubscribeId) {
            onLost(QStringLiteral("its snapshot could not be read: ") + message.error);
            return;
        }
        if (!m_warnedMalformed) {
            m_warnedMalformed = true;
            tellOperator(EventSeverity::Warning,
                         tr("Observer %1 sent a message the console cannot read (%2); it was dropped, and any more "
                            "are only counted")
                             .arg(m_settings.target.text(), message.error));
        }
        return;
    case Kind::Snapshot: {
        const QJsonValue now = message.result.value(QLatin1String("now_ms"));
        applySnapshot(std::move(message.batch), now.isDouble() ? now.toInteger() : message.batch.stats.nowMs);
        return;
    }
    case Kind::Batch:
        if (m_subscribed)
            applyBatch(std::move(message.batch), message.beats);
        return;
    case Kind::Reply: break;
    }
    if (id == kHistoryId || id == kChildrenId) {
        if (message.ok)
            keepHistory(id, message.result);
        return;
    }
    // A refusal without an id is the observer's word on the connection itself (a token it
    // does not admit, too many consoles): it closes next.
    const bool aboutConnection = message.id.isUndefined() && !message.ok;
    if (id == kHelloId || id == kSubscribeId || aboutConnection) {
        if (!message.ok) {
            const QString why = message.code == QLatin1String("permission_denied")
                                    ? tr("refused: %1").arg(message.error)
                                    : message.error;
            scheduleRetry(Status::Refused, why);
        } else if (id == kHelloId) {
            m_role = message.result.value(QLatin1String("role")).toString();
        }
        return;
    }
    if (const auto asked = m_outputRequests.constFind(message.id.toInteger(-1)); asked != m_outputRequests.constEnd()) {
        const std::uint64_t child = *asked;
        m_outputRequests.erase(asked);
        if (message.ok)
            applyOutput(child, message.result);
        return;
    }
    const QString what = m_pending.take(message.id.toInteger(-1));
    if (!message.ok && !what.isEmpty())
        tellOperator(EventSeverity::Warning,
                     tr("%1 on observer %2 was refused: %3").arg(what, m_settings.target.text(), message.error));
}

void RemoteEngineLink::applySnapshot(EngineBatch batch, std::int64_t remoteNowMs) {
    m_offsetMs = consoleNowMs() - remoteNowMs;
    // The children it still knows, updated by the snapshot's own (running ones); then the
    // events this console has not shown yet.
    EngineBatch history = std::exchange(m_history, EngineBatch());
    QSet<std::uint64_t> current;
    for (const ChildInfo &c : std::as_const(batch.children))
        current.insert(c.id);
    for (ChildInfo &c : history.children)
        if (!current.contains(c.id))
            batch.children.prepend(std::move(c));
    std::sort(batch.children.begin(), batch.children.end(),
              [](const ChildInfo &a, const ChildInfo &b) { return a.id < b.id; });
    batch.events = std::move(history.events);
    keepOnlyNewEvents(batch.events);
    toConsole(batch);
    QHash<AgentKey, AgentSnapshot> now;
    now.reserve(batch.agents.size());
    for (const AgentSnapshot &a : std::as_const(batch.agents))
        now.insert(a.key, a);
    for (auto it = m_known.cbegin(); it != m_known.cend(); ++it)
        if (!now.contains(it.key()))
            batch.removed.append(it.key());
    m_known = std::move(now);
    const bool wasLost = m_unreachableSinceMs.has_value();
    m_unreachableSinceMs.reset();
    m_subscribed = true;
    ++m_snapshots;
    m_retryMs = 0;
    m_connectTimer.stop();
    m_lastStats = batch.stats;
    if (wasLost)
        batch.events.append(
            operatorNotice(EventSeverity::Info,
                           tr("Observer %1 is back: %2 agents").arg(m_settings.target.text()).arg(m_known.size())));
    setStatus(Status::Connected, QString());
    Q_EMIT batchReady(batch);
}

void RemoteEngineLink::applyBatch(EngineBatch batch, const QList<StreamBeat> &beats) {
    keepOnlyNewEvents(batch.events);
    toConsole(batch);
    for (const AgentSnapshot &a : std::as_const(batch.agents))
        m_known.insert(a.key, a);
    // Before the removals: the observer may send an agent's last beat and its removal together.
    batch.agents.reserve(batch.agents.size() + beats.size());
    for (const StreamBeat &beat : beats) {
        AgentKey key = beat.key;
        key.observer = m_settings.observer;
        const auto it = m_known.find(key);
        if (it == m_known.end()) {
            ++m_badMessages;  // a beat on top of a row this console never had
            continue;
        }
        it->lastBeatMs = beat.lastBeatMs + m_offsetMs;
        it->beats = beat.beats;
        it->nonce = beat.nonce;
        it->payload = beat.payload;
        batch.agents.append(*it);
    }
    for (const AgentKey &key : std::as_const(batch.removed))
        m_known.remove(key);
    m_lastStats = batch.stats;
    Q_EMIT batchReady(batch);
}

void RemoteEngineLink::toConsole(EngineBatch &b) const {
    const std::uint16_t observer = m_settings.observer;
    const std::int64_t offset = m_offsetMs;
    const auto tag = [observer](AgentKey &key) { key.observer = observer; };
    const auto childId = [observer](std::uint64_t id) {
        return (static_cast<std::uint64_t>(observer) << kObserverShift) | (id & kChildIdMask);
    };
    for (AgentSnapshot &a : b.agents) {
        tag(a.key);
        if (a.continues)
            tag(*a.continues);
        a.firstSeenMs += offset;
        a.lastBeatMs += offset;
        if (a.downSinceMs)
            *a.downSinceMs += offset;
    }
    for (AgentKey &key : b.removed)
        tag(key);
    for (StateTransition &t : b.transitions) {
        tag(t.key);
        t.atMs += offset;
    }
    for (EventLogEntry &e : b.events) {
        if (e.agent)
            tag(*e.agent);
        e.atMs += offset;
        if (e.details.childId)
            e.details.childId = childId(*e.details.childId);
    }
    for (ChildInfo &c : b.children) {
        tag(c.agent);
        c.id = childId(c.id);
        c.startedMs += offset;
        if (c.endedMs >= 0)
            c.endedMs += offset;
    }
    for (OutputChunk &chunk : b.output)
        chunk.childId = childId(chunk.childId);
    for (std::uint64_t &id : b.forgottenChildren)
        id = childId(id);
    b.stats.nowMs += offset;
}

void RemoteEngineLink::onLost(const QString &why) {
    if (m_device == nullptr && !m_local && !m_tcp)
        return;  // already handled: errorOccurred and disconnected both report one loss
    scheduleRetry(Status::Reconnecting, why);
}

void RemoteEngineLink::scheduleRetry(Status status, const QString &why) {
    const bool wasConnected = m_status == Status::Connected;
    closeSocket();
    if (!m_unreachableSinceMs && (wasConnected || !m_known.isEmpty()))
        m_unreachableSinceMs = consoleNowMs();
    m_retryMs = status == Status::Refused ? m_settings.maxRetryMs
                : m_retryMs == 0          ? m_settings.firstRetryMs
                                          : std::min(m_retryMs * 2, m_settings.maxRetryMs);
    m_retryAtMs = consoleNowMs() + m_retryMs;
    if (m_publishing)
        m_retryTimer.start(m_retryMs);
    setStatus(status, why);
    if (wasConnected)
        tellOperator(EventSeverity::Error, tr("Lost observer %1 (%2); its %n agent(s) are of unknown state until it is "
                                              "back; retrying in %3 s",
                                              nullptr, static_cast<int>(m_known.size()))
                                               .arg(m_settings.target.text(), why, secondsText(m_retryMs)));
}

void RemoteEngineLink::closeSocket() {
    m_connectTimer.stop();
    m_device = nullptr;
    m_subscribed = false;
    m_history = EngineBatch();
    m_outputRequests.clear();
    m_outputAsked.clear();
    m_decoder.reset();
    if (m_local) {
        m_local->disconnect(this);
        m_local->abort();
        m_local->deleteLater();
        m_local = nullptr;
    }
    if (m_tcp) {
        m_tcp->disconnect(this);
        m_tcp->abort();
        m_tcp->deleteLater();
        m_tcp = nullptr;
    }
    if (!m_pending.isEmpty()) {
        const QStringList lost = m_pending.values();
        m_pending.clear();
        for (const QString &what : lost)
            tellOperator(EventSeverity::Warning, tr("%1 on observer %2: no answer before the connection was lost; it "
                                                    "may or may not have been carried out")
                                                     .arg(what, m_settings.target.text()));
    }
}

void RemoteEngineLink::setStatus(Status status, const QString &detail) {
    if (status == m_status && detail == m_detail)
        return;
    m_status = status;
    m_detail = detail;
    Q_EMIT statusChanged();
}

void RemoteEngineLink::send(const QJsonObject &request) {
    QJsonObject line = request;
    line.insert(QStringLiteral("v"), 1);
    if (m_device != nullptr)
        m_device->write(QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n');
}

void RemoteEngineLink::sendCommand(const QString &cmd, QJsonObject args, const QString &what) {
    if (!m_subscribed) {
        tellOperator(EventSeverity::Warning,
                     tr("%1 not sent: observer %2 is not connected (%3)")
                         .arg(what, m_settings.target.text(), m_detail.isEmpty() ? tr("connecting") : m_detail));
        return;
    }
    if (m_pending.size() >= kMaxPendingRequests) {
        tellOperator(EventSeverity::Warning, tr("%1 not sent: observer %2 has not answered %3 earlier commands yet")
                                                 .arg(what, m_settings.target.text())
                                                 .arg(kMaxPendingRequests));
        return;
    }
    const qint64 id = m_nextRequestId++;
    m_pending.insert(id, what);
    send(QJsonObject{{"id", id}, {"cmd", cmd}, {"args", args}});
}

void RemoteEngineLink::actOn(const QString &cmd, const QList<AgentKey> &agents, const QString &what) {
    QJsonArray keys;
    for (const AgentKey &key : agents)
        if (key.observer == m_settings.observer)
            keys.append(key.text());
    if (!keys.isEmpty())
        sendCommand(cmd, QJsonObject{{"keys", keys}}, what);
}

void RemoteEngineLink::recoverNow(const QList<AgentKey> &agents) {
    actOn(QStringLiteral("recover"), agents, tr("Recover now"));
}
void RemoteEngineLink::pause(const QList<AgentKey> &agents) { actOn(QStringLiteral("pause"), agents, tr("Pause")); }
void RemoteEngineLink::resume(const QList<AgentKey> &agents) { actOn(QStringLiteral("resume"), agents, tr("Resume")); }
void RemoteEngineLink::rearm(const QList<AgentKey> &agents) { actOn(QStringLiteral("rearm"), agents, tr("Re-arm")); }

void RemoteEngineLink::requestOutput(std::uint64_t childId) {
    if ((childId >> kObserverShift) != m_settings.observer || !m_subscribed || m_outputAsked.contains(childId)
        || m_outputRequests.size() >= kMaxPendingRequests)
        return;
    m_outputAsked.insert(childId);
    const qint64 id = m_nextRequestId++;
    m_outputRequests.insert(id, childId);
    send(QJsonObject{
        {"id", id}, {"cmd", "output"}, {"args", QJsonObject{{"child", static_cast<qint64>(childId & kChildIdMask)}}}});
}

void RemoteEngineLink::applyOutput(std::uint64_t childId, const QJsonObject &result) {
    EngineBatch batch;
    for (const QJsonValue &item : result.value(QLatin1String("chunks")).toArray()) {
        const QJsonObject chunk = item.toObject();
        const QString stream = chunk.value(QLatin1String("stream")).toString();
        const QJsonValue text = chunk.value(QLatin1String("text"));
        if (!text.isString() || (stream != QLatin1String("stdout") && stream != QLatin1String("stderr"))) {
            ++m_badMessages;
            return;
        }
        batch.output.append(OutputChunk{childId,
                                        stream == QLatin1String("stderr") ? OutputStream::Stderr : OutputStream::Stdout,
                                        text.toString().toUtf8()});
    }
    if (batch.output.isEmpty())
        return;
    batch.stats = m_lastStats;
    batch.stats.nowMs = consoleNowMs();
    Q_EMIT batchReady(batch);
}

void RemoteEngineLink::killChild(std::uint64_t childId) {
    if ((childId >> kObserverShift) != m_settings.observer)
        return;
    sendCommand(QStringLiteral("kill"), QJsonObject{{"child", static_cast<qint64>(childId & kChildIdMask)}},
                tr("Kill child"));
}

EventLogEntry RemoteEngineLink::operatorNotice(EventSeverity severity, const QString &text) const {
    EventLogEntry e = EventLogEntry::of(EventKind::Notice, severity, EventCategory::Io, text, std::nullopt);
    e.atMs = consoleNowMs();
    e.unixMs = QDateTime::currentMSecsSinceEpoch();
    return e;
}

void RemoteEngineLink::tellOperator(EventSeverity severity, const QString &text) {
    EngineBatch batch;
    batch.events.append(operatorNotice(severity, text));
    batch.stats = m_lastStats;
    batch.stats.nowMs = consoleNowMs();
    Q_EMIT batchReady(batch);
}

}  // namespace varta
