#include "core/base/open_file_limit.h"

#include <limits>

#include <sys/resource.h>

namespace varta {

namespace {

std::uint64_t softOf(const rlimit &limit) {
    return limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<std::uint64_t>::max()
                                           : static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace

std::uint64_t raiseOpenFileLimit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 0;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    return softOf(limit);
}

std::uint64_t openFileSoftLimit() {
    rlimit limit{};
    return ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? softOf(limit) : 0;
}

}  // namespace varta
