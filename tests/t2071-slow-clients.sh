#!/bin/sh
# SPDX-License-Identifier: MIT
# t2071-slow-clients: no client's speed can hold a responder. A hub with
# 4,000 pairs (its config about 1.4 MB) is asked for its config, from
# 127.0.0.2, by two HTTP/2 clients whose flow-control window is zero (they
# can take no byte of it) and by two HTTP/1.1 clients with a 4 KiB receive
# buffer that never read; meanwhile 127.0.0.1 polls /health, each time on
# a new connection: every request answered, p99 under 100 ms, and the
# hub's whole config still comes. Before, nginx passed a large answer on
# at the client's pace (fastcgi_max_temp_file_size 0): the responder
# blocked writing it, with every connection it held, and /health timed out
# until send_timeout. Now nginx takes the answer whole (memory, then a
# temporary file) and feeds the slow client from that.
. "$(dirname "$0")/lib.sh"
need python3
# The hub and nothing else, in the database of the stack about to start.
seed_hub 4000
stack_start 2
HUB=$HUB_TOKEN
SLOW="python3 $T_ROOT/tests/tools/slowclients.py"

# curl -o FILE config: the hub's config from 127.0.0.1 (status, size).
hub_config() {
	printf 'header = "Authorization: Bearer %s"\n' "$HUB" |
	    curl -sS -K - --max-time 10 -o "$1" -w '%{http_code} %{size_download}' \
	    --cacert "$CACERT" "$API/peer/config" 2>&1
}
read -r code size <<EOT
$(hub_config "$T_TMP/config.0")
EOT
expect_eq "$code" 200 "the hub's config: 200"
[ "${size:-0}" -ge 1000000 ] && ok "the hub's config is $size bytes" ||
    fail "the hub's config is ${size:-no} bytes, not over 1 MB"

# The slow ones, from 127.0.0.2, for 20 s.
for i in 1 2; do
	$SLOW h2zero 127.0.0.1 "$PORT" 127.0.0.2 20 /api/v1/peer/config "$HUB" \
	    >"$T_TMP/h2zero.$i" 2>&1 &
	$SLOW slowread 127.0.0.1 "$PORT" 127.0.0.2 20 /api/v1/peer/config "$HUB" \
	    >"$T_TMP/slowread.$i" 2>&1 &
done
# The HTTP/1.1 ones print once their answers have begun.
i=0
while [ $i -lt 100 ] && [ "$(cat "$T_TMP"/slowread.* | grep -c 'held')" -lt 2 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 1
HEALTH=$($SLOW health 127.0.0.1 "$PORT" 127.0.0.1 10 "$CACERT" 2>&1)
read -r code size2 <<EOT
$(hub_config "$T_TMP/config.1")
EOT
wait
say "$HEALTH" | sed 's/^/# /'
cat "$T_TMP"/h2zero.* "$T_TMP"/slowread.* | sed 's/^/# /'
SUMMARY=$(say "$HEALTH" | grep '^health: [0-9]* requests')
expect_in "$SUMMARY" ' 0 failed' "/health answered every request beside the slow clients"
p99=$(say "$SUMMARY" | sed -n 's/.* p99 \([0-9.]*\) ms.*/\1/p')
awk -v p="${p99:-1e9}" 'BEGIN { exit !(p < 100) }' && ok "/health p99 ${p99} ms < 100 ms" ||
    fail "/health p99 is ${p99:-unknown} ms, not under 100 ms"
expect_eq "$code $size2" "200 $size" "the hub's whole config came meanwhile"
expect_eq "$(cat "$T_TMP"/h2zero.* | grep -c ', 0 bytes of DATA taken')" 2 \
    "the HTTP/2 clients took nothing (their windows stayed shut)"
expect_eq "$(cat "$T_TMP"/slowread.* | grep -c 'statuses 200:1')" 2 \
    "the HTTP/1.1 readers' answers began (200) and were never read"
expect_responders_alive
