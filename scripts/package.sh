#!/usr/bin/env bash
# Builds Keymint's Linux bundles:  scripts/package.sh [release|debug]
#
#   release (default, `make package`): optimised app and CLI; the .deb, then the AppImage.
#   debug (`make test-package`): the same layout from debug builds, quicker; the install test
#   installs that .deb.
#
# The .deb holds the app (/usr/bin/keymint-app, desktop entry, icons), the CLI
# (/usr/bin/keymint), shell completions (bash, zsh, fish) and the man page, all staged in
# target/package/ first (tauri.conf.json > bundle > linux > deb > files maps them).
set -euo pipefail
profile=${1:-release}
case $profile in release) cargo_flags=(--release) bundle_flags=() ;;
debug) cargo_flags=() bundle_flags=(--debug) ;;
*) echo "usage: scripts/package.sh [release|debug]" >&2; exit 2 ;;
esac
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# 1. The CLI exactly as it ships (no test-only features) and what it generates.
cargo build "${cargo_flags[@]}" -p keymint-cli
stage=target/package
rm -rf "$stage"
mkdir -p "$stage/completions"
cp "target/$profile/keymint" "$stage/keymint"
"$stage/keymint" completions bash >"$stage/completions/keymint.bash"
"$stage/keymint" completions zsh >"$stage/completions/_keymint"
"$stage/keymint" completions fish >"$stage/completions/keymint.fish"
"$stage/keymint" man | gzip -9n >"$stage/keymint.1.gz"

# 2. The UI, and the app with it embedded (custom-protocol: no dev server).
npm --prefix ui run build
cargo build "${cargo_flags[@]}" -p keymint-app --features custom-protocol

# 3. The bundles, from that very binary.
npx tauri bundle "${bundle_flags[@]}" --bundles deb --features custom-protocol
deb=$(ls -t "target/$profile/bundle/deb/"*.deb | head -1)
echo "package: $deb ($(stat -c %s "$deb") bytes)"
dpkg-deb --info "$deb" | sed -n 's/^ \(Package\|Version\|Depends\|Recommends\|Installed-Size\):/  \1:/p'

if [ "$profile" = release ]; then
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
