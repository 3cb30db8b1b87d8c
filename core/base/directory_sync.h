#pragma once
// Makes a rename in a directory durable: fsync of the directory holding `path`. Best
// effort: a filesystem that cannot sync a directory still has the rename, only not yet on
// disk, which is no reason to call a save or a rotation failed.

#include <QString>

namespace varta {

void syncDirectoryOf(const QString &path);

}  // namespace varta
