#pragma once
// Linux pid namespaces: a local agent in another namespace reports a pid that means
// nothing here (docs/protocol.md section 3).

#include <sys/types.h>

namespace varta {

enum class NamespaceCheck { Same, Different, Unknown };

// Compares /proc/<pid>/ns/pid with our own; Unknown when the process is gone or /proc
// cannot be read.
NamespaceCheck comparePidNamespace(pid_t pid);

}  // namespace varta
