#!/usr/bin/env bash
# `make bench`: builds what the benchmark measures -- the release app and its .deb, the
# release CLI, the bare reference window (examples/bare_window.rs) and the bench itself --
# then runs keymint-bench inside a test session (private D-Bus, unlocked gnome-keyring, Xvfb).
# Arguments go to keymint-bench: --quick, --runs N, --only startup,search,query,cli,scan,team,size, ...
# KEYMINT_BENCH_NO_BUILD=1 skips the builds and measures what is already in target/release.
# The table is printed and written to target/bench/results.md (and results.json).
set -euo pipefail
cd "$(dirname "$0")/.."

# Build only what the phases asked for (--only) measure: the app, its .deb and the bare
# window for startup/search/size, the CLI for cli; the bench itself always.
only=all
prev=
for a in "$@"; do
    [ "$prev" = --only ] && only=$a
    prev=$a
done
wants() { [ "$only" = all ] || [[ ",$only," == *",$1,"* ]]; }

if [ -z "${KEYMINT_BENCH_NO_BUILD:-}" ]; then
    if wants startup || wants search || wants size || wants soak || wants palette; then
        # ui/dist holds both Keymint's UI and bare.html (from ui/public); both windows embed
        # it. Rebuilt only when a source is newer: a new ui/dist makes cargo relink both.
        if [ ! -f ui/dist/index.html ] || [ ! -f ui/dist/bare.html ] ||
           [ -n "$(find ui/src ui/public ui/index.html -newer ui/dist/index.html -print -quit)" ]; then
            npm --prefix ui run build >/dev/null
        fi
        # The app and the reference window: same package, profile, features and toolchain.
        cargo build --release --features custom-protocol --bin keymint-app --example bare_window
    fi
    if wants cli || wants scan || wants team || wants size || wants startup || wants search; then
        # Separately, so the CLI is built exactly as it ships (no features unified from the tests).
        cargo build --release -p keymint-cli
    fi
    if wants startup || wants search || wants size; then
        # The .deb as `make package` ships it, of exactly those binaries (no second build).
        scripts/package.sh release deb >/dev/null
    fi
    cargo build --release -p keymint-tests --bin keymint-bench
fi

[ -x target/release/keymint-bench ] ||
    { echo "bench: target/release/keymint-bench is missing; run without KEYMINT_BENCH_NO_BUILD" >&2; exit 1; }
exec scripts/test-session.sh target/release/keymint-bench "$@"
