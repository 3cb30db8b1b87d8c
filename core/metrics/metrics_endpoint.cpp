#include "core/metrics/metrics_endpoint.h"

#include "core/metrics/metrics_registry.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QHttpServerResponse>
#include <QTcpServer>

#include <openssl/crypto.h>

namespace varta {

namespace {

using StatusCode = QHttpServerResponder::StatusCode;

constexpr const char *kMetricsPath = "/metrics";
constexpr const char *kTextType = "text/plain; charset=utf-8";

bool isSpace(char c) noexcept { return c == ' ' || c == '\t'; }

QByteArrayView trimmed(QByteArrayView text) {
    while (!text.isEmpty() && isSpace(text.front()))
        text = text.sliced(1);
    while (!text.isEmpty() && isSpace(text.back()))
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

QHttpServerResponse textResponse(const char *body, StatusCode status) {
    return QHttpServerResponse(QByteArray(kTextType), QByteArray(body), status);
}

QHttpServerResponse methodNotAllowed() {
    QHttpServerResponse response = textResponse("method not allowed: only GET\n", StatusCode::MethodNotAllowed);
    response.setHeader("Allow", "GET");
    return response;
}

QString hostText(const QHostAddress &address) {
    return address.protocol() == QAbstractSocket::IPv6Protocol
               ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
               : address.toString();
}

}  // namespace

MetricsEndpoint::MetricsEndpoint(MetricsRegistry &registry, PromOptions options, QObject *parent)
    : QObject(parent), m_registry(registry), m_options(std::move(options)), m_server(new QHttpServer(this)) {
    // As upstream, every path serves the metrics (scrapers configured for "/" keep
    // working); every method is routed here so that a POST gets 405, not a 404.
    m_server->route(QString::fromLatin1(kMetricsPath),
                    [this](const QHttpServerRequest &request) { return serveMetrics(request); });
    m_server->setMissingHandler([this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        serveMetrics(request).write(std::move(responder));
    });
}

MetricsEndpoint::~MetricsEndpoint() = default;

bool MetricsEndpoint::listen(QString *error) {
    const QString where = hostText(m_options.address) + QLatin1Char(':') + QString::number(m_options.port);
    if (m_options.token.isEmpty()) {
        if (error)
            *error = QStringLiteral("metrics endpoint %1: no bearer token").arg(where);
        return false;
    }
    auto *tcp = new QTcpServer(this);
    if (!tcp->listen(m_options.address, m_options.port)) {
        if (error)
            *error = QStringLiteral("cannot listen for /metrics on %1: %2").arg(where, tcp->errorString());
        delete tcp;
        return false;
    }
    m_port = tcp->serverPort();
    m_server->bind(tcp);
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

bool MetricsEndpoint::isAuthorized(const QHttpServerRequest &request) const {
    // Header names are case-insensitive (RFC 9110); look them up ourselves rather than
    // rely on how this Qt version stores them.
    const auto headers = request.headers();
    for (const auto &header : headers) {
        if (header.first.compare("authorization", Qt::CaseInsensitive) == 0)
            return authorizationMatches(header.second, m_options.token);
    }
    return false;
}

QHttpServerResponse MetricsEndpoint::serveMetrics(const QHttpServerRequest &request) {
    if (request.method() != QHttpServerRequest::Method::Get)
        return methodNotAllowed();
    if (!isAuthorized(request)) {
        QHttpServerResponse response =
            textResponse("unauthorized: send Authorization: Bearer <token>\n", StatusCode::Unauthorized);
        response.setHeader("WWW-Authenticate", kChallenge);
        return response;
    }
    return QHttpServerResponse(QByteArray(kContentType), m_registry.render());
}

}  // namespace varta
