#!/usr/bin/env bash
# Resident memory of varta-watch --headless, per tracked agent and over time.
#
#  1. Per agent: RSS of the process with 100,000 agents beating (varta-beat, 1 Hz each)
#     minus RSS of the same process with no agent (the baseline, measured in the same
#     run), divided by the agents it tracks. Once at --tracker-capacity 131072 and once
#     at the maximum, 1048576: the capacity is reserved up front, but resident memory
#     must follow the agents, so the empty processes must be alike too.
#     And once with the console (-platform offscreen, the agents table and the stall
#     timeline shown): the agent rows, their filter/sort proxy and the timeline history
#     count against the same 512 bytes per agent.
#  2. Soak: 100,000 agents at 1 Hz for SOAK_SECS, RSS sampled every 10 s; flat means the
#     last sample is within 2 MiB of the first one after a 20 s warm-up.
#
#   tests/bench/bench_memory.sh [BUILD_DIR (default build/release)] [SOAK_SECS]
# SOAK_SECS defaults to $BENCH_SOAK_SECS, else 60; tests/bench/run.sh --soak sets 600
# (the 10-minute soak).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_init bench_memory "${1:-build/release}"
soak_secs=${2:-${BENCH_SOAK_SECS:-60}}
agents=100000
bench_require "$beat_bin" "$watch_bin"

# watch NAME CAPACITY [MODE]: starts varta-watch with a 5 s threshold. MODE is headless
# (the default) or console (-platform offscreen: the window is shown).
watch() {
  local mode=(--headless)
  [[ ${3:-headless} == console ]] && mode=(-platform offscreen)
  start_watch "$1" "${mode[@]}" --tracker-capacity "$2" --threshold-ms 5000
}

beat() {  # PORT SECONDS: 100,000 agents at 1 Hz, in the background; sets beat_pid
  "$beat_bin" --udp "127.0.0.1:$1" --agents "$agents" --rate 1 --duration-secs "$2" >"$work/beat" 2>&1 &
  beat_pid=$!
  bench_track "$beat_pid"
}

# per_agent CAPACITY [MODE]: one markdown row.
per_agent() {
  local capacity=$1 mode=${2:-headless} empty full tracked
  watch "empty-$capacity-$mode" "$capacity" "$mode"
  sleep 3
  empty=$(rss_kib "$watch_pid")
  stop_watch "empty-$capacity-$mode"
  watch "full-$capacity-$mode" "$capacity" "$mode"
  beat "$watch_port" 12
  sleep 10   # every agent has beaten ~10 times; the table has its final size
  full=$(rss_kib "$watch_pid")
  wait "$beat_pid" || true
  stop_watch "full-$capacity-$mode"
  tracked=$(field agents "$watch_summary")
  awk -v e="$empty" -v f="$full" -v n="$tracked" -v c="$capacity" -v a="$agents" -v m="$mode" 'BEGIN {
    per = (n > 0) ? (f - e) * 1024 / n : 0
    printf("| resident memory per agent, %d agents, --tracker-capacity %d, %s (bytes) | empty process %.1f MiB | %.1f MiB with %d agents tracked | %.0f bytes per agent | <= 512 bytes per agent | %s |\n",
           a, c, m, e / 1024, f / 1024, n, per, (n == a && per <= 512) ? "met" : "MISSED")
  }'
  echo "$empty" >"$work/empty-rss-$capacity-$mode"
}

per_agent 131072
per_agent 1048576
per_agent 131072 console
awk -v small="$(cat "$work/empty-rss-131072-headless")" -v large="$(cat "$work/empty-rss-1048576-headless")" 'BEGIN {
  printf("| resident memory of an empty process against --tracker-capacity (MiB) | capacity 131072: %.1f | capacity 1048576: %.1f | %+.1f MiB | memory follows agents, not capacity (< 1 MiB apart) | %s |\n",
         small / 1024, large / 1024, (large - small) / 1024, (large - small < 1024) ? "met" : "MISSED")
}'

# Soak.
watch soak 131072
beat "$watch_port" $((soak_secs + 5))
samples=()
warmup=20
sample_rss "$watch_pid" "$warmup" "$soak_secs"
kill "$beat_pid" 2>/dev/null || true
wait "$beat_pid" 2>/dev/null || true
stop_watch soak
tracked=$(field agents "$watch_summary")
first=${samples[0]}
last=${samples[-1]}
max=$(printf '%s\n' "${samples[@]}" | sort -n | tail -n1)
awk -v f="$first" -v l="$last" -v m="$max" -v s="$soak_secs" -v n="${#samples[@]}" -v t="$tracked" -v a="$agents" 'BEGIN {
  d = l - f
  printf("| resident memory over a %d s soak, %d agents at 1 Hz (MiB, every 10 s after %d s) | first sample %.1f | last %.1f, highest %.1f, %d samples, %d agents tracked | %+.2f MiB | last within 2 MiB of first | %s |\n",
         s, a, 20, f / 1024, l / 1024, m / 1024, n, t, d / 1024, (d <= 2048 && d >= -2048 && t == a) ? "met" : "MISSED")
}'
