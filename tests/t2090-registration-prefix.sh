#!/bin/sh
# SPDX-License-Identifier: MIT
# t2090-registration-prefix: open registration is bounded per network, and
# a waiting peer's polls do not make it look alive, through nginx with curl:
#  1. junk from two addresses of one /24 (each within nginx's production
#     register burst) fills that network's share of the queue
#     (pending_max_per_prefix, default 32): the rest get 429 naming the
#     /24, while a host of another network still registers; accepting one
#     frees its seat; `wgconf admin network --pending-max-per-prefix`
#     changes the bound and shows it;
#  2. a pending peer that polls its config (409) stays "never seen"
#     (last_seen null) until it is accepted and fetches one.
. "$(dirname "$0")/lib.sh"
need sqlite3

# acurl ADDR ARGS...: curl from one loopback address.
acurl() {
	_a=$1
	shift
	curl -sS --interface "$_a" --cacert "$CACERT" --max-time 20 "$@"
}

# reg_from ADDR NAME: one registration from ADDR; the status in $CODE, the
# answer in $T_TMP/r.
reg_from() {
	keypair
	CODE=$(acurl "$1" -o "$T_TMP/r" -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data "{\"name\":\"$2\",\"public_key\":\"$PUB\",\"endpoint\":null}" \
	    "$URL/api/v1/register")
}

admin() {
	wgc adm admin --server "$URL" --cacert "$CACERT" --user admin \
	    --password-file "$RUN/admin-password" "$@"
}

pending_from() {
	sqlite3 -readonly "$DB" "SELECT count(*) FROM peers WHERE state = 'pending' AND
	    registered_from = '$1'"
}

# --- 1. one network's share of the queue ------------------------------------
RATE=production ADMIN_RATE=production PEER_RATE=production
stack_start
api -a GET /admin/network
expect_json .pending_max_per_prefix 32
passed=0 refused=0
for a in 127.0.0.81 127.0.0.82; do
	i=0
	while [ $i -lt 20 ]; do
		reg_from "$a" "junk-$a-$i"
		case $CODE in
		201) passed=$((passed + 1)) ;;
		429) refused=$((refused + 1)); cp "$T_TMP/r" "$T_TMP/refusal" ;;
		*) fail "junk $a $i: $CODE $(cat "$T_TMP/r")" ;;
		esac
		i=$((i + 1))
	done
done
expect_eq "$passed/$refused" 32/8 "40 from one /24: 32 wait, 8 are refused"
expect_eq "$(jq -r .error.code "$T_TMP/refusal")" too_many_pending "the refusal says why"
expect_in "$(jq -r .error.message "$T_TMP/refusal")" "127\.0\.0\.0/24" "and names the network"
expect_eq "$(pending_from 127.0.0.0/24)" 32 "32 pending peers from 127.0.0.0/24"
reg_from 127.0.9.5 walk-in
expect_eq "$CODE" 201 "a host of another network still registers"
expect_eq "$(pending_from 127.0.9.0/24)" 1 "counted for its own network"
# Accepting one frees its seat.
ID=$(sqlite3 -readonly "$DB" "SELECT id FROM peers WHERE name = 'junk-127.0.0.81-0'")
api -a POST "/admin/peers/$ID/accept" '{}'
expect_status 200 || die "accept"
reg_from 127.0.0.83 after-accept
expect_eq "$CODE" 201 "an accepted peer's seat is free again"
reg_from 127.0.0.83 one-more
expect_eq "$CODE" 429 "and then the share is full again"
# The admin decides the share (wgconf admin network).
admin network --pending-max-per-prefix 40
expect_rc 0 "wgconf admin network --pending-max-per-prefix 40"
expect_in "$OUT" "^pending_max_per_prefix +40$" "the network shows it"
reg_from 127.0.0.83 raised
expect_eq "$CODE" 201 "a raised share lets one more in"
admin network --pending-max-per-prefix 100001
expect_rc 2 "a share past 100000 is a usage error"

# --- 2. a pending peer's polls are not "seen" -------------------------------
reg_from 127.0.9.6 poller
expect_eq "$CODE" 201 "a peer registers"
TOK=$(jq -r .token "$T_TMP/r")
PID=$(jq -r .id "$T_TMP/r")
i=0
while [ $i -lt 3 ]; do
	CODE=$(acurl 127.0.9.6 -o "$T_TMP/r" -w '%{http_code}' -H "Authorization: Bearer $TOK" \
	    "$URL/api/v1/peer/config")
	expect_eq "$CODE" 409 "a pending peer's config poll: 409"
	i=$((i + 1))
done
api -a GET "/admin/peers/$PID"
expect_json .last_seen null
api -a POST "/admin/peers/$PID/accept" '{}'
expect_status 200 || die "accept poller"
CODE=$(acurl 127.0.9.6 -o "$T_TMP/r" -w '%{http_code}' -H "Authorization: Bearer $TOK" \
    "$URL/api/v1/peer/config")
expect_eq "$CODE" 200 "accepted, it fetches its config"
api -a GET "/admin/peers/$PID"
expect_true '.last_seen != null'
expect_responders_alive
