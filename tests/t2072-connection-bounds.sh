#!/bin/sh
# SPDX-License-Identifier: MIT
# t2072-connection-bounds: one address cannot exhaust nginx's connections
# nor hold more than its share of requests. From 127.0.0.2, 1,100 TLS
# connections that each send half a request header, opened as fast as
# they come (a refused one tried again) and held 16 s: meanwhile /health
# from 127.0.0.1, each time on a new connection, answers every request,
# and nginx has closed all 1,100 by the end (client_header_timeout 10 s).
# Before, local.sh gave nginx 2 x 512 connections: /health got TLS EOFs
# and nginx kept the half headers for 60 s. Then 40 HTTP/2 requests for a
# large config that are never read, from one address: 32 are answered (limit_conn
# per address) and the rest refused 429, while another address is served.
. "$(dirname "$0")/lib.sh"
need python3
seed_hub 4000
stack_start 2
SLOW="python3 $T_ROOT/tests/tools/slowclients.py"

$SLOW slowheader 127.0.0.1 "$PORT" 127.0.0.2 16 1100 >"$T_TMP/slowheader" 2>&1 &
i=0
while [ $i -lt 100 ] && ! grep -q 'connections opened' "$T_TMP/slowheader"; do
	sleep 0.1
	i=$((i + 1))
done
HEALTH=$($SLOW health 127.0.0.1 "$PORT" 127.0.0.1 6 "$CACERT" 2>&1)
wait
say "$HEALTH" | tail -n 5 | sed 's/^/# /'
sed 's/^/# /' "$T_TMP/slowheader"
expect_in "$(cat "$T_TMP/slowheader")" "1100 connections opened" \
    "1,100 unfinished headers open at once from 127.0.0.2"
SUMMARY=$(say "$HEALTH" | grep '^health: [0-9]* requests')
expect_in "$SUMMARY" ' 0 failed' "/health from 127.0.0.1 answered every request meanwhile"
expect_in "$(cat "$T_TMP/slowheader")" "1100 of 1100 closed by the server" \
    "nginx closed every unfinished header within 16 s"

# Requests held in flight by one address: 40 streams of one HTTP/2
# connection with a zero window asking for the hub's config (a stream
# counts as a connection for limit_conn). Their answers can never be
# taken, so they stay open until send_timeout.
$SLOW h2zero 127.0.0.1 "$PORT" 127.0.0.2 8 /api/v1/peer/config "$HUB_TOKEN" 40 \
    >"$T_TMP/h2zero" 2>&1 &
sleep 4
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$CACERT" "$API/health")
wait
sed 's/^/# /' "$T_TMP/h2zero"
# nginx logs each stream when it ends (here when the client closes): the
# statuses it gave them. The 429s are in error.log too.
codes=$(grep '^127\.0\.0\.2 .*"GET /api/v1/peer/config HTTP/2.0"' "$RUN/logs/access.log" |
    awk '{ print $9 }' | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
expect_eq "$codes" "200:32 429:8 " "40 unread answers from one address: 32 held, 8 refused 429"
expect_eq "$(grep -c 'limiting connections by zone "wgconfsrv_conn", client: 127.0.0.2' \
    "$RUN/logs/error.log")" 8 "error.log names the zone and the address 8 times"
expect_eq "$code" 200 "another address is served meanwhile"
expect_responders_alive
