#!/usr/bin/env bash
# Runs every benchmark in a release build and rewrites BENCHMARKS.md.
# Not part of ctest: benchmarks measure, tests assert. Run it on a quiet machine.
#   tests/bench/run.sh            all benchmarks (the memory soak runs 60 s)
#   tests/bench/run.sh --soak     the same with the full 10-minute memory soaks
# Every tests/bench/bench_*.sh runs, bench_secure.sh (secure UDP at 100,000 agents) too.
set -euo pipefail
cd "$(dirname "$0")/../.."
soak_secs=60
if [[ ${1:-} == --soak ]]; then
  soak_secs=600
fi
export BENCH_SOAK_SECS=$soak_secs
scripts/build.sh release >/dev/null
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
bench=build/release/bench
export QT_QPA_PLATFORM=offscreen   # the console benchmarks run without a display
bin=build/release/bin
out=BENCHMARKS.md
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT

run() {  # run NAME COMMAND...: append the markdown rows the benchmark prints
  local name=$1; shift
  echo "running $name ..." >&2
  if ! "$@" >>"$rows" 2>/dev/null; then
    echo "| $name | - | - | - | - | FAILED TO RUN |" >>"$rows"
  fi
}

for b in "$bench"/bench_*; do
  [ -x "$b" ] || continue
  run "$(basename "$b")" "$b"
done
for s in tests/bench/bench_*.sh; do
  [ -f "$s" ] || continue
  run "$(basename "$s")" bash "$s" build/release
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
  echo "# Benchmarks"
  echo
  echo "Measured by \`tests/bench/run.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores, ${cpu:-unknown CPU}, $(free -g | awk '/Mem:/{print $2}') GiB,"
  echo "release build (RelWithDebInfo). Each row's baseline is measured in the same run as its subject."
  echo "Load average (1, 5, 15 min) before the run: $load_before; after: $load_after; memory soak: ${soak_secs} s."
  echo
  echo "| metric | baseline | subject | ratio | target | verdict |"
  echo "|---|---|---|---|---|---|"
  cat "$rows"
  echo
  echo "## Reproduce"
  echo
  echo '```sh'
  echo 'tests/bench/run.sh                 # all of them, rewrites this file'
  echo 'tests/bench/run.sh --soak          # the same with the 10-minute memory soaks'
  echo 'tests/bench/bench_secure.sh build/release 5 3 600   # the secure UDP rows alone, 10-minute soak'
  echo 'build/release/bench/bench_decode   # or any one benchmark on its own'
  echo '```'
} >"$out"
echo "wrote $out" >&2
