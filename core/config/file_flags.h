#pragma once
// The files named on the command line that hold secrets (keys, the /metrics token, the
// recovery command), read under the secret-file rules of core/secret_file.h. A problem
// with one of them is a start-up failure (exit 1), not a bad flag.

#include "core/config/flag_reader.h"
#include "core/config/options.h"

#include <QString>

namespace varta::config {

// Loads every secret file the flags name into `options`. Returns the first problem as
// "--flag: PATH: problem", or an empty string when all were good.
QString loadSecretFiles(const FlagReader &reader, Options &options);

}  // namespace varta::config
