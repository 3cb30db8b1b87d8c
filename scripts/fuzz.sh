#!/usr/bin/env bash
# Builds the libFuzzer targets (preset "fuzz": clang, ASan + UBSan) and runs each for
# SECONDS (default 60), one after the other, printing its execution count. Suitable for
# CI: exits non-zero when any target finds a crash, a leak, a sanitizer report or a
# broken invariant (the crashing input is left in build/fuzz/artifacts/<target>/), or
# when a target did not run at all.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: every target
# The corpus grows in build/fuzz/corpus/<target>/ from run to run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
case $seconds in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
all=(fuzz_decode fuzz_secure_open fuzz_config fuzz_proc_parsers fuzz_stream_decoder)
targets=("${@:-${all[@]}}")
# Inputs longer than this add nothing: one 32-byte frame for decode; a handful of
# records (enough to fill the 4-sender table and replay) for the secure path; a command
# line of a dozen flags for the config; a cmdline past its 4096-byte cap for /proc; a
# few protocol lines (a snapshot, batches, replies) for the stream decoder.
declare -A max_len=([fuzz_decode]=128 [fuzz_secure_open]=320 [fuzz_config]=512 [fuzz_proc_parsers]=4608 [fuzz_stream_decoder]=8192)
declare -A extra=([fuzz_config]="-dict=tests/fuzz/fuzz_config.dict"
                  [fuzz_stream_decoder]="-dict=tests/fuzz/fuzz_stream_decoder.dict")

[ -f build/fuzz/build.ninja ] || cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${targets[@]}"

status=0
for target in "${targets[@]}"; do
  [ -n "${max_len[$target]:-}" ] || { echo "unknown fuzz target: $target" >&2; exit 2; }
  corpus=build/fuzz/corpus/$target
  artifacts=build/fuzz/artifacts/$target
  log=build/fuzz/$target.log
  mkdir -p "$corpus" "$artifacts"
  # fuzz_config's command lines name secret files: usable ones and each kind of refusal.
  secrets=()
  [ "$target" != fuzz_config ] || secrets=("$PWD/build/fuzz/secrets")
  python3 tests/fuzz/make_corpus.py "$target" tests/data/vlp-test-vectors.json "$corpus" "${secrets[@]}" >/dev/null
  # shellcheck disable=SC2086  # extra options are words
  if "build/fuzz/fuzz/$target" -max_total_time="$seconds" -max_len="${max_len[$target]}" -print_final_stats=1 \
       -artifact_prefix="$artifacts/" ${extra[$target]:-} "$corpus" >"$log" 2>&1; then
    result=ok
  else
    result="FINDING (see $log)"
    status=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  if [ -z "$execs" ] || [ "$execs" -eq 0 ]; then
    [ "$result" = ok ] && result="DID NOT RUN (see $log)"
    status=1
  fi
  echo "$target: ${execs:-0} executions in ${seconds} s: $result"
  [ "$result" = ok ] || grep -m1 -A12 -E '^==[0-9]+==ERROR|^fuzz_|runtime error' "$log" || tail -n 30 "$log"
done
exit $status
