#!/usr/bin/env bash
# Builds Keymint's Linux bundles:  scripts/package.sh [release|debug] [deb]
#
#   release (default, `make package`): optimised app and CLI; the .deb, then the AppImage.
#   A second argument `deb` builds only the .deb (the bench measures it).
#   debug (`make test-package`): the same layout from debug builds, quicker; the install test
#   installs that .deb. With KEYMINT_PACKAGE_CARGO_FLAGS (make test-package passes the test
#   build's features) the binaries are the very ones `make test` built and tested, with
#   nothing rebuilt; their test-only fault points stay inert without KEYMINT_FAULT. Release
#   packages never have them.
#
# The .deb holds the app (/usr/bin/keymint-app, desktop entry, icons), the CLI
# (/usr/bin/keymint), shell completions (bash, zsh, fish) and the man page, all staged in
# target/package/ first (tauri.conf.json > bundle > linux > deb > files maps them).
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

# 2. The bundles, from that very binary.
npx tauri bundle "${bundle_flags[@]}" --bundles deb --features custom-protocol
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

if [ "$profile" = release ] && [ "$only" != deb ]; then
    # The Tauri bundler fetches linuxdeploy, its GTK plugin and AppRun from github.com.
    if npx tauri bundle --bundles appimage --features custom-protocol; then
        appimage=$(ls -t target/release/bundle/appimage/*.AppImage | head -1)
        echo "package: $appimage ($(stat -c %s "$appimage") bytes)"
    else
        echo "package: the AppImage was not built: the Tauri bundler downloads linuxdeploy and" \
            "AppRun from github.com, which this machine cannot reach (the .deb above is complete)" >&2
        [ -z "${KEYMINT_REQUIRE_APPIMAGE:-}" ] || exit 1
    fi
fi
