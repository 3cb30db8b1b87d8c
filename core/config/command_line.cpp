#include "core/config/command_line.h"

#include "core/config/file_flags.h"
#include "core/config/flag_reader.h"
#include "core/config/flag_table.h"
#include "core/config/validation.h"

#include <QCommandLineParser>

namespace varta {
namespace {

const QString kProgram = QStringLiteral("varta-watch");

void addFlag(QCommandLineParser &parser, const config::FlagSpec &flag, bool hidden) {
    QStringList names{flag.name};
    if (!flag.alias.isEmpty())
        names.prepend(flag.alias);
    QCommandLineOption option(names, flag.help, flag.valueName);
    if (hidden)
        option.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(option);
}

void addFlags(QCommandLineParser &parser) {
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    for (const config::FlagGroup &group : config::flagGroups()) {
        for (const config::FlagSpec &flag : group.flags)
            addFlag(parser, flag, false);
    }
    for (const config::FlagSpec &flag : config::qtFlags())
        addFlag(parser, flag, true);
}

// Messages repeat what the user typed; a control character or line separator in it
// must neither break the one-line promise nor drive the terminal.
QString printable(const QString &text) {
    QString result;
    result.reserve(text.size());
    for (const QChar c : text) {
        const QChar::Category category = c.category();
        if (category == QChar::Other_Control || category == QChar::Separator_Line
            || category == QChar::Separator_Paragraph)
            result += c.unicode() < 0x100 ? QStringLiteral("\\x%1").arg(uint{c.unicode()}, 2, 16, QLatin1Char('0'))
                                          : QStringLiteral("\\u%1").arg(uint{c.unicode()}, 4, 16, QLatin1Char('0'));
        else
            result += c;
    }
    return result;
}

ParseOutcome badFlag(const QString &problem) {
    return {std::nullopt, 2, kProgram + ": " + printable(problem) + "; see --help"};
}

// The argument as the user spelled it, without any "=value".
QString spelling(const QString &argument) {
    const QString beforeValue = argument.section('=', 0, 0);
    return beforeValue.size() > 1 && beforeValue != QLatin1String("--") ? beforeValue : argument;
}

QString unknownFlag(const QString &name, const QStringList &arguments) {
    QString shown = "--" + name;
    for (const QString &argument : arguments.mid(1)) {
        if (config::isFlagArgument(argument) && config::flagName(argument) == name) {
            shown = spelling(argument);
            break;
        }
    }
    const QString hint = config::removedFlagHint(name);
    return shown + ": " + (hint.isEmpty() ? QStringLiteral("unknown flag") : hint);
}

// Visits the flags of a command line in order, stepping over each flag's separate value
// (which may look like a flag) and stopping at "--". visit(index, flag or nullptr when
// unknown, whether the value is inline) returns true to stop there.
template <typename Visit>
void walkFlags(const QStringList &arguments, Visit visit) {
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments[i];
        if (argument == QLatin1String("--"))
            return;
        if (!config::isFlagArgument(argument))
            continue;
        const config::FlagSpec *flag = config::findFlag(config::flagName(argument));
        const bool inlineValue = argument.contains('=');
        if (visit(i, flag, inlineValue))
            return;
        if (flag && flag->takesValue() && !inlineValue)
            ++i;
    }
}

// QCommandLineParser names the offending argument only inside translated prose, so
// it is found again here to say which flag is wrong and how.
QString parseFailure(const QStringList &arguments, const QCommandLineParser &parser) {
    if (!parser.unknownOptionNames().isEmpty())
        return unknownFlag(parser.unknownOptionNames().first(), arguments);
    QString failure;
    walkFlags(arguments, [&](qsizetype i, const config::FlagSpec *flag, bool inlineValue) {
        const QString shown = spelling(arguments[i]);
        if (!flag)
            failure = shown + ": unknown flag";
        else if (flag->takesValue() && !inlineValue && i + 1 == arguments.size())
            failure = shown + ": missing value (" + flag->valueName + ')';
        else if (!flag->takesValue() && inlineValue)
            failure = shown + ": takes no value";
        return !failure.isEmpty();
    });
    return failure.isEmpty() ? parser.errorText() : failure;
}

}  // namespace

ParseOutcome parseCommandLine(const QStringList &arguments) {
    // QCommandLineParser insists on a program name in front.
    const QStringList args = arguments.isEmpty() ? QStringList{kProgram} : arguments;
    QCommandLineParser parser;
    addFlags(parser);
    if (!parser.parse(args))
        return badFlag(parseFailure(args, parser));
    if (!parser.positionalArguments().isEmpty())
        return badFlag("unexpected argument '" + parser.positionalArguments().first() + "' (flags start with --)");
    if (parser.isSet(QStringLiteral("help")))
        return {std::nullopt, 0, config::helpText()};
    if (parser.isSet(QStringLiteral("version")))
        return {std::nullopt, 0, kProgram + ' ' + QStringLiteral(VARTA_VERSION)};

    config::FlagReader reader(parser);
    Options options = config::readOptions(reader);
    if (reader.failed())
        return badFlag(reader.error());
    if (const QString error = config::loadSecretFiles(reader, options); !error.isEmpty())
        return {std::nullopt, 1, kProgram + ": " + printable(error)};
    for (QString &warning : options.warnings)
        warning = printable(warning);
    return {std::move(options), 0, {}};
}

QStringList argumentsFrom(int argc, char **argv) {
    QStringList arguments;
    for (int i = 0; argv && i < argc && argv[i]; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    return arguments;
}

namespace {

// Whether one of Qt's options that take a value is given with a non-empty one.
bool qtOptionGiven(const QStringList &arguments, const QString &name) {
    bool given = false;
    walkFlags(arguments, [&](qsizetype i, const config::FlagSpec *flag, bool inlineValue) {
        if (!flag || flag->name != name)
            return false;
        given = inlineValue ? !arguments[i].section('=', 1).isEmpty()
                            : i + 1 < arguments.size() && !arguments[i + 1].isEmpty();
        return true;
    });
    return given;
}

}  // namespace

bool displayAvailable(const QStringList &arguments, const QProcessEnvironment &environment) {
    if (qtOptionGiven(arguments, QStringLiteral("platform")) || qtOptionGiven(arguments, QStringLiteral("display")))
        return true;
    for (const char *variable : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"})
        if (!environment.value(QString::fromLatin1(variable)).isEmpty())
            return true;
    return false;
}

}  // namespace varta
