#include "core/control/console_tls.h"

#include "core/base/secret_file.h"

#include <QFile>
#include <QSslSocket>

#include <memory>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace varta {

namespace {

// Qt has no way to ask whether a private key is a certificate's: a mismatch would
// otherwise show only as every handshake failing.
bool keyMatches(const QByteArray &certPem, const QByteArray &keyPem) {
    const std::unique_ptr<BIO, decltype(&BIO_free)> certBio(BIO_new_mem_buf(certPem.constData(), int(certPem.size())),
                                                            &BIO_free);
    const std::unique_ptr<BIO, decltype(&BIO_free)> keyBio(BIO_new_mem_buf(keyPem.constData(), int(keyPem.size())),
                                                           &BIO_free);
    if (!certBio || !keyBio)
        return false;
    const std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr),
                                                           &X509_free);
    const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    return cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
}

}  // namespace

std::optional<ConsoleTls> ConsoleTls::load(const QString &certPath, const QString &keyPath, QString *error) {
    if (!QSslSocket::supportsSsl()) {
        *error = certPath + QStringLiteral(": TLS is not available (Qt found no TLS backend)");
        return std::nullopt;
    }
    QFile certFile(certPath);
    if (!certFile.open(QIODevice::ReadOnly)) {
        *error = certPath + QStringLiteral(": cannot open: ") + certFile.errorString();
        return std::nullopt;
    }
    ConsoleTls tls;
    tls.chain = QSslCertificate::fromData(certFile.read(kSecretFileMaxBytes), QSsl::Pem);
    if (tls.chain.isEmpty() || tls.chain.constFirst().isNull()) {
        *error = certPath + QStringLiteral(": holds no PEM certificate");
        return std::nullopt;
    }
    const SecretFileResult keyFile = readSecretFile(keyPath);
    if (!keyFile.ok()) {
        *error = keyFile.error;
        return std::nullopt;
    }
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Ec, QSsl::Rsa, QSsl::Dsa}) {
        tls.key = QSslKey(*keyFile.contents, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!tls.key.isNull())
            break;
    }
    if (tls.key.isNull()) {
        *error = keyPath + QStringLiteral(": holds no unencrypted PEM private key (EC, RSA or DSA)");
        return std::nullopt;
    }
    if (!keyMatches(tls.chain.constFirst().toPem(), *keyFile.contents)) {
        *error = keyPath + QStringLiteral(": this key does not belong to the certificate in ") + certPath;
        return std::nullopt;
    }
    return tls;
}

}  // namespace varta
