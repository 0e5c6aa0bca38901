#!/usr/bin/env bash
# Installs what is missing and runs every test: formatting and lints, unit and store tests on
# SQLite and on a throwaway PostgreSQL cluster, HTTP tests, and Playwright end-to-end tests in
# Chromium against the release build. Exits non-zero on any failure and stops everything it
# started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
. scripts/env.sh

work=$(mktemp -d /tmp/qunli-test.XXXXXX)
# The PostgreSQL server runs as its own user and must be able to reach its directory in here.
chmod 755 "$work"
pids=()
cleanup() {
  status=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  scripts/pg.sh stop "$work/pg" || true
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

free_port() {
  local p
  for p in $(seq "$1" $(($1 + 200))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo "no free port near $1" >&2; exit 1
}

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --features app/test-support -- -D warnings
cargo clippy -p app --target wasm32-unknown-unknown --features hydrate -- -D warnings

step "the domain crate builds for the browser, without the server's dependencies"
cargo build -q -p domain --target wasm32-unknown-unknown
heavy=$(cargo tree -p domain --target wasm32-unknown-unknown -e normal --prefix none | grep -E '^(sqlx|tokio|leptos)' || true)
[ -z "$heavy" ] || { echo "domain pulls server dependencies into the browser build: $heavy" >&2; exit 1; }

step "throwaway PostgreSQL"
pg_port=$(free_port 55433)
pg_url=$(scripts/pg.sh start "$work/pg" "$pg_port")
echo "$pg_url"

step "unit, store (SQLite + PostgreSQL), layer and HTTP tests"
QUNLI_TEST_PG_URL="$pg_url" QUNLI_REQUIRE_PG=1 cargo test --workspace --features app/test-support --no-fail-fast

step "release build"
scripts/build-site.sh

step "end-to-end (Playwright, Chromium, Pixel 7)"
port=$(free_port 3100)
mkdir -p "$work/e2e-data"
QUNLI_LISTEN="127.0.0.1:$port" QUNLI_DATA_DIR="$work/e2e-data" LEPTOS_SITE_ROOT=target/site QUNLI_LOG=warn QUNLI_TEST_HOOKS=1 QUNLI_CLIENT_IP_HEADER=x-forwarded-for \
  target/release/qunli >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }
if ! (cd end2end && BASE_URL="http://127.0.0.1:$port" npx playwright test); then
  echo "--- server log ---"; tail -n 50 "$work/server.log"
  exit 1
fi

step "all tests passed"
