#!/usr/bin/env bash
# Builds the keymint-core fuzz targets and runs each for SECONDS_PER_TARGET seconds.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 seconds, every target)
#
# Exits non-zero when a target crashes (a panic or a failed invariant); the input that did it
# is left in fuzz/artifacts/<target>/ and can be replayed with
#   target/fuzz/x86_64-unknown-linux-gnu/release/<target> fuzz/artifacts/<target>/crash-...
# Uses `cargo +nightly` when installed, else the default toolchain; installs cargo-fuzz when
# it is missing.
# Environment: KEYMINT_FUZZ_TARGET_DIR (default target/fuzz); KEYMINT_FUZZ_TOOLCHAIN (default
# nightly; empty for the default toolchain); KEYMINT_FUZZ_ARGS (extra libFuzzer flags, e.g.
# "-seed=1 -only_ascii=1"); KEYMINT_FUZZ_STRICT=1 (responses: also refuse control characters
# in error messages).
set -euo pipefail

seconds=${1:-60}
shift || true
case $seconds in '' | *[!0-9]*)
    echo "usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
    ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fuzz=$root/fuzz
target_dir=${KEYMINT_FUZZ_TARGET_DIR:-$root/target/fuzz}
triple=x86_64-unknown-linux-gnu
# One set of build flags everywhere: any change to them rebuilds every dependency.
build_flags=(--fuzz-dir "$fuzz" --target-dir "$target_dir" --target "$triple"
    --sanitizer none --debug-assertions --codegen-units 16)

# Nightly when it is installed; otherwise the default toolchain, which builds these targets
# too (with --sanitizer none cargo-fuzz passes no -Z flag). KEYMINT_FUZZ_TOOLCHAIN overrides.
toolchain=${KEYMINT_FUZZ_TOOLCHAIN-nightly}
if [ -n "$toolchain" ] && ! cargo "+$toolchain" --version >/dev/null 2>&1; then
    echo "fuzz: no $toolchain toolchain; using the default one"
    toolchain=
fi
cargo() { command cargo ${toolchain:+"+$toolchain"} "$@"; }
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz"
    cargo install cargo-fuzz --locked --quiet
fi

if [ $# -eq 0 ]; then
    mapfile -t targets < <(cd "$fuzz" && cargo fuzz list --fuzz-dir "$fuzz")
else
    targets=("$@")
fi

start=$(date +%s)
(cd "$fuzz" && cargo fuzz build "${build_flags[@]}")
echo "fuzz: built in $(($(date +%s) - start)) s"

bin_dir=$target_dir/$triple/release
logs=$target_dir/logs
mkdir -p "$logs"
failed=()
for t in "${targets[@]}"; do
    work=$target_dir/corpus/$t # grows here; fuzz/corpus/$t holds the committed seeds
    artifacts=$fuzz/artifacts/$t
    mkdir -p "$work" "$artifacts" "$fuzz/corpus/$t"
    case $t in
    expiry) max_len=128 ;;
    responses) max_len=8192 ;;
    *) max_len=4096 ;;
    esac
    args=(-max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$artifacts/")
    [ -f "$fuzz/dicts/$t.dict" ] && args+=(-dict="$fuzz/dicts/$t.dict")
    # shellcheck disable=SC2206 # word splitting of the extra flags is wanted
    args+=(${KEYMINT_FUZZ_ARGS:-})
    rc=0
    "$bin_dir/$t" "${args[@]}" "$work" "$fuzz/corpus/$t" >"$logs/$t.log" 2>&1 || rc=$?
    stat() { sed -n "s/^stat::$1: *//p" "$logs/$t.log" | tail -1; }
    runs=$(stat number_of_executed_units)
    rate=$(stat average_exec_per_sec)
    corpus=$(find "$work" -type f | wc -l)
    if [ "$rc" -eq 0 ]; then
        echo "fuzz $t: ok, ${runs:-?} runs in ${seconds} s (${rate:-?}/s), corpus $corpus"
    else
        failed+=("$t")
        artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$logs/$t.log" | tail -1)
        echo "fuzz $t: FAILED (exit $rc) after ${runs:-?} runs; input: ${artifact:-see log}; log: $logs/$t.log"
        { grep -m1 -A1 "^thread .* panicked at" "$logs/$t.log" ||
            grep -m1 -A2 "ERROR: libFuzzer" "$logs/$t.log"; } | sed 's/^/    /' || true
    fi
done

echo "fuzz: ${#targets[@]} targets, $((${#targets[@]} - ${#failed[@]})) ok, ${#failed[@]} failed; $(($(date +%s) - start)) s in all"
[ ${#failed[@]} -eq 0 ]
