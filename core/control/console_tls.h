#pragma once
// The certificate and private key a remote console's TLS connection is served with
// (--console-cert, --console-key; docs/control.md section 7). Read once at start: a file
// that cannot be read or parsed is a start-up failure naming the file. The key is a secret
// file (core/base/secret_file: 0600, ours, no link); the certificate is public.

#include <QList>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>

#include <optional>

namespace varta {

struct ConsoleTls {
    QList<QSslCertificate> chain;  // the server's certificate first, then any intermediates
    QSslKey key;

    // nullopt with *error "PATH: problem".
    static std::optional<ConsoleTls> load(const QString &certPath, const QString &keyPath, QString *error);
};

}  // namespace varta
