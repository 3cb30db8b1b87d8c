#!/usr/bin/env bash
# Installs the Debian 12 packages varta-watch needs to build, run and test.
# Idempotent: does nothing (and touches no network) when everything is present.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config ccache clang-format clang-tidy
  qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-svg-dev
  qt6-translations-l10n
  libgl-dev libssl-dev libsystemd-dev
  # the openssl CLI: tests make the console listener's TLS certificates with it
  openssl
  # man pages from --help and PNG app icons from the SVG at build time; the .deb
  # (scripts/package.sh): shlibdeps, lintian
  help2man librsvg2-bin dpkg-dev lintian
  # tests: a real Prometheus server and promtool, screenshots under Xvfb,
  # libFuzzer and sanitizer runtimes, an independent secure-UDP peer (python3-cryptography).
  prometheus prometheus-alertmanager xvfb imagemagick clang libclang-rt-14-dev python3-cryptography
  # the install test: systemd-analyze, man, appstreamcli, desktop-file-validate, logrotate
  systemd man-db appstream desktop-file-utils logrotate
  # the socket-mode test watches the binary's system calls
  strace
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
