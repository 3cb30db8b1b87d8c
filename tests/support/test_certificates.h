#pragma once
// A self-signed certificate and key for TLS tests, made by the openssl CLI the way
// docs/control.md section 7 tells an operator to: valid for localhost and 127.0.0.1.

#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace varta::test {

inline bool makeCertificate(const QString &cert, const QString &key, const QString &commonName = "localhost") {
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                   "-subj", "/CN=" + commonName, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key,
                   "-out", cert});
    return openssl.waitForFinished(30000) && openssl.exitCode() == 0
           && QFile::setPermissions(key, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

}  // namespace varta::test
