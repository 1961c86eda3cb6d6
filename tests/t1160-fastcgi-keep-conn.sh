#!/bin/sh
# SPDX-License-Identifier: MIT
# t1160-fastcgi-keep-conn: the hop nginx keeps open. A responder answers
# several requests on one FastCGI connection (FCGI_KEEP_CONN, as nginx's
# fastcgi_keep_conn sends), and a connection it keeps but nginx leaves
# idle never holds another connection off: with a single responder, a
# second connection is answered while the first sits idle, and the first
# still answers after (the responder never closes a kept connection under
# nginx); one not to be kept is closed after its answer. Through nginx
# (keepalive upstream), bursts of parallel reads and registrations on one
# responder are all answered, none with a 502.
. "$(dirname "$0")/lib.sh"
need cc sqlite3
stack_start 1

cc -o "$T_TMP/fcgi-keep" "$T_ROOT/tests/tools/fcgi-keep.c" || die "cannot build fcgi-keep"
OUT=$("$T_TMP/fcgi-keep" "$RUN/fcgi.sock" 2>&1)
RC=$?
say "$OUT" | sed 's/^/# /'
expect_in "$OUT" "kept connection, request 2: 200" "two requests on one kept connection"
expect_in "$OUT" "second connection while the first is idle: 200" \
    "an idle kept connection does not hold another off"
expect_in "$OUT" "idle kept connection: still open" "the idle one stays open"
expect_in "$OUT" "kept connection, request 3: 200" "and answers its next request"
expect_in "$OUT" "second connection after its last request: closed by the responder" \
    "a connection not to be kept is closed after its answer"
expect_eq "$RC" 0 "fcgi-keep passed"

# nginx's side: 40 requests, 8 at a time, through kept upstream connections
# to one responder; every one answered.
grep -q 'fastcgi_keep_conn on' "$RUN/site.conf" && ok "the site keeps FastCGI connections" ||
    fail "fastcgi_keep_conn is not on in $RUN/site.conf"
seq 40 | xargs -P 8 -I{} curl -sS -o /dev/null -w '%{http_code}\n' --max-time 10 \
    --cacert "$CACERT" "$API/health" >"$T_TMP/codes" 2>&1
expect_eq "$(grep -c '^200$' "$T_TMP/codes")" 40 "40 parallel requests, all 200"
# Writes too: 60 registrations, 12 at a time (a POST that met a connection
# the responder had closed would be nginx's 502). All from 127.0.0.1: one
# network's share of the pending queue is lifted for them.
api -a PUT /admin/network '{"pending_max_per_prefix":100}'
expect_status 200 || die "pending_max_per_prefix"
i=0
while [ $i -lt 60 ]; do
	keypair
	printf '{"name":"burst%d","public_key":"%s","endpoint":null}\n' $i "$PUB"
	i=$((i + 1))
done >"$T_TMP/bodies"
i=0
while IFS= read -r b; do
	i=$((i + 1))
	printf '%s' "$b" >"$T_TMP/body-$i"
done <"$T_TMP/bodies"
seq 60 | xargs -P 12 -I{} curl -sS -o /dev/null -w '%{http_code}\n' --max-time 10 \
    --cacert "$CACERT" -H 'Content-Type: application/json' \
    --data-binary "@$T_TMP/body-{}" "$API/register" >"$T_TMP/codes" 2>&1
expect_eq "$(grep -c '^201$' "$T_TMP/codes")" 60 "60 parallel registrations, all 201"
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM peers WHERE name LIKE 'burst%'")" 60 \
    "all 60 stored"
expect_responders_alive
