#!/usr/bin/env bash
# Stages what the bundles carry beside the app (tauri.conf.json > bundle > linux > … > files):
# the CLI built in PROFILE (target/PROFILE/keymint), its completions and man page, in
# target/package/.   scripts/stage-cli.sh release|debug
set -euo pipefail
profile=${1:?usage: scripts/stage-cli.sh release|debug}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
stage=target/package
rm -rf "$stage"
mkdir -p "$stage/completions"
cp "target/$profile/keymint" "$stage/keymint"
"$stage/keymint" completions bash >"$stage/completions/keymint.bash"
"$stage/keymint" completions zsh >"$stage/completions/_keymint"
"$stage/keymint" completions fish >"$stage/completions/keymint.fish"
"$stage/keymint" man | gzip -9n >"$stage/keymint.1.gz"
