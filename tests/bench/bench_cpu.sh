#!/usr/bin/env bash
# CPU of varta-watch --headless at upstream's envelope: 4,096 agents beating at 1 Hz.
# Two observers run side by side over the same minute: the subject receives the agents,
# the baseline receives nothing. Each one's utime+stime (all threads, /proc/PID/stat) is
# read after a warm-up and again SECONDS later; the share of one core is the difference
# over the wall time. Prints one markdown row.
#   tests/bench/bench_cpu.sh [BUILD_DIR (default build/release)] [SECONDS (default 60)]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_init bench_cpu "${1:-build/release}"
seconds=${2:-60}
agents=4096
warmup=10
bench_require "$beat_bin" "$watch_bin"
ticks=$(getconf CLK_TCK)

start_watch idle --headless
idle_pid=$watch_pid
start_watch busy --headless
busy_pid=$watch_pid
"$beat_bin" --udp "127.0.0.1:$watch_port" --agents "$agents" --rate 1 \
  --duration-secs $((warmup + seconds + 5)) >"$work/beat" 2>&1 &
beat_pid=$!
bench_track "$beat_pid"
sleep "$warmup"

idle0=$(cpu_ticks "$idle_pid")
busy0=$(cpu_ticks "$busy_pid")
t0=$(date +%s.%N)
sleep "$seconds"
idle1=$(cpu_ticks "$idle_pid")
busy1=$(cpu_ticks "$busy_pid")
t1=$(date +%s.%N)

kill "$beat_pid" 2>/dev/null || true
wait "$beat_pid" 2>/dev/null || true
watch_pid=$busy_pid
stop_watch busy
busy_summary=$watch_summary
watch_pid=$idle_pid
stop_watch idle
load=$(cut -d' ' -f1 /proc/loadavg)

awk -v i0="$idle0" -v i1="$idle1" -v b0="$busy0" -v b1="$busy1" -v t0="$t0" -v t1="$t1" -v hz="$ticks" \
    -v n="$agents" -v beats="$(field beats "$busy_summary")" -v load="$load" 'BEGIN {
  wall = t1 - t0
  idle = 100 * (i1 - i0) / hz / wall
  busy = 100 * (b1 - b0) / hz / wall
  printf("| CPU, %d agents at 1 Hz, headless (%% of one core over %.0f s, load average %s) | idle observer %.2f%% | %.2f%% (%d beats accepted) | %.2f%% above idle | <= 1%% of a core | %s |\n",
         n, wall, load, idle, busy, beats, busy - idle, busy <= 1.0 ? "met" : "MISSED")
}'
