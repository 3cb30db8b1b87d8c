#!/usr/bin/env bash
# Formats every C++ source the project tracks with .clang-format.
#   scripts/format.sh           rewrite the files in place
#   scripts/format.sh --check   change nothing; list what differs and exit 1 if anything does
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t sources < <(git ls-files '*.cpp' '*.h')
if [ "${1:-}" = --check ]; then
    clang-format --dry-run -Werror "${sources[@]}"
else
    clang-format -i "${sources[@]}"
fi
