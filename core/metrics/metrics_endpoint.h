#pragma once
// GET /metrics over HTTP for Prometheus (docs/compat.md section 4): bearer-token protected,
// served on the metrics thread (MetricsService) from a MetricsRegistry. Anything else gets 401, 404 or
// 405 with a one-line body.

#include "core/config/options.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QObject>
#include <QString>

class QHttpServer;
class QHttpServerRequest;
class QHttpServerResponse;

namespace varta {

class MetricsRegistry;

class MetricsEndpoint : public QObject {
    Q_OBJECT
public:
    static constexpr const char *kContentType = "text/plain; version=0.0.4; charset=utf-8";
    static constexpr const char *kChallenge = "Bearer realm=\"varta\"";

    // options.token is the secret as read from --prom-token-file (64 hex characters).
    MetricsEndpoint(MetricsRegistry &registry, PromOptions options, QObject *parent = nullptr);
    ~MetricsEndpoint() override;

    // Binds options.address:options.port (port 0 picks a free one). On failure returns
    // false with a one-line reason naming the address.
    bool listen(QString *error);
    quint16 port() const noexcept { return m_port; }
    QString url() const;  // http://ADDR:PORT/metrics, once listening
    // Non-empty when the endpoint is reachable from other hosts; the caller prints it.
    QString startupWarning() const;

    // True when `authorization` (an Authorization header value) is "Bearer <token>",
    // the scheme in any case. The token is compared in constant time.
    static bool authorizationMatches(QByteArrayView authorization, QByteArrayView token);

private:
    QHttpServerResponse serveMetrics(const QHttpServerRequest &request);
    bool isAuthorized(const QHttpServerRequest &request) const;

    MetricsRegistry &m_registry;
    PromOptions m_options;
    QHttpServer *m_server = nullptr;
    quint16 m_port = 0;
};

}  // namespace varta
