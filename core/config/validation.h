#pragma once
// From parsed flags to Options: every value checked against its range, then the
// combinations of docs/compat.md section 1 (listeners, trust opt-ins, prom, recovery source)
// and the start-up warnings. Secret files are read later, by loadSecretFiles().

#include "core/config/flag_reader.h"
#include "core/config/options.h"

namespace varta::config {

// A recovery command as an argument vector: split on whitespace, never through a shell.
QStringList splitCommand(const QString &command);

// On a problem, reader.failed() is true and the returned Options must not be used.
Options readOptions(FlagReader &reader);

}  // namespace varta::config
