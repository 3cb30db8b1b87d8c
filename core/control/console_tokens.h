#pragma once
// The bearer tokens a remote console names in its hello (--console-token-file,
// docs/control.md section 7). The file is a secret file (core/base/secret_file: 0600, ours,
// no link); each line is `NAME ROLE SECRET`, ROLE `view` or `control`, with `#` comments
// and blank lines. Only a digest of each secret is kept, and a secret is looked up by
// comparing digests in constant time against every token, so neither the time a hello
// takes nor its answer says which part of a wrong secret was wrong.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <optional>

namespace varta {

struct ConsoleToken {
    QString name;
    bool mayAct = false;  // role `control`; `view` may read and stream only
    QByteArray digest;    // SHA-256 of the secret

    bool operator==(const ConsoleToken &) const = default;
};

class ConsoleTokens {
public:
    static constexpr qsizetype kMinSecretBytes = 16;
    static constexpr qsizetype kMaxNameBytes = 64;

    // The tokens in `contents`, read from `path`; nullopt with *error "PATH: line N: problem".
    static std::optional<ConsoleTokens> parse(const QByteArray &contents, const QString &path, QString *error);
    // Reads `path` under the secret-file rules, then parses it.
    static std::optional<ConsoleTokens> load(const QString &path, QString *error);

    // The token whose secret this is, or nullptr. Every token is compared, whatever matches.
    const ConsoleToken *match(QByteArrayView secret) const;
    bool contains(const ConsoleToken &token) const { return m_tokens.contains(token); }
    qsizetype size() const { return m_tokens.size(); }
    bool isEmpty() const { return m_tokens.isEmpty(); }

private:
    QList<ConsoleToken> m_tokens;
};

}  // namespace varta
