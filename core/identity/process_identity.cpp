#include "core/identity/process_identity.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <span>
#include <vector>

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

namespace varta {
namespace {

using namespace std::string_view_literals;

constexpr std::size_t kMaxCommBytes = 64;  // a kernel thread's name may be longer than 15

bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }

// Digits only, no sign or space, and no more than T holds: from_chars alone would accept
// a leading '-' for signed types and stop quietly at the first non-digit.
template <typename T>
std::optional<T> parseDecimal(std::string_view digits) noexcept {
    if (digits.empty())
        return std::nullopt;
    for (char c : digits) {
        if (!isDigit(c))
            return std::nullopt;
    }
    T value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc{} || end != digits.data() + digits.size())
        return std::nullopt;
    return value;
}

bool isLetter(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// The fields after the comm's closing parenthesis, from field 3 on. The comm is whatever
// lies between the first " (" and the LAST ')', because a process names itself. Field 3,
// the state, is one letter: anything else there means the line is not a stat line.
std::optional<std::string_view> fieldsAfterComm(std::string_view stat) noexcept {
    const std::size_t open = stat.find(" ("sv);
    if (open == std::string_view::npos || !parseDecimal<std::uint32_t>(stat.substr(0, open)))
        return std::nullopt;
    const std::size_t close = stat.rfind(')');
    if (close == std::string_view::npos || close < open + 2)
        return std::nullopt;
    const std::string_view fields = stat.substr(close + 1);
    if (fields.size() < 3 || fields[0] != ' ' || !isLetter(fields[1]) || fields[2] != ' ')
        return std::nullopt;
    return fields.substr(1);
}

bool isUtf8Continuation(char c) noexcept { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The longest prefix of at most max bytes that does not end inside a UTF-8 sequence. Only
// a well-formed sequence's lead byte is worth keeping whole; past three continuation
// bytes the text is not UTF-8 anyway and U+FFFD will stand for it wherever it is cut.
std::string_view cutAtCharacter(std::string_view text, std::size_t max) noexcept {
    if (text.size() <= max)
        return text;
    std::size_t end = max;
    while (end > 0 && max - end < 3 && isUtf8Continuation(text[end]))
        --end;
    return text.substr(0, isUtf8Continuation(text[end]) ? max : end);
}

QString fromUtf8(std::string_view bytes) {
    return QString::fromUtf8(bytes.data(), static_cast<qsizetype>(bytes.size()));
}

bool isLowerHex(char c) noexcept { return isDigit(c) || (c >= 'a' && c <= 'f'); }

// Container runtimes name a container by a 64-hex-digit id; operators know its first 12.
std::optional<std::string_view> containerId(std::string_view text) noexcept {
    constexpr std::size_t kIdDigits = 64;
    if (text.size() != kIdDigits)
        return std::nullopt;
    for (char c : text) {
        if (!isLowerHex(c))
            return std::nullopt;
    }
    return text.substr(0, 12);
}

struct ScopeRuntime {
    std::string_view scopePrefix;  // of the systemd scope the runtime makes per container
    std::string_view kind;
};
constexpr std::array<ScopeRuntime, 4> kScopeRuntimes{{
    {"docker-"sv, "docker"sv},
    {"libpod-"sv, "podman"sv},
    {"cri-containerd-"sv, "containerd"sv},
    {"crio-"sv, "crio"sv},
}};

// What one path component says about a container, given the component before it (the
// cgroupfs drivers nest "docker/<id>" and "lxc/<name>").
QString containerOfComponent(std::string_view previous, std::string_view component) {
    const auto named = [](std::string_view kind, std::string_view id) {
        return fromUtf8(kind) + QLatin1Char(':') + fromUtf8(id);
    };
    if (previous == "docker"sv) {
        if (const auto id = containerId(component))
            return named("docker"sv, *id);
    }
    if (previous == "lxc"sv && !component.empty())
        return named("lxc"sv, component);
    if (component.starts_with("lxc.payload."sv) && component.size() > "lxc.payload."sv.size())
        return named("lxc"sv, component.substr("lxc.payload."sv.size()));
    for (const ScopeRuntime &runtime : kScopeRuntimes) {
        if (!component.starts_with(runtime.scopePrefix))
            continue;
        std::string_view rest = component.substr(runtime.scopePrefix.size());
        // Podman's cgroupfs driver leaves off the ".scope".
        if (rest.ends_with(".scope"sv))
            rest.remove_suffix(".scope"sv.size());
        else if (runtime.kind != "podman"sv)
            continue;
        if (const auto id = containerId(rest))
            return named(runtime.kind, *id);
    }
    return {};
}

template <typename Visit>
void forEachComponent(std::string_view path, Visit visit) {
    while (!path.empty()) {
        const std::size_t slash = path.find('/');
        const std::string_view component = path.substr(0, slash);
        if (!component.empty())
            visit(component);
        if (slash == std::string_view::npos)
            break;
        path.remove_prefix(slash + 1);
    }
}

bool isUnitName(std::string_view component) noexcept {
    for (const std::string_view suffix : {".service"sv, ".scope"sv}) {
        if (component.size() > suffix.size() && component.ends_with(suffix))
            return true;
    }
    return false;
}

// Whether the unit is the scope a runtime made for this very container.
bool unitIsContainerScope(const QString &unit, const QString &container) {
    const qsizetype colon = container.indexOf(QLatin1Char(':'));
    if (colon < 0 || !unit.endsWith(QLatin1String(".scope")))
        return false;
    const QStringView kind = QStringView(container).left(colon);
    const QStringView id = QStringView(container).mid(colon + 1);
    for (const ScopeRuntime &runtime : kScopeRuntimes) {
        if (kind != QLatin1String(runtime.kind.data(), static_cast<qsizetype>(runtime.kind.size())))
            continue;
        const QLatin1String prefix(runtime.scopePrefix.data(), static_cast<qsizetype>(runtime.scopePrefix.size()));
        return unit.startsWith(prefix) && QStringView(unit).mid(prefix.size()).startsWith(id);
    }
    return false;
}

// The whole of an open /proc file, at most buffer.size() bytes of it; none when it can
// not be read (a process that exits meanwhile makes read() fail with ESRCH).
std::optional<std::string_view> readAll(int fd, std::span<char> buffer) {
    if (fd < 0)
        return std::nullopt;
    std::size_t done = 0;
    bool failed = false;
    while (done < buffer.size()) {
        const ssize_t n = ::read(fd, buffer.data() + done, buffer.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            failed = true;
        if (n <= 0)
            break;
        done += static_cast<std::size_t>(n);
    }
    if (failed)
        return std::nullopt;
    return std::string_view(buffer.data(), done);
}

// Closes what it holds when it goes.
class Descriptor {
public:
    explicit Descriptor(int fd) noexcept : m_fd(fd) {}
    ~Descriptor() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Descriptor(const Descriptor &) = delete;
    Descriptor &operator=(const Descriptor &) = delete;
    int get() const noexcept { return m_fd; }

private:
    int m_fd;
};

// Opens ROOT/PID, or ROOT/PID/FILE, without building a string on the heap.
Descriptor openUnderPid(const QByteArray &root, std::uint32_t pid, std::string_view file, int flags) {
    std::array<char, 4096> path{};
    const auto rootSize = static_cast<std::size_t>(root.size());
    constexpr std::size_t kPidRoom = 12;  // '/', ten digits and '/'
    if (rootSize + kPidRoom + file.size() + 1 > path.size())
        return Descriptor(-1);
    std::memcpy(path.data(), root.constData(), rootSize);
    path[rootSize] = '/';
    char *end = std::to_chars(path.data() + rootSize + 1, path.data() + path.size(), pid).ptr;
    if (!file.empty()) {
        *end++ = '/';
        end = std::copy(file.begin(), file.end(), end);
    }
    *end = '\0';
    int fd = -1;
    do {
        fd = ::open(path.data(), flags | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return Descriptor(fd);
}

bool isGone(char state) noexcept { return state == 'Z' || state == 'X'; }

QString userName(uid_t uid) {
    passwd entry{};
    passwd *found = nullptr;
    std::array<char, 2048> small{};
    int error = 0;
    do {
        error = ::getpwuid_r(uid, &entry, small.data(), small.size(), &found);
    } while (error == EINTR);
    if (error != ERANGE)
        return found ? QString::fromUtf8(found->pw_name) : QString();
    // An entry with many fields or a long gecos: grow, but not without bound.
    constexpr std::size_t kMaxPasswdBuffer = 1 << 20;
    std::vector<char> large;
    for (std::size_t size = 4 * small.size(); size <= kMaxPasswdBuffer; size *= 4) {
        large.resize(size);
        error = ::getpwuid_r(uid, &entry, large.data(), large.size(), &found);
        if (error == EINTR) {
            size /= 4;
            continue;
        }
        if (error != ERANGE)
            return found ? QString::fromUtf8(found->pw_name) : QString();
    }
    return {};
}

}  // namespace

QString ProcReader::userNameOf(std::uint32_t uid) const {
    if (const auto it = m_userNames.constFind(uid); it != m_userNames.cend())
        return *it;
    if (m_userNames.size() >= kMaxCachedUsers)
        m_userNames.clear();
    QString name = userName(static_cast<uid_t>(uid));
    m_userNames.insert(uid, name);
    return name;
}

QString ProcessIdentity::name() const {
    if (!unit.isEmpty() && !unitIsContainerScope(unit, container))
        return unit;
    if (!container.isEmpty())
        return container;
    return comm;
}

namespace proc {

std::optional<std::uint64_t> parseStatStartTime(std::string_view stat) {
    const auto fields = fieldsAfterComm(stat);
    if (!fields)
        return std::nullopt;
    // Field 3 is the first after the comm, so field 22 is the 20th, and the kernel
    // separates fields by exactly one space.
    constexpr int kFieldsBefore = 22 - 3;
    std::string_view rest = *fields;
    for (int i = 0; i < kFieldsBefore; ++i) {
        const std::size_t space = rest.find(' ');
        if (space == 0 || space == std::string_view::npos || rest.substr(0, space).find('\n') != std::string_view::npos)
            return std::nullopt;
        rest.remove_prefix(space + 1);
    }
    const std::size_t end = rest.find_first_of(" \n"sv);
    if (end == std::string_view::npos)
        return std::nullopt;
    return parseDecimal<std::uint64_t>(rest.substr(0, end));
}

std::optional<char> parseStatState(std::string_view stat) {
    const auto fields = fieldsAfterComm(stat);
    if (!fields)
        return std::nullopt;
    return fields->front();
}

QString parseComm(std::string_view comm) {
    if (comm.ends_with('\n'))
        comm.remove_suffix(1);
    return fromUtf8(cutAtCharacter(comm, kMaxCommBytes));
}

QString parseCmdline(std::string_view cmdline, bool *truncated) {
    while (cmdline.ends_with('\0'))
        cmdline.remove_suffix(1);
    const std::string_view kept = cutAtCharacter(cmdline, kMaxCmdlineBytes);
    if (truncated)
        *truncated = kept.size() < cmdline.size();
    QString text = fromUtf8(kept);
    text.replace(QChar(u'\0'), QLatin1Char(' '));
    return text;
}

std::optional<std::uint32_t> parseStatusUid(std::string_view status) {
    constexpr std::string_view kKey = "Uid:"sv;
    while (!status.empty()) {
        const std::size_t newline = status.find('\n');
        std::string_view line = status.substr(0, newline);
        if (line.starts_with(kKey)) {
            line.remove_prefix(kKey.size());
            const std::size_t start = line.find_first_not_of(" \t"sv);
            if (start == std::string_view::npos)
                return std::nullopt;
            line.remove_prefix(start);
            const std::size_t end = line.find_first_of(" \t"sv);
            // A number that runs to the end of the input may have been cut short.
            if (end == std::string_view::npos && newline == std::string_view::npos)
                return std::nullopt;
            return parseDecimal<std::uint32_t>(line.substr(0, end));
        }
        if (newline == std::string_view::npos)
            break;
        status.remove_prefix(newline + 1);
    }
    return std::nullopt;
}

CgroupFacts parseCgroup(std::string_view cgroup) {
    std::optional<std::string_view> systemd;
    std::optional<std::string_view> unified;
    std::optional<std::string_view> first;
    while (!cgroup.empty()) {
        const std::size_t newline = cgroup.find('\n');
        const std::string_view line = cgroup.substr(0, newline);
        cgroup.remove_prefix(newline == std::string_view::npos ? cgroup.size() : newline + 1);
        const std::size_t idEnd = line.find(':');
        if (idEnd == std::string_view::npos)
            continue;
        const std::size_t controllersEnd = line.find(':', idEnd + 1);
        if (controllersEnd == std::string_view::npos || !parseDecimal<std::uint32_t>(line.substr(0, idEnd)))
            continue;
        const std::string_view controllers = line.substr(idEnd + 1, controllersEnd - idEnd - 1);
        const std::string_view path = line.substr(controllersEnd + 1);
        if (!path.starts_with('/'))
            continue;
        if (!first)
            first = path;
        if (!unified && line.substr(0, idEnd) == "0"sv && controllers.empty())
            unified = path;
        bool isSystemd = false;
        for (std::string_view rest = controllers; !isSystemd;) {
            const std::size_t comma = rest.find(',');
            isSystemd = rest.substr(0, comma) == "name=systemd"sv;
            if (comma == std::string_view::npos)
                break;
            rest.remove_prefix(comma + 1);
        }
        if (isSystemd && !systemd && path != "/"sv)
            systemd = path;
    }
    const std::optional<std::string_view> chosen = systemd ? systemd : unified ? unified : first;
    if (!chosen)
        return {};
    return {fromUtf8(*chosen), unitOfCgroupPath(*chosen), containerOfCgroupPath(*chosen)};
}

QString unitOfCgroupPath(std::string_view path) {
    std::string_view unit;
    forEachComponent(path, [&unit](std::string_view component) {
        if (isUnitName(component))
            unit = component;
    });
    return fromUtf8(unit);
}

QString containerOfCgroupPath(std::string_view path) {
    QString container;
    std::string_view previous;
    forEachComponent(path, [&](std::string_view component) {
        if (QString found = containerOfComponent(previous, component); !found.isEmpty())
            container = std::move(found);
        previous = component;
    });
    return container;
}

}  // namespace proc

ProcReader::ProcReader(QString root) : m_root(std::move(root)), m_nativeRoot(m_root.toLocal8Bit()) {}

// The pid's directory is opened once and each file through it: a recycled pid then makes
// the later files fail to open instead of describing the next process.
std::optional<ProcessIdentity> ProcReader::read(std::uint32_t pid) const {
    const Descriptor directory = openUnderPid(m_nativeRoot, pid, {}, O_RDONLY | O_DIRECTORY);
    if (directory.get() < 0)
        return std::nullopt;
    const auto file = [&directory](const char *name) {
        int fd = -1;
        do {
            fd = ::openat(directory.get(), name, O_RDONLY | O_CLOEXEC);
        } while (fd < 0 && errno == EINTR);
        return Descriptor(fd);
    };
    // One buffer for each file in turn: the engine thread's stack has room, and the first
    // contact of an agent then allocates nothing but the strings it keeps.
    std::array<char, proc::kMaxProcFileBytes> buffer;
    const auto stat = readAll(file("stat").get(), buffer);
    if (!stat)
        return std::nullopt;
    const auto startTime = proc::parseStatStartTime(*stat);
    const auto state = proc::parseStatState(*stat);
    if (!startTime || !state || isGone(*state))
        return std::nullopt;

    ProcessIdentity identity;
    identity.startTime = *startTime;
    if (const auto comm = readAll(file("comm").get(), buffer))
        identity.comm = proc::parseComm(*comm);
    if (const auto cmdline = readAll(file("cmdline").get(), buffer))
        identity.cmdline = proc::parseCmdline(*cmdline, &identity.cmdlineTruncated);
    if (const auto status = readAll(file("status").get(), buffer))
        identity.uid = proc::parseStatusUid(*status);
    if (identity.uid)
        identity.user = userNameOf(*identity.uid);
    if (const auto cgroup = readAll(file("cgroup").get(), buffer)) {
        proc::CgroupFacts facts = proc::parseCgroup(*cgroup);
        identity.cgroup = std::move(facts.path);
        identity.unit = std::move(facts.unit);
        identity.container = std::move(facts.container);
    }
    return identity;
}

std::optional<std::uint64_t> ProcReader::startTime(std::uint32_t pid) const {
    std::array<char, proc::kMaxProcFileBytes> buffer;
    const auto stat = readAll(openUnderPid(m_nativeRoot, pid, "stat"sv, O_RDONLY).get(), buffer);
    if (!stat)
        return std::nullopt;
    const auto state = proc::parseStatState(*stat);
    if (!state || isGone(*state))
        return std::nullopt;
    return proc::parseStatStartTime(*stat);
}

}  // namespace varta
