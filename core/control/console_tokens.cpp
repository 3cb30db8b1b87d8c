#include "core/control/console_tokens.h"

#include "core/base/secret_file.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QSet>

#include <openssl/crypto.h>

namespace varta {

namespace {

QByteArray digestOf(QByteArrayView secret) { return QCryptographicHash::hash(secret, QCryptographicHash::Sha256); }

}  // namespace

std::optional<ConsoleTokens> ConsoleTokens::parse(const QByteArray &contents, const QString &path, QString *error) {
    static const QRegularExpression namePattern(QStringLiteral("^[A-Za-z0-9._@-]+$"));
    ConsoleTokens tokens;
    QSet<QString> names;
    QSet<QByteArray> digests;
    const QList<QByteArray> lines = contents.split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArray line = lines[i].simplified();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const auto bad = [&](const QString &problem) {
            *error = QStringLiteral("%1: line %2: %3").arg(path).arg(i + 1).arg(problem);
            return std::nullopt;
        };
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() != 3)
            return bad(QStringLiteral("expected NAME ROLE SECRET, got %1 fields").arg(fields.size()));
        const QString name = QString::fromUtf8(fields[0]);
        if (name.size() > kMaxNameBytes || !namePattern.match(name).hasMatch())
            return bad(QStringLiteral("the name must be 1-%1 letters, digits or . _ @ -").arg(kMaxNameBytes));
        ConsoleToken token{name, false, {}};
        if (fields[1] == "control")
            token.mayAct = true;
        else if (fields[1] != "view")
            return bad(QStringLiteral("the role must be view or control"));
        if (fields[2].size() < kMinSecretBytes)
            return bad(QStringLiteral("the secret must be at least %1 characters").arg(kMinSecretBytes));
        token.digest = digestOf(fields[2]);
        if (names.contains(name))
            return bad(QStringLiteral("the name %1 is used twice").arg(name));
        if (digests.contains(token.digest))
            return bad(QStringLiteral("this secret is already another token's"));
        names.insert(name);
        digests.insert(token.digest);
        tokens.m_tokens.append(token);
    }
    if (tokens.m_tokens.isEmpty()) {
        *error = path + QStringLiteral(": holds no token");
        return std::nullopt;
    }
    return tokens;
}

std::optional<ConsoleTokens> ConsoleTokens::load(const QString &path, QString *error) {
    const SecretFileResult file = readSecretFile(path);
    if (!file.ok()) {
        *error = file.error;
        return std::nullopt;
    }
    return parse(*file.contents, path, error);
}

const ConsoleToken *ConsoleTokens::match(QByteArrayView secret) const {
    // Digests have one length whatever the secret's, so CRYPTO_memcmp compares them whole.
    const QByteArray digest = digestOf(secret);
    const ConsoleToken *found = nullptr;
    for (const ConsoleToken &token : m_tokens)
        if (CRYPTO_memcmp(token.digest.constData(), digest.constData(), static_cast<std::size_t>(digest.size())) == 0)
            found = &token;
    return found;
}

}  // namespace varta
