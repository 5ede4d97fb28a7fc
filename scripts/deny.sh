#!/usr/bin/env bash
# cargo-deny over the workspace's dependency graph (deny.toml): licences, banned and duplicate
# crates, and crate sources always; security advisories only when the RustSec advisory
# database can be fetched. It is a git repository on GitHub, and no package registry carries
# it, so on a machine that reaches only the registries that check is skipped, with a line
# saying so.
#
#   scripts/deny.sh
#
# Environment: KEYMINT_ADVISORIES=required fails instead of skipping when the database
# cannot be fetched; KEYMINT_ADVISORIES=skip never tries.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo deny --log-level error check licenses bans sources

db=https://github.com/rustsec/advisory-db
mode=${KEYMINT_ADVISORIES:-auto}
if [ "$mode" = skip ]; then
    echo "cargo deny: advisories NOT checked (KEYMINT_ADVISORIES=skip)"
elif GIT_TERMINAL_PROMPT=0 timeout 30 git ls-remote --exit-code "$db" HEAD >/dev/null 2>&1; then
    cargo deny --log-level error check advisories
elif [ "$mode" = required ]; then
    echo "cargo deny: the RustSec advisory database ($db) cannot be fetched from this machine" >&2
    exit 1
else
    echo "cargo deny: advisories NOT checked: the RustSec advisory database ($db) cannot be fetched from this machine"
fi
