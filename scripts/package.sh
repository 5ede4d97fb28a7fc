#!/usr/bin/env bash
# Builds Keymint's Linux bundles:  scripts/package.sh [release|debug] [deb]
#
#   release (default, `make package`): optimised app and CLI; the .deb and the .rpm, then the
#   AppImage. A second argument `deb` builds only the .deb (the bench measures it).
#   debug (`make test-package`): the same layout from debug builds, quicker; the install tests
#   install that .deb (apt) and .rpm (rpm, into an empty root). With
#   KEYMINT_PACKAGE_CARGO_FLAGS (make test-package passes the test build's features) the
#   binaries are the very ones `make test` built and tested, with nothing rebuilt; their
#   test-only fault points stay inert without KEYMINT_FAULT. Release packages never have them.
#
# The .deb holds the app (/usr/bin/keymint-app, desktop entry, icons), the CLI
# (/usr/bin/keymint), shell completions (bash, zsh, fish) and the man page, all staged in
# target/package/ first (tauri.conf.json > bundle > linux > deb > files maps them). The .rpm
# (Fedora, openSUSE) holds the same files (… > rpm > files), zsh's in site-functions; the
# bundler writes it itself (no download), from the same binaries: nothing is compiled twice.
set -euo pipefail
profile=${1:-release}
only=${2:-}
case $profile in release) cargo_flags=(--release) bundle_flags=() ;;
debug) cargo_flags=() bundle_flags=(--debug) ;;
*) echo "usage: scripts/package.sh [release|debug]" >&2; exit 2 ;;
esac
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# 1. The binaries (as they ship: no test-only features, unless asked), the UI embedded in the
#    app (custom-protocol), and what the CLI generates: completions and man page.
# The UI only when a source is newer than the build: a new ui/dist makes cargo relink the app.
if [ ! -f ui/dist/index.html ] ||
    [ -n "$(find ui/src ui/public ui/index.html -newer ui/dist/index.html -print -quit)" ]; then
    npm --prefix ui run build
fi
if [ "$profile" = debug ] && [ -n "${KEYMINT_PACKAGE_CARGO_FLAGS:-}" ]; then
    # shellcheck disable=SC2086 # the flags are words
    cargo build --workspace --bins $KEYMINT_PACKAGE_CARGO_FLAGS
else
    cargo build "${cargo_flags[@]}" -p keymint-cli
    cargo build "${cargo_flags[@]}" -p keymint-app --features custom-protocol
fi
scripts/stage-cli.sh "$profile"

# 2. The bundles, from that very binary. The .rpm is xz -9 (tauri.conf.json: 7.4 MB, not the
#    .deb's 5.4: the bundler's rpm writer starts an xz block at each file, so the CLI and the
#    app, which share most of their code, are compressed apart); the debug one, only installed
#    by the test, gzip -1: xz takes minutes over 330 MB of debug binaries.
bundles=deb
[ "$only" = deb ] || bundles=deb,rpm
fast_rpm='{"bundle":{"linux":{"rpm":{"compression":{"type":"gzip","level":1}}}}}'
[ "$profile" = release ] || bundle_flags+=(--config "$fast_rpm")
npx tauri bundle "${bundle_flags[@]}" --bundles "$bundles" --features custom-protocol
deb=$(ls -t "target/$profile/bundle/deb/"*.deb | head -1)
if [ "$profile" = release ]; then
    # The bundler compresses with gzip; xz (dpkg's own default) halves the download
    # (8.8 → 4.5 MB). Same files, modes and maintainer scripts; root:root ownership.
    gz_size=$(stat -c %s "$deb")
    tree=$(mktemp -d)
    dpkg-deb -R "$deb" "$tree/root"
    dpkg-deb -Zxz -z9 --root-owner-group -b "$tree/root" "$deb" >/dev/null
    rm -rf "$tree"
    echo "package: repacked with xz ($gz_size bytes with gzip)"
fi
echo "package: $deb ($(stat -c %s "$deb") bytes)"
dpkg-deb --info "$deb" | sed -n 's/^ \(Package\|Version\|Depends\|Recommends\|Installed-Size\):/  \1:/p'
if [ "$only" != deb ]; then
    rpm=$(ls -t "target/$profile/bundle/rpm/"*.rpm | head -1)
    echo "package: $rpm ($(stat -c %s "$rpm") bytes)"
    if command -v rpm >/dev/null; then
        rpm -qp --qf '  Name: %{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\n  Payload: %{PAYLOADCOMPRESSOR}\n' "$rpm"
        rpm -qp --requires "$rpm" 2>/dev/null | grep -v '^rpmlib(' | sort -u | sed 's/^/  Requires: /'
        rpm -qp --recommends "$rpm" 2>/dev/null | sed 's/^/  Recommends: /'
    fi
fi

if [ "$profile" = release ] && [ "$only" != deb ]; then
    # The Tauri bundler fetches linuxdeploy, its GTK plugin and AppRun from github.com.
    if npx tauri bundle --bundles appimage --features custom-protocol; then
        appimage=$(ls -t target/release/bundle/appimage/*.AppImage | head -1)
        echo "package: $appimage ($(stat -c %s "$appimage") bytes)"
    else
        echo "package: the AppImage was not built: the Tauri bundler downloads linuxdeploy and" \
            "AppRun from github.com, which this machine cannot reach (the .deb and .rpm above" \
            "are complete)" >&2
        [ -z "${KEYMINT_REQUIRE_APPIMAGE:-}" ] || exit 1
    fi
fi
