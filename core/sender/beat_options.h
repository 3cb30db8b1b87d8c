#pragma once
// varta-beat's command line (docs/compat.md section 1 style: `--flag value` or `--flag=value`;
// a bad value is one line naming the flag). Parsed here, not in app/, so it is testable.

#include "core/sender/load_generator.h"
#include "core/vlp/frame.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>

namespace varta {

struct BeatOptions {
    // Where beats go: --udp or --socket, exactly one.
    QHostAddress udpHost;
    quint16 udpPort = 0;
    QString socketPath;

    // A single sender.
    std::optional<std::uint32_t> pid;
    vlp::Status status = vlp::Status::Ok;
    std::uint32_t payload = 0;
    int intervalMs = 1000;
    std::uint64_t count = 0;  // 0: until stopped
    bool panic = false;
    std::uint64_t nonceStart = 1;

    // Simulated agents (--agents). Their beats per agent come from --count.
    bool simulate = false;
    LoadGenerator::Config load;

    // Secure UDP (--key-file or --master-key-file): the path of the key file. The key is
    // read when the run starts, under the secret-file rules, so that an unusable file is
    // a start-up failure (exit 1) like in varta-watch, not a bad flag (exit 2).
    QString keyFile;
    bool masterKey = false;  // keyFile holds a master key: 64-byte frames per agent pid

    bool secure() const { return !keyFile.isEmpty(); }

    bool overUdp() const { return socketPath.isEmpty(); }
    // "udp 127.0.0.1:9000" or "socket /run/varta.sock", for messages.
    QString targetDescription() const;
};

struct BeatOptionsParse {
    enum class Outcome { Run, Help, Version, Error };
    Outcome outcome = Outcome::Error;
    BeatOptions options;
    // Help or version text for stdout, or the one-line error for stderr.
    QString text;
};

// `arguments` includes the program name, like QCoreApplication::arguments().
BeatOptionsParse parseBeatOptions(const QStringList &arguments);

}  // namespace varta
