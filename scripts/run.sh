#!/usr/bin/env bash
# Builds varta-watch and starts the console. With no display it runs offscreen.
# Any arguments are passed to varta-watch (default: --demo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--demo)
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run.sh: no display found; running with -platform offscreen (add --headless for no GUI at all)"
  exec build/release/bin/varta-watch -platform offscreen "${args[@]}"
fi
exec build/release/bin/varta-watch "${args[@]}"
