#include "core/metrics/metrics_endpoint.h"

#include "core/base/engine_clock.h"
#include "core/base/open_file_limit.h"
#include "core/base/tcp_listen.h"
#include "core/metrics/metrics_registry.h"

#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <optional>

#include <openssl/crypto.h>
#include <unistd.h>

namespace varta {

namespace {

constexpr const char *kMetricsPath = "/metrics";

bool isSpace(char c) noexcept { return c == ' ' || c == '\t'; }

QByteArrayView trimmed(QByteArrayView text) {
    while (!text.isEmpty() && isSpace(text.front()))
        text = text.sliced(1);
    while (!text.isEmpty() && (isSpace(text.back()) || text.back() == '\r'))
        text.chop(1);
    return text;
}

// ASCII letters folded to lower case without a branch on the byte: the token is hex and,
// as upstream, compared without regard to case, in constant time.
QByteArray folded(QByteArrayView text) {
    QByteArray out(text.size(), Qt::Uninitialized);
    for (qsizetype i = 0; i < text.size(); ++i) {
        const unsigned c = static_cast<unsigned char>(text[i]);
        const unsigned upper = (c - 'A') < 26u;
        out[i] = static_cast<char>(c | (upper << 5));
    }
    return out;
}

// The end of a request head. A bare LF is accepted too, for requests typed by hand.
bool headComplete(const QByteArray &request) { return request.contains("\r\n\r\n") || request.contains("\n\n"); }

// The value of the first Authorization header of a request head, if there is one. Header
// names are case-insensitive (RFC 9110).
std::optional<QByteArrayView> authorizationHeader(QByteArrayView request) {
    qsizetype start = request.indexOf('\n');
    while (start >= 0 && start + 1 < request.size()) {
        const qsizetype end = request.indexOf('\n', start + 1);
        const QByteArrayView line = trimmed(request.sliced(start + 1, (end < 0 ? request.size() : end) - start - 1));
        if (line.isEmpty())
            break;  // the blank line: what follows is a body
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && trimmed(line.first(colon)).compare("authorization", Qt::CaseInsensitive) == 0)
            return line.sliced(colon + 1);
        start = end;
    }
    return std::nullopt;
}

QByteArray responseHead(const char *status, qsizetype bodySize, const char *contentType, const char *extra = "") {
    return QByteArray("HTTP/1.0 ") + status + "\r\nContent-Type: " + contentType + "\r\n" + extra
           + "Content-Length: " + QByteArray::number(bodySize) + "\r\nConnection: close\r\n\r\n";
}

QByteArray plainResponse(const char *status, const char *body, const char *extra) {
    return responseHead(status, qstrlen(body), "text/plain; charset=utf-8", extra) + body;
}

QString hostText(const QHostAddress &address) {
    return address.protocol() == QAbstractSocket::IPv6Protocol
               ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
               : address.toString();
}

}  // namespace

// One accepted connection: reads a request head, is answered once, then closes. Touches
// its endpoint through answer(), finished() and the count of open connections, and its
// destructor never does (it runs when the endpoint itself is going).
class MetricsEndpoint::Connection : public QObject {
public:
    enum class Phase : std::uint8_t { Reading, Sending, Closed };

    Connection(MetricsEndpoint &endpoint, QTcpSocket *socket)
        : QObject(&endpoint), m_endpoint(endpoint), m_socket(socket), m_source(socket->peerAddress()) {
        m_socket->setParent(this);
        m_socket->setReadBufferSize(kMaxRequestBytes);
        m_deadline.setSingleShot(true);
        connect(&m_deadline, &QTimer::timeout, this, [this] { onDeadline(); });
        connect(m_socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
        connect(m_socket, &QTcpSocket::bytesWritten, this, [this] { onBytesWritten(); });
        connect(m_socket, &QTcpSocket::disconnected, this, [this] { close(); });
        connect(m_socket, &QTcpSocket::errorOccurred, this, [this] { close(); });
        m_deadline.start(kRequestDeadlineMs);
        if (m_socket->bytesAvailable() > 0)
            onReadyRead();
    }

    ~Connection() override {
        m_socket->disconnect(this);
        m_socket->abort();
    }

    const QByteArray &request() const noexcept { return m_request; }
    const QHostAddress &source() const noexcept { return m_source; }

    // Queues the whole answer and closes once it is out. A timed answer is a scrape:
    // the endpoint hears when its last byte has gone to the kernel.
    void send(const QByteArray &head, const QByteArray &body, bool timed) {
        m_phase = Phase::Sending;
        m_timed = timed;
        // Whatever else the peer sends is read and dropped: closing on unread bytes would
        // reset the connection and could destroy the answer in flight.
        m_socket->setReadBufferSize(0);
        m_socket->readAll();
        m_deadline.start(kSendDeadlineMs);
        m_socket->write(head);
        if (!body.isEmpty())
            m_socket->write(body);
        m_socket->disconnectFromHost();
    }

private:
    void onReadyRead() {
        if (m_phase != Phase::Reading) {
            m_socket->readAll();
            return;
        }
        m_request += m_socket->read(kMaxRequestBytes - m_request.size());
        if (headComplete(m_request) || m_request.size() >= kMaxRequestBytes)
            m_endpoint.answer(*this);
    }

    void onBytesWritten() {
        if (m_timed && m_socket->bytesToWrite() == 0)
            sent(true);
    }

    void onDeadline() {
        if (m_phase == Phase::Reading) {
            m_endpoint.answer(*this);  // as upstream: judged on what arrived in time
        } else if (m_phase == Phase::Sending) {
            close();  // a peer that stopped reading holds no slot past the deadline
        }
    }

    void sent(bool completely) {
        if (!m_timed)
            return;
        m_timed = false;
        m_endpoint.finished(*this, completely);
    }

    void close() {
        if (m_phase == Phase::Closed)
            return;
        m_phase = Phase::Closed;
        m_deadline.stop();
        sent(false);  // a scrape still going out never finished
        m_socket->abort();
        m_endpoint.closed(*this);
        deleteLater();
    }

    MetricsEndpoint &m_endpoint;
    QTcpSocket *m_socket;
    QHostAddress m_source;
    QTimer m_deadline;
    QByteArray m_request;
    Phase m_phase = Phase::Reading;
    bool m_timed = false;
    std::int64_t m_answerStartNs = 0;

    friend class MetricsEndpoint;
};

MetricsEndpoint::MetricsEndpoint(MetricsRegistry &registry, PromOptions options, QObject *parent)
    : MetricsEndpoint(registry, std::move(options), &engineNowNs, parent) {}

MetricsEndpoint::MetricsEndpoint(MetricsRegistry &registry, PromOptions options, Clock nowNs, QObject *parent)
    : QObject(parent),
      m_registry(registry),
      m_options(std::move(options)),
      m_nowNs(std::move(nowNs)),
      m_limiter(m_options.rateLimitPerSec, m_options.rateLimitBurst) {}

MetricsEndpoint::~MetricsEndpoint() {
    if (m_acceptLoop)
        m_acceptLoop->stop();
    if (m_listenFd >= 0)
        ::close(m_listenFd);
}

bool MetricsEndpoint::listen(QString *error) {
    const QString where = hostText(m_options.address) + QLatin1Char(':') + QString::number(m_options.port);
    if (m_options.token.isEmpty()) {
        if (error)
            *error = QStringLiteral("metrics endpoint %1: no bearer token").arg(where);
        return false;
    }
    QString why;
    const int fd = listenTcp(m_options.address, m_options.port, kListenBacklog, &m_port, &why);
    if (fd < 0) {
        if (error)
            *error = QStringLiteral("cannot listen for /metrics on %1: %2").arg(where, why);
        return false;
    }
    m_listenFd = fd;
    m_acceptLoop = new AcceptLoop(
        fd, kListenBacklog, m_counters.acceptErrors, [this](int accepted) { admit(accepted); }, this);
    return true;
}

QString MetricsEndpoint::url() const {
    return QStringLiteral("http://%1:%2%3")
        .arg(hostText(m_options.address))
        .arg(m_port)
        .arg(QLatin1String(kMetricsPath));
}

QString MetricsEndpoint::startupWarning() const {
    if (m_options.address.isLoopback())
        return {};
    return QStringLiteral("warning: /metrics listens on %1:%2, reachable from other hosts; the bearer token "
                          "and the metrics travel unencrypted (no TLS), so restrict access with a firewall "
                          "or a TLS proxy")
        .arg(hostText(m_options.address))
        .arg(m_port ? m_port : m_options.port);
}

bool MetricsEndpoint::authorizationMatches(QByteArrayView authorization, QByteArrayView token) {
    static constexpr QByteArrayView kScheme("bearer");
    const QByteArrayView value = trimmed(authorization);
    if (value.size() <= kScheme.size() || !isSpace(value[kScheme.size()]))
        return false;
    if (value.first(kScheme.size()).compare(kScheme, Qt::CaseInsensitive) != 0)
        return false;
    const QByteArrayView presented = trimmed(value.sliced(kScheme.size()));
    // The length of the token is no secret (always 64); its bytes are, hence CRYPTO_memcmp.
    if (token.isEmpty() || presented.size() != token.size())
        return false;
    const QByteArray a = folded(presented);
    const QByteArray b = folded(token);
    return CRYPTO_memcmp(a.constData(), b.constData(), static_cast<std::size_t>(b.size())) == 0;
}

void MetricsEndpoint::admit(int fd) {
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(fd)) {
        ::close(fd);
        delete socket;
        return;
    }
    if (const std::optional<ScrapeDropReason> drop = dropReason(*socket)) {
        m_counters.drop(*drop);
    } else if (const std::optional<ScrapeRefusalReason> refusal = refusalReason(*socket)) {
        m_counters.refuse(*refusal);
    } else {
        ++m_open;
        ++m_openBySource[socket->peerAddress()];
        new Connection(*this, socket);
        return;
    }
    socket->abort();
    socket->deleteLater();
}

std::optional<ScrapeDropReason> MetricsEndpoint::dropReason(const QTcpSocket &socket) {
    // The bucket is charged first, as upstream's: a peer cannot dodge its limit by
    // arriving while the endpoint is full.
    switch (m_limiter.admit(socket.peerAddress(), m_nowNs())) {
    case ScrapeRateLimiter::Verdict::RateLimited: return ScrapeDropReason::RateLimit;
    case ScrapeRateLimiter::Verdict::TableFull: return ScrapeDropReason::IpTableFull;
    case ScrapeRateLimiter::Verdict::Admit: break;
    }
    if (m_open < kMaxOpenConnections)
        return std::nullopt;
    if (!m_atConnectionLimit)
        ++m_counters.scrapeBudgetExhausted;
    m_atConnectionLimit = true;
    return ScrapeDropReason::Drain;
}

std::optional<ScrapeRefusalReason> MetricsEndpoint::refusalReason(const QTcpSocket &socket) const {
    if (m_openBySource.value(socket.peerAddress()) >= kMaxConnectionsPerSource)
        return ScrapeRefusalReason::PerSourceLimit;
    // The kernel hands out the lowest free descriptor, so a socket this high means every
    // one below it is taken and fewer than the reserve are left. (Free holes below a high
    // one are not seen: the check is one getrlimit(), not a walk of /proc/self/fd.)
    const std::uint64_t limit = openFileSoftLimit();
    const auto descriptor = static_cast<std::uint64_t>(socket.socketDescriptor());
    if (limit <= kDescriptorReserve || descriptor >= limit - kDescriptorReserve)
        return ScrapeRefusalReason::DescriptorReserve;
    return std::nullopt;
}

void MetricsEndpoint::closed(Connection &connection) {
    --m_open;
    if (m_open < kMaxOpenConnections)
        m_atConnectionLimit = false;
    const auto source = m_openBySource.find(connection.source());
    if (source != m_openBySource.end() && --source.value() <= 0)
        m_openBySource.erase(source);
}

void MetricsEndpoint::answer(Connection &connection) {
    // Only the method and the token decide (as upstream): every GET path is /metrics.
    const QByteArray &request = connection.request();
    if (!request.startsWith("GET ")) {
        connection.send(plainResponse("405 Method Not Allowed", "method not allowed: only GET\n", "Allow: GET\r\n"), {},
                        false);
        return;
    }
    const std::optional<QByteArrayView> authorization = authorizationHeader(request);
    if (!authorization || !authorizationMatches(*authorization, m_options.token)) {
        ++m_counters.authFailures;
        connection.send(plainResponse("401 Unauthorized", "unauthorized: send Authorization: Bearer <token>\n",
                                      "WWW-Authenticate: Bearer realm=\"varta\"\r\n"),
                        {}, false);
        return;
    }
    connection.m_answerStartNs = m_nowNs();
    bool fresh = false;
    const QByteArray body = m_registry.render(&fresh);
    if (!fresh)
        ++m_counters.scrapeSkipped;
    connection.send(responseHead("200 OK", body.size(), kContentType), body, true);
}

void MetricsEndpoint::finished(Connection &connection, bool sent) {
    const std::int64_t tookNs = std::max<std::int64_t>(0, m_nowNs() - connection.m_answerStartNs);
    m_counters.servePending.observe(static_cast<double>(tookNs) / 1e9);
    if (!sent || tookNs > m_options.scrapeBudgetMs * 1'000'000)
        ++m_counters.scrapeBudgetExceeded;
}

}  // namespace varta
