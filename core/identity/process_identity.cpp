#include "core/identity/process_identity.h"

// The parsers and the reader are filled in with their tests (tests/core/identity).

namespace varta {

QString ProcessIdentity::name() const {
    if (!unit.isEmpty())
        return unit;
    if (!container.isEmpty())
        return container;
    return comm;
}

namespace proc {

std::optional<std::uint64_t> parseStatStartTime(std::string_view) { return std::nullopt; }
QString parseComm(std::string_view) { return {}; }
QString parseCmdline(std::string_view, bool *truncated) {
    if (truncated)
        *truncated = false;
    return {};
}
std::optional<std::uint32_t> parseStatusUid(std::string_view) { return std::nullopt; }
CgroupFacts parseCgroup(std::string_view) { return {}; }
QString unitOfCgroupPath(std::string_view) { return {}; }
QString containerOfCgroupPath(std::string_view) { return {}; }

}  // namespace proc

ProcReader::ProcReader(QString root) : m_root(std::move(root)) {}

std::optional<ProcessIdentity> ProcReader::read(std::uint32_t) const { return std::nullopt; }
std::optional<std::uint64_t> ProcReader::startTime(std::uint32_t) const { return std::nullopt; }

}  // namespace varta
