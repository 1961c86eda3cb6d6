#!/bin/sh
# SPDX-License-Identifier: MIT
# t2073-key-admin-limits: nginx's rate limits that are not per address
# alone, with the example's rates.
#  1. POST /peer/key has a location and a budget of its own: an address
#     that spent its register budget still asks for a new key, and one
#     that spent its key budget still registers. Before, /peer/key fell in
#     the /api/ catch-all and spent the register budget.
#  2. Admin password guessing is bounded across addresses: four addresses
#     guessing "admin" for 10 s get at most 200 + 20 a second checked (the
#     rest 429), together, where each had 100 + 20 a second of its own;
#     another admin user name is served meanwhile, and "admin" is again
#     after the budget refills.
. "$(dirname "$0")/lib.sh"
need python3 htpasswd
RATE=production KEY_RATE=production ADMIN_RATE=production ADMIN_USER_RATE=production \
    stack_start
SLOW="python3 $T_ROOT/tests/tools/slowclients.py"
grep -q 'location = /api/v1/peer/key' "$RUN/site.conf" &&
    ok "/peer/key has a location of its own" || fail "no location = /api/v1/peer/key"

# A peer to ask for keys (registered before the register budget is spent).
register keyhost >/dev/null
KEY_TOKEN=$PEER_TOKEN
# key_post ADDRESS: POST /peer/key with a fresh key from ADDRESS: its
# HTTP status. reg_post ADDRESS: POST /register ({}, a 400) likewise.
key_post() {
	keypair
	printf 'header = "Authorization: Bearer %s"\n' "$KEY_TOKEN" |
	    curl -s -K - -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$CACERT" \
	    --interface "$1" -H 'Content-Type: application/json' \
	    -d "{\"public_key\":\"$PUB\"}" "$API/peer/key"
}
reg_post() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$CACERT" \
	    --interface "$1" -H 'Content-Type: application/json' -d '{}' "$API/register"
}
# spend WHAT ADDRESS: calls WHAT until 429 (at most 40 times).
spend() {
	_i=0
	while [ $_i -lt 40 ] && [ "$($1 "$2")" != 429 ]; do
		_i=$((_i + 1))
	done
	say "# $1 from $2: $_i passed before 429"
}
# 127.0.0.2 spends its register budget (burst 20): /peer/key still passes.
spend reg_post 127.0.0.2
expect_eq "$(reg_post 127.0.0.2)" 429 "127.0.0.2 spent its register budget"
code=$(key_post 127.0.0.2)
[ "$code" != 429 ] && ok "its POST /peer/key is still answered by the responder: $code" ||
    fail "POST /peer/key is 429 once the register budget is spent"
# 127.0.0.3 spends its key budget (burst 10): /register still passes.
spend key_post 127.0.0.3
expect_eq "$(key_post 127.0.0.3)" 429 "127.0.0.3 spent its key budget"
code=$(reg_post 127.0.0.3)
[ "$code" != 429 ] && ok "its POST /register is still answered by the responder: $code" ||
    fail "POST /register is 429 once the key budget is spent"

# 2. Guessing "admin" from four addresses for 10 s.
htpasswd -b -B "$RUN/htpasswd" ops "ops-$ADMIN_PASS" 2>/dev/null || die "htpasswd ops failed"
for a in 2 3 4 5; do
	$SLOW guess 127.0.0.1 "$PORT" "127.0.0.$a" 10 admin "$CACERT" >"$T_TMP/guess.$a" 2>&1 &
done
sleep 5
ops=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$CACERT" \
    -u "ops:ops-$ADMIN_PASS" "$API/admin/network")
wait
cat "$T_TMP"/guess.* | sed 's/^/# /'
checked=$(cat "$T_TMP"/guess.* | sed -n 's/.* 401:\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
refused=$(cat "$T_TMP"/guess.* | sed -n 's/.* 429:\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
say "# guesses checked: $checked, refused before the check: $refused"
# 200 at once, then 20 a second for 10 s (and a second for the start).
[ "$checked" -le 420 ] && ok "at most 200 + 20/s guesses checked across 4 addresses: $checked" ||
    fail "$checked guesses checked in 10 s from 4 addresses, more than 420"
[ "$refused" -gt 0 ] && ok "the rest refused 429: $refused" || fail "no guess was refused"
expect_eq "$ops" 200 "another admin user name is served during the guessing"
sleep 1
api -a GET /admin/network
expect_status 200 "admin is served again once the guessing stops"
grep -q 'limiting requests.*zone "wgconfsrv_admin_user"' "$RUN/logs/error.log" &&
    ok "error.log names the zone wgconfsrv_admin_user" ||
    fail "no 'limiting requests' line for wgconfsrv_admin_user in error.log"
expect_responders_alive
