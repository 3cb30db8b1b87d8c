#include "core/config/file_flags.h"

#include "core/base/secret_file.h"
#include "core/config/validation.h"

#include <optional>

namespace varta::config {
namespace {

// What one secret file yielded: its contents, or the line to print.
struct Loaded {
    QByteArray contents;
    QString error;
};

Loaded load(const QString &flag, const QString &path) {
    const SecretFileResult result = readSecretFile(path);
    if (!result.ok())
        return {{}, "--" + flag + ": " + result.error};
    return {*result.contents, {}};
}

QString problem(const QString &flag, const QString &path, const QString &what) {
    return "--" + flag + ": " + path + ": " + what;
}

// The file a single-valued flag names, loaded; nullopt when the flag is not given.
std::optional<Loaded> loadNamedFile(const FlagReader &reader, const QString &flag, QString &path) {
    if (!reader.isSet(flag))
        return std::nullopt;
    path = reader.text(flag);
    return load(flag, path);
}

QString loadKeyFile(const QString &flag, const QString &path, QByteArray &key) {
    const Loaded file = load(flag, path);
    if (!file.error.isEmpty())
        return file.error;
    const auto parsed = parseHexKey(file.contents);
    if (!parsed)
        return problem(flag, path, QStringLiteral("must hold exactly one key of 64 hex characters"));
    key = *parsed;
    return {};
}

// One key per line; blank lines and lines starting with # are skipped.
QString loadAcceptedKeys(const QString &flag, const QString &path, QList<QByteArray> &keys) {
    const Loaded file = load(flag, path);
    if (!file.error.isEmpty())
        return file.error;
    const QList<QByteArray> lines = file.contents.split('\n');
    qsizetype found = 0;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const auto key = parseHexKey(line);
        if (!key)
            return problem(flag, path, QStringLiteral("line %1: not a key of 64 hex characters").arg(i + 1));
        keys << *key;
        ++found;
    }
    if (found == 0)
        return problem(flag, path, QStringLiteral("holds no key"));
    return {};
}

QString loadKeys(const FlagReader &reader, SecureOptions &secure) {
    const QString keyFlag = QStringLiteral("key-file");
    if (reader.isSet(keyFlag)) {
        QByteArray key;
        if (QString error = loadKeyFile(keyFlag, reader.text(keyFlag), key); !error.isEmpty())
            return error;
        secure.keys << key;
    }
    const QString acceptedFlag = QStringLiteral("accepted-key-file");
    for (const QString &path : reader.texts(acceptedFlag)) {
        if (QString error = loadAcceptedKeys(acceptedFlag, path, secure.keys); !error.isEmpty())
            return error;
    }
    const QString masterFlag = QStringLiteral("master-key-file");
    if (reader.isSet(masterFlag)) {
        QByteArray key;
        if (QString error = loadKeyFile(masterFlag, reader.text(masterFlag), key); !error.isEmpty())
            return error;
        secure.masterKey = key;
    }
    return {};
}

QString loadPromToken(const FlagReader &reader, PromOptions &prom) {
    const QString flag = QStringLiteral("prom-token-file");
    QString path;
    const std::optional<Loaded> file = loadNamedFile(reader, flag, path);
    if (!file || !file->error.isEmpty())
        return file ? file->error : QString();
    // The token is compared as text, so keep the characters, not the bytes they encode.
    const QByteArray token = file->contents.trimmed();
    if (!parseHexKey(token))
        return problem(flag, path, QStringLiteral("must hold a token of 64 hex characters"));
    prom.token = token;
    return {};
}

QString loadRecoveryExecFile(const FlagReader &reader, RecoveryOptions &recovery) {
    const QString flag = QStringLiteral("recovery-exec-file");
    QString path;
    const std::optional<Loaded> file = loadNamedFile(reader, flag, path);
    if (!file || !file->error.isEmpty())
        return file ? file->error : QString();
    const QStringList command = splitCommand(QString::fromUtf8(file->contents));
    if (command.isEmpty())
        return problem(flag, path, QStringLiteral("holds no command"));
    recovery.execTemplate = command;
    recovery.execSource = path;
    return {};
}

}  // namespace

QString loadSecretFiles(const FlagReader &reader, Options &options) {
    if (QString error = loadKeys(reader, options.secure); !error.isEmpty())
        return error;
    if (QString error = loadPromToken(reader, options.prom); !error.isEmpty())
        return error;
    return loadRecoveryExecFile(reader, options.recovery);
}

}  // namespace varta::config
