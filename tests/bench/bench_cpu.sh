#!/usr/bin/env bash
# CPU of varta-watch --headless at upstream's envelope: 4,096 agents beating at 1 Hz.
# Two observers run side by side over the same minute: the subject receives the agents,
# the baseline receives nothing. Each one's utime+stime (all threads, /proc/PID/stat) is
# read after a warm-up and again SECONDS later; the share of one core is the difference
# over the wall time. Prints one markdown row per transport:
#  - UDP: varta-beat simulates the 4,096 agents;
#  - Unix socket: 4,096 real processes (uds_fleet), one per agent, since the listener
#    checks each sender's pid with the kernel. A Unix datagram socket queues at most
#    net.unix.max_dgram_qlen datagrams, which bounds how long varta-watch may gather
#    reads (BatchReader); the row is measured at this machine's setting and, when it is
#    below systemd's 512 and may be changed, once more at 512 (restored afterwards).
#   tests/bench/bench_cpu.sh [BUILD_DIR (default build/release)] [SECONDS (default 60)]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_init bench_cpu "${1:-build/release}"
seconds=${2:-60}
agents=4096
warmup=10
fleet_bin=$build/bench/uds_fleet
bench_require "$beat_bin" "$watch_bin" "$fleet_bin"
ticks=$(getconf CLK_TCK)
qlen_file=/proc/sys/net/unix/max_dgram_qlen
qlen_before=$(cat "$qlen_file")

# measure LABEL TRANSPORT: one row. TRANSPORT is udp or uds.
measure() {
  local label=$1 transport=$2 load_pid idle_pid busy_pid
  if [[ $transport == udp ]]; then
    start_watch idle --headless
    idle_pid=$watch_pid
    start_watch busy --headless
    busy_pid=$watch_pid
    "$beat_bin" --udp "127.0.0.1:$watch_port" --agents "$agents" --rate 1 \
      --duration-secs $((warmup + seconds + 5)) >"$work/load" 2>&1 &
  else
    start_watch idle --headless --socket "$work/idle.sock"
    idle_pid=$watch_pid
    start_watch busy --headless --socket "$work/busy.sock"
    busy_pid=$watch_pid
    "$fleet_bin" "$work/busy.sock" "$agents" 1 $((warmup + seconds + 5)) >"$work/load" 2>&1 &
  fi
  load_pid=$!
  bench_track "$load_pid"
  sleep "$warmup"

  local idle0 busy0 t0 idle1 busy1 t1
  idle0=$(cpu_ticks "$idle_pid")
  busy0=$(cpu_ticks "$busy_pid")
  t0=$(date +%s.%N)
  sleep "$seconds"
  idle1=$(cpu_ticks "$idle_pid")
  busy1=$(cpu_ticks "$busy_pid")
  t1=$(date +%s.%N)

  kill "$load_pid" 2>/dev/null || true
  wait "$load_pid" 2>/dev/null || true
  watch_pid=$busy_pid
  stop_watch busy
  local beats
  beats=$(field beats "$watch_summary")
  watch_pid=$idle_pid
  stop_watch idle
  awk -v i0="$idle0" -v i1="$idle1" -v b0="$busy0" -v b1="$busy1" -v t0="$t0" -v t1="$t1" -v hz="$ticks" \
      -v n="$agents" -v beats="$beats" -v load="$(cut -d' ' -f1 /proc/loadavg)" -v label="$label" 'BEGIN {
    wall = t1 - t0
    idle = 100 * (i1 - i0) / hz / wall
    busy = 100 * (b1 - b0) / hz / wall
    printf("| CPU, %d agents at 1 Hz, headless, %s (%% of one core over %.0f s, load average %s) | idle observer %.2f%% | %.2f%% (%d beats accepted) | %.2f%% above idle | <= 1%% of a core | %s |\n",
           n, label, wall, load, idle, busy, beats, busy - idle, busy <= 1.0 ? "met" : "MISSED")
  }'
}

restore_qlen() { echo "$qlen_before" >"$qlen_file" 2>/dev/null || true; }

measure "UDP" udp
measure "Unix socket, net.unix.max_dgram_qlen=$qlen_before (this machine)" uds
if ((qlen_before < 512)) && echo 512 >"$qlen_file" 2>/dev/null; then
  trap 'restore_qlen; bench_cleanup' EXIT
  measure "Unix socket, net.unix.max_dgram_qlen=512 (systemd's default)" uds
  restore_qlen
fi
