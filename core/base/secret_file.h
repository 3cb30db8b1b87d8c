#pragma once
// Reading secrets (key files, the metrics token, --recovery-exec-file) under the
// "secret file" rules of docs/compat.md section 1: no symlinks, a regular file, no group or
// other permission bits, owned by our uid.

#include <QByteArray>
#include <QString>

#include <optional>

namespace varta {

struct SecretFileResult {
    std::optional<QByteArray> contents;  // set on success
    QString error;                       // on failure: "PATH: problem", e.g.
                                         // "/etc/k: insecure permissions 644 (must be 0600 or stricter)"
    bool ok() const { return contents.has_value(); }
};

inline constexpr qint64 kSecretFileMaxBytes = 64 * 1024;  // a secret file larger than this is refused

SecretFileResult readSecretFile(const QString &path);

// One 32-byte key from 64 hex characters (surrounding whitespace allowed); nullopt otherwise.
std::optional<QByteArray> parseHexKey(QByteArrayView text);

}  // namespace varta
