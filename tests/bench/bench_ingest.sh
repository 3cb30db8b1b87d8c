#!/usr/bin/env bash
# Ingest at the machine's limit: the same load generator (varta-beat, 100,000 agents,
# as fast as one core sends) against a bare recvmmsg sink, then against varta-watch
# --headless, in one run. Prints markdown rows: frames the subject accepted per frame
# sent, against what the raw sink took off the same socket.
#   tests/bench/bench_ingest.sh [BUILD_DIR (default build/release)] [SECONDS (default 5)]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
seconds=${2:-5}
sink_bin=$build/bench/raw_sink
beat_bin=$build/bin/varta-beat
watch_bin=$build/bin/varta-watch
for bin in "$sink_bin" "$beat_bin" "$watch_bin"; do
  [[ -x $bin ]] || { echo "bench_ingest: $bin not built" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
field() { sed -n "s/.*[ :]$1=\([0-9.]*\).*/\1/p" <<<"$2" | head -n1; }

wait_for_port() {  # FILE REGEX: the first capture of REGEX in FILE, within 20 s
  local port=""
  for _ in $(seq 1 400); do
    port=$(sed -n "s/$2/\1/p" "$1" | head -n1)
    [[ -n $port ]] && { echo "$port"; return; }
    sleep 0.05
  done
  echo "bench_ingest: no port in $1" >&2; exit 1
}

generate() {  # PORT: the generator's summary line
  "$beat_bin" --udp "127.0.0.1:$1" --agents 100000 --rate 0 --duration-secs "$seconds" | tail -n1
}

# 1. Baseline: a bare recvmmsg loop.
"$sink_bin" --idle-ms 500 --wait-secs 30 >"$work/sink" &
pids+=($!)
port=$(wait_for_port "$work/sink" '^raw_sink listening port=\([0-9]*\).*')
raw_sent_line=$(generate "$port")
wait "${pids[-1]}"
raw_sent=$(field frames "$raw_sent_line")
raw_got=$(field frames "$(grep '^raw_sink frames=' "$work/sink")")

# 2. Subject: varta-watch --headless, every frame through decode and the tracker.
"$watch_bin" --headless --udp-port 0 --tracker-capacity 131072 --max-beat-rate 0 \
  --threshold-ms 600000 >"$work/watch" 2>&1 &
watch_pid=$!
pids+=($watch_pid)
port=$(wait_for_port "$work/watch" '.*listening on udp 127.0.0.1:\([0-9]*\).*')
watch_sent_line=$(generate "$port")
sleep 1   # let the observer drain what is queued
kill -TERM "$watch_pid"
wait "$watch_pid"
summary=$(grep 'stopped:' "$work/watch")
watch_got=$(field beats "$summary")
watch_sent=$(field frames "$watch_sent_line")
watch_rate=$(field rate "$watch_sent_line")

awk -v rs="$raw_sent" -v rg="$raw_got" -v ws="$watch_sent" -v wg="$watch_got" -v wr="$watch_rate" -v s="$seconds" 'BEGIN {
  raw = (rs > 0) ? rg / rs : 0
  sub_ = (ws > 0) ? wg / ws : 0
  ratio = (raw > 0) ? sub_ / raw : 0
  printf("| ingest, 100000 agents, headless (share of frames sent that were accepted) | raw recvmmsg sink took %.1f%% of %.0f/s | varta-watch accepted %.1f%% of %.0f/s (%.0f accepted/s) | %.1f%% of the baseline | >= 99%% of the baseline | %s |\n",
         100 * raw, rs / s, 100 * sub_, ws / s, wg / s, 100 * ratio, ratio >= 0.99 ? "met" : "MISSED")
}'
