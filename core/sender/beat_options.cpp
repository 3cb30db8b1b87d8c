#include "core/sender/beat_options.h"

#include "core/config/flag_reader.h"
#include "core/config/flag_table.h"
#include "core/vlp/frame.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QHostInfo>

#include <cmath>
#include <limits>
#include <vector>

#include <sys/un.h>

namespace varta {
namespace {

constexpr std::uint64_t kU32Max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kIntervalMaxMs = 24ull * 3600 * 1000;
constexpr std::uint64_t kAgentsMax = 16'000'000;
constexpr std::size_t kBatchMax = 1024;
// Every simulated agent seals with a session of its own (about 100 bytes; the cipher
// context is shared), and an observer keeps replay state for at most --tracker-capacity
// senders, 1,048,576 at most: more would only be refused as sender_state_full.
constexpr std::uint64_t kSecureAgentsMax = config::kMaxTrackerCapacity;

struct Flags {
    QCommandLineOption udp{"udp", "Send over UDP to HOST:PORT (IPv6: [ADDR]:PORT).", "HOST:PORT"};
    QCommandLineOption socket{"socket", "Send over the Unix datagram socket at PATH.", "PATH"};
    QCommandLineOption pid{"pid", "Claim this pid instead of our own (2..4294967295).", "PID"};
    QCommandLineOption status{"status", "ok, degraded or critical (default ok).", "STATUS"};
    QCommandLineOption payload{"payload", "Application value in every beat (u32, default 0).", "N"};
    QCommandLineOption intervalMs{"interval-ms", "Time between beats (default 1000).", "MS"};
    QCommandLineOption count{"count", "Beats to send, per agent with --agents (default 0: until stopped).", "N"};
    QCommandLineOption panic{"panic", "Send one panic frame (Critical, terminal nonce) and exit."};
    QCommandLineOption nonceStart{
        "nonce-start", "Nonce of the first beat; with --agents, of each agent's first beat (default 1).", "N"};
    QCommandLineOption agents{"agents", "Simulate N agents over UDP, pids --base-pid.. (load mode).", "N"};
    QCommandLineOption rate{"rate", "Beats per agent per second with --agents (default 1; 0: as fast as possible).",
                            "HZ"};
    QCommandLineOption durationSecs{"duration-secs", "Stop load mode after N seconds (default 0: no limit).", "N"};
    QCommandLineOption stallAfterMs{"stall-after-ms", "Load mode: silence --stall-fraction of the agents after MS.",
                                    "MS"};
    QCommandLineOption stallFraction{"stall-fraction", "Load mode: fraction of agents that stall (0..1).", "F"};
    QCommandLineOption resumeAfterMs{"resume-after-ms", "Load mode: stalled agents resume after MS of silence.", "MS"};
    QCommandLineOption basePid{"base-pid", "Load mode: pid of the first agent (default 3000000).", "PID"};
    QCommandLineOption batchSize{"batch-size", "Load mode: datagrams per sendmmsg call (1..1024, default 64).", "N"};
    QCommandLineOption keyFile{"key-file",
                               "Seal every beat with the shared key in PATH (64 hex characters, "
                               "a 0600 file we own): 60-byte secure UDP frames.",
                               "PATH"};
    QCommandLineOption masterKeyFile{"master-key-file",
                                     "Seal every beat with the agent key derived from the master "
                                     "key in PATH: 64-byte secure UDP frames.",
                                     "PATH"};

    std::vector<const QCommandLineOption *> all() const {
        return {&udp,           &socket,     &pid,       &status,  &payload,      &intervalMs,   &count,
                &panic,         &nonceStart, &agents,    &rate,    &durationSecs, &stallAfterMs, &stallFraction,
                &resumeAfterMs, &basePid,    &batchSize, &keyFile, &masterKeyFile};
    }
    std::vector<const QCommandLineOption *> singleOnly() const {
        return {&pid, &status, &payload, &intervalMs, &panic};
    }
    std::vector<const QCommandLineOption *> loadOnly() const {
        return {&rate, &durationSecs, &stallAfterMs, &stallFraction, &resumeAfterMs, &basePid, &batchSize};
    }
    std::vector<const QCommandLineOption *> notWithPanic() const { return {&count, &status, &intervalMs, &nonceStart}; }
};

using config::FlagReader;

// Secure UDP is a UDP transport: the Unix socket authenticates senders by their kernel
// credentials instead, and an observer's socket listener takes plain frames only.
bool checkKeyFlags(FlagReader &reader, const Flags &flags) {
    const bool shared = reader.isSet(flags.keyFile);
    const bool master = reader.isSet(flags.masterKeyFile);
    const QCommandLineOption &given = master ? flags.masterKeyFile : flags.keyFile;
    if (!shared && !master)
        return true;
    if (shared && master)
        return reader.fail(flags.masterKeyFile,
                           QStringLiteral("cannot be combined with --key-file (a sender seals with one key)"));
    if (reader.isSet(flags.socket))
        return reader.fail(given, QStringLiteral("needs --udp (sealed frames travel over UDP only)"));
    if (reader.text(given).isEmpty())
        return reader.fail(given, QStringLiteral("must not be empty"));
    return true;
}

bool checkCombinations(FlagReader &reader, const Flags &flags) {
    const bool udp = reader.isSet(flags.udp);
    const bool socket = reader.isSet(flags.socket);
    if (!udp && !socket)
        return reader.fail(QStringLiteral("--udp HOST:PORT or --socket PATH is required"));
    if (udp && socket)
        return reader.fail(flags.socket, QStringLiteral("cannot be combined with --udp"));
    if (reader.isSet(flags.agents)) {
        if (socket)
            return reader.fail(flags.agents, QStringLiteral("needs --udp (the observer checks Unix-socket pids)"));
        for (const QCommandLineOption *option : flags.singleOnly())
            if (reader.isSet(*option))
                return reader.fail(*option, QStringLiteral("applies to a single sender, not to --agents"));
    } else {
        for (const QCommandLineOption *option : flags.loadOnly())
            if (reader.isSet(*option))
                return reader.fail(*option, QStringLiteral("needs --agents"));
    }
    if (reader.isSet(flags.panic))
        for (const QCommandLineOption *option : flags.notWithPanic())
            if (reader.isSet(*option))
                return reader.fail(*option, QStringLiteral("cannot be combined with --panic (it sends one frame)"));
    if (reader.isSet(flags.stallAfterMs) != reader.isSet(flags.stallFraction))
        return reader.fail(reader.isSet(flags.stallAfterMs) ? flags.stallFraction : flags.stallAfterMs,
                           QStringLiteral("is required with --stall-after-ms and --stall-fraction"));
    if (reader.isSet(flags.resumeAfterMs) && !reader.isSet(flags.stallAfterMs))
        return reader.fail(flags.resumeAfterMs, QStringLiteral("needs --stall-after-ms"));
    return checkKeyFlags(reader, flags);
}

bool resolveHost(const QString &host, QHostAddress &out) {
    if (out.setAddress(host))
        return true;
    const QHostInfo info = QHostInfo::fromName(host);
    for (const QHostAddress &address : info.addresses()) {
        // Prefer IPv4, as observers listen on 127.0.0.1 by default.
        if (address.protocol() == QAbstractSocket::IPv4Protocol || out.isNull())
            out = address;
    }
    return !out.isNull();
}

bool parseUdpTarget(FlagReader &reader, const QCommandLineOption &flag, BeatOptions &options) {
    const QString text = reader.text(flag);
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    QString host = text.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    else if (host.contains(QLatin1Char(':')))
        return reader.fail(flag, QStringLiteral("write an IPv6 address as [ADDR]:PORT, got '%1'").arg(text));
    bool portOk = false;
    const uint port = text.mid(colon + 1).toUInt(&portOk, 10);
    if (colon <= 0 || !portOk || port == 0 || port > 65535)
        return reader.fail(flag, QStringLiteral("expected HOST:PORT with a port in 1..65535, got '%1'").arg(text));
    if (!resolveHost(host, options.udpHost))
        return reader.fail(flag, QStringLiteral("cannot resolve host '%1'").arg(host));
    options.udpPort = static_cast<quint16>(port);
    return true;
}

bool parseTarget(FlagReader &reader, const Flags &flags, BeatOptions &options) {
    if (reader.isSet(flags.udp))
        return parseUdpTarget(reader, flags.udp, options);
    options.socketPath = reader.text(flags.socket);
    const auto length = options.socketPath.toLocal8Bit().size();
    if (length == 0 || static_cast<std::size_t>(length) >= sizeof(sockaddr_un::sun_path))
        return reader.fail(flags.socket, QStringLiteral("path must be 1..%1 bytes, got '%2'")
                                             .arg(sizeof(sockaddr_un::sun_path) - 1)
                                             .arg(options.socketPath));
    return true;
}

bool parseStatus(FlagReader &reader, const QCommandLineOption &flag, vlp::Status &out) {
    if (!reader.isSet(flag))
        return true;
    const QString text = reader.text(flag).toLower();
    for (const vlp::Status status : {vlp::Status::Ok, vlp::Status::Degraded, vlp::Status::Critical}) {
        if (text == QLatin1String(vlp::statusName(status).data())) {
            out = status;
            return true;
        }
    }
    return reader.fail(flag, QStringLiteral("expected ok, degraded or critical, got '%1'").arg(reader.text(flag)));
}

bool parseSingle(FlagReader &reader, const Flags &flags, BeatOptions &options) {
    options.panic = reader.isSet(flags.panic);
    std::uint32_t pid = 0;
    if (reader.isSet(flags.pid) && reader.unsignedInteger(flags.pid, 2, kU32Max, pid))
        options.pid = pid;
    return !reader.failed() && parseStatus(reader, flags.status, options.status)
           && reader.unsignedInteger(flags.payload, 0, kU32Max, options.payload)
           && reader.unsignedInteger(flags.intervalMs, 1, kIntervalMaxMs, options.intervalMs)
           && reader.unsignedInteger(flags.count, 0, kU64Max, options.count)
           && reader.unsignedInteger(flags.nonceStart, 0, vlp::kNonceTerminal - 1, options.nonceStart);
}

bool parseLoad(FlagReader &reader, const Flags &flags, BeatOptions &options) {
    LoadGenerator::Config &load = options.load;
    std::int64_t durationSecs = 0;
    const bool valuesOk = reader.unsignedInteger(flags.agents, 1, kAgentsMax, load.agents)
                          && reader.unsignedInteger(flags.count, 0, kU64Max, load.beatsPerAgent)
                          && reader.real(flags.rate, 0.0, 1e9, load.ratePerAgentHz)
                          && reader.unsignedInteger(flags.durationSecs, 0, 365ull * 24 * 3600, durationSecs)
                          && reader.unsignedInteger(flags.stallAfterMs, 0, kU32Max, load.stallAfterMs)
                          && reader.real(flags.stallFraction, 0.0, 1.0, load.stallFraction)
                          && reader.unsignedInteger(flags.resumeAfterMs, 0, kU32Max, load.resumeAfterMs)
                          && reader.unsignedInteger(flags.basePid, 2, kU32Max, load.basePid)
                          && reader.unsignedInteger(flags.nonceStart, 0, vlp::kNonceTerminal - 1, load.nonceStart)
                          && reader.unsignedInteger(flags.batchSize, 1, kBatchMax, load.batchSize);
    if (!valuesOk)
        return false;
    if (std::uint64_t{load.basePid} + load.agents - 1 > vlp::kLinuxPidMaxLimit)
        return reader.fail(flags.agents, QStringLiteral("pids %1.. would pass %2, the most any Linux pid can be "
                                                        "(observers drop them); lower --base-pid")
                                             .arg(load.basePid)
                                             .arg(vlp::kLinuxPidMaxLimit));
    if (reader.isSet(flags.keyFile) || reader.isSet(flags.masterKeyFile)) {
        if (load.agents > kSecureAgentsMax)
            return reader.fail(
                flags.agents,
                QStringLiteral("at most %1 agents seal their frames (got %2)").arg(kSecureAgentsMax).arg(load.agents));
    }
    load.durationMs = durationSecs * 1000;
    options.simulate = true;
    return true;
}

void takeKeyFile(const FlagReader &reader, const Flags &flags, BeatOptions &options) {
    options.masterKey = reader.isSet(flags.masterKeyFile);
    if (options.masterKey)
        options.keyFile = reader.text(flags.masterKeyFile);
    else if (reader.isSet(flags.keyFile))
        options.keyFile = reader.text(flags.keyFile);
}

}  // namespace

QString BeatOptions::targetDescription() const {
    if (!overUdp())
        return QStringLiteral("socket %1").arg(socketPath);
    const QString host = udpHost.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(udpHost.toString())
                             : udpHost.toString();
    return QStringLiteral("udp %1:%2").arg(host).arg(udpPort);
}

BeatOptionsParse parseBeatOptions(const QStringList &arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Send Varta VLP v0.2 heartbeats like a real client, or simulate many agents."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const Flags flags;
    for (const QCommandLineOption *option : flags.all())
        parser.addOption(*option);

    BeatOptionsParse result;
    FlagReader reader(parser);
    if (!parser.parse(arguments)) {
        reader.fail(parser.errorText());
    } else if (parser.isSet(help)) {
        result.outcome = BeatOptionsParse::Outcome::Help;
        result.text = parser.helpText();
        return result;
    } else if (parser.isSet(version)) {
        result.outcome = BeatOptionsParse::Outcome::Version;
        result.text = QStringLiteral("varta-beat %1\n").arg(QStringLiteral(VARTA_VERSION));
        return result;
    } else if (!parser.positionalArguments().isEmpty()) {
        reader.fail(QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().constFirst()));
    } else if (checkCombinations(reader, flags) && parseTarget(reader, flags, result.options)) {
        takeKeyFile(reader, flags, result.options);
        if (reader.isSet(flags.agents))
            parseLoad(reader, flags, result.options);
        else
            parseSingle(reader, flags, result.options);
    }
    if (reader.failed()) {
        result.outcome = BeatOptionsParse::Outcome::Error;
        result.text = QStringLiteral("varta-beat: %1 (see --help)").arg(reader.error());
    } else {
        result.outcome = BeatOptionsParse::Outcome::Run;
    }
    return result;
}

}  // namespace varta
