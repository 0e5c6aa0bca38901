#!/usr/bin/env bash
# Prints how long Qunli takes to build, for a given commit (default: HEAD), in a worktree of its
# own with an empty target directory, so figures of two commits can be compared:
#   (a) a clean release build of the site (server and WebAssembly), as scripts/build-site.sh does
#   (b) `cargo check` of the server side after touching a page
#   (c) `cargo check` of the server side after touching a store function
# and which crates (b) and (c) had to check again. Only measures; never fails on a slow machine.
# Usage: bench/build-times.sh [commit]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
rev=${1:-HEAD}
work=$(mktemp -d /tmp/qunli-build-times.XXXXXX)
trap 'git worktree remove --force "$work/src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/src" "$rev" >/dev/null 2>&1
cd "$work/src"
export CARGO_TARGET_DIR="$work/target"

secs() { local s=$SECONDS; "$@" >"$work/out.log" 2>&1; echo $((SECONDS - s)); }
# The crates a check compiled again (lines like "Checking store v0.1.0").
rechecked() { grep -oE '^\s*(Checking|Compiling) [a-z_-]+' "$work/out.log" | awk '{print $2}' | sort -u | tr '\n' ' '; }

page=app/src/pages/shop.rs
if [ -d store/src ]; then store_fn=store/src/products.rs; else store_fn=app/src/store/products.rs; fi
check=(cargo check -p app --features ssr)

echo "== build times of $(git log -1 --format='%h %s' | cut -c1-70)"
a=$(secs cargo leptos build --release)
echo "(a) clean release build:                 ${a} s"
secs "${check[@]}" >/dev/null   # warm the check cache
touch "$page"
b=$(secs "${check[@]}")
echo "(b) cargo check after touching a page:   ${b} s   (checked again: $(rechecked))"
touch "$store_fn"
c=$(secs "${check[@]}")
echo "(c) cargo check after touching the store: ${c} s   (checked again: $(rechecked))"
