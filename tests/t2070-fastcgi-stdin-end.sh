#!/bin/sh
# SPDX-License-Identifier: MIT
# t2070-fastcgi-stdin-end: a responder reads each request's FastCGI stdin to
# its end-of-stdin record, even when that record comes after the body (nginx
# may send it in a later write). Left unread, it was the first record of the
# next request on the kept connection: libfcgi closed the connection as a
# protocol error and nginx answered 502 to the request it had just sent
# there. With one responder, 20 rounds on one kept connection of a POST
# whose end record comes 50 ms late, then a GET: every answer comes, on the
# same connection. Through nginx, POSTs with bodies up to 64 KiB (sent in
# more than one write) mixed with GETs: none is a 502.
. "$(dirname "$0")/lib.sh"
need cc
stack_start 1

cc -o "$T_TMP/fcgi-keep" "$T_ROOT/tests/tools/fcgi-keep.c" || die "cannot build fcgi-keep"
OUT=$("$T_TMP/fcgi-keep" "$RUN/fcgi.sock" late 2>&1)
RC=$?
say "$OUT" | sed 's/^/# /'
expect_in "$OUT" "late end of stdin, round 20: POST 405, then GET 200" \
    "20 rounds of a late end-of-stdin record, all answered on one kept connection"
expect_eq "$RC" 0 "fcgi-keep late passed"

# nginx's side: 60 KB junk bodies to an admin route, 6 at a time, with
# GETs between them, over kept upstream connections to one responder.
head -c 61440 /dev/zero | tr '\0' 'x' >"$T_TMP/junk"
seq 120 | xargs -P 6 -I{} sh -c '
	if [ $(({} % 2)) -eq 0 ]; then
		curl -sS -o /dev/null -w "%{http_code}\n" --max-time 10 --cacert "$1" \
		    -u "admin:$2" -H "Content-Type: application/json" \
		    --data-binary "@$3" "$4/admin/peers"
	else
		curl -sS -o /dev/null -w "%{http_code}\n" --max-time 10 --cacert "$1" "$4/health"
	fi' - "$CACERT" "$ADMIN_PASS" "$T_TMP/junk" "$API" >"$T_TMP/codes" 2>&1
expect_eq "$(grep -c '^502$' "$T_TMP/codes")" 0 "no 502 among 120 requests with junk bodies"
expect_eq "$(grep -c '^200$' "$T_TMP/codes")" 60 "every GET /health answered 200"
expect_responders_alive
