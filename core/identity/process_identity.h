#pragma once
// What the kernel says about a local agent's process: its start time (the process
// generation, which tells a recycled pid from the process that first held it), its
// command, its user, and its systemd unit or container from its cgroup. Read only for
// agents on the Unix socket, whose pid the kernel vouches for; a UDP peer's pid is a
// claim about another host and is never looked up here (docs/architecture.md section 3).
//
// The parsers take whatever bytes /proc hands over (a comm may hold any byte but NUL,
// a cmdline anything at all) and never fail on them: an unparsable field is absent, not
// a guess. ProcReader reads from a proc root, /proc unless a test prepares another.
// A zombie (state Z) or dead (X) process still has its /proc entry; the reader treats it
// as gone, since the agent it stood for has already exited.

#include <QByteArray>
#include <QHash>
#include <QString>

#include <cstdint>
#include <optional>
#include <string_view>

namespace varta {

struct ProcessIdentity {
    std::uint64_t startTime = 0;  // /proc/PID/stat field 22: clock ticks after boot
    QString comm;                 // /proc/PID/comm, at most 15 bytes in the kernel
    QString cmdline;              // /proc/PID/cmdline, arguments joined by spaces, capped
    bool cmdlineTruncated = false;
    std::optional<std::uint32_t> uid;  // the real uid, /proc/PID/status "Uid:"
    QString user;                      // the uid's name, empty when the passwd database has none
    QString cgroup;                    // the systemd hierarchy's path (name=systemd, else the unified "0::")
    QString unit;                      // "api.service", "session-4.scope"; empty outside systemd units
    QString container;                 // "docker:0123456789ab", "podman:…", "lxc:NAME"; empty when none

    // What an operator calls the agent: the unit, else the container, else comm. A unit
    // that is only the container's own scope ("docker-<id>.scope") gives way to the
    // container, which says more.
    QString name() const;
};

namespace proc {

inline constexpr std::size_t kMaxCmdlineBytes = 4096;        // kept of a cmdline; the rest is cut
inline constexpr std::size_t kMaxProcFileBytes = 64 * 1024;  // read of any one /proc file

// Field 22 of /proc/PID/stat. The comm in field 2 may hold spaces and ')', so the fields
// are counted from the last ')'. A stat cut off within field 22 is refused: its number
// might be short of digits.
std::optional<std::uint64_t> parseStatStartTime(std::string_view stat);
// Field 3 of /proc/PID/stat, the state letter ('R', 'S', 'Z' ...), counted the same way.
std::optional<char> parseStatState(std::string_view stat);
// /proc/PID/comm without its newline, at most 64 bytes; bytes that are not UTF-8
// become U+FFFD.
QString parseComm(std::string_view comm);
// NUL-separated arguments joined by single spaces, trailing NULs dropped; at most
// kMaxCmdlineBytes of them, cut at a character boundary, and *truncated says whether
// anything was cut. Empty for kernel threads and zombies.
QString parseCmdline(std::string_view cmdline, bool *truncated);
// The real uid from /proc/PID/status's "Uid:\treal\teffective\tsaved\tfs" line; none
// when the line is absent, or its number is malformed, too large or cut off.
std::optional<std::uint32_t> parseStatusUid(std::string_view status);

struct CgroupFacts {
    QString path;
    QString unit;
    QString container;
};
// /proc/PID/cgroup: "ID:CONTROLLERS:PATH" lines, v1, v2 or both. The path is the
// name=systemd hierarchy's unless that is "/" or absent, then the unified "0::" one, then
// the first line's; lines that are not of that shape are skipped.
CgroupFacts parseCgroup(std::string_view cgroup);
// The innermost systemd unit (.service or .scope) of a cgroup path: a service's Delegate=
// sub-cgroups still belong to it. And the innermost container the path names:
// "docker:", "podman:", "containerd:" or "crio:" and the id's first 12 hex digits, or
// "lxc:" and the container's name.
QString unitOfCgroupPath(std::string_view path);
QString containerOfCgroupPath(std::string_view path);

}  // namespace proc

class ProcReader {
public:
    explicit ProcReader(QString root = QStringLiteral("/proc"));

    // Everything the kernel will say about the pid; none when it has no such process, its
    // stat can not be read or parsed, or it is a zombie. Fields that can not be read are
    // left empty. Every file is read through one open of the pid's directory, so they all
    // describe the same process even if the pid is recycled meanwhile. The user name comes
    // from the passwd database, which NSS may take to the network (LDAP, sssd).
    std::optional<ProcessIdentity> read(std::uint32_t pid) const;
    // Just the generation: the cheap look-up at a stall's deadline. None for a zombie too.
    std::optional<std::uint64_t> startTime(std::uint32_t pid) const;
    const QString &root() const noexcept { return m_root; }

    // User names are kept once looked up: a fleet of agents runs as a handful of users,
    // and each look-up may be a network round trip. Bounded; cleared when full.
    static constexpr qsizetype kMaxCachedUsers = 1024;

private:
    QString userNameOf(std::uint32_t uid) const;

    QString m_root;
    QByteArray m_nativeRoot;  // m_root in the file system's encoding, made once
    mutable QHash<std::uint32_t, QString> m_userNames;
};

}  // namespace varta
