#!/usr/bin/env bash
# /metrics under load: ingest from 100,000 agents (varta-beat, as fast as one core
# sends) into varta-watch --headless with Prometheus scraping /metrics every 100 ms,
# against the same without scrapes, in one run; then the time and size of one scrape of
# 100,000 agents' rows. Prints markdown rows.
#   tests/bench/bench_scrape.sh [BUILD_DIR (default build/release)] [SECONDS (default 5)]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_init bench_scrape "${1:-build/release}"
seconds=${2:-5}
bench_require "$beat_bin" "$watch_bin"
command -v curl >/dev/null || bench_fail "curl is needed"
(umask 077; openssl rand -hex 32 >"$work/token")
token=$(cat "$work/token")

# One observer run; with SCRAPE=1 a scraper hits /metrics every 100 ms during the load.
# Prints "sent accepted".
run() {
  local scrape=$1 name=watch.$1
  # Ten scrapes a second from one address: past the per-IP limit's default, which would
  # close most of them unanswered and leave no scrape load to measure.
  start_watch "$name" --headless --tracker-capacity 131072 --max-beat-rate 0 --threshold-ms 600000 \
    --prom-addr 127.0.0.1:0 --prom-token-file "$work/token" --prom-rate-limit-per-sec 0
  local metrics scraper=""
  metrics=$(wait_for "$work/$name" '.*listening on metrics http:\/\/127.0.0.1:\([0-9]*\)\/metrics.*')
  if [[ $scrape == 1 ]]; then
    (while :; do curl -s -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$metrics/metrics"; sleep 0.1; done) &
    scraper=$!
    bench_track "$scraper"
  fi
  local sent_line
  sent_line=$(flood "$watch_port" "$seconds")
  [[ -n $scraper ]] && kill "$scraper"
  sleep 1
  if [[ $scrape == 1 ]]; then
    sleep 1.1   # past the render cache: the next scrape renders 100,000 agents afresh
    curl -s -o /dev/null -w '%{time_total} %{size_download}\n' -H "Authorization: Bearer $token" \
      "http://127.0.0.1:$metrics/metrics" >"$work/scrape"
  fi
  stop_watch "$name"
  echo "$(field frames "$sent_line") $(field beats "$watch_summary")"
}

read -r quiet_sent quiet_got < <(run 0)
read -r busy_sent busy_got < <(run 1)
read -r scrape_s scrape_bytes <"$work/scrape"

awk -v qs="$quiet_sent" -v qg="$quiet_got" -v bs="$busy_sent" -v bg="$busy_got" -v s="$seconds" \
    -v t="$scrape_s" -v b="$scrape_bytes" 'BEGIN {
  q = (qs > 0) ? qg / qs : 0; w = (bs > 0) ? bg / bs : 0
  printf("| ingest while scraped every 100 ms, 100000 agents (accepted/s) | no scrapes: %.0f/s (%.1f%% of sent) | scraped: %.0f/s (%.1f%% of sent) | %.1f%% | >= 95%% of unscraped | %s |\n",
         qg / s, 100 * q, bg / s, 100 * w, (q > 0) ? 100 * w / q : 0, (q > 0 && w / q >= 0.95) ? "met" : "MISSED")
  printf("| one /metrics scrape of 100000 agents, uncached | - | %.0f ms, %.1f MB | - | < 1 s | %s |\n",
         1000 * t, b / 1e6, (t < 1.0) ? "met" : "MISSED")
}'
