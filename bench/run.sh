#!/usr/bin/env bash
# Prints Qunli's performance figures (never fails on a slow machine; it only measures):
#   - release WASM and JS size, raw / gzip / brotli
#   - product-page server rendering with wrk on loopback, next to the same HTML served as a
#     static file by the same server in the same run, and their ratio
#   - server memory (RSS) under that load
#   - checkout latency; group-buy join latency under a 200-member rush (SQLite, PostgreSQL)
#   - distribution: paying an order with a 3-level referral chain, and a distributor's dashboard
#     over 10,000 commissions (SQLite, PostgreSQL)
#   - live team-page streams held by one process, its RSS, and the time for a change to reach them
#   - Lighthouse (mobile) scores and LCP / CLS / TBT for the product page
# Usage: bench/run.sh [seconds per wrk run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --bench >/dev/null
scripts/build-site.sh >/dev/null 2>&1
. scripts/env.sh
secs=${1:-10}
out=$(mktemp -d /tmp/qunli-bench.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$out" target/site/pkg/bench-product.html; }
trap cleanup EXIT

kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
echo "== bundle (release) =="
for f in target/site/pkg/*.wasm target/site/pkg/*.js target/site/pkg/*.css; do
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c); br=$(brotli -q 11 -c "$f" | wc -c)
  printf '%-8s raw %10s   gzip %10s   brotli %10s\n' "${f##*.}" "$(kb "$raw")" "$(kb "$gz")" "$(kb "$br")"
done

port=3199
QUNLI_LISTEN="127.0.0.1:$port" QUNLI_DATA_DIR="$out/data" LEPTOS_SITE_ROOT=target/site QUNLI_LOG=warn \
  target/release/qunli >"$out/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
base="http://127.0.0.1:$port"
product=$(curl -fsS "$base/c/salmon" | grep -o '/p/[0-9]*' | head -n 1)
curl -fsS "$base$product" -o target/site/pkg/bench-product.html
echo
echo "== product page $product: $(stat -c %s target/site/pkg/bench-product.html) bytes of HTML =="

run_wrk() { wrk -t2 -c32 -d"${secs}s" --latency "$1" 2>&1; }
field() { awk -v k="$2" '$1 == k { print $2 }' <<<"$1"; }
rss_peak() { awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' "/proc/$pid/status"; }
rss_now() { awk '/VmRSS/ { printf "%.1f MB", $2 / 1024 }' "/proc/$pid/status"; }

echo "idle RSS: $(rss_now)"
ssr=$(run_wrk "$base$product")
static=$(run_wrk "$base/pkg/bench-product.html")
ssr_rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$ssr")
static_rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$static")
printf '%-22s %10s req/s   p50 %8s   p99 %8s\n' "server-rendered" "$ssr_rps" "$(field "$ssr" 50%)" "$(field "$ssr" 99%)"
printf '%-22s %10s req/s   p50 %8s   p99 %8s\n' "same HTML, static" "$static_rps" "$(field "$static" 50%)" "$(field "$static" 99%)"
awk -v a="$ssr_rps" -v b="$static_rps" 'BEGIN { printf "SSR / static throughput: %.0f %%  (target >= 20 %%)\n", 100 * a / b }'
echo "RSS after load: $(rss_now), peak $(rss_peak)  (target <= 100 MB)"
errors=$(grep -c 'Non-2xx' <<<"$ssr$static" || true)
[ "$errors" = 0 ] || echo "note: wrk saw non-2xx responses"

echo
echo "== checkout: $((secs / 2)) s each, 50 concurrent buyers, buy-now through HTTP (target p99 <= 50 ms on SQLite) =="
cargo build --release -p server --example checkout_bench >/dev/null 2>&1
target/release/examples/checkout_bench sqlite $((secs / 2))
pgdir="$out/pg"
mkdir -p "$pgdir"; chmod 755 "$out"
pg_url=$(scripts/pg.sh start "$pgdir" 55499)
QUNLI_BENCH_PG_URL="$pg_url" target/release/examples/checkout_bench postgres $((secs / 2))

echo
echo "== group-buy: 200 members join one 30-seat team at once, 10 rounds, through a server process =="
cargo build --release -p bench --example team_bench >/dev/null 2>&1
target/release/examples/team_bench join target/release/qunli sqlite 10
QUNLI_BENCH_PG_URL="$pg_url" target/release/examples/team_bench join target/release/qunli postgres 10

echo
echo "== distribution: commissions of a 3-level chain posted with the payment; a dashboard over 10,000 commissions =="
cargo build --release -p server --example distribution_bench >/dev/null 2>&1
target/release/examples/distribution_bench sqlite 10000
QUNLI_BENCH_PG_URL="$pg_url" target/release/examples/distribution_bench postgres 10000
scripts/pg.sh stop "$pgdir"

echo
echo "== live team pages: 2,000 server-sent event streams on one server process (target >= 2,000) =="
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
target/release/examples/team_bench sse target/release/qunli 2000

echo
echo "== Lighthouse (mobile emulation, throttled) on $product =="
if lighthouse "$base$product" --quiet --output=json --output-path="$out/lh.json" \
  --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update" >/dev/null 2>&1; then
  node -e '
    const r = require(process.argv[1]);
    const c = r.categories, a = r.audits;
    const s = (k) => Math.round(c[k].score * 100);
    console.log(`performance ${s("performance")}  accessibility ${s("accessibility")}  best-practices ${s("best-practices")}  seo ${s("seo")}`);
    console.log(`LCP ${a["largest-contentful-paint"].displayValue}  CLS ${a["cumulative-layout-shift"].displayValue}  TBT ${a["total-blocking-time"].displayValue}  FCP ${a["first-contentful-paint"].displayValue}`);
    console.log("targets: performance >= 90, accessibility >= 95");
  ' "$out/lh.json"
else
  echo "lighthouse did not run (see bootstrap --bench)"
fi
