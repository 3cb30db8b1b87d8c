#!/usr/bin/env bash
# Secure UDP at full scale: 100,000 sealing agents against one observer.
#
#  1. Ingest: the same load generator (varta-beat, 100,000 agents sealing with a shared key,
#     60-byte frames, then with a master key, 64-byte frames, as fast as one core seals and
#     sends) against a bare recvmmsg sink, then against varta-watch --headless with the
#     matching key file, back to back, ROUNDS times. The baseline sees the very frames the
#     subject sees, same sizes, same generator speed, in the same run. Rows: the share of
#     frames sent that each accepted, the subject's against the sink's (median of the
#     rounds), and the key derivations the master-key observer did (one per agent is the
#     design: the derived key is kept with the sender's replay state).
#  2. Memory: RSS of varta-watch with 100,000 sealing agents at 1 Hz minus RSS of the same
#     observer with none (measured in the same run), per agent tracked, with the agent
#     table and the replay state (and the kept keys, master key) together.
#  3. Soak: 100,000 master-key agents at 1 Hz for SOAK_SECS, RSS every 10 s after 20 s;
#     flat means the last sample is within 2 MiB of the first.
#
#   tests/bench/bench_secure.sh [BUILD_DIR (default build/release)] [SECONDS (default 5)] [ROUNDS (default 3)] [SOAK_SECS]
# SOAK_SECS defaults to $BENCH_SOAK_SECS, else 60 (tests/bench/run.sh --soak sets 600);
# 0 skips the soak. BENCH_SECURE_PARTS (default "ingest memory soak") picks the parts.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_init bench_secure "${1:-build/release}"
seconds=${2:-5}
rounds=${3:-3}
soak_secs=${4:-${BENCH_SOAK_SECS:-60}}
parts=${BENCH_SECURE_PARTS:-ingest memory soak}
agents=100000
capacity=131072
bench_require "$sink_bin" "$beat_bin" "$watch_bin"

# A key file as an operator makes one: 64 hex characters, mode 0600.
key=$work/bench.key
(umask 077 && head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$key" && echo >>"$key")

key_flag() { [[ $1 == master ]] && echo --master-key-file || echo --key-file; }

# sealed_flood PORT SECONDS MODE: 100,000 agents sealing (MODE shared or master) as fast
# as one core can; prints its summary line.
sealed_flood() {
  "$beat_bin" --udp "127.0.0.1:$1" --agents "$agents" --rate 0 --duration-secs "$2" "$(key_flag "$3")" "$key" | tail -n1
}

# One ingest round of MODE appends "raw_sent raw_got sent accepted rate derivations
# agents" to $work/rounds-MODE.
ingest_round() {
  local mode=$1 raw_line sent_line
  start_sink sink --idle-ms 1500 --wait-secs 30
  raw_line=$(sealed_flood "$sink_port" "$seconds" "$mode")
  wait "$sink_pid"
  local line
  line="$(field frames "$raw_line") $(field frames "$(grep '^raw_sink frames=' "$work/sink")")"

  start_watch watch --headless "$(key_flag "$mode")" "$key" --tracker-capacity "$capacity" --max-beat-rate 0 \
    --threshold-ms 600000
  sent_line=$(sealed_flood "$watch_port" "$seconds" "$mode")
  sleep 1   # let the observer drain what is queued
  stop_watch watch
  line+=" $(field frames "$sent_line") $(field beats "$watch_summary") $(field rate "$sent_line")"
  line+=" $(field key_derivations "$watch_summary") $(field agents "$watch_summary")"
  echo "$line" >>"$work/rounds-$mode"
}

ingest_rows() {  # MODE FRAME_BYTES TARGET
  local mode=$1 bytes=$2 target=$3 load
  load=$(cut -d' ' -f1 /proc/loadavg)
  awk -v mode="$mode" -v bytes="$bytes" -v target="$target" -v load="$load" -v a="$agents" "$median_awk"'
{
  ++n
  raw[n] = ($1 > 0) ? $2 / $1 : 0
  sub_[n] = ($3 > 0) ? $4 / $3 : 0
  ratio[n] = (raw[n] > 0) ? sub_[n] / raw[n] : 0
  rate[n] = $5
  der[n] = $6
  tracked[n] = $7
  list = list sprintf("%s%.1f", (n > 1) ? ", " : "", 100 * ratio[n])
}
END {
  r = median(ratio, n); rr = median(raw, n); ss = median(sub_, n); sr = median(rate, n)
  d = median(der, n); t = median(tracked, n)
  extra = (mode == "master") ? sprintf("; %d key derivations for %d agents tracked", d, t) : sprintf("; %d agents tracked", t)
  printf("| secure ingest, %d %s-key agents, %d-byte frames, headless (share of frames sent that were accepted; median of %d rounds, load average %s) | raw recvmmsg sink took %.1f%% of the same frames | varta-watch accepted %.1f%% of %.0f/s%s | %.1f%% of the baseline (rounds: %s) | >= %d%% of the baseline | %s |\n",
         a, mode, bytes, n, load, 100 * rr, 100 * ss, sr, extra, 100 * r, list, target,
         (r >= target / 100 && t == a && (mode != "master" || d <= a)) ? "met" : "MISSED")
}' "$work/rounds-$mode"
}

# watch_secure NAME MODE: varta-watch --headless with MODE's key file, 5 s threshold.
watch_secure() {
  start_watch "$1" --headless "$(key_flag "$2")" "$key" --tracker-capacity "$capacity" --threshold-ms 5000
}

beat_secure() {  # PORT SECONDS MODE: 100,000 sealing agents at 1 Hz, in the background; sets beat_pid
  "$beat_bin" --udp "127.0.0.1:$1" --agents "$agents" --rate 1 --duration-secs "$2" "$(key_flag "$3")" "$key" \
    >"$work/beat" 2>&1 &
  beat_pid=$!
  bench_track "$beat_pid"
}

memory_row() {  # MODE
  local mode=$1 empty full tracked
  watch_secure "empty-$mode" "$mode"
  sleep 3
  empty=$(rss_kib "$watch_pid")
  stop_watch "empty-$mode"
  watch_secure "full-$mode" "$mode"
  beat_secure "$watch_port" 14 "$mode"
  sleep 12   # sealers set up (~1 s), then every agent has beaten ~10 times
  full=$(rss_kib "$watch_pid")
  wait "$beat_pid" || true
  stop_watch "full-$mode"
  tracked=$(field agents "$watch_summary")
  awk -v e="$empty" -v f="$full" -v n="$tracked" -v a="$agents" -v c="$capacity" -v m="$mode" 'BEGIN {
    per = (n > 0) ? (f - e) * 1024 / n : 0
    printf("| resident memory per secure agent, %d %s-key agents, --tracker-capacity %d, headless, replay state included (bytes) | empty secure observer %.1f MiB | %.1f MiB with %d agents tracked | %.0f bytes per agent | <= 256 bytes per agent | %s |\n",
           a, m, c, e / 1024, f / 1024, n, per, (n == a && per <= 256) ? "met" : "MISSED")
  }'
}

soak_row() {
  local mode=master samples=() warmup=20 t first last max tracked
  watch_secure soak "$mode"
  beat_secure "$watch_port" $((soak_secs + 5)) "$mode"
  sample_rss "$watch_pid" "$warmup" "$soak_secs"
  kill "$beat_pid" 2>/dev/null || true
  wait "$beat_pid" 2>/dev/null || true
  stop_watch soak
  tracked=$(field agents "$watch_summary")
  first=${samples[0]}
  last=${samples[-1]}
  max=$(printf '%s\n' "${samples[@]}" | sort -n | tail -n1)
  awk -v f="$first" -v l="$last" -v m="$max" -v s="$soak_secs" -v n="${#samples[@]}" -v t="$tracked" -v a="$agents" \
    -v full="$(field sender_state_full "$watch_summary")" -v der="$(field key_derivations "$watch_summary")" 'BEGIN {
    d = l - f
    printf("| resident memory over a %d s soak, %d master-key agents at 1 Hz (MiB, every 10 s after %d s) | first sample %.1f | last %.1f, highest %.1f, %d samples, %d agents tracked, %d key derivations, %d sender_state_full | %+.2f MiB | last within 2 MiB of first | %s |\n",
           s, a, 20, f / 1024, l / 1024, m / 1024, n, t, der, full, d / 1024, (d <= 2048 && d >= -2048 && t == a) ? "met" : "MISSED")
  }'
}

if [[ " $parts " == *" ingest "* ]]; then
  for ((r = 1; r <= rounds; ++r)); do
    ingest_round shared
    ingest_round master
  done
  ingest_rows shared 60 99
  ingest_rows master 64 95
fi
if [[ " $parts " == *" memory "* ]]; then
  memory_row shared
  memory_row master
fi
if [[ " $parts " == *" soak "* ]] && ((soak_secs > 0)); then
  soak_row
fi
