#include "core/ingest/pid_namespace.h"

#include <cstdio>

#include <sys/stat.h>

namespace varta {
namespace {

bool namespaceInode(const char *path, ino_t &inode) {
    struct stat st {};
    if (::stat(path, &st) != 0)
        return false;
    inode = st.st_ino;
    return true;
}

}  // namespace

NamespaceCheck comparePidNamespace(pid_t pid) {
    static ino_t ours = 0;
    static const bool haveOurs = namespaceInode("/proc/self/ns/pid", ours);
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/ns/pid", static_cast<int>(pid));
    ino_t theirs = 0;
    if (!haveOurs || !namespaceInode(path, theirs))
        return NamespaceCheck::Unknown;
    return theirs == ours ? NamespaceCheck::Same : NamespaceCheck::Different;
}

}  // namespace varta
