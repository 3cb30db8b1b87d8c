#!/usr/bin/env bash
# Resident memory of varta-watch --headless, per tracked agent and over time.
#
#  1. Per agent: RSS of the process with 100,000 agents beating (varta-beat, 1 Hz each)
#     minus RSS of the same process with no agent (the baseline, measured in the same
#     run), divided by the agents it tracks. Once at --tracker-capacity 131072 and once
#     at the maximum, 1048576: the capacity is reserved up front, but resident memory
#     must follow the agents, so the empty processes must be alike too.
#  2. Soak: 100,000 agents at 1 Hz for SOAK_SECS, RSS sampled every 10 s; flat means the
#     last sample is within 2 MiB of the first one after a 20 s warm-up.
#
#   tests/bench/bench_memory.sh [BUILD_DIR (default build/release)] [SOAK_SECS]
# SOAK_SECS defaults to $BENCH_SOAK_SECS, else 60; tests/bench/run.sh --soak sets 600
# (the 10-minute soak).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
soak_secs=${2:-${BENCH_SOAK_SECS:-60}}
agents=100000
beat_bin=$build/bin/varta-beat
watch_bin=$build/bin/varta-watch
for bin in "$beat_bin" "$watch_bin"; do
  [[ -x $bin ]] || { echo "bench_memory: $bin not built" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
field() { sed -n "s/.*[ :]$1=\([0-9.]*\).*/\1/p" <<<"$2" | head -n1; }

# start_watch NAME CAPACITY: starts varta-watch, sets watch_pid and watch_port.
start_watch() {
  "$watch_bin" --headless --udp-port 0 --tracker-capacity "$2" --threshold-ms 5000 >"$work/$1" 2>&1 &
  watch_pid=$!
  pids+=("$watch_pid")
  watch_port=""
  for _ in $(seq 1 400); do
    watch_port=$(sed -n 's/.*listening on udp 127.0.0.1:\([0-9]*\).*/\1/p' "$work/$1" | head -n1)
    [[ -n $watch_port ]] && return
    sleep 0.05
  done
  echo "bench_memory: varta-watch did not start" >&2
  exit 1
}

# stop_watch NAME: stops the last started varta-watch; prints its agents= total.
stop_watch() {
  kill -TERM "$watch_pid"
  wait "$watch_pid" || true
  field agents "$(grep 'stopped:' "$work/$1")"
}

beat() {  # PORT SECONDS: 100,000 agents at 1 Hz, in the background; sets beat_pid
  "$beat_bin" --udp "127.0.0.1:$1" --agents "$agents" --rate 1 --duration-secs "$2" >"$work/beat" 2>&1 &
  beat_pid=$!
  pids+=("$beat_pid")
}

# per_agent CAPACITY: one markdown row.
per_agent() {
  local capacity=$1 empty full tracked
  start_watch "empty-$capacity" "$capacity"
  sleep 3
  empty=$(rss_kib "$watch_pid")
  stop_watch "empty-$capacity" >/dev/null
  start_watch "full-$capacity" "$capacity"
  beat "$watch_port" 12
  sleep 10   # every agent has beaten ~10 times; the table has its final size
  full=$(rss_kib "$watch_pid")
  wait "$beat_pid" || true
  tracked=$(stop_watch "full-$capacity")
  awk -v e="$empty" -v f="$full" -v n="$tracked" -v c="$capacity" -v a="$agents" 'BEGIN {
    per = (n > 0) ? (f - e) * 1024 / n : 0
    printf("| resident memory per agent, %d agents, --tracker-capacity %d (bytes) | empty process %.1f MiB | %.1f MiB with %d agents tracked | %.0f bytes per agent | <= 512 bytes per agent | %s |\n",
           a, c, e / 1024, f / 1024, n, per, (n == a && per <= 512) ? "met" : "MISSED")
  }'
  echo "$empty" >"$work/empty-rss-$capacity"
}

per_agent 131072
per_agent 1048576
awk -v small="$(cat "$work/empty-rss-131072")" -v large="$(cat "$work/empty-rss-1048576")" 'BEGIN {
  printf("| resident memory of an empty process against --tracker-capacity (MiB) | capacity 131072: %.1f | capacity 1048576: %.1f | %+.1f MiB | memory follows agents, not capacity (< 1 MiB apart) | %s |\n",
         small / 1024, large / 1024, (large - small) / 1024, (large - small < 1024) ? "met" : "MISSED")
}'

# Soak.
start_watch soak 131072
beat "$watch_port" $((soak_secs + 5))
samples=()
warmup=20
sleep "$warmup"
for ((t = warmup; t <= soak_secs; t += 10)); do
  samples+=("$(rss_kib "$watch_pid")")
  ((t + 10 <= soak_secs)) && sleep 10
done
kill "$beat_pid" 2>/dev/null || true
wait "$beat_pid" 2>/dev/null || true
tracked=$(stop_watch soak)
first=${samples[0]}
last=${samples[-1]}
max=$(printf '%s\n' "${samples[@]}" | sort -n | tail -n1)
awk -v f="$first" -v l="$last" -v m="$max" -v s="$soak_secs" -v n="${#samples[@]}" -v t="$tracked" -v a="$agents" 'BEGIN {
  d = l - f
  printf("| resident memory over a %d s soak, %d agents at 1 Hz (MiB, every 10 s after %d s) | first sample %.1f | last %.1f, highest %.1f, %d samples, %d agents tracked | %+.2f MiB | last within 2 MiB of first | %s |\n",
         s, a, 20, f / 1024, l / 1024, m / 1024, n, t, d / 1024, (d <= 2048 && d >= -2048 && t == a) ? "met" : "MISSED")
}'
