#!/usr/bin/env bash
# Builds the libFuzzer targets (preset "fuzz": clang, ASan + UBSan) and runs each for
# SECONDS (default 60), printing its execution count. Exits non-zero on a finding; the
# crashing input is left in build/fuzz/artifacts/<target>/.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=(fuzz_decode fuzz_secure_open)
# Inputs longer than this add nothing: one 32-byte frame for decode; a handful of
# records (enough to fill the 4-sender table and replay) for the secure path.
declare -A max_len=([fuzz_decode]=128 [fuzz_secure_open]=320)

[ -f build/fuzz/build.ninja ] || cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${targets[@]}"

status=0
for target in "${targets[@]}"; do
  corpus=build/fuzz/corpus/$target
  artifacts=build/fuzz/artifacts/$target
  log=build/fuzz/$target.log
  mkdir -p "$corpus" "$artifacts"
  python3 tests/fuzz/make_corpus.py "$target" tests/data/vlp-test-vectors.json "$corpus" >/dev/null
  if "build/fuzz/fuzz/$target" -max_total_time="$seconds" -max_len="${max_len[$target]}" -print_final_stats=1 \
       -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1; then
    result=ok
  else
    result="FINDING (see $log)"
    status=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "$target: ${execs:-?} executions in ${seconds} s: $result"
  [ "$result" = ok ] || grep -m1 -A12 -E '^==[0-9]+==ERROR|^fuzz_|runtime error' "$log" || tail -n 30 "$log"
done
exit $status
