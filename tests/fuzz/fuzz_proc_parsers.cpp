// libFuzzer target: the /proc parsers, which read bytes a process partly chooses itself
// (its comm, its cmdline, the cgroups it was put in). Beyond "no crash", a reported start
// time stands in the input after the comm and reads back from a stat line of its own,
// and the text kept of a comm or cmdline stays within its cap.
#include "core/identity/process_identity.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace varta;

namespace {

void require(bool condition, const char *what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz_proc_parsers: %s\n", what);
        std::abort();
    }
}

void checkStartTime(std::string_view input) {
    const std::optional<std::uint64_t> startTime = proc::parseStatStartTime(input);
    if (!startTime)
        return;
    require(proc::parseStatState(input).has_value(), "a start time without a state");
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, *startTime).ptr;
    const std::string_view number(digits, static_cast<std::size_t>(end - digits));
    require(input.find(number, input.rfind(')')) != std::string_view::npos, "start time not in the input");
    const std::string line = "1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 " + std::string(number) + " 0\n";
    require(proc::parseStatStartTime(line) == startTime, "start time does not read back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    checkStartTime(input);
    require(proc::parseComm(input).size() <= 64, "comm over its cap");
    bool truncated = false;
    const QString cmdline = proc::parseCmdline(input, &truncated);
    require(static_cast<std::size_t>(cmdline.size()) <= proc::kMaxCmdlineBytes, "cmdline over its cap");
    require(!truncated || size > proc::kMaxCmdlineBytes, "cut a cmdline that fits");
    (void)proc::parseStatusUid(input);
    const proc::CgroupFacts facts = proc::parseCgroup(input);
    require(facts.unit.isEmpty() || !facts.path.isEmpty(), "a unit without a path");
    (void)proc::unitOfCgroupPath(input);
    (void)proc::containerOfCgroupPath(input);
    return 0;
}
