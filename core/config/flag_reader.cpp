#include "core/config/flag_reader.h"

#include <QRegularExpression>

namespace varta::config {
namespace {

// Stricter than QString::toLongLong, which also takes "+5", " 5" and the like.
bool looksLikeInteger(const QString &text) {
    static const QRegularExpression pattern(QStringLiteral("^-?[0-9]+$"));
    return pattern.match(text).hasMatch();
}

// QHostAddress also takes shorthand such as "0" or "127.1"; upstream wants a literal.
bool looksLikeIpLiteral(const QString &text) {
    static const QRegularExpression ipv4(QStringLiteral("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$"));
    return text.contains(':') || ipv4.match(text).hasMatch();
}

QString quoted(const QString &text) { return '\'' + text + '\''; }

}  // namespace

FlagReader::FlagReader(const QCommandLineParser &parser) : m_parser(parser) {}

bool FlagReader::isSet(const QString &flag) const { return m_parser.isSet(flag); }

QString FlagReader::text(const QString &flag) const { return m_parser.value(flag); }

QStringList FlagReader::texts(const QString &flag) const { return m_parser.values(flag); }

void FlagReader::fail(const QString &flag, const QString &problem) {
    if (m_error.isEmpty())
        m_error = "--" + flag + ": " + problem;
}

std::optional<std::int64_t> FlagReader::parseInteger(const QString &flag, std::int64_t min, std::int64_t max) {
    const QString value = text(flag);
    if (!looksLikeInteger(value)) {
        fail(flag, "must be a whole number (got " + quoted(value) + ')');
        return std::nullopt;
    }
    bool ok = false;
    const qlonglong number = value.toLongLong(&ok);
    const bool negative = value.startsWith('-');
    if ((ok && number < min) || (!ok && negative)) {
        fail(flag, QStringLiteral("must be at least %1 (got %2)").arg(min).arg(value));
        return std::nullopt;
    }
    if (!ok || number > max) {
        fail(flag, QStringLiteral("must be at most %1 (got %2)").arg(max).arg(value));
        return std::nullopt;
    }
    return number;
}

void FlagReader::integer(const QString &flag, std::int64_t min, std::int64_t max, std::int64_t &out) {
    if (!isSet(flag) || failed())
        return;
    if (const auto value = parseInteger(flag, min, max))
        out = *value;
}

void FlagReader::integer(const QString &flag, std::int64_t min, std::int64_t max, std::optional<std::int64_t> &out) {
    if (!isSet(flag) || failed())
        return;
    if (const auto value = parseInteger(flag, min, max))
        out = *value;
}

void FlagReader::nonEmpty(const QString &flag, QString &out) {
    if (!isSet(flag) || failed())
        return;
    const QString value = text(flag);
    if (value.isEmpty())
        fail(flag, QStringLiteral("must not be empty"));
    else
        out = value;
}

void FlagReader::octalMode(const QString &flag, std::uint32_t &out) {
    if (!isSet(flag) || failed())
        return;
    const QString value = text(flag);
    static const QRegularExpression pattern(QStringLiteral("^(0o)?([0-7]+)$"));
    const QRegularExpressionMatch match = pattern.match(value);
    if (!match.hasMatch()) {
        fail(flag, "must be an octal mode such as 600, 0600 or 0o600 (got " + quoted(value) + ')');
        return;
    }
    bool ok = false;
    const uint mode = match.captured(2).toUInt(&ok, 8);
    if (!ok || mode > 0777) {
        fail(flag, "must be at most 0777 (got " + value + ')');
        return;
    }
    out = mode;
}

std::optional<QHostAddress> FlagReader::parseAddress(const QString &flag, const QString &text) {
    QHostAddress address;
    if (!looksLikeIpLiteral(text) || !address.setAddress(text)) {
        fail(flag, "must be an IP address such as 127.0.0.1 or ::1 (got " + quoted(text) + ')');
        return std::nullopt;
    }
    return address;
}

void FlagReader::ipAddress(const QString &flag, QHostAddress &out) {
    if (!isSet(flag) || failed())
        return;
    if (const auto address = parseAddress(flag, text(flag)))
        out = *address;
}

void FlagReader::ipAndPort(const QString &flag, QHostAddress &address, std::uint16_t &port) {
    if (!isSet(flag) || failed())
        return;
    // IPv6 needs brackets ("[::1]:9100") so the port's colon is unambiguous.
    static const QRegularExpression pattern(QStringLiteral("^(?:\\[([^\\]]*)\\]|([^:\\[\\]]*)):([0-9]{1,5})$"));
    const QString value = text(flag);
    const QRegularExpressionMatch match = pattern.match(value);
    if (!match.hasMatch()) {
        fail(flag, "must be IP:PORT such as 127.0.0.1:9100 or [::1]:9100 (got " + quoted(value) + ')');
        return;
    }
    const QString host = match.hasCaptured(1) ? match.captured(1) : match.captured(2);
    const auto parsed = parseAddress(flag, host);
    const uint number = match.captured(3).toUInt();
    if (parsed && number > 65535)
        fail(flag, QStringLiteral("port must be at most 65535 (got %1)").arg(number));
    if (failed())
        return;
    address = *parsed;
    port = static_cast<std::uint16_t>(number);
}

}  // namespace varta::config
