#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make bench: throughput of the real stack (nginx + TLS + FastCGI responders +
# SQLite) measured with ab on loopback. Machines here are noisy, so every
# figure that matters is a ratio of two runs made side by side in this one
# invocation. Nothing here fails a build; it prints.
#
#   sh bench/run.sh [REQUESTS] [CONCURRENCY]
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-3000}
C=${2:-8}
PEERS=${BENCH_PEERS:-50}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/wgconfsrv-bench.XXXXXX")
RUN=$TMP/run
PORT=$((20000 + $$ % 20000))
URL=https://127.0.0.1:$PORT
API=$URL/api/v1

cleanup() {
	WGCONFSRV_RUN_DIR=$RUN sh "$ROOT/nginx/local.sh" stop >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

for c in ab curl jq wg; do
	command -v $c >/dev/null 2>&1 || { echo "bench: $c is missing (make deps)" >&2; exit 1; }
done

start() { # RESPONDERS
	WGCONFSRV_RUN_DIR=$RUN sh "$ROOT/nginx/local.sh" stop >/dev/null 2>&1 || true
	WGCONFSRV_RUN_DIR=$RUN WGCONFSRV_LISTEN=127.0.0.1:$PORT WGCONFSRV_RESPONDERS=$1 \
	WGCONFSRV_REGISTER_RATE=1000000r/m sh "$ROOT/nginx/local.sh" start >/dev/null
	PASS=$(cat "$RUN/admin-password")
}

admin() { # METHOD PATH [BODY]
	curl -sS --cacert "$RUN/cert.pem" -u "admin:$PASS" -X "$1" \
	    -H 'Content-Type: application/json' ${3:+--data "$3"} "$API$2"
}

# ab prints "Requests per second:    1234.56 [#/sec] (mean)".
rps() { # ab arguments...
	ab -q -k -n "$N" -c "$C" "$@" 2>/dev/null | awk '/^Requests per second/ { print $4 }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

start 2
echo "bench: $PEERS peers, one of them paired with all others; $N requests, $C at once"
i=0
while [ $i -lt "$PEERS" ]; do
	pk=$(wg genkey | wg pubkey)
	r=$(curl -sS --cacert "$RUN/cert.pem" -H 'Content-Type: application/json' \
	    --data "{\"name\":\"bench$i\",\"public_key\":\"$pk\",\"endpoint\":\"192.0.2.$((i % 250 + 1)):51820\"}" \
	    "$API/register")
	id=$(printf '%s' "$r" | jq -r .id)
	admin POST "/admin/peers/$id/accept" '{}' >/dev/null
	if [ $i -eq 0 ]; then
		HUB=$id
		TOKEN=$(printf '%s' "$r" | jq -r .token)
	else
		admin PUT "/admin/pairs/$HUB/$id" >/dev/null
	fi
	i=$((i + 1))
done
AUTH="Authorization: Bearer $TOKEN"

# The current ETag: each set's write step moves it on.
etag() {
	curl -sS -D - -o /dev/null --cacert "$RUN/cert.pem" -H "$AUTH" "$API/peer/config" |
	    awk -F': ' 'tolower($1) == "etag" { print $2 }' | tr -d '\r'
}

# ab counts non-2xx answers apart; a 304 set must be all 304s, or it measured
# something else.
check_304() {
	n=$(ab -q -n 20 -c 1 -H "$AUTH" -H "If-None-Match: $ETAG" "$API/peer/config" 2>/dev/null |
	    awk '/^Non-2xx responses/ { print $3 }')
	[ "${n:-0}" = 20 ] || echo "bench: warning: If-None-Match did not give 304s" >&2
}

run_set() {
	ETAG=$(etag)
	check_304
	health=$(rps "$API/health")
	full=$(rps -H "$AUTH" "$API/peer/config")
	cached=$(rps -H "$AUTH" -H "If-None-Match: $ETAG" "$API/peer/config")
	printf '{"endpoint":"192.0.2.9:51820"}' >"$TMP/ep.json"
	write=$(rps -H "$AUTH" -u "$TMP/ep.json" -T application/json "$API/peer/endpoint")
}

run_set
h2=$health f2=$full c2=$cached w2=$write
start 1
run_set
h1=$health f1=$full c1=$cached w1=$write

printf '\n%-44s %12s %12s\n' "requests per second" "1 responder" "2 responders"
printf '%-44s %12s %12s\n' "GET /health" "$h1" "$h2"
printf '%-44s %12s %12s\n' "GET /peer/config, 200 ($((PEERS - 1)) peers built)" "$f1" "$f2"
printf '%-44s %12s %12s\n' "GET /peer/config, 304 (If-None-Match)" "$c1" "$c2"
printf '%-44s %12s %12s\n' "PUT /peer/endpoint (a write transaction)" "$w1" "$w2"
echo
echo "ratios, same run:"
echo "  304 / 200 config, 2 responders:        $(ratio "$c2" "$f2")"
echo "  2 / 1 responders, 200 config:          $(ratio "$f2" "$f1")"
echo "  2 / 1 responders, writes:              $(ratio "$w2" "$w1")"
echo "  write / 304 read, 2 responders:        $(ratio "$w2" "$c2")"
