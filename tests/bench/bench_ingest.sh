#!/usr/bin/env bash
# Ingest at the machine's limit: the same load generator (varta-beat, 100,000 agents,
# as fast as one core sends) against a bare recvmmsg sink, then against varta-watch
# --headless, then against varta-watch with its console (-platform offscreen: the window
# with the agents table and the stall timeline shown), back to back, ROUNDS times.
# Prints markdown rows:
#  - frames each subject accepted per frame sent, against what the raw sink took off the
#    same socket, as the median over the rounds (each round's three run back to back);
#  - CPU time each receiver spent per datagram (utime+stime of the whole process), the
#    measure that a busy machine disturbs least.
#   tests/bench/bench_ingest.sh [BUILD_DIR (default build/release)] [SECONDS (default 5)] [ROUNDS (default 3)]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_init bench_ingest "${1:-build/release}"
seconds=${2:-5}
rounds=${3:-3}
bench_require "$sink_bin" "$beat_bin" "$watch_bin"
ticks=$(getconf CLK_TCK)

# subject ARG...: one varta-watch ARG... under the generator; appends "sent accepted
# ticks rate" to the round's line.
subject() {
  start_watch watch "$@" --tracker-capacity 131072 --max-beat-rate 0 --threshold-ms 600000
  local sent_line ticks_used
  sent_line=$(flood "$watch_port" "$seconds")
  sleep 1   # let the observer drain what is queued
  ticks_used=$(cpu_ticks "$watch_pid")
  stop_watch watch
  line+=" $(field frames "$sent_line") $(field beats "$watch_summary") $ticks_used $(field rate "$sent_line")"
}

# One round appends one line to $work/rounds: "raw_sent raw_got raw_ticks", then "sent
# accepted ticks rate" of the headless subject and of the console subject.
round() {
  # 1. Baseline: a bare recvmmsg loop. Its CPU is read while it waits out its idle time.
  start_sink sink --idle-ms 1500 --wait-secs 30
  local raw_line raw_ticks
  raw_line=$(flood "$sink_port" "$seconds")
  sleep 0.5
  raw_ticks=$(cpu_ticks "$sink_pid")
  wait "$sink_pid"
  line="$(field frames "$raw_line") $(field frames "$(grep '^raw_sink frames=' "$work/sink")") $raw_ticks"

  # 2. Subjects: every frame through decode and the tracker; then also into the console.
  subject --headless
  subject -platform offscreen
  echo "$line" >>"$work/rounds"
}

for ((r = 1; r <= rounds; ++r)); do
  round
done
load=$(cut -d' ' -f1 /proc/loadavg)

awk -v s="$seconds" -v hz="$ticks" -v load="$load" "$median_awk"'
{
  ++n
  raw[n] = ($1 > 0) ? $2 / $1 : 0
  sub_[n] = ($4 > 0) ? $5 / $4 : 0
  ratio[n] = (raw[n] > 0) ? sub_[n] / raw[n] : 0
  rawns[n] = ($2 > 0) ? $3 / hz * 1e9 / $2 : 0
  subns[n] = ($5 > 0) ? $6 / hz * 1e9 / $5 : 0
  rate[n] = $7
  list = list sprintf("%s%.1f", (n > 1) ? ", " : "", 100 * ratio[n])
  gui[n] = ($8 > 0) ? $9 / $8 : 0
  gratio[n] = (raw[n] > 0) ? gui[n] / raw[n] : 0
  grate[n] = $11
  glist = glist sprintf("%s%.1f", (n > 1) ? ", " : "", 100 * gratio[n])
}
END {
  r = median(ratio, n); rr = median(raw, n); ss = median(sub_, n); sr = median(rate, n)
  printf("| ingest, 100000 agents, headless (share of frames sent that were accepted; median of %d rounds, load average %s) | raw recvmmsg sink took %.1f%% | varta-watch accepted %.1f%% of %.0f/s | %.1f%% of the baseline (rounds: %s) | >= 99%% of the baseline | %s |\n",
         n, load, 100 * rr, 100 * ss, sr, 100 * r, list, r >= 0.99 ? "met" : "MISSED")
  g = median(gratio, n); gs = median(gui, n); gr = median(grate, n)
  printf("| ingest, 100000 agents, console shown offscreen (share of frames sent that were accepted; median of %d rounds) | raw recvmmsg sink took %.1f%% | varta-watch with its window accepted %.1f%% of %.0f/s | %.1f%% of the baseline (rounds: %s) | >= 95%% of the baseline | %s |\n",
         n, 100 * rr, 100 * gs, gr, 100 * g, glist, g >= 0.95 ? "met" : "MISSED")
  rn = median(rawns, n); sn = median(subns, n)
  printf("| ingest CPU per datagram under the same flood (ns, process utime+stime; median of %d rounds) | raw recvmmsg sink %.0f | varta-watch %.0f | %.2fx the baseline | informational: the sink reads each datagram as it lands (MSG_WAITFORONE, small batches) while varta-watch gathers reads into large batches, so it can spend less per datagram despite decoding and tracking | - |\n",
         n, rn, sn, (rn > 0) ? sn / rn : 0)
}' "$work/rounds"
