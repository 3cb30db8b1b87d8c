#!/usr/bin/env bash
# Builds varta-watch and starts the console. With no display (a server over SSH) it runs
# headless instead, and every stall, recovery and its output is a line in the terminal.
# Any arguments are passed to varta-watch (default: --demo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--demo)
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run.sh: no display found; running headless: events below, Ctrl+C stops (with a display, the console opens)"
  exec build/release/bin/varta-watch --headless "${args[@]}"
fi
exec build/release/bin/varta-watch "${args[@]}"
