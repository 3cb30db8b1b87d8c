#!/usr/bin/env bash
# Ingest with four consoles attached: the same load generator as bench_ingest.sh
# (varta-beat, 100,000 agents, as fast as one core sends) against a bare recvmmsg sink,
# then against varta-watch --headless --console-listen with four consoles subscribed over
# TCP on loopback, back to back, ROUNDS times. Under the flood every batch changes tens of
# thousands of agents, so the stream is as large as it gets. The consoles are
# stream_reader processes, which read every byte and do nothing else: on a real fleet
# the windows run on workstations, not on the observer's cores.
# Prints markdown rows: frames accepted per frame sent against the raw sink's share
# (median over the rounds), and what the consoles received.
#   tests/bench/bench_attach_ingest.sh [BUILD_DIR (default build/release)] [SECONDS (default 5)] [ROUNDS (default 3)]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_init bench_attach_ingest "${1:-build/release}"
seconds=${2:-5}
rounds=${3:-3}
consoles=${BENCH_CONSOLES:-4}   # BENCH_CONSOLES=N for another count
reader_bin=$build/bench/stream_reader
bench_require "$sink_bin" "$beat_bin" "$watch_bin" "$reader_bin"

secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077 && echo "bench control $secret" >"$work/tokens" && echo "$secret" >"$work/token")

# One round appends "raw_sent raw_got sent accepted rate console_bytes resyncs" to $work/rounds.
round() {
  start_sink sink --idle-ms 1500 --wait-secs 30
  local raw_line
  raw_line=$(flood "$sink_port" "$seconds")
  wait "$sink_pid"
  line="$(field frames "$raw_line") $(field frames "$(grep '^raw_sink frames=' "$work/sink")")"

  start_watch watch --headless --console-listen 127.0.0.1:0 --console-token-file "$work/tokens" \
    --tracker-capacity 131072 --max-beat-rate 0 --threshold-ms 600000
  local console_port readers=() i sent_line bytes=0 resyncs=0 out
  console_port=$(wait_for "$work/watch" '.*listening on console tcp:..127.0.0.1:\([0-9]*\).*')
  for ((i = 1; i <= consoles; ++i)); do
    "$reader_bin" 127.0.0.1 "$console_port" "$work/token" >"$work/reader$i" 2>&1 &
    readers+=($!)
    bench_track "$!"
  done
  sleep 1   # every console has its snapshot and is subscribed before the flood
  sent_line=$(flood "$watch_port" "$seconds")
  sleep 1   # let the observer drain what is queued
  kill -TERM "${readers[@]}"
  wait "${readers[@]}" || true
  stop_watch watch
  for ((i = 1; i <= consoles; ++i)); do
    out=$(grep '^stream_reader bytes=' "$work/reader$i") || bench_fail "console $i: $(cat "$work/reader$i")"
    bytes=$((bytes + $(field bytes "$out")))
    resyncs=$((resyncs + $(field resyncs "$out")))
  done
  line+=" $(field frames "$sent_line") $(field beats "$watch_summary") $(field rate "$sent_line") $bytes $resyncs"
  echo "$line" >>"$work/rounds"
}

for ((r = 1; r <= rounds; ++r)); do
  round
done
load=$(cut -d' ' -f1 /proc/loadavg)

awk -v s="$seconds" -v c="$consoles" -v load="$load" "$median_awk"'
{
  ++n
  raw[n] = ($1 > 0) ? $2 / $1 : 0
  sub_[n] = ($3 > 0) ? $4 / $3 : 0
  ratio[n] = (raw[n] > 0) ? sub_[n] / raw[n] : 0
  rate[n] = $5
  mbs[n] = $6 / c / s / 1e6
  resyncs += $7
  list = list sprintf("%s%.1f", (n > 1) ? ", " : "", 100 * ratio[n])
}
END {
  r = median(ratio, n); rr = median(raw, n); ss = median(sub_, n); sr = median(rate, n); mb = median(mbs, n)
  printf("| ingest, 100000 agents, headless with %d consoles attached over TCP (share of frames sent that were accepted; median of %d rounds, load average %s) | raw recvmmsg sink took %.1f%% | varta-watch accepted %.1f%% of %.0f/s while each console read %.1f MB/s (%d resyncs in all) | %.1f%% of the baseline (rounds: %s) | >= 99%% of the baseline | %s |\n",
         c, n, load, 100 * rr, 100 * ss, sr, mb, resyncs, 100 * r, list, r >= 0.99 ? "met" : "MISSED")
}' "$work/rounds"
