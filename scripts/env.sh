# Sourced by the other scripts: where tools installed by bootstrap.sh live.
export QUNLI_TOOLS="${QUNLI_TOOLS:-$HOME/.cache/qunli-tools}"
export PATH="$QUNLI_TOOLS/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Playwright drives Debian's Chromium; it must never try to download its own browsers.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
