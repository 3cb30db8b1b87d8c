#include "core/control/ctl_command.h"

#include "core/control/control_client.h"
#include "core/control/ctl_output.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <csignal>
#include <cstdlib>
#include <optional>

namespace varta {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr const char *kDefaultSocket = "/run/varta-watch/control.sock";

constexpr const char *kUsage = R"(usage: varta-watch ctl [--socket PATH] [--json] COMMAND [ARGS...]

  status
  agents [--state STATE] [--pid PID] [--origin ORIGIN]
  agent KEY
  children
  output CHILD
  events [--limit N] [--follow]
  recover KEY...
  kill CHILD
  pause KEY... [--reason TEXT] [--for DURATION]     DURATION: 90s, 15m, 2h, 1d
  resume KEY...
  rearm KEY...
  forget KEY...                                     the agent is gone: drop its row

  --socket PATH   the observer's control socket (default $VARTA_WATCH_CONTROL_SOCKET,
                  else /run/varta-watch/control.sock)
  --json          print the reply's result as one JSON object per line
  KEY is ORIGIN/PID (uds/4242, udp:10.0.0.7/4242) or a bare PID.
)";

enum class Positionals { None, One, AtLeastOne };

struct CommandSpec {
    const char *name;
    Positionals positionals;
    const char *positionalName;
    QStringList valueOptions;  // --name VALUE
    QStringList flagOptions;   // --name
};

const QList<CommandSpec> &commands() {
    static const QList<CommandSpec> specs{
        {"status", Positionals::None, "", {}, {}},
        {"agents", Positionals::None, "", {"state", "pid", "origin"}, {}},
        {"agent", Positionals::One, "KEY", {}, {}},
        {"children", Positionals::None, "", {}, {}},
        {"output", Positionals::One, "CHILD", {}, {}},
        {"events", Positionals::None, "", {"limit"}, {"follow"}},
        {"recover", Positionals::AtLeastOne, "KEY", {}, {}},
        {"kill", Positionals::One, "CHILD", {}, {}},
        {"pause", Positionals::AtLeastOne, "KEY", {"reason", "for"}, {}},
        {"resume", Positionals::AtLeastOne, "KEY", {}, {}},
        {"rearm", Positionals::AtLeastOne, "KEY", {}, {}},
        {"forget", Positionals::AtLeastOne, "KEY", {}, {}},
    };
    return specs;
}

struct Invocation {
    QString socket;
    bool json = false;
    bool help = false;
    QString command;
    QStringList positionals;
    QHash<QString, QString> options;  // flags hold an empty value
    QJsonObject args;
};

std::nullopt_t usageError(QString *usage, QString message) {
    *usage = std::move(message);
    return std::nullopt;
}

void print(std::FILE *stream, const QString &text) {
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<std::size_t>(bytes.size()), stream);
}

void printError(std::FILE *err, const QString &message) {
    print(err, QStringLiteral("varta-watch ctl: ") + message + QLatin1Char('\n'));
}

QString quoted(const QString &text) { return QLatin1Char('"') + text + QLatin1Char('"'); }

std::optional<qint64> parseNumber(const QString &text, qint64 low, qint64 high) {
    static const QRegularExpression digits(QStringLiteral("^[0-9]{1,12}$"));
    if (!digits.match(text).hasMatch())
        return std::nullopt;
    const qint64 number = text.toLongLong();
    if (number < low || number > high)
        return std::nullopt;
    return number;
}

// 90s, 15m, 2h, 1d, or plain seconds: 1 s .. 30 days, in milliseconds.
std::optional<qint64> parseDuration(const QString &text) {
    static const QRegularExpression pattern(QStringLiteral("^([0-9]{1,9})([smhd]?)$"));
    const QRegularExpressionMatch match = pattern.match(text);
    if (!match.hasMatch())
        return std::nullopt;
    qint64 seconds = match.captured(1).toLongLong();
    const QString unit = match.captured(2);
    if (unit == QLatin1String("m"))
        seconds *= 60;
    else if (unit == QLatin1String("h"))
        seconds *= 3600;
    else if (unit == QLatin1String("d"))
        seconds *= 86400;
    return seconds * 1000;
}

// Globals may stand anywhere; everything else belongs to the command, which is the first
// word that is not an option.
std::optional<Invocation> parse(const QStringList &arguments, QString *usage) {
    Invocation invocation;
    const QByteArray fromEnvironment = qgetenv("VARTA_WATCH_CONTROL_SOCKET");
    invocation.socket =
        fromEnvironment.isEmpty() ? QString::fromLatin1(kDefaultSocket) : QString::fromLocal8Bit(fromEnvironment);
    const CommandSpec *spec = nullptr;
    bool optionsEnded = false;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &argument = arguments[i];
        const QString where = spec != nullptr ? QString::fromLatin1(spec->name) + QStringLiteral(": ") : QString();
        if (optionsEnded || !argument.startsWith(QLatin1Char('-')) || argument == QLatin1String("-")) {
            if (spec != nullptr) {
                invocation.positionals.append(argument);
                continue;
            }
            for (const CommandSpec &candidate : commands())
                if (argument == QLatin1String(candidate.name))
                    spec = &candidate;
            if (spec == nullptr)
                return usageError(usage, QStringLiteral("unknown command %1 (see --help)").arg(quoted(argument)));
            invocation.command = argument;
            continue;
        }
        if (argument == QLatin1String("--")) {
            optionsEnded = true;
            continue;
        }
        if (argument == QLatin1String("--help") || argument == QLatin1String("-h")) {
            invocation.help = true;
            continue;
        }
        if (argument == QLatin1String("--json")) {
            invocation.json = true;
            continue;
        }
        const qsizetype equals = argument.indexOf(QLatin1Char('='));
        const QString name = argument.mid(2, equals < 0 ? -1 : equals - 2);
        const bool isGlobal = name == QLatin1String("socket");
        const bool takesValue = isGlobal || (spec != nullptr && spec->valueOptions.contains(name));
        const bool isFlag = spec != nullptr && spec->flagOptions.contains(name);
        if (!argument.startsWith(QLatin1String("--")) || (!takesValue && !isFlag))
            return usageError(usage, where + QStringLiteral("unknown option %1").arg(argument.left(equals)));
        QString value;
        if (isFlag) {
            if (equals >= 0)
                return usageError(usage, where + QStringLiteral("--%1 takes no value").arg(name));
        } else if (equals >= 0) {
            value = argument.mid(equals + 1);
        } else if (i + 1 < arguments.size()) {
            value = arguments[++i];
        } else {
            return usageError(usage, where + QStringLiteral("--%1 needs a value").arg(name));
        }
        if (isGlobal) {
            if (value.isEmpty())
                return usageError(usage, QStringLiteral("--socket: the path is empty"));
            invocation.socket = value;
        } else {
            invocation.options.insert(name, value);
        }
    }
    if (invocation.help)
        return invocation;
    if (spec == nullptr)
        return usageError(usage, QStringLiteral("no command given (see --help)"));

    const QString where = invocation.command + QStringLiteral(": ");
    const QString positionalName = QString::fromLatin1(spec->positionalName);
    switch (spec->positionals) {
    case Positionals::None:
        if (!invocation.positionals.isEmpty())
            return usageError(usage,
                              where + QStringLiteral("unexpected argument %1").arg(quoted(invocation.positionals[0])));
        break;
    case Positionals::One:
        if (invocation.positionals.isEmpty())
            return usageError(usage, where + QStringLiteral("%1 is missing").arg(positionalName));
        if (invocation.positionals.size() > 1)
            return usageError(usage, where
                                         + QStringLiteral("one %1 only; unexpected %2")
                                               .arg(positionalName, quoted(invocation.positionals[1])));
        break;
    case Positionals::AtLeastOne:
        if (invocation.positionals.isEmpty())
            return usageError(usage, where + QStringLiteral("at least one %1 is needed").arg(positionalName));
        break;
    }
    for (const QString &positional : invocation.positionals)
        if (positional.isEmpty())
            return usageError(usage, where + QStringLiteral("an empty %1").arg(positionalName));

    QJsonObject &args = invocation.args;
    const auto option = [&invocation](const char *name) { return invocation.options.value(QString::fromLatin1(name)); };
    const auto has = [&invocation](const char *name) { return invocation.options.contains(QString::fromLatin1(name)); };
    if (spec->positionals == Positionals::AtLeastOne)
        args.insert(QStringLiteral("keys"), QJsonArray::fromStringList(invocation.positionals));
    if (invocation.command == QLatin1String("agent"))
        args.insert(QStringLiteral("key"), invocation.positionals[0]);
    if (invocation.command == QLatin1String("output") || invocation.command == QLatin1String("kill")) {
        const auto child = parseNumber(invocation.positionals[0], 0, qint64{1} << 53);
        if (!child)
            return usageError(
                usage, where + QStringLiteral("CHILD: %1 is not a child id").arg(quoted(invocation.positionals[0])));
        args.insert(QStringLiteral("child"), *child);
    }
    if (has("state")) {
        static const QStringList states{QStringLiteral("up"),         QStringLiteral("degraded"),
                                        QStringLiteral("critical"),   QStringLiteral("stalled"),
                                        QStringLiteral("recovering"), QStringLiteral("gave_up"),
                                        QStringLiteral("paused")};
        if (!states.contains(option("state")))
            return usageError(usage, where
                                         + QStringLiteral("--state: %1 is not a state (%2)")
                                               .arg(quoted(option("state")), states.join(QStringLiteral(", "))));
        args.insert(QStringLiteral("state"), option("state"));
    }
    if (has("pid")) {
        const auto pid = parseNumber(option("pid"), 1, 0x7fffffff);
        if (!pid)
            return usageError(usage, where + QStringLiteral("--pid: %1 is not a pid").arg(quoted(option("pid"))));
        args.insert(QStringLiteral("pid"), *pid);
    }
    if (has("origin")) {
        if (option("origin").isEmpty())
            return usageError(usage, where + QStringLiteral("--origin: the origin is empty"));
        args.insert(QStringLiteral("origin"), option("origin"));
    }
    if (has("limit")) {
        const auto limit = parseNumber(option("limit"), 1, 1000);
        if (!limit)
            return usageError(
                usage,
                where + QStringLiteral("--limit: %1 is not a number from 1 to 1000").arg(quoted(option("limit"))));
        args.insert(QStringLiteral("limit"), *limit);
    }
    if (has("follow"))
        args.insert(QStringLiteral("follow"), true);
    if (has("reason"))
        args.insert(QStringLiteral("reason"), option("reason"));
    if (has("for")) {
        const auto ms = parseDuration(option("for"));
        if (!ms)
            return usageError(
                usage,
                where + QStringLiteral("--for: %1 is not a duration (90s, 15m, 2h, 1d)").arg(quoted(option("for"))));
        if (*ms < 1000 || *ms > qint64{30} * 86400 * 1000)
            return usageError(
                usage, where + QStringLiteral("--for: %1 is out of range (1s .. 30d)").arg(quoted(option("for"))));
        args.insert(QStringLiteral("for_ms"), *ms);
    }
    return invocation;
}

volatile std::sig_atomic_t g_interrupted = 0;

void onInterrupt(int) { g_interrupted = 1; }

// SIGINT ends `events --follow` cleanly while it waits; the previous disposition comes
// back when the stream ends.
class InterruptScope {
public:
    InterruptScope() {
        g_interrupted = 0;
        struct sigaction action {};
        action.sa_handler = onInterrupt;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGINT, &action, &m_previous);
    }
    ~InterruptScope() { ::sigaction(SIGINT, &m_previous, nullptr); }
    InterruptScope(const InterruptScope &) = delete;
    InterruptScope &operator=(const InterruptScope &) = delete;

private:
    struct sigaction m_previous {};
};

QString compactLine(const QJsonObject &object) {
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)) + QLatin1Char('\n');
}

// Prints a stream's events until it ends. The reader going away (a closed pipe) or
// SIGINT is a normal end.
int follow(ControlClient &client, const Invocation &invocation, const TextTable &table, std::FILE *out,
           std::FILE *err) {
    client.setInterruptFlag(&g_interrupted);
    for (;;) {
        QString error;
        const std::optional<QJsonObject> message = client.readMessage(&error);
        if (!message) {
            if (client.wasInterrupted() || error.isEmpty())
                return kExitOk;
            printError(err, error);
            return kExitFailed;
        }
        if (!message->value(QStringLiteral("ok")).toBool(true)) {
            printError(err, message->value(QStringLiteral("error")).toString());
            return kExitFailed;
        }
        const QJsonValue event = message->value(QStringLiteral("event"));
        if (!event.isObject())
            continue;
        print(out,
              invocation.json ? compactLine(event.toObject()) : table.renderRow(ctl::eventCells(event.toObject())));
        if (std::fflush(out) != 0 || std::ferror(out))
            return kExitOk;
    }
}

int run(const Invocation &invocation, std::FILE *out, std::FILE *err) {
    // Before the request, so that no SIGINT after the stream has begun finds the default
    // disposition.
    std::optional<InterruptScope> interruptScope;
    if (invocation.args.value(QStringLiteral("follow")).toBool())
        interruptScope.emplace();
    ControlClient client;
    QString error;
    if (!client.connectTo(invocation.socket, &error)) {
        printError(err, error);
        return kExitFailed;
    }
    const std::optional<QJsonObject> reply = client.request(invocation.command, invocation.args, &error);
    if (!reply) {
        printError(err, error);
        return kExitFailed;
    }
    if (!reply->value(QStringLiteral("ok")).toBool()) {
        const QString code = reply->value(QStringLiteral("code")).toString();
        const QString text = reply->value(QStringLiteral("error")).toString();
        printError(err, text.isEmpty() ? code : text);
        return kExitFailed;
    }
    const QJsonObject result = reply->value(QStringLiteral("result")).toObject();
    const QString &command = invocation.command;
    if (result.contains(QStringLiteral("results"))) {
        const ctl::ResultLines lines = ctl::renderResults(command, result);
        if (invocation.json)
            print(out, compactLine(result));
        for (const QString &done : invocation.json ? QStringList() : lines.done)
            print(out, done + QLatin1Char('\n'));
        std::fflush(out);
        for (const QString &failure : lines.failed)
            printError(err, failure);
        return lines.failed.isEmpty() ? kExitOk : kExitFailed;
    }
    if (invocation.json) {
        print(out, compactLine(result));
    } else if (command == QLatin1String("status")) {
        print(out, ctl::renderStatus(result));
    } else if (command == QLatin1String("agents")) {
        print(out, ctl::renderAgents(result));
    } else if (command == QLatin1String("agent")) {
        print(out, ctl::renderAgent(result));
    } else if (command == QLatin1String("children")) {
        print(out, ctl::renderChildren(result));
    } else if (command == QLatin1String("output")) {
        print(out, ctl::renderOutput(result));
    }
    const bool following = invocation.args.value(QStringLiteral("follow")).toBool();
    const TextTable table = ctl::eventsTable(result);
    if (command == QLatin1String("events") && !invocation.json)
        print(out, table.isEmpty() && !following ? QStringLiteral("no events\n") : table.render());
    std::fflush(out);
    return following ? follow(client, invocation, table, out, err) : kExitOk;
}

}  // namespace

int runCtl(const QStringList &args, std::FILE *out, std::FILE *err) {
    QString usage;
    const std::optional<Invocation> invocation = parse(args, &usage);
    if (!invocation) {
        printError(err, usage);
        return kExitUsage;
    }
    if (invocation->help) {
        print(out, QString::fromLatin1(kUsage));
        return kExitOk;
    }
    return run(*invocation, out, err);
}

}  // namespace varta
