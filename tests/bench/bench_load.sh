#!/usr/bin/env bash
# How many frames/s one core generates (varta-beat --agents 100000 --rate 0) and how many
# a bare recvmmsg loop on another core takes off the socket: the ceiling any observer's
# ingest is compared against. Prints one markdown table row.
#   tests/bench/bench_load.sh [BUILD_DIR (default build/release)] [SECONDS (default 3)]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
seconds=${2:-3}
sink_bin=$build/bench/raw_sink
beat_bin=$build/bin/varta-beat
for bin in "$sink_bin" "$beat_bin"; do
  [[ -x $bin ]] || { echo "bench_load: $bin not built (cmake --build $build --target raw_sink varta-beat)" >&2; exit 1; }
done

sink_out=$(mktemp)
sink_pid=""
cleanup() { rm -f "$sink_out"; if [[ -n $sink_pid ]]; then kill "$sink_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
# The sink counts from the first datagram to the last; it ends once the generator stops.
"$sink_bin" --idle-ms 500 --wait-secs 20 >"$sink_out" &
sink_pid=$!
port=""
for _ in $(seq 1 200); do   # up to 10 s for the sink to bind
  port=$(sed -n 's/^raw_sink listening port=\([0-9]*\).*/\1/p' "$sink_out")
  [[ -n $port ]] && break
  sleep 0.05
done
[[ -n $port ]] || { echo "bench_load: raw_sink did not start" >&2; exit 1; }

beat_line=$("$beat_bin" --udp "127.0.0.1:$port" --agents 100000 --rate 0 --duration-secs "$seconds" | tail -n1)
wait "$sink_pid"
sink_pid=""
sink_line=$(grep '^raw_sink frames=' "$sink_out")

field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }
awk -v sent="$(field frames "$beat_line")" -v sent_rate="$(field rate "$beat_line")" \
    -v got="$(field frames "$sink_line")" -v got_rate="$(field rate "$sink_line")" 'BEGIN {
  delivered = (sent > 0) ? 100 * got / sent : 0
  printf("| raw recvmmsg sink (frames/s) | varta-beat, 100000 agents at rate 0, sent %.0f/s | sink received %.0f/s | %.1f%% of frames delivered | baseline for ingest | info |\n",
         sent_rate, got_rate, delivered)
}'
