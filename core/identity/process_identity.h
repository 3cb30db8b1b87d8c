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

#include <QByteArray>
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

    // What an operator calls the agent: the unit, else the container, else comm.
    QString name() const;
};

namespace proc {

inline constexpr std::size_t kMaxCmdlineBytes = 4096;      // kept of a cmdline; the rest is cut
inline constexpr std::size_t kMaxProcFileBytes = 64 * 1024;  // read of any one /proc file

// Field 22 of /proc/PID/stat. The comm in field 2 may hold spaces and ')', so the fields
// are counted from the last ')'.
std::optional<std::uint64_t> parseStatStartTime(std::string_view stat);
// /proc/PID/comm without its newline; bytes that are not UTF-8 become U+FFFD.
QString parseComm(std::string_view comm);
// NUL-separated arguments joined by single spaces, at most kMaxCmdlineBytes of input.
QString parseCmdline(std::string_view cmdline, bool *truncated);
// The real uid from /proc/PID/status's "Uid:\treal\teffective\tsaved\tfs" line.
std::optional<std::uint32_t> parseStatusUid(std::string_view status);

struct CgroupFacts {
    QString path;
    QString unit;
    QString container;
};
// /proc/PID/cgroup: "ID:CONTROLLERS:PATH" lines, v1, v2 or both.
CgroupFacts parseCgroup(std::string_view cgroup);
// The innermost systemd unit (.service or .scope) of a cgroup path, and a container id
// when the path names one.
QString unitOfCgroupPath(std::string_view path);
QString containerOfCgroupPath(std::string_view path);

}  // namespace proc

class ProcReader {
public:
    explicit ProcReader(QString root = QStringLiteral("/proc"));

    // Everything the kernel will say about the pid; none when it has no such process or
    // its stat can not be read. Fields that can not be read are left empty.
    std::optional<ProcessIdentity> read(std::uint32_t pid) const;
    // Just the generation: the cheap look-up at a stall's deadline.
    std::optional<std::uint64_t> startTime(std::uint32_t pid) const;
    const QString &root() const noexcept { return m_root; }

private:
    QString m_root;
};

}  // namespace varta
