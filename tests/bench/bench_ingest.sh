#!/usr/bin/env bash
# Ingest at the machine's limit: the same load generator (varta-beat, 100,000 agents,
# as fast as one core sends) against a bare recvmmsg sink, then against varta-watch
# --headless, in pairs, ROUNDS times. Prints markdown rows:
#  - frames the subject accepted per frame sent, against what the raw sink took off the
#    same socket, as the median over the rounds (each round's pair runs back to back);
#  - CPU time each receiver spent per datagram (utime+stime of the whole process), the
#    measure that a busy machine disturbs least.
#   tests/bench/bench_ingest.sh [BUILD_DIR (default build/release)] [SECONDS (default 5)] [ROUNDS (default 3)]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
seconds=${2:-5}
rounds=${3:-3}
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
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }  # utime + stime
ticks=$(getconf CLK_TCK)

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

# One round: prints "raw_sent raw_got raw_ticks watch_sent watch_got watch_ticks watch_rate".
round() {
  # 1. Baseline: a bare recvmmsg loop. Its CPU is read while it waits out its idle time.
  "$sink_bin" --idle-ms 1500 --wait-secs 30 >"$work/sink" &
  local sink_pid=$!
  pids+=("$sink_pid")
  local port raw_line raw_ticks
  port=$(wait_for_port "$work/sink" '^raw_sink listening port=\([0-9]*\).*')
  raw_line=$(generate "$port")
  sleep 0.5
  raw_ticks=$(cpu_ticks "$sink_pid")
  wait "$sink_pid"

  # 2. Subject: varta-watch --headless, every frame through decode and the tracker.
  "$watch_bin" --headless --udp-port 0 --tracker-capacity 131072 --max-beat-rate 0 \
    --threshold-ms 600000 >"$work/watch" 2>&1 &
  local watch_pid=$!
  pids+=("$watch_pid")
  local watch_line watch_ticks summary
  port=$(wait_for_port "$work/watch" '.*listening on udp 127.0.0.1:\([0-9]*\).*')
  watch_line=$(generate "$port")
  sleep 1   # let the observer drain what is queued
  watch_ticks=$(cpu_ticks "$watch_pid")
  kill -TERM "$watch_pid"
  wait "$watch_pid"
  summary=$(grep 'stopped:' "$work/watch")
  echo "$(field frames "$raw_line") $(field frames "$(grep '^raw_sink frames=' "$work/sink")") $raw_ticks" \
       "$(field frames "$watch_line") $(field beats "$summary") $watch_ticks $(field rate "$watch_line")"
}

for ((r = 1; r <= rounds; ++r)); do
  round >>"$work/rounds"
done
load=$(cut -d' ' -f1 /proc/loadavg)

awk -v s="$seconds" -v hz="$ticks" -v load="$load" '
function median(a, n,   i, j, t) {
  for (i = 2; i <= n; ++i) for (j = i; j > 1 && a[j - 1] > a[j]; --j) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
  ++n
  raw[n] = ($1 > 0) ? $2 / $1 : 0
  sub_[n] = ($4 > 0) ? $5 / $4 : 0
  ratio[n] = (raw[n] > 0) ? sub_[n] / raw[n] : 0
  rawns[n] = ($2 > 0) ? $3 / hz * 1e9 / $2 : 0
  subns[n] = ($5 > 0) ? $6 / hz * 1e9 / $5 : 0
  rate[n] = $7
  list = list sprintf("%s%.1f", (n > 1) ? ", " : "", 100 * ratio[n])
}
END {
  r = median(ratio, n); rr = median(raw, n); ss = median(sub_, n); sr = median(rate, n)
  printf("| ingest, 100000 agents, headless (share of frames sent that were accepted; median of %d rounds, load average %s) | raw recvmmsg sink took %.1f%% | varta-watch accepted %.1f%% of %.0f/s | %.1f%% of the baseline (rounds: %s) | >= 99%% of the baseline | %s |\n",
         n, load, 100 * rr, 100 * ss, sr, 100 * r, list, r >= 0.99 ? "met" : "MISSED")
  rn = median(rawns, n); sn = median(subns, n)
  printf("| ingest CPU per datagram under the same flood (ns, process utime+stime; median of %d rounds) | raw recvmmsg sink %.0f | varta-watch %.0f | %.2fx the baseline | informational: decode, tracker and timestamps on top of the receive | - |\n",
         n, rn, sn, (rn > 0) ? sn / rn : 0)
}' "$work/rounds"
