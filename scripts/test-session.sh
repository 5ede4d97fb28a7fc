#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (the real
# Secret Service) and, when no display is given, a private Xvfb display. Each run gets its own
# XDG_DATA_HOME so that no existing login keyring (with another password) can prompt.
set -euo pipefail
if [ -z "${KEYMINT_IN_SESSION:-}" ]; then
    export KEYMINT_IN_SESSION=1
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/keymint-session.XXXXXX")
    export XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache"
    export XDG_RUNTIME_DIR="$tmp/run"
    mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
    chmod 700 "$XDG_RUNTIME_DIR"
    trap 'rm -rf "$tmp"' EXIT
    if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
        exec_prefix=(xvfb-run -a -s "-screen 0 1440x900x24")
    else
        exec_prefix=()
    fi
    status=0
    "${exec_prefix[@]}" dbus-run-session -- "$0" "$@" || status=$?
    exit $status
fi
# Inside the session: start the keyring unlocked with a throwaway password.
eval "$(printf 'keymint-test' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK 2>/dev/null || true
exec "$@"
