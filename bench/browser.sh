#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make bench, the browser part: the admin page in headless Chromium against
# the real stack (nginx + TLS + FastCGI responders + SQLite) holding 1,000
# peers and 20,000 pairs. bench/browser.mjs seeds through the API, measures
# and writes the "Browser" section of docs/benchmarks.md. Nothing here fails
# a build: a missing browser or playwright-core is said and skipped.
#
#   sh bench/browser.sh            BENCH_UI_PEERS=1000 BENCH_UI_PAIRS=20
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/wgconfsrv-bench-ui.XXXXXX")
RUN=$TMP/run
PORT=$((20000 + ($$ + 7) % 20000))

cleanup() {
	WGCONFSRV_RUN_DIR=$RUN sh "$ROOT/nginx/local.sh" stop >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

for c in node chromium; do
	command -v $c >/dev/null 2>&1 || { echo "bench: $c is missing, no browser figures" >&2; exit 0; }
done
[ -d "$ROOT/node_modules/playwright-core" ] || { echo "bench: playwright-core is missing (make deps), no browser figures" >&2; exit 0; }

WGCONFSRV_RUN_DIR=$RUN WGCONFSRV_LISTEN=127.0.0.1:$PORT WGCONFSRV_RESPONDERS=${BENCH_UI_RESPONDERS:-2} \
WGCONFSRV_REGISTER_RATE=1000000r/m WGCONFSRV_ADMIN_RATE=100000r/s WGCONFSRV_PEER_RATE=100000r/s sh "$ROOT/nginx/local.sh" start >"$TMP/start.log" 2>&1 ||
	{ cat "$TMP/start.log"; echo "bench: the stack did not start" >&2; exit 1; }

URL=https://127.0.0.1:$PORT ADMIN_PASS=$(cat "$RUN/admin-password") \
NODE_EXTRA_CA_CERTS=$RUN/cert.pem OUT=${BENCH_UI_OUT:-$ROOT/docs/benchmarks.md} \
	node "$ROOT/bench/browser.mjs"
