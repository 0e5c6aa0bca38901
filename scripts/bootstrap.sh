#!/usr/bin/env bash
# Installs what Qunli needs to build, run and test, skipping whatever is already there.
# Safe to run any number of times. Usage: scripts/bootstrap.sh [--bench]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else echo "need root for: $*" >&2; exit 1; fi; }

# --- Debian packages -------------------------------------------------------------------------
apt_pkgs=(chromium postgresql fonts-noto-cjk brotli nodejs npm)
[ "${1:-}" = "--bench" ] && apt_pkgs+=(wrk)
missing=()
for p in "${apt_pkgs[@]}"; do
  # nodejs/npm may come from elsewhere (nodesource, nvm); the commands are what matter.
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- Rust ------------------------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# cargo-leptos 0.3.5 is the newest that builds with this Rust; no_downloads makes it use the
# wasm-bindgen and wasm-opt found on PATH instead of fetching them.
if ! cargo leptos --version 2>/dev/null | grep -q '^cargo-leptos 0\.3\.5$'; then
  say "installing cargo-leptos 0.3.5 (takes about 20 minutes on 2 cores)"
  cargo install cargo-leptos --version 0.3.5 --locked --features no_downloads
fi

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
wbg=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbg\$"; then
  say "installing wasm-bindgen-cli $wbg"
  cargo install wasm-bindgen-cli --version "$wbg" --force
fi

# wasm-opt from npm's binaryen (Debian's is too old for current rustc output).
if ! "$QUNLI_TOOLS/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q 'version 132'; then
  say "installing wasm-opt (binaryen 132) into $QUNLI_TOOLS"
  mkdir -p "$QUNLI_TOOLS"
  npm install --prefix "$QUNLI_TOOLS" --no-audit --no-fund --silent binaryen@132
fi

# --- End-to-end test packages ----------------------------------------------------------------
if [ ! -f end2end/node_modules/.package-lock.json ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "installing end-to-end test packages"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi

if [ "${1:-}" = "--bench" ] && [ ! -x "$QUNLI_TOOLS/node_modules/.bin/lighthouse" ]; then
  say "installing lighthouse 12.8.2 into $QUNLI_TOOLS"
  npm install --prefix "$QUNLI_TOOLS" --no-audit --no-fund --silent lighthouse@12.8.2
fi

say "ready"
