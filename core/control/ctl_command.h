#pragma once
// `varta-watch ctl`: the operator's command line for a running observer's control socket
// (docs/control.md section 6). Parses the arguments, sends one request, prints the reply
// as tables (or its `result` as one JSON line with --json) and maps it to an exit status:
// 0 ok; 1 the observer refused, a key was not acted on, or the socket could not be
// reached (one line on stderr); 2 a usage error (one line naming the problem).
// `events --follow` then prints each streamed event until the connection closes or
// SIGINT (exit 0).

#include <QStringList>

#include <cstdio>

namespace varta {

// `args` is what follows `varta-watch ctl`.
int runCtl(const QStringList &args, std::FILE *out, std::FILE *err);

}  // namespace varta
