# What the bench_*.sh scripts share. Sourced from the repository root:
#   source tests/bench/lib.sh
#   bench_init NAME BUILD_DIR          # sets build, beat_bin, watch_bin, sink_bin, work
#   bench_require FILE...              # exits, naming the first one not built
# Everything started with `bench_track PID` is killed on exit, and $work removed.

bench_init() {
  bench_name=$1
  build=$2
  beat_bin=$build/bin/varta-beat
  watch_bin=$build/bin/varta-watch
  sink_bin=$build/bench/raw_sink
  work=$(mktemp -d)
  bench_pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local p
  for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}

bench_track() { bench_pids+=("$@"); }

bench_fail() { echo "$bench_name: $*" >&2; exit 1; }

bench_require() {
  local bin
  for bin in "$@"; do
    [[ -x $bin ]] || bench_fail "$bin not built"
  done
}

# The median of x[1..n] (sorted in place), for the awk programs that summarise rounds:
#   awk -v ... "$median_awk"'{ ... } END { m = median(ratio, n) }' FILE
median_awk='
function median(x, n,   i, j, t) {
  for (i = 2; i <= n; ++i) for (j = i; j > 1 && x[j - 1] > x[j]; --j) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
  return (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
}'

# field KEY LINE: the number after "KEY=" in LINE (key=value summaries of the binaries).
field() { sed -n "s/.*[ :]$1=\([0-9.]*\).*/\1/p" <<<"$2" | head -n1; }

# cpu_ticks PID: utime + stime of the whole process. The command name (field 2) may hold
# spaces, so fields are counted from the closing parenthesis.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# The RSS of PID (KiB) every 10 s from WARMUP s to SECS s, into the array `samples`.
sample_rss() {
  local pid=$1 warmup=$2 secs=$3 t
  samples=()
  sleep "$warmup"
  for ((t = warmup; t <= secs; t += 10)); do
    samples+=("$(rss_kib "$pid")")
    ((t + 10 > secs)) || sleep 10
  done
  return 0
}

# wait_for FILE REGEX: the first capture of REGEX in FILE, within 20 s.
wait_for() {
  local v
  for _ in $(seq 1 400); do
    v=$(sed -n "s/$2/\1/p" "$1" | head -n1)
    [[ -n $v ]] && { echo "$v"; return; }
    sleep 0.05
  done
  bench_fail "nothing matched '$2' in $(basename "$1")"
}

# start_watch NAME ARG...: varta-watch ARG... --udp-port 0, output in $work/NAME; sets
# watch_pid and watch_port (the UDP port it announced, plain or secure-udp).
start_watch() {
  local name=$1
  shift
  "$watch_bin" "$@" --udp-port 0 >"$work/$name" 2>&1 &
  watch_pid=$!
  bench_track "$watch_pid"
  watch_port=$(wait_for "$work/$name" '.*listening on [a-z-]*udp 127.0.0.1:\([0-9]*\).*')
}

# stop_watch NAME: SIGTERM to the varta-watch started as NAME (watch_pid); waits for it
# and sets watch_summary to its final "stopped:" line. Not in a $(...) subshell: only
# this shell can wait for its child.
stop_watch() {
  kill -TERM "$watch_pid"
  wait "$watch_pid" || true
  watch_summary=$(grep 'stopped:' "$work/$1" || true)
}

# start_sink NAME ARG...: the raw recvmmsg sink, output in $work/NAME; sets sink_pid and
# sink_port.
start_sink() {
  local name=$1
  shift
  "$sink_bin" "$@" >"$work/$name" &
  sink_pid=$!
  bench_track "$sink_pid"
  sink_port=$(wait_for "$work/$name" '^raw_sink listening port=\([0-9]*\).*')
}

# flood PORT SECONDS: varta-beat sending from 100,000 agents as fast as one core can;
# prints its summary line.
flood() {
  "$beat_bin" --udp "127.0.0.1:$1" --agents 100000 --rate 0 --duration-secs "$2" | tail -n1
}
