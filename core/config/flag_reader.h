#pragma once
// Typed, validated reads of the flags in a parsed QCommandLineParser.
//
// The first problem wins and later reads leave their targets alone, so a caller reads
// every flag unconditionally and checks failed() once; the user sees one line about the
// first thing to fix.

#include <QCommandLineParser>
#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>

namespace varta::config {

class FlagReader {
public:
    explicit FlagReader(const QCommandLineParser &parser);

    bool isSet(const QString &flag) const;
    QString text(const QString &flag) const;       // the last value given
    QStringList texts(const QString &flag) const;  // every value, in order

    // Each assigns `out` only when the flag is given and its value is valid.
    void integer(const QString &flag, std::int64_t min, std::int64_t max, std::int64_t &out);
    void integer(const QString &flag, std::int64_t min, std::int64_t max, std::optional<std::int64_t> &out);
    template <typename T>
    void integer(const QString &flag, std::int64_t min, std::int64_t max, T &out) {
        std::int64_t value = static_cast<std::int64_t>(out);
        integer(flag, min, max, value);
        out = static_cast<T>(value);
    }
    void nonEmpty(const QString &flag, QString &out);
    void octalMode(const QString &flag, std::uint32_t &out);
    void ipAddress(const QString &flag, QHostAddress &out);
    void ipAndPort(const QString &flag, QHostAddress &address, std::uint16_t &port);

    // Records `problem` for --flag unless an earlier problem was recorded.
    void fail(const QString &flag, const QString &problem);
    bool failed() const { return !m_error.isEmpty(); }
    const QString &error() const { return m_error; }  // "--flag: problem"

private:
    std::optional<std::int64_t> parseInteger(const QString &flag, std::int64_t min, std::int64_t max);
    std::optional<QHostAddress> parseAddress(const QString &flag, const QString &text);

    const QCommandLineParser &m_parser;
    QString m_error;
};

}  // namespace varta::config
