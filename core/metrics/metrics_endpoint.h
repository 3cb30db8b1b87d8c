#pragma once
// /metrics for Prometheus (docs/compat.md section 4), spoken as upstream speaks it: HTTP/1.0,
// one request per connection, `Connection: close` on every answer, whatever the request
// asked for. Any GET path serves the metrics to a right bearer token; anything else gets
// 401 or 405. Runs on the metrics thread (MetricsService) and renders a MetricsRegistry.
//
// Bounds, each counted (EndpointCounters, registerEndpointFamilies): a token bucket per
// source IP (ScrapeRateLimiter) and at most kMaxOpenConnections connections at once; a
// connection over either is accepted and closed at once, unanswered. A request is judged on
// what arrived within kRequestDeadlineMs and kMaxRequestBytes (as upstream: only the
// method and the Authorization header matter), and an answer not sent within
// kSendDeadlineMs is abandoned.

#include "core/config/options.h"
#include "core/metrics/endpoint_metrics.h"
#include "core/metrics/scrape_rate_limiter.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QObject>
#include <QString>

#include <cstdint>
#include <functional>

class QTcpServer;
class QTcpSocket;

namespace varta {

class MetricsRegistry;

class MetricsEndpoint : public QObject {
    Q_OBJECT
public:
    static constexpr const char *kContentType = "text/plain; version=0.0.4";
    static constexpr const char *kChallenge = "Bearer realm=\"varta\"";
    // A scraper needs one connection per scrape; these are for several Prometheus servers
    // at once, not for one peer's pile of idle sockets.
    static constexpr int kMaxOpenConnections = 64;
    // Prometheus's request is about 400 bytes; the rest of a longer head is not read.
    static constexpr qsizetype kMaxRequestBytes = 8192;
    static constexpr int kRequestDeadlineMs = 1000;
    // Prometheus gives up on a scrape after its scrape_timeout (10 s by default).
    static constexpr int kSendDeadlineMs = 10000;
    // Connections the kernel queues before they are accepted: upstream's (Rust's default).
    // The kernel counts what it turns away (ListenOverflows in /proc/net/netstat).
    static constexpr int kListenBacklog = 128;

    using Clock = std::function<std::int64_t()>;  // monotonic nanoseconds

    // options.token is the secret as read from --prom-token-file (64 hex characters).
    MetricsEndpoint(MetricsRegistry &registry, PromOptions options, QObject *parent = nullptr);
    MetricsEndpoint(MetricsRegistry &registry, PromOptions options, Clock nowNs, QObject *parent = nullptr);
    ~MetricsEndpoint() override;

    // Binds options.address:options.port (port 0 picks a free one). On failure returns
    // false with a one-line reason naming the address.
    bool listen(QString *error);
    quint16 port() const noexcept { return m_port; }
    QString url() const;  // http://ADDR:PORT/metrics, once listening
    // Non-empty when the endpoint is reachable from other hosts; the caller prints it.
    QString startupWarning() const;

    // What this endpoint counted; register them with registerEndpointFamilies().
    const EndpointCounters &counters() const noexcept { return m_counters; }
    int openConnections() const noexcept { return m_open; }

    // True when `authorization` (an Authorization header value) is "Bearer <token>",
    // the scheme in any case. The token is compared in constant time.
    static bool authorizationMatches(QByteArrayView authorization, QByteArrayView token);

private:
    class Connection;
    friend class Connection;

    void acceptPending();
    void answer(Connection &connection);
    void finished(Connection &connection, bool sent);

    MetricsRegistry &m_registry;
    PromOptions m_options;
    Clock m_nowNs;
    ScrapeRateLimiter m_limiter;
    EndpointCounters m_counters;
    QTcpServer *m_server = nullptr;
    quint16 m_port = 0;
    int m_open = 0;
    bool m_atConnectionLimit = false;  // counts each time the limit is reached, not each refusal
};

}  // namespace varta
