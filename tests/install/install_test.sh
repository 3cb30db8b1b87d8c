#!/usr/bin/env bash
# `cmake --install` into a DESTDIR puts every file of a system install in place, the
# installed binary runs, and systemd accepts the unit (systemd-analyze verify, with
# ExecStart pointed at the binary inside the DESTDIR, since verify checks it exists).
#   install_test.sh BUILD_DIR
set -euo pipefail
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR=$dest cmake --install "$build" > /dev/null
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
case "$prefix" in /usr) etc=/etc ;; *) etc=$prefix/etc ;; esac
status=0
for f in "$prefix/bin/varta-watch" "$prefix/bin/varta-beat" \
         "$prefix/lib/systemd/system/varta-watch.service" "$etc/default/varta-watch" \
         "$etc/logrotate.d/varta-watch" \
         "$prefix/share/applications/varta-watch.desktop" \
         "$prefix/share/icons/hicolor/scalable/apps/varta-watch.svg" \
         "$prefix/share/doc/varta-watch/LICENSE" \
         "$prefix/share/metainfo/io.github.varta.VartaWatch.metainfo.xml" \
         "$prefix/share/man/man1/varta-watch.1.gz" "$prefix/share/man/man1/varta-beat.1.gz" \
         "$prefix/share/bash-completion/completions/varta-watch"; do
    if [ ! -f "$dest$f" ]; then echo "missing: $f"; status=1; fi
done
# Each PNG app icon is a PNG of the size its directory names (its IHDR), for the desktops
# that look up fixed sizes before the SVG.
for size in 16 22 24 32 48 64 128 256; do
    png=$prefix/share/icons/hicolor/${size}x${size}/apps/varta-watch.png
    [ -f "$dest$png" ] || { echo "missing: $png"; status=1; continue; }
    got=$(python3 -c 'import struct, sys
head = open(sys.argv[1], "rb").read(24)
ok = head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
print("%dx%d" % struct.unpack(">II", head[16:24]) if ok else "no PNG")' "$dest$png")
    [ "$got" = "${size}x${size}" ] || { echo "$png: $got, not ${size}x${size}"; status=1; }
done
[ $status -eq 0 ] || exit 1
"$dest$prefix/bin/varta-watch" --version | grep -q "varta-watch" || { echo "the installed binary does not run"; exit 1; }
unit=$dest$prefix/lib/systemd/system/varta-watch.service
grep -q "^ExecStart=$prefix/bin/varta-watch " "$unit" || { echo "ExecStart does not name $prefix/bin/varta-watch"; exit 1; }
grep -q "^EnvironmentFile=-$etc/default/varta-watch$" "$unit" || { echo "EnvironmentFile does not name $etc/default/varta-watch"; exit 1; }
mkdir -p "$dest/verify"
sed "s#^ExecStart=$prefix/bin/#ExecStart=$dest$prefix/bin/#" "$unit" > "$dest/verify/varta-watch.service"
if command -v systemd-analyze > /dev/null; then
    out=$(systemd-analyze verify "$dest/verify/varta-watch.service" 2>&1) || { echo "$out"; exit 1; }
    [ -z "$out" ] || { echo "systemd-analyze verify: $out"; exit 1; }
fi
# The man pages render and name every flag --help lists; completion offers each of them.
for tool in varta-watch varta-beat; do
    page=$(MANWIDTH=200 man -l "$dest$prefix/share/man/man1/$tool.1.gz" 2>/dev/null)
    [ -n "$page" ] || { echo "man -l $tool.1 renders nothing"; exit 1; }
    for flag in $("$dest$prefix/bin/$tool" --help | grep -oE '^ +--[a-z0-9-]+' | tr -d ' '); do
        grep -q -- "$flag" <<< "$page" || { echo "$tool.1 lacks $flag"; exit 1; }
    done
done
for flag in $("$dest$prefix/bin/varta-watch" --help | grep -oE '^  --[a-z0-9-]+' | tr -d ' '); do
    grep -qE -- "[ \"]$flag[ \"]" "$dest$prefix/share/bash-completion/completions/varta-watch" \
        || { echo "completion lacks $flag"; exit 1; }
done
bash -n "$dest$prefix/share/bash-completion/completions/varta-watch"
appstreamcli validate --no-net "$dest$prefix/share/metainfo/io.github.varta.VartaWatch.metainfo.xml" > /dev/null
desktop-file-validate "$dest$prefix/share/applications/varta-watch.desktop"
# logrotate parses the shipped rule (debug mode: nothing is rotated, no state is kept).
out=$(logrotate -d -s "$dest/logrotate.state" "$dest$etc/logrotate.d/varta-watch" 2>&1) \
    || { echo "logrotate rejects the rule: $out"; exit 1; }
grep -qi "error" <<< "$out" && { echo "logrotate: $out"; exit 1; }
echo "install: every file in place, the PNG icons at their sizes; the unit, metainfo, desktop entry and logrotate rule validate; man pages and completion name every flag"
