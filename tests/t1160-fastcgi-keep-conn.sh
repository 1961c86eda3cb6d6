#!/bin/sh
# SPDX-License-Identifier: MIT
# t1160-fastcgi-keep-conn: the hop nginx keeps open. A responder answers
# several requests on one FastCGI connection (FCGI_KEEP_CONN, as nginx's
# fastcgi_keep_conn sends), and a connection it keeps but nginx leaves
# idle never holds another connection off: with a single responder, a
# second connection is answered while the first sits idle, which the
# responder then closes. Through nginx (keepalive upstream), a burst of
# parallel requests on one responder is all answered.
. "$(dirname "$0")/lib.sh"
need cc
stack_start 1

cc -o "$T_TMP/fcgi-keep" "$T_ROOT/tests/tools/fcgi-keep.c" || die "cannot build fcgi-keep"
OUT=$("$T_TMP/fcgi-keep" "$RUN/fcgi.sock" 2>&1)
RC=$?
say "$OUT" | sed 's/^/# /'
expect_in "$OUT" "kept connection, request 2: 200" "two requests on one kept connection"
expect_in "$OUT" "second connection while the first is idle: 200" \
    "an idle kept connection does not hold another off"
expect_in "$OUT" "idle kept connection: closed by the responder" \
    "the responder gives the idle one up"
expect_eq "$RC" 0 "fcgi-keep passed"

# nginx's side: 40 requests, 8 at a time, through kept upstream connections
# to one responder; every one answered.
grep -q 'fastcgi_keep_conn on' "$RUN/site.conf" && ok "the site keeps FastCGI connections" ||
    fail "fastcgi_keep_conn is not on in $RUN/site.conf"
seq 40 | xargs -P 8 -I{} curl -sS -o /dev/null -w '%{http_code}\n' --max-time 10 \
    --cacert "$CACERT" "$API/health" >"$T_TMP/codes" 2>&1
expect_eq "$(grep -c '^200$' "$T_TMP/codes")" 40 "40 parallel requests, all 200"
expect_responders_alive
