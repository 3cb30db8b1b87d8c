#include "core/config/flag_reader.h"

#include <QRegularExpression>

#include <cmath>

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

bool FlagReader::isSet(const FlagName &flag) const { return m_parser.isSet(flag.name); }

QString FlagReader::text(const FlagName &flag) const { return m_parser.value(flag.name); }

QStringList FlagReader::texts(const FlagName &flag) const { return m_parser.values(flag.name); }

bool FlagReader::fail(const FlagName &flag, const QString &problem) { return fail("--" + flag.name + ": " + problem); }

bool FlagReader::fail(const QString &problem) {
    if (m_error.isEmpty())
        m_error = problem;
    return false;
}

std::optional<QString> FlagReader::valueToRead(const FlagName &flag) const {
    if (!isSet(flag) || failed())
        return std::nullopt;
    return text(flag);
}

std::optional<std::int64_t> FlagReader::parseInteger(const FlagName &flag, std::int64_t min, std::int64_t max) {
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

bool FlagReader::integer(const FlagName &flag, std::int64_t min, std::int64_t max, std::int64_t &out) {
    if (!valueToRead(flag))
        return !failed();
    if (const auto value = parseInteger(flag, min, max))
        out = *value;
    return !failed();
}

bool FlagReader::integer(const FlagName &flag, std::int64_t min, std::int64_t max, std::optional<std::int64_t> &out) {
    if (!valueToRead(flag))
        return !failed();
    if (const auto value = parseInteger(flag, min, max))
        out = *value;
    return !failed();
}

bool FlagReader::unsignedInteger(const FlagName &flag, std::uint64_t min, std::uint64_t max, std::uint64_t &out) {
    const std::optional<QString> value = valueToRead(flag);
    if (!value)
        return !failed();
    if (!looksLikeInteger(*value) || value->startsWith('-'))
        return fail(flag, "must be a whole number (got " + quoted(*value) + ')');
    bool ok = false;
    const qulonglong number = value->toULongLong(&ok);
    if (ok && number < min)
        return fail(flag, QStringLiteral("must be at least %1 (got %2)").arg(min).arg(*value));
    if (!ok || number > max)
        return fail(flag, QStringLiteral("must be at most %1 (got %2)").arg(max).arg(*value));
    out = number;
    return true;
}

bool FlagReader::real(const FlagName &flag, double min, double max, double &out) {
    const std::optional<QString> value = valueToRead(flag);
    if (!value)
        return !failed();
    bool ok = false;
    const double number = value->toDouble(&ok);
    if (!ok || !std::isfinite(number) || number < min || number > max)
        return fail(flag, QStringLiteral("must be a number from %1 to %2 (got %3)")
                              .arg(min, 0, 'g', 12)
                              .arg(max, 0, 'g', 12)
                              .arg(quoted(*value)));
    out = number;
    return true;
}

bool FlagReader::nonEmpty(const FlagName &flag, QString &out) {
    const std::optional<QString> value = valueToRead(flag);
    if (!value)
        return !failed();
    if (value->isEmpty())
        return fail(flag, QStringLiteral("must not be empty"));
    out = *value;
    return true;
}

bool FlagReader::octalMode(const FlagName &flag, std::uint32_t &out) {
    if (!valueToRead(flag))
        return !failed();
    const QString value = text(flag);
    static const QRegularExpression pattern(QStringLiteral("^(0o)?([0-7]+)$"));
    const QRegularExpressionMatch match = pattern.match(value);
    if (!match.hasMatch())
        return fail(flag, "must be an octal mode such as 600, 0600 or 0o600 (got " + quoted(value) + ')');
    bool ok = false;
    const uint mode = match.captured(2).toUInt(&ok, 8);
    if (!ok || mode > 0777)
        return fail(flag, "must be at most 0777 (got " + value + ')');
    out = mode;
    return true;
}

std::optional<QHostAddress> FlagReader::parseAddress(const FlagName &flag, const QString &text) {
    QHostAddress address;
    if (!looksLikeIpLiteral(text) || !address.setAddress(text)) {
        fail(flag, "must be an IP address such as 127.0.0.1 or ::1 (got " + quoted(text) + ')');
        return std::nullopt;
    }
    return address;
}

bool FlagReader::ipAddress(const FlagName &flag, QHostAddress &out) {
    if (!valueToRead(flag))
        return !failed();
    if (const auto address = parseAddress(flag, text(flag)))
        out = *address;
    return !failed();
}

bool FlagReader::ipAndPort(const FlagName &flag, QHostAddress &address, std::uint16_t &port) {
    if (!valueToRead(flag))
        return !failed();
    // IPv6 needs brackets ("[::1]:9100") so the port's colon is unambiguous.
    static const QRegularExpression pattern(QStringLiteral("^(?:\\[([^\\]]*)\\]|([^:\\[\\]]*)):([0-9]{1,5})$"));
    const QString value = text(flag);
    const QRegularExpressionMatch match = pattern.match(value);
    if (!match.hasMatch())
        return fail(flag, "must be IP:PORT such as 127.0.0.1:9100 or [::1]:9100 (got " + quoted(value) + ')');
    const QString host = match.hasCaptured(1) ? match.captured(1) : match.captured(2);
    const auto parsed = parseAddress(flag, host);
    const uint number = match.captured(3).toUInt();
    if (parsed && number > 65535)
        fail(flag, QStringLiteral("port must be at most 65535 (got %1)").arg(number));
    if (failed())
        return false;
    address = *parsed;
    port = static_cast<std::uint16_t>(number);
    return true;
}

}  // namespace varta::config
