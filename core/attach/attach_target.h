#pragma once
// Where a console finds an observer: `unix:PATH` (its control socket on this host) or
// `HOST:PORT` / `[V6]:PORT` (its --console-listen). What --attach and File -> Connect
// to observer take; the text is also the observer's name in the console until it says
// its own.

#include <QString>

#include <cstdint>
#include <optional>

namespace varta {

struct AttachTarget {
    QString unixPath;  // set for unix:PATH
    QString host;      // set for HOST:PORT
    std::uint16_t port = 0;

    bool isUnix() const { return !unixPath.isEmpty(); }
    // What it was written as, normalised: "unix:/run/varta-watch/control.sock", "db1:7300".
    QString text() const;
    // How the console names the observer where space is short: the socket's file name for
    // unix:PATH ("web1.sock"), else text().
    QString shortName() const;
    // A loopback address by name or number: TLS is optional there.
    bool isLoopback() const;

    // nullopt with *error saying what is wrong ("needs a port", "port 0 out of range").
    static std::optional<AttachTarget> parse(const QString &text, QString *error);
};

}  // namespace varta
