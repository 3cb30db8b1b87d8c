#pragma once
// Typed, validated reads of the flags in a parsed QCommandLineParser, for both programs
// (varta-watch's flag table and varta-beat's options).
//
// The first problem wins and later reads leave their targets alone, so a caller may read
// every flag unconditionally and check failed() once; the user sees one line about the
// first thing to fix. Each read also returns !failed(), so reads can be chained with &&.

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>

namespace varta::config {

// A flag by its long name ("threshold-ms"), however the caller holds it.
struct FlagName {
    FlagName(const QString &name) : name(name) {}                    // NOLINT(google-explicit-constructor)
    FlagName(const char *name) : name(QString::fromLatin1(name)) {}  // NOLINT(google-explicit-constructor)
    FlagName(const QCommandLineOption &option)                       // NOLINT(google-explicit-constructor)
        : name(option.names().constFirst()) {}
    QString name;
};

class FlagReader {
public:
    explicit FlagReader(const QCommandLineParser &parser);

    bool isSet(const FlagName &flag) const;
    QString text(const FlagName &flag) const;       // the last value given
    QStringList texts(const FlagName &flag) const;  // every value, in order

    // Each assigns `out` only when the flag is given and its value is valid.
    bool integer(const FlagName &flag, std::int64_t min, std::int64_t max, std::int64_t &out);
    bool integer(const FlagName &flag, std::int64_t min, std::int64_t max, std::optional<std::int64_t> &out);
    template <typename T>
    bool integer(const FlagName &flag, std::int64_t min, std::int64_t max, T &out) {
        std::int64_t value = static_cast<std::int64_t>(out);
        const bool ok = integer(flag, min, max, value);
        out = static_cast<T>(value);
        return ok;
    }
    // For values that may pass the largest int64 (counts, nonces).
    bool unsignedInteger(const FlagName &flag, std::uint64_t min, std::uint64_t max, std::uint64_t &out);
    template <typename T>
    bool unsignedInteger(const FlagName &flag, std::uint64_t min, std::uint64_t max, T &out) {
        std::uint64_t value = static_cast<std::uint64_t>(out);
        const bool ok = unsignedInteger(flag, min, max, value);
        out = static_cast<T>(value);
        return ok;
    }
    bool real(const FlagName &flag, double min, double max, double &out);
    bool nonEmpty(const FlagName &flag, QString &out);
    bool octalMode(const FlagName &flag, std::uint32_t &out);
    bool ipAddress(const FlagName &flag, QHostAddress &out);
    bool ipAndPort(const FlagName &flag, QHostAddress &address, std::uint16_t &port);

    // Records `problem` for --flag unless an earlier problem was recorded; false, so a
    // caller can `return reader.fail(...)`.
    bool fail(const FlagName &flag, const QString &problem);
    // A problem that is about no single flag ("--udp or --socket is required").
    bool fail(const QString &problem);
    bool failed() const { return !m_error.isEmpty(); }
    const QString &error() const { return m_error; }  // "--flag: problem"

private:
    std::optional<QString> valueToRead(const FlagName &flag) const;  // set and nothing failed yet
    std::optional<std::int64_t> parseInteger(const FlagName &flag, std::int64_t min, std::int64_t max);
    std::optional<QHostAddress> parseAddress(const FlagName &flag, const QString &text);

    const QCommandLineParser &m_parser;
    QString m_error;
};

}  // namespace varta::config
