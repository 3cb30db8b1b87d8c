#pragma once
// Loads tests/data/vlp-test-vectors.json (upstream's conformance suite) for QtTest
// data functions. Header-only: each test binary includes it once.

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include <cstdint>
#include <span>

namespace varta::test {

inline QJsonObject loadVectors() {
    QFile file(QStringLiteral(VARTA_TEST_DATA_DIR "/vlp-test-vectors.json"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", qPrintable(file.fileName()));
    return QJsonDocument::fromJson(file.readAll()).object();
}

inline QJsonArray vectorGroup(const char *name) { return loadVectors().value(QLatin1String(name)).toArray(); }

inline QByteArray fromHex(const QJsonValue &value) { return QByteArray::fromHex(value.toString().toLatin1()); }

inline std::span<const std::uint8_t> bytesOf(const QByteArray &bytes) {
    return {reinterpret_cast<const std::uint8_t *>(bytes.constData()), static_cast<std::size_t>(bytes.size())};
}

}  // namespace varta::test
