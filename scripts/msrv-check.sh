#!/usr/bin/env bash
# MSRV check of the resolved dependency graph: fails when a crate that a workspace member
# builds with (normal and build dependencies, all features, and the member's own
# dev-dependencies) declares a rust-version above the member's own rust-version, and names
# each such crate. Only one toolchain is installed here, so the graph is checked from
# Cargo.lock's metadata rather than by building with the old compiler; our own code is
# checked by clippy's incompatible_msrv lint, which reads rust-version from the manifests
# (`cargo clippy` in `make test`).
#
#   scripts/msrv-check.sh            every member
#   scripts/msrv-check.sh -v         also list the crates that pass
#
# Platforms: the ones deny.toml checks (Linux, macOS, Windows).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

platforms=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-apple-darwin
    aarch64-apple-darwin x86_64-pc-windows-msvc)
meta=$(mktemp)
trap 'rm -f "$meta"' EXIT
cargo metadata --format-version 1 --all-features --locked \
    "${platforms[@]/#/--filter-platform=}" >"$meta"

python3 - "$meta" "${1:-}" <<'EOF'
import json
import sys
from collections import deque

meta = json.load(open(sys.argv[1]))
verbose = sys.argv[2] == "-v"
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}


def version(text):
    parts = [int(x) for x in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def show(v):
    return ".".join(map(str, v[:2])) if v[2] == 0 else ".".join(map(str, v))


def deps(node, kinds):
    for dep in node["deps"]:
        if any(k["kind"] in kinds for k in dep["dep_kinds"]):
            yield dep["pkg"]


failed = False
for member in meta["workspace_members"]:
    pkg = packages[member]
    if not pkg.get("rust_version"):
        continue
    msrv = version(pkg["rust_version"])
    # The member's normal, build and dev dependencies; below them, normal and build only
    # (cargo never builds a dependency's dev-dependencies).
    seen = set()
    # Breadth first, so that each crate is named through the shortest path to it.
    queue = deque((d, d) for d in deps(nodes[member], {None, "build", "dev"}))
    above = {}
    while queue:
        pid, via = queue.popleft()
        if pid in seen:
            continue
        seen.add(pid)
        dep = packages[pid]
        if dep.get("rust_version") and version(dep["rust_version"]) > msrv:
            above[pid] = via
        queue.extend((d, via) for d in deps(nodes[pid], {None, "build"}))
    name = f"{pkg['name']} (rust-version {show(msrv)})"
    if not above:
        print(f"msrv: {name}: {len(seen)} crates, none needs a newer Rust")
        continue
    failed = True
    need = max(version(packages[p]["rust_version"]) for p in above)
    print(f"msrv: {name}: {len(above)} of {len(seen)} crates need a newer Rust, up to {show(need)}:")
    rows = sorted(above.items(), key=lambda kv: (version(packages[kv[0]]["rust_version"]), packages[kv[0]]["name"]), reverse=True)
    for pid, via in rows:
        dep = packages[pid]
        through = "" if via == pid else f" (through {packages[via]['name']})"
        print(f"    {dep['name']} {dep['version']}: rust-version {dep['rust_version']}{through}")
    if verbose:
        ok = sorted(packages[p]["name"] + " " + packages[p]["version"] for p in seen - set(above))
        print("    fine: " + ", ".join(ok))
sys.exit(1 if failed else 0)
EOF
