#!/usr/bin/env bash
# Builds and runs the whole test suite. Exits with ctest's status.
#   scripts/test.sh            release build, every test
#   scripts/test.sh asan       the same under AddressSanitizer + UndefinedBehaviorSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
scripts/build.sh "$preset"
export QT_QPA_PLATFORM=offscreen
exec ctest --preset "$preset" -j2
