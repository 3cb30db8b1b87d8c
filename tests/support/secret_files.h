#pragma once
// Secret files as varta-watch wants them (regular, 0600, ours): a random /metrics token
// and the file that holds it.

#include <QByteArray>
#include <QFile>
#include <QRandomGenerator>
#include <QString>

namespace varta::test {

// 64 hex characters, as `openssl rand -hex 32` makes them.
inline QByteArray randomToken() {
    QByteArray raw(32, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(raw.data()), 8);
    return raw.toHex();
}

inline bool writeSecretFile(const QString &path, const QByteArray &content) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        return false;
    file.close();
    return file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

}  // namespace varta::test
