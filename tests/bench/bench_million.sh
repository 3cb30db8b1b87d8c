#!/usr/bin/env bash
# A million agents (--tracker-capacity 1048576) against the real binaries:
#  1. Stalls under a saturating flood: the observer first meets the fleet (one beat from
#     each of 1,000,000 agents, paced at 700,000 a second); then varta-beat sends from the
#     same agents as fast as one core can for SECONDS, their sequences carried on
#     (--nonce-start 2). After STALL_AT s a tenth of them fall silent while the rest go on
#     at full speed. With a 2 s threshold a live agent (beating about once a second) never
#     stalls, so exactly 100,000 stalls fall due in the middle of the flood. What a million
#     agents first seen at once cost is the warm-up's own figure: its beats the kernel
#     dropped (UdpRcvbufErrors) while the observer learned them.
#     Their lag is the observer's own varta_stall_detection_lag_seconds (surfaced minus
#     last beat's kernel arrival plus the threshold), scraped while the flood still runs;
#     its buckets at 5 ms and 10 ms are the targets' bounds, so p99 <= 5 ms and
#     max <= 10 ms are read exactly, and the quantiles in between are interpolated.
#     The same round's ingest share is set beside the raw recvmmsg sink's under the same
#     generator, as bench_ingest.sh does. Median of ROUNDS rounds.
#  2. The same flood with a 1 s threshold: every agent goes silent between its beats, so
#     the observer surfaces a stall and an agent back for nearly every beat. Informational:
#     the cost of a fleet that flaps as a whole.
#  3. Resident memory per agent with 1,000,000 agents beating (a beat every 4 s each),
#     headless and with the console (-platform offscreen, the window shown), each beside
#     the same process with no agent.
#   tests/bench/bench_million.sh [BUILD_DIR (default build/release)] [SECONDS (default 10)] [ROUNDS (default 3)]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_init bench_million "${1:-build/release}"
seconds=${2:-10}
rounds=${3:-3}
agents=1000000
capacity=1048576
stall_at=4
bench_require "$sink_bin" "$beat_bin" "$watch_bin"
openssl rand -hex 32 >"$work/token"
chmod 600 "$work/token"

# scrape FILE: the observer's /metrics (metrics_port) into FILE.
scrape() {
  curl -sf -H "Authorization: Bearer $(cat "$work/token")" "http://127.0.0.1:$metrics_port/metrics" >"$1"
}

# million_flood PORT [ARG...]: varta-beat from 1,000,000 agents at full speed for $seconds,
# in the background; sets beat_pid.
million_flood() {
  local port=$1
  shift
  "$beat_bin" --udp "127.0.0.1:$port" --agents "$agents" --rate 0 --duration-secs "$seconds" "$@" >"$work/beat" 2>&1 &
  beat_pid=$!
  bench_track "$beat_pid"
}

# lag_of FILE: "count le0.5ms le1ms le2.5ms le5ms le10ms le25ms le50ms le100ms" of the
# stall-lag histogram in FILE.
lag_of() {
  awk '/^varta_stall_detection_lag_seconds_bucket/ {
         match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
         if (le != "+Inf" && le + 0 <= 0.1) b[le + 0] = $2
       }
       /^varta_stall_detection_lag_seconds_count/ { n = $2 }
       END { printf("%d %d %d %d %d %d %d %d %d\n", n, b[0.0005], b[0.001], b[0.0025], b[0.005], b[0.01], b[0.025], b[0.05], b[0.1]) }' "$1"
}

# rcvbuf_errors: the kernel's count of UDP datagrams dropped at a full receive buffer.
rcvbuf_errors() { awk '/^Udp:/ { if (!n++) { for (i = 1; i <= NF; ++i) if ($i == "RcvbufErrors") f = i } else print $f }' /proc/net/snmp; }

# flood_round THRESHOLD_MS [BEAT ARG...]: one raw-sink run, then one observer run under the
# same generator; appends "raw_sent raw_got sent accepted <lag_of> warm_sent warm_dropped"
# to $work/rounds-THRESHOLD.
flood_round() {
  local threshold=$1 raw_line sent accepted warm_line warm_sent drops_before warm_dropped
  shift
  start_sink sink --idle-ms 1500 --wait-secs 40
  raw_line=$("$beat_bin" --udp "127.0.0.1:$sink_port" --agents "$agents" --rate 0 --duration-secs "$seconds" | tail -n1)
  wait "$sink_pid"

  "$watch_bin" --headless --udp-port 0 --tracker-capacity "$capacity" --max-beat-rate 0 --threshold-ms "$threshold" \
    --prom-addr 127.0.0.1:0 --prom-token-file "$work/token" >"$work/watch" 2>&1 &
  watch_pid=$!
  bench_track "$watch_pid"
  watch_port=$(wait_for "$work/watch" '.*listening on udp 127.0.0.1:\([0-9]*\).*')
  metrics_port=$(wait_for "$work/watch" '.*listening on metrics http:..127.0.0.1:\([0-9]*\).metrics.*')
  drops_before=$(rcvbuf_errors)
  warm_line=$("$beat_bin" --udp "127.0.0.1:$watch_port" --agents "$agents" --rate 0.7 --count 1 | tail -n1)
  warm_sent=$(field frames "$warm_line")
  warm_dropped=$(($(rcvbuf_errors) - drops_before))
  local ticks_before ticks_after
  ticks_before=$(cpu_ticks "$watch_pid")
  million_flood "$watch_port" --nonce-start 2 "$@"
  sleep $((seconds - 1))   # the flood still runs: only stalls of its middle are counted
  scrape "$work/metrics"
  wait "$beat_pid"
  ticks_after=$(cpu_ticks "$watch_pid")
  sleep 1
  stop_watch watch
  sent=$(field frames "$(tail -n1 "$work/beat")")
  # What the flood itself got accepted: all beats, less the warm-up's that arrived.
  accepted=$(($(field beats "$watch_summary") - (warm_sent - warm_dropped)))
  local sink_line
  sink_line=$(grep '^raw_sink frames=' "$work/sink")
  echo "$(field frames "$raw_line") $(field frames "$sink_line") $sent $accepted $(lag_of "$work/metrics") $warm_sent $warm_dropped" \
    >>"$work/rounds-$threshold"
  # CPU per datagram: the sink's own, and the observer's over the flood (clock ticks).
  echo "$(field cpu_ns "$sink_line") $(field frames "$sink_line") $(((ticks_after - ticks_before) * 1000000000 / $(getconf CLK_TCK))) $accepted" \
    >>"$work/cpu-$threshold"
}

# listener_sink_round: the raw sink reading as the listeners do (addresses and arrival
# stamps) under the same flood; appends "cpu_ns frames rate" to $work/listener.
listener_sink_round() {
  start_sink sink --idle-ms 1500 --wait-secs 40 --as-listener 1
  "$beat_bin" --udp "127.0.0.1:$sink_port" --agents "$agents" --rate 0 --duration-secs "$seconds" >/dev/null
  wait "$sink_pid"
  local line
  line=$(grep '^raw_sink frames=' "$work/sink")
  echo "$(field cpu_ns "$line") $(field frames "$line") $(field rate "$line")" >>"$work/listener"
}

for ((r = 1; r <= rounds; ++r)); do
  flood_round 2000 --stall-after-ms $((stall_at * 1000)) --stall-fraction 0.1
done
flood_round 1000
listener_sink_round
load=$(cut -d' ' -f1 /proc/loadavg)

# Prometheus' histogram_quantile: linear within the bucket that holds the quantile.
quantile_awk='
function quantile(q, n, b,   rank, i, lo, hi, below) {
  rank = q * n; below = 0; lo = 0
  for (i = 1; i <= 8; ++i) {
    hi = bound[i]
    if (b[i] >= rank) return lo + (hi - lo) * ((b[i] > below) ? (rank - below) / (b[i] - below) : 1)
    below = b[i]; lo = hi
  }
  return -1
}
BEGIN { split("0.5 1 2.5 5 10 25 50 100", bound, " ") }'

awk -v load="$load" -v secs="$seconds" -v at="$stall_at" "$median_awk$quantile_awk"'
{
  ++n
  raw = ($1 > 0) ? $2 / $1 : 0
  got = ($3 > 0) ? $4 / $3 : 0
  ratio[n] = (raw > 0) ? got / raw : 0
  rate[n] = $3 / secs
  count[n] = $5
  for (i = 1; i <= 8; ++i) b[i] = $(5 + i)
  p50[n] = quantile(0.5, $5, b); p99[n] = quantile(0.99, $5, b)
  within5[n] = ($5 > 0) ? 100 * $9 / $5 : 0
  past10[n] = $5 - $10
  ok[n] = ($5 == 100000 && $9 >= 0.99 * $5 && past10[n] == 0)
  list = list sprintf("%s%.2f/%d", (n > 1) ? ", " : "", p99[n], past10[n])
  warm[n] = ($14 > 0) ? 100 * $15 / $14 : 0
  rlist = rlist sprintf("%s%.1f", (n > 1) ? ", " : "", 100 * ratio[n])
}
END {
  met = 0
  for (i = 1; i <= n; ++i) met += ok[i]
  m50 = median(p50, n); m99 = median(p99, n); w5 = median(within5, n); c = median(count, n)
  printf("| stall lag, 1000000 agents, a full-speed flood running while 100000 of them fall silent, --threshold-ms 2000 (ms; median of %d rounds, load average %s) | deadline (0) | p50 %.2f, p99 %.2f (%.2f%% within 5 ms), %d stalls; rounds (p99 / stalls past 10 ms): %s | - | p99 <= 5 ms, max <= 10 ms, every silent agent stalls once, in every round | %s |\n",
         n, load, m50, m99, w5, c, list, (met == n) ? "met" : "MISSED")
  r = median(ratio, n); s = median(rate, n)
  printf("| ingest in the same runs, 1000000 agents, headless (share of the flood'"'"'s frames that were accepted, against the raw recvmmsg sink under the same generator) | raw sink 100%% of its frames | varta-watch %.1f%% of the sink'"'"'s share at %.0f frames/s (rounds: %s) | %.1f%% of the baseline | >= 99%% of the baseline | %s |\n",
         100 * r, s, rlist, 100 * r, (r >= 0.99) ? "met" : "MISSED")
  printf("| a million agents first seen at once: one beat each at 700000/s, before each flood (share the kernel dropped while the observer learned them; median of %d) | - | %.2f%% dropped | - | - | info |\n",
         n, median(warm, n))
}' "$work/rounds-2000"

awk -v secs="$seconds" "$quantile_awk"'
{
  raw = ($1 > 0) ? $2 / $1 : 0
  got = ($3 > 0) ? $4 / $3 : 0
  for (i = 1; i <= 8; ++i) b[i] = $(5 + i)
  printf("| the same flood with --threshold-ms 1000: every agent silent between its beats (ms) | deadline (0) | p50 %.2f, p99 %.2f, %d stalls, %d past 10 ms; ingest %.1f%% of the raw sink'"'"'s share at %.0f frames/s | - | - (a whole fleet flapping) | info |\n",
         quantile(0.5, $5, b), quantile(0.99, $5, b), $5, $5 - $10, (raw > 0) ? 100 * got / raw : 0, $3 / secs)
}' "$work/rounds-1000"

# What the kernel's receive costs beside the observer's whole cost, per datagram.
awk -v secs="$seconds" "$median_awk"'
FILENAME ~ /cpu-2000/ { ++n; sink[n] = ($2 > 0) ? $1 / $2 : 0; watch[n] = ($4 > 0) ? $3 / $4 : 0; next }
{ listener = ($2 > 0) ? $1 / $2 : 0; lrate = $3 }
END {
  s = median(sink, n); w = median(watch, n)
  printf("| CPU per datagram under the same flood (ns; raw sinks and the observer, user and system time; median of %d rounds) | raw sink %.0f; raw sink reading as the listeners do (sender address, arrival stamp) %.0f | varta-watch %.0f | the receive alone keeps a core %.0f%% busy at %.0f frames/s | - (the kernel'"'"'s share of the flood rows above) | info |\n",
         n, s, listener, w, listener * lrate / 1e7, lrate)
}' "$work/cpu-2000" "$work/listener"

# per_agent MODE: one memory row, MODE headless or console.
per_agent() {
  local mode=$1 args=(--headless) empty full tracked
  [[ $mode == console ]] && args=(-platform offscreen)
  start_watch "empty-$mode" "${args[@]}" --tracker-capacity "$capacity" --threshold-ms 30000
  sleep 3
  empty=$(rss_kib "$watch_pid")
  stop_watch "empty-$mode"
  start_watch "full-$mode" "${args[@]}" --tracker-capacity "$capacity" --threshold-ms 30000
  "$beat_bin" --udp "127.0.0.1:$watch_port" --agents "$agents" --rate 0.25 --duration-secs 16 >"$work/beat" 2>&1 &
  beat_pid=$!
  bench_track "$beat_pid"
  sleep 14   # every agent has beaten three times; the table has its final size
  full=$(rss_kib "$watch_pid")
  wait "$beat_pid" || true
  stop_watch "full-$mode"
  tracked=$(field agents "$watch_summary")
  awk -v e="$empty" -v f="$full" -v n="$tracked" -v a="$agents" -v c="$capacity" -v m="$mode" 'BEGIN {
    per = (n > 0) ? (f - e) * 1024 / n : 0
    printf("| resident memory per agent, %d agents, --tracker-capacity %d, %s (bytes) | empty process %.1f MiB | %.1f MiB with %d agents tracked | %.0f bytes per agent | <= 512 bytes per agent | %s |\n",
           a, c, m, e / 1024, f / 1024, n, per, (n == a && per <= 512) ? "met" : "MISSED")
  }'
}

per_agent headless
per_agent console
