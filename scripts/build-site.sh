#!/usr/bin/env bash
# Builds the release server and site, then precompresses the static files (served as-is with
# Content-Encoding, so nothing is compressed per request).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
cargo leptos build --release
find target/site -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' \) ! -name '*.br' ! -name '*.gz' |
  while read -r f; do
    [ "$f.br" -nt "$f" ] || brotli -q 11 -f -o "$f.br" "$f"
    [ "$f.gz" -nt "$f" ] || gzip -9 -k -f "$f"
  done
