#include "core/attach/attach_credentials.h"

#include "core/base/secret_file.h"

#include <QFile>

namespace varta {

std::optional<QByteArray> readAttachToken(const QString &path, QString *error) {
    const SecretFileResult secret = readSecretFile(path);
    if (!secret.ok()) {
        *error = secret.error;
        return std::nullopt;
    }
    const QByteArray token = secret.contents->split('\n').value(0).trimmed();
    if (token.isEmpty()) {
        *error = path + QStringLiteral(": its first line holds no token");
        return std::nullopt;
    }
    return token;
}

std::optional<QList<QSslCertificate>> readAttachCa(const QString &path, QString *error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = path + QStringLiteral(": ") + file.errorString();
        return std::nullopt;
    }
    QList<QSslCertificate> certificates = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
    if (certificates.isEmpty()) {
        *error = path + QStringLiteral(": holds no PEM certificate");
        return std::nullopt;
    }
    return certificates;
}

}  // namespace varta
