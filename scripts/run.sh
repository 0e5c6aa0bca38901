#!/usr/bin/env bash
# Installs what is missing, builds, and serves Qunli at http://127.0.0.1:3000 on an embedded
# SQLite database (./data) seeded with the demo communities. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/build-site.sh
. scripts/env.sh
export LEPTOS_SITE_ROOT=target/site
exec target/release/qunli
