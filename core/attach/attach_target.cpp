#include "core/attach/attach_target.h"

#include <QHostAddress>

namespace varta {

QString AttachTarget::text() const {
    if (isUnix())
        return QStringLiteral("unix:") + unixPath;
    const bool v6 = host.contains(QLatin1Char(':'));
    return (v6 ? QLatin1Char('[') + host + QLatin1Char(']') : host) + QLatin1Char(':') + QString::number(port);
}

QString AttachTarget::shortName() const {
    if (!isUnix())
        return text();
    const QString name = unixPath.section(QLatin1Char('/'), -1);
    return name.isEmpty() ? text() : name;
}

bool AttachTarget::isLoopback() const {
    if (isUnix())
        return true;
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

std::optional<AttachTarget> AttachTarget::parse(const QString &text, QString *error) {
    AttachTarget target;
    if (text.startsWith(QLatin1String("unix:"))) {
        target.unixPath = text.mid(5);
        if (target.unixPath.isEmpty()) {
            *error = QStringLiteral("unix: needs the control socket's path");
            return std::nullopt;
        }
        return target;
    }
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0) {
        *error = QStringLiteral("needs unix:PATH or HOST:PORT");
        return std::nullopt;
    }
    QString host = text.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    else if (host.contains(QLatin1Char(':'))) {
        *error = QStringLiteral("an IPv6 address goes in brackets: [ADDRESS]:PORT");
        return std::nullopt;
    }
    bool ok = false;
    const uint port = text.mid(colon + 1).toUInt(&ok);
    if (!ok || port == 0 || port > 65535) {
        *error = QStringLiteral("the port must be 1 to 65535");
        return std::nullopt;
    }
    if (host.isEmpty()) {
        *error = QStringLiteral("needs a host before the port");
        return std::nullopt;
    }
    target.host = host;
    target.port = static_cast<std::uint16_t>(port);
    return target;
}

}  // namespace varta
