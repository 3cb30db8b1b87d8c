#include "core/recovery/operator_state_file.h"

#include "core/base/directory_sync.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace varta {

namespace {

constexpr const char *kTemporarySuffix = ".tmp";
constexpr qint64 kReadChunkBytes = 64 * 1024;

QString errnoText(int error) { return QString::fromLocal8Bit(std::strerror(error)); }

class FdCloser {
public:
    explicit FdCloser(int fd) : m_fd(fd) {}
    ~FdCloser() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    FdCloser(const FdCloser &) = delete;
    FdCloser &operator=(const FdCloser &) = delete;
    // Closes now, for a caller that must see close()'s error (a write-back failure).
    int close() {
        const int result = ::close(m_fd);
        m_fd = -1;
        return result;
    }

private:
    int m_fd;
};

// ---- reading ---------------------------------------------------------------------------

enum class ReadResult : std::uint8_t { Missing, Read, Failed };

// At most kMaxFileBytes + 1 bytes, whatever the file claims its size is. O_NONBLOCK: a
// FIFO at the path must not hang the start-up (it is refused as no regular file).
ReadResult readCapped(const QString &path, QByteArray *bytes, QString *problem) {
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT)
            return ReadResult::Missing;
        *problem = QStringLiteral("cannot open it (%1)").arg(errnoText(errno));
        return ReadResult::Failed;
    }
    const FdCloser closer(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        *problem = QStringLiteral("cannot read it (%1)").arg(errnoText(errno));
        return ReadResult::Failed;
    }
    if (S_ISDIR(st.st_mode)) {
        *problem = QStringLiteral("it is a directory");
        return ReadResult::Failed;
    }
    if (!S_ISREG(st.st_mode)) {
        *problem = QStringLiteral("it is not a regular file");
        return ReadResult::Failed;
    }
    const auto tooLarge = [&](qint64 size) {
        *problem = QStringLiteral("too large (%1 bytes, at most %2)").arg(size).arg(OperatorStateFile::kMaxFileBytes);
        return ReadResult::Failed;
    };
    if (st.st_size > OperatorStateFile::kMaxFileBytes)
        return tooLarge(st.st_size);
    bytes->clear();
    bytes->reserve(qsizetype(st.st_size) + 1);
    for (;;) {
        const qint64 room = OperatorStateFile::kMaxFileBytes + 1 - bytes->size();
        if (room <= 0)
            return tooLarge(bytes->size());  // it grew while it was read
        const qsizetype at = bytes->size();
        bytes->resize(at + qsizetype(std::min(room, kReadChunkBytes)));
        const ssize_t n = ::read(fd, bytes->data() + at, size_t(bytes->size() - at));
        if (n < 0 && errno == EINTR) {
            bytes->resize(at);
            continue;
        }
        if (n < 0) {
            *problem = QStringLiteral("cannot read it (%1)").arg(errnoText(errno));
            return ReadResult::Failed;
        }
        bytes->resize(at + n);
        if (n == 0)
            return ReadResult::Read;
    }
}

// ---- parsing ---------------------------------------------------------------------------

// A whole JSON number that fits in 64 bits (Unix milliseconds are far inside that).
bool integerOf(const QJsonValue &value, std::int64_t *out) {
    if (!value.isDouble())
        return false;
    const qint64 a = value.toInteger(0);
    if (a != value.toInteger(1))
        return false;  // not whole, or out of range: each default came back
    *out = a;
    return true;
}

// Fills *why with "where: what" for the first thing that is wrong.
class EntryParser {
public:
    EntryParser(qsizetype index, QString *why) : m_index(index), m_why(why) {}

    bool parse(const QJsonValue &value, OperatorAgentState *out) {
        if (!value.isObject())
            return fail(QString(), QStringLiteral("not an object"));
        const QJsonObject entry = value.toObject();
        const QJsonValue key = entry.value(QLatin1String("key"));
        if (!key.isString())
            return fail(QStringLiteral("key"), QStringLiteral("not a string"));
        const std::optional<AgentKey> agent = AgentKey::parse(key.toString());
        if (!agent)
            return fail(QStringLiteral("key"), QStringLiteral("\"%1\" is no agent key").arg(key.toString()));
        out->key = *agent;
        const QJsonValue paused = entry.value(QLatin1String("paused"));
        if (paused.isObject()) {
            out->pause.emplace();
            if (!parsePause(paused.toObject(), &*out->pause))
                return false;
        } else if (!paused.isNull()) {
            return fail(QStringLiteral("paused"), QStringLiteral("neither an object nor null"));
        }
        const QJsonValue gaveUp = entry.value(QLatin1String("gave_up"));
        if (!gaveUp.isBool())
            return fail(QStringLiteral("gave_up"), QStringLiteral("not a boolean"));
        out->gaveUp = gaveUp.toBool();
        const QJsonValue attempts = entry.value(QLatin1String("attempts_unix_ms"));
        if (!attempts.isArray())
            return fail(QStringLiteral("attempts_unix_ms"), QStringLiteral("not an array"));
        for (const QJsonValue &attempt : attempts.toArray()) {
            std::int64_t at = 0;
            if (!integerOf(attempt, &at))
                return fail(QStringLiteral("attempts_unix_ms"), QStringLiteral("holds something not an integer"));
            out->attemptsUnixMs.push_back(at);
        }
        return true;
    }

private:
    bool parsePause(const QJsonObject &pause, PauseInfo *out) {
        const QJsonValue by = pause.value(QLatin1String("by"));
        const QJsonValue reason = pause.value(QLatin1String("reason"));
        if (!by.isString())
            return fail(QStringLiteral("paused.by"), QStringLiteral("not a string"));
        if (!reason.isString())
            return fail(QStringLiteral("paused.reason"), QStringLiteral("not a string"));
        out->by = by.toString();
        out->reason = reason.toString();
        if (!integerOf(pause.value(QLatin1String("since_unix_ms")), &out->sinceUnixMs))
            return fail(QStringLiteral("paused.since_unix_ms"), QStringLiteral("not an integer"));
        const QJsonValue until = pause.value(QLatin1String("until_unix_ms"));
        std::int64_t untilMs = 0;
        if (integerOf(until, &untilMs))
            out->untilUnixMs = untilMs;
        else if (!until.isNull())
            return fail(QStringLiteral("paused.until_unix_ms"), QStringLiteral("neither an integer nor null"));
        return true;
    }

    bool fail(const QString &field, const QString &what) {
        *m_why = QStringLiteral("agents[%1]%2: %3")
                     .arg(m_index)
                     .arg(field.isEmpty() ? QString() : QLatin1Char('.') + field, what);
        return false;
    }

    qsizetype m_index;
    QString *m_why;
};

// The problem with the document, phrased to follow "PATH: "; empty when it is good.
QString parseDocument(const QByteArray &bytes, OperatorState *state) {
    const auto notOurs = [](const QString &why) {
        return QStringLiteral("not a varta-watch state file (%1)").arg(why);
    };
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return notOurs(QStringLiteral("not JSON: %1 at byte %2").arg(parseError.errorString()).arg(parseError.offset));
    if (!document.isObject())
        return notOurs(QStringLiteral("not a JSON object"));
    const QJsonObject root = document.object();
    const QJsonValue format = root.value(QLatin1String("format"));
    if (format.toString() != QLatin1String(OperatorStateFile::kFormat)) {
        return notOurs(format.isString() ? QStringLiteral("format is \"%1\"").arg(format.toString())
                                         : QStringLiteral("no format string"));
    }
    std::int64_t version = 0;
    if (!integerOf(root.value(QLatin1String("version")), &version))
        return notOurs(QStringLiteral("version: not an integer"));
    if (version > OperatorStateFile::kVersion) {
        return QStringLiteral("written by a newer varta-watch (version %1, this one reads %2)")
            .arg(version)
            .arg(OperatorStateFile::kVersion);
    }
    if (version != OperatorStateFile::kVersion)
        return notOurs(QStringLiteral("unknown version %1").arg(version));
    std::int64_t savedUnixMs = 0;
    if (!integerOf(root.value(QLatin1String("saved_unix_ms")), &savedUnixMs))
        return notOurs(QStringLiteral("saved_unix_ms: not an integer"));
    const QJsonValue agents = root.value(QLatin1String("agents"));
    if (!agents.isArray())
        return notOurs(QStringLiteral("agents: not an array"));
    const QJsonArray entries = agents.toArray();
    if (std::size_t(entries.size()) > OperatorStateFile::kMaxAgents) {
        return notOurs(QStringLiteral("%1 agents, at most %2").arg(entries.size()).arg(OperatorStateFile::kMaxAgents));
    }
    std::unordered_set<AgentKey> seen;
    state->agents.reserve(std::size_t(entries.size()));
    for (qsizetype i = 0; i < entries.size(); ++i) {
        OperatorAgentState agent;
        QString why;
        if (!EntryParser(i, &why).parse(entries.at(i), &agent))
            return notOurs(why);
        if (!seen.insert(agent.key).second)
            return notOurs(QStringLiteral("agents[%1]: %2 appears twice").arg(i).arg(agent.key.text()));
        state->agents.push_back(std::move(agent));
    }
    return {};
}

// ---- writing ---------------------------------------------------------------------------

void appendString(QByteArray &out, const QString &text) {
    out += '"';
    for (const char c : text.toUtf8()) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", unsigned(byte));
            out += escaped;
        } else {
            out += c;
        }
    }
    out += '"';
}

// By hand rather than through QJsonObject, which would sort the keys: a reader of the
// file sees "format" and "version" first, and one agent per line.
QByteArray serialise(const OperatorState &state, std::int64_t savedUnixMs) {
    QByteArray out;
    out += "{\"format\":";
    appendString(out, QLatin1String(OperatorStateFile::kFormat));
    out += ",\"version\":" + QByteArray::number(OperatorStateFile::kVersion);
    out += ",\"saved_unix_ms\":" + QByteArray::number(savedUnixMs);
    out += ",\"agents\":[";
    bool first = true;
    for (const OperatorAgentState &agent : state.agents) {
        out += first ? "\n{\"key\":" : ",\n{\"key\":";
        first = false;
        appendString(out, agent.key.text());
        out += ",\"paused\":";
        if (const auto &pause = agent.pause) {
            out += "{\"by\":";
            appendString(out, pause->by);
            out += ",\"reason\":";
            appendString(out, pause->reason);
            out += ",\"since_unix_ms\":" + QByteArray::number(pause->sinceUnixMs);
            out += ",\"until_unix_ms\":";
            out += pause->untilUnixMs ? QByteArray::number(*pause->untilUnixMs) : QByteArrayLiteral("null");
            out += '}';
        } else {
            out += "null";
        }
        out += agent.gaveUp ? ",\"gave_up\":true" : ",\"gave_up\":false";
        out += ",\"attempts_unix_ms\":[";
        for (std::size_t i = 0; i < agent.attemptsUnixMs.size(); ++i)
            out += (i ? "," : "") + QByteArray::number(agent.attemptsUnixMs[i]);
        out += "]}";
    }
    out += first ? "]}\n" : "\n]}\n";
    return out;
}

bool writeAll(int fd, const QByteArray &bytes) {
    qsizetype done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.constData() + done, size_t(bytes.size() - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (n == 0) {
            errno = EIO;  // no progress and no reason given
            return false;
        }
        done += n;
    }
    return true;
}

}  // namespace

OperatorStateFile::Loaded OperatorStateFile::load(const QString &path) {
    Loaded loaded;
    QByteArray bytes;
    QString problem;
    const ReadResult read = readCapped(path, &bytes, &problem);
    if (read == ReadResult::Missing)
        return loaded;
    if (read == ReadResult::Read)
        problem = parseDocument(bytes, &loaded.state);
    if (!problem.isEmpty()) {
        loaded.state = {};
        loaded.warning = QStringLiteral("%1: %2; starting with no saved pauses").arg(path, problem);
    }
    return loaded;
}

bool OperatorStateFile::save(const QString &path, const OperatorState &state, QString *error) {
    if (state.agents.size() > kMaxAgents) {
        *error = QStringLiteral("%1: not saved: %2 agents, more than the %3 a state file holds")
                     .arg(path)
                     .arg(state.agents.size())
                     .arg(kMaxAgents);
        return false;
    }
    const QByteArray bytes = serialise(state, QDateTime::currentMSecsSinceEpoch());
    if (bytes.size() > kMaxFileBytes) {
        *error = QStringLiteral("%1: not saved: %2 bytes, more than the %3 a state file may hold")
                     .arg(path)
                     .arg(bytes.size())
                     .arg(kMaxFileBytes);
        return false;
    }
    const QString temporaryPath = path + QLatin1String(kTemporarySuffix);
    const QByteArray temporary = QFile::encodeName(temporaryPath);
    const auto fail = [&](const char *step) {
        *error =
            QStringLiteral("%1: not saved: %2: %3: %4").arg(path, temporaryPath, QLatin1String(step), errnoText(errno));
        ::unlink(temporary.constData());  // a symlink found there goes too, never its target
        return false;
    };
    const int fd = ::open(temporary.constData(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return fail("open");
    FdCloser closer(fd);
    if (::fchmod(fd, 0600) != 0)  // exactly 0600, whatever the umask or a leftover's mode
        return fail("chmod");
    if (!writeAll(fd, bytes))
        return fail("write");
    if (::fsync(fd) != 0)
        return fail("fsync");
    if (closer.close() != 0)
        return fail("close");
    if (::rename(temporary.constData(), QFile::encodeName(path).constData()) != 0)
        return fail("rename");
    syncDirectoryOf(path);
    return true;
}

}  // namespace varta
