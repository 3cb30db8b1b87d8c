#pragma once
// What a console presents and trusts when it attaches to a HOST:PORT observer, read from
// files the operator names (--attach-token-file, --attach-ca, File -> Connect to
// observer): the token from a private file under the project's secret-file rules, and the
// PEM certificates trusted for TLS. Never kept anywhere else: settings hold the paths.

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QString>

#include <optional>

namespace varta {

// The first line of a private file (0600 or stricter, ours, no symlink), trimmed; nullopt
// with *error naming the file and the problem.
std::optional<QByteArray> readAttachToken(const QString &path, QString *error);
// Every PEM certificate in the file (at least one); nullopt with *error naming the file.
std::optional<QList<QSslCertificate>> readAttachCa(const QString &path, QString *error);

}  // namespace varta
