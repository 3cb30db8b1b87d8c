#pragma once
// /metrics for Prometheus (docs/compat.md section 4), spoken as upstream speaks it: HTTP/1.0,
// one request per connection, `Connection: close` on every answer, whatever the request
// asked for. Any GET path serves the metrics to a right bearer token; anything else gets
// 401 or 405. Runs on the metrics thread (MetricsService) and renders a MetricsRegistry.
//
// Bounds, each counted (EndpointCounters, registerEndpointFamilies): a token bucket per
// source IP (ScrapeRateLimiter), at most kMaxOpenConnections connections at once and
// kMaxConnectionsPerSource from one address, and kDescriptorReserve descriptors left to the
// rest of the observer; a connection over any is accepted and closed at once, unanswered.
// An accept() that fails (out of descriptors) pauses accepting for kAcceptRetryMs instead
// of spinning on a listener that stays readable. A request is judged on
// what arrived within kRequestDeadlineMs and kMaxRequestBytes (as upstream: only the
// method and the Authorization header matter), and an answer not sent within
// kSendDeadlineMs is abandoned.

#include "core/base/accept_loop.h"
#include "core/config/options.h"
#include "core/metrics/endpoint_metrics.h"
#include "core/metrics/scrape_rate_limiter.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QString>

#include <cstdint>
#include <functional>
#include <optional>

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
    // Half the slots: one address (with the rate limit off, or trickling under it) cannot
    // hold them all and lock another Prometheus out, and a burst within upstream's
    // default of 10, or 20 scrapes at once with the limit off, is still answered whole.
    static constexpr int kMaxConnectionsPerSource = 32;
    // Descriptors /metrics never takes: recovery commands need three pipes each and the
    // audit and event files must reopen, so a connection whose descriptor falls within the
    // last kDescriptorReserve below the soft limit is closed unanswered.
    static constexpr std::uint64_t kDescriptorReserve = 64;
    // How long accepting pauses after accept() failed (EMFILE, ENFILE, ENOBUFS).
    static constexpr int kAcceptRetryMs = AcceptLoop::kRetryMs;
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

    // Takes a connection AcceptLoop accepted, or closes it at once for a bound.
    void admit(int fd);
    // Why `socket` must be closed unanswered, if it must; charges the rate limiter.
    std::optional<ScrapeDropReason> dropReason(const QTcpSocket &socket);
    std::optional<ScrapeRefusalReason> refusalReason(const QTcpSocket &socket) const;
    void closed(Connection &connection);
    void answer(Connection &connection);
    void finished(Connection &connection, bool sent);

    MetricsRegistry &m_registry;
    PromOptions m_options;
    Clock m_nowNs;
    ScrapeRateLimiter m_limiter;
    EndpointCounters m_counters;
    int m_listenFd = -1;
    AcceptLoop *m_acceptLoop = nullptr;
    quint16 m_port = 0;
    int m_open = 0;
    QHash<QHostAddress, int> m_openBySource;
    bool m_atConnectionLimit = false;  // counts each time the limit is reached, not each refusal
};

}  // namespace varta
