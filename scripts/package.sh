#!/usr/bin/env bash
# Builds the Debian package: the `package` preset (prefix /usr), `cpack -G DEB`, then
# lintian, which must report no error. With --check-install (as root) it also installs
# the package, runs the installed binaries, removes it and checks no file is left.
#   scripts/package.sh [--check-install]      -> build/package/varta-watch_<version>_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
cmake --preset package > /dev/null
cmake --build --preset package -j2
rm -f build/package/varta-watch_*.deb
(cd build/package && cpack -G DEB > /dev/null)
deb=$(ls build/package/varta-watch_*_amd64.deb)
echo "package: $deb"
# A build configured without the PNG app icons (-DVARTA_PNG_ICONS=OFF) makes no package.
listing=$(dpkg-deb -c "$deb")
for size in 16 22 24 32 48 64 128 256; do
    grep -q " \./usr/share/icons/hicolor/${size}x${size}/apps/varta-watch\.png$" <<< "$listing" \
        || { echo "the package lacks the ${size}x${size} app icon"; exit 1; }
done
findings=$(lintian "$deb" 2>&1 | grep -v 'running with root privileges' || true)
[ -z "$findings" ] || echo "$findings"
if grep -q '^E: ' <<< "$findings"; then echo "lintian reports errors"; exit 1; fi

if [ "${1:-}" = --check-install ]; then
    if dpkg-query -W varta-watch > /dev/null 2>&1; then
        echo "varta-watch is already installed here: not touching it"; exit 1
    fi
    files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\.##' | grep -v '/$')
    dpkg -i "$deb" > /dev/null
    /usr/bin/varta-watch --version
    /usr/bin/varta-beat --version > /dev/null
    dpkg -r varta-watch > /dev/null
    dpkg -P varta-watch > /dev/null  # the conffile too
    left=0
    for f in $files; do [ -e "$f" ] && { echo "left behind: $f"; left=1; }; done
    [ $left -eq 0 ] || exit 1
    echo "package: installed, ran, removed and purged; no file left behind"
fi
