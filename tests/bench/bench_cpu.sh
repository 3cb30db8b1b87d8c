#!/usr/bin/env bash
# CPU of varta-watch --headless at upstream's envelope: 4,096 agents beating at 1 Hz.
# Two observers run side by side over the same minute: the subject receives the agents,
# the baseline receives nothing. Each one's utime+stime (all threads, /proc/PID/stat) is
# read after a warm-up and again SECONDS later; the share of one core is the difference
# over the wall time. Prints one markdown row.
#   tests/bench/bench_cpu.sh [BUILD_DIR (default build/release)] [SECONDS (default 60)]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
seconds=${2:-60}
agents=4096
warmup=10
beat_bin=$build/bin/varta-beat
watch_bin=$build/bin/varta-watch
for bin in "$beat_bin" "$watch_bin"; do
  [[ -x $bin ]] || { echo "bench_cpu: $bin not built" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
ticks=$(getconf CLK_TCK)

# cpu_ticks PID: utime + stime. The command name (field 2) may hold spaces, so count
# fields from the closing parenthesis: utime and stime are the 12th and 13th after it.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

start_watch() {  # NAME: starts varta-watch; sets watch_pid and watch_port
  "$watch_bin" --headless --udp-port 0 >"$work/$1" 2>&1 &
  watch_pid=$!
  watch_port=""
  pids+=("$watch_pid")
  for _ in $(seq 1 400); do
    watch_port=$(sed -n 's/.*listening on udp 127.0.0.1:\([0-9]*\).*/\1/p' "$work/$1" | head -n1)
    [[ -n $watch_port ]] && return
    sleep 0.05
  done
  echo "bench_cpu: varta-watch did not start" >&2
  exit 1
}

start_watch idle
idle_pid=$watch_pid
start_watch busy
busy_pid=$watch_pid
"$beat_bin" --udp "127.0.0.1:$watch_port" --agents "$agents" --rate 1 \
  --duration-secs $((warmup + seconds + 5)) >"$work/beat" 2>&1 &
beat_pid=$!
pids+=("$beat_pid")
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
kill -TERM "$busy_pid" "$idle_pid"
wait "$busy_pid" "$idle_pid" || true
beats=$(sed -n 's/.* beats=\([0-9]*\).*/\1/p' "$work/busy" | head -n1)
load=$(cut -d' ' -f1 /proc/loadavg)

awk -v i0="$idle0" -v i1="$idle1" -v b0="$busy0" -v b1="$busy1" -v t0="$t0" -v t1="$t1" -v hz="$ticks" \
    -v n="$agents" -v beats="${beats:-0}" -v load="$load" 'BEGIN {
  wall = t1 - t0
  idle = 100 * (i1 - i0) / hz / wall
  busy = 100 * (b1 - b0) / hz / wall
  printf("| CPU, %d agents at 1 Hz, headless (%% of one core over %.0f s, load average %s) | idle observer %.2f%% | %.2f%% (%d beats accepted) | %.2f%% above idle | <= 1%% of a core | %s |\n",
         n, wall, load, idle, busy, beats, busy - idle, busy <= 1.0 ? "met" : "MISSED")
}'
