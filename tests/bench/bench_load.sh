#!/usr/bin/env bash
# How many frames/s one core generates (varta-beat --agents 100000 --rate 0) and how many
# a bare recvmmsg loop on another core takes off the socket: the ceiling any observer's
# ingest is compared against. Prints one markdown table row.
#   tests/bench/bench_load.sh [BUILD_DIR (default build/release)] [SECONDS (default 3)]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_init bench_load "${1:-build/release}"
seconds=${2:-3}
bench_require "$sink_bin" "$beat_bin"

# The sink counts from the first datagram to the last; it ends once the generator stops.
start_sink sink --idle-ms 500 --wait-secs 20
beat_line=$(flood "$sink_port" "$seconds")
wait "$sink_pid"
sink_line=$(grep '^raw_sink frames=' "$work/sink")

awk -v sent="$(field frames "$beat_line")" -v sent_rate="$(field rate "$beat_line")" \
    -v got="$(field frames "$sink_line")" -v got_rate="$(field rate "$sink_line")" 'BEGIN {
  delivered = (sent > 0) ? 100 * got / sent : 0
  printf("| raw recvmmsg sink (frames/s) | varta-beat, 100000 agents at rate 0, sent %.0f/s | sink received %.0f/s | %.1f%% of frames delivered | baseline for ingest | info |\n",
         sent_rate, got_rate, delivered)
}'
