#!/bin/sh
# SPDX-License-Identifier: MIT
# t1100-register-accept-pair-config: the whole life of a mesh with curl
# through nginx: peers register and wait as pending, the admin accepts them
# (addresses from the pool or given), pairs them, and each peer's config then
# lists the other with the same preshared key sealed to each side; invites
# let a peer in at once; reject, unpair, delete and leave do what they say;
# the audit log names who did what; no token, code or PSK is ever stored.
. "$(dirname "$0")/lib.sh"
stack_start

api -a GET /admin/network
expect_status 200
expect_str .ipv4_pool 10.77.0.0/24
expect_str .keepalive 25

# --- registration: pending, a token once
register alpha 203.0.113.5:51820 || die "cannot register"
A=$PEER_ID A_TOK=$PEER_TOKEN A_PUB=$PEER_PUB A_PRIV=$PEER_PRIV
expect_str .state pending
case $A_TOK in "$A".*) ok "the token is ID.SECRET" ;; *) fail "token '$A_TOK' does not start with '$A.'" ;; esac
register bravo || die "cannot register"
B=$PEER_ID B_TOK=$PEER_TOKEN B_PUB=$PEER_PUB B_PRIV=$PEER_PRIV
expect_str .state pending

api -b "$A_TOK" GET /peer
expect_status 200
expect_str .id "$A"
expect_str .state pending
expect_str .name alpha
expect_str .endpoint 203.0.113.5:51820
api -b "$A_TOK" GET /peer/config
expect_error 409 peer_pending

api -a GET '/admin/peers?state=pending'
expect_status 200
expect_true "[.peers[].id] | (index(\"$A\") != null and index(\"$B\") != null)" "both wait as pending"
expect_true '[.peers[].state] | all(. == "pending")' "only pending peers listed"
expect_true '.peers | all(has("token") | not) and all(has("token_hash") | not)' "no token in the list"
case $BODY in *"${A_TOK#*.}"*) fail "the admin list shows a token secret" ;; *) ok "no token secret in the list" ;; esac
api -a GET '/admin/peers?state=accepted'
expect_status 200
expect_json '.peers' '[]'

# --- accept: one address from the pool, one given with a routed network
api -a POST "/admin/peers/$A/accept" '{}'
expect_status 200
expect_str .state accepted
A_ADDR=$(jqr '.addresses[0]')
case $A_ADDR in 10.77.0.*) ok "alpha got $A_ADDR from the pool" ;; *) fail "alpha's address '$A_ADDR' is not from 10.77.0.0/24" ;; esac
api -a POST "/admin/peers/$B/accept" '{"name":"bravo-nat","address":"10.77.0.50","networks":["192.168.50.0/24"]}'
expect_status 200
expect_str .name bravo-nat
expect_json .addresses '["10.77.0.50"]'
expect_json .networks '["192.168.50.0/24"]'
api -a POST "/admin/peers/$B/accept" '{}'
expect_error 409 not_pending

# Accepted, not paired: a config with no peers.
api -b "$A_TOK" GET /peer/config
expect_status 200
expect_json .peers '[]'
expect_json .interface.addresses "[\"$A_ADDR/24\"]"

# --- pair: one PSK, sealed to each side
api -a PUT "/admin/pairs/$A/$B"
expect_status 201
expect_true ".a != .b and ([.a, .b] | sort == ([\"$A\", \"$B\"] | sort))" "the pair names both"
api -a PUT "/admin/pairs/$B/$A"
expect_status 200 "pairing again (either order) is not an error"
api -a GET /admin/pairs
expect_status 200
expect_true '.pairs | length == 1' "one pair listed"
api -a GET "/admin/peers/$A"
expect_json .pairs "[\"$B\"]"

api -b "$A_TOK" GET /peer/config
expect_status 200
expect_true '.revision | type == "number"' "a revision number"
expect_true '.peers | length == 1'
expect_str '.peers[0].id' "$B"
expect_str '.peers[0].public_key' "$B_PUB"
expect_str '.peers[0].endpoint' null
expect_json '.peers[0].allowed_ips' '["10.77.0.50/32","192.168.50.0/24"]'
A_BOX=$(jqr '.peers[0].preshared_key_sealed')
A_CONF=$BODY
api -b "$B_TOK" GET /peer/config
expect_status 200
expect_str '.peers[0].id' "$A"
expect_str '.peers[0].endpoint' 203.0.113.5:51820
expect_json '.peers[0].allowed_ips' "[\"$A_ADDR/32\"]"
expect_str '.peers[0].persistent_keepalive' 25
expect_json .interface.addresses '["10.77.0.50/24"]'
B_BOX=$(jqr '.peers[0].preshared_key_sealed')
[ "$A_BOX" != "$B_BOX" ] && ok "each side has its own box" || fail "both sides got the same box"

PSK_A=$(psk_open "$A_PRIV" "$A_BOX") && ok "alpha opens its box" || fail "alpha cannot open its box"
PSK_B=$(psk_open "$B_PRIV" "$B_BOX") && ok "bravo opens its box" || fail "bravo cannot open its box"
[ -n "$PSK_A" ] && expect_eq "$PSK_A" "$PSK_B" "both sides hold the same PSK"
psk_open "$B_PRIV" "$A_BOX" >/dev/null 2>&1 && fail "bravo opens alpha's box" || ok "bravo cannot open alpha's box"
keypair
psk_open "$PRIV" "$A_BOX" >/dev/null 2>&1 && fail "a stranger opens the box" || ok "a stranger's key opens nothing"

# The admin's preview is what the peer gets.
api -a GET "/admin/peers/$A/config"
expect_status 200
expect_eq "$(printf '%s' "$BODY" | jq -cS '.peers')" "$(printf '%s' "$A_CONF" | jq -cS '.peers')" \
    "the admin preview shows alpha's peers as alpha sees them"

# --- a peer moves: its endpoint changes in its partner's config
api -b "$A_TOK" PUT /peer/endpoint '{"endpoint":"198.51.100.7:51821"}'
expect_status 200
expect_str .endpoint 198.51.100.7:51821
api -b "$B_TOK" GET /peer/config
expect_str '.peers[0].endpoint' 198.51.100.7:51821

# --- two NAT peers paired: no direct path, and the config says so
register charlie || die "cannot register"
C=$PEER_ID C_TOK=$PEER_TOKEN
api -a POST "/admin/peers/$C/accept" '{}'
expect_status 200
C_ADDR=$(jqr '.addresses[0]')
[ "$C_ADDR" != "$A_ADDR" ] && [ "$C_ADDR" != 10.77.0.50 ] && ok "charlie got a fresh address $C_ADDR" ||
    fail "address $C_ADDR handed out twice"
api -a PUT "/admin/pairs/$B/$C"
expect_status 201
api -b "$C_TOK" GET /peer/config
expect_status 200
expect_true "[.peers[] | select(.id == \"$B\")] | length == 1" "the NAT partner is listed"
expect_true "[.peers[] | select(.id == \"$B\")][0].endpoint == null" "with no endpoint"
expect_true '.warnings | type == "array" and length > 0' "and a warning about the missing path"
api -a DELETE "/admin/pairs/$B/$C"
expect_status 204

# --- invites: accepted at once, used up, deletable
api -a POST /admin/invites '{"uses":1,"expires_in":600}'
expect_status 201
INV_ID=$(jqr .id) CODE=$(jqr .code)
expect_str .uses 1
expect_true '.expires_at | type == "string"' "expires_at is a time"
keypair
api POST /register "{\"name\":\"delta\",\"public_key\":\"$PUB\",\"endpoint\":\"192.0.2.9:51820\",\"invite\":\"$CODE\"}"
expect_status 201
expect_str .state accepted
D=$(jqr .id) D_TOK=$(jqr .token)
api -b "$D_TOK" GET /peer/config
expect_status 200 "an invited peer has a config at once"
expect_true '.interface.addresses | length >= 1' "with an address from the pool"
keypair
api POST /register "{\"name\":\"echo\",\"public_key\":\"$PUB\",\"endpoint\":null,\"invite\":\"$CODE\"}"
expect_error 403 invite_invalid
keypair
api POST /register "{\"name\":\"echo\",\"public_key\":\"$PUB\",\"endpoint\":null,\"invite\":\"not-a-code\"}"
expect_error 403 invite_invalid
api -a GET /admin/invites
expect_status 200
expect_true ".invites[] | select(.id == \"$INV_ID\") | .uses_left == 0" "the invite is used up"
case $BODY in *"$CODE"*) fail "the invite list shows the code" ;; *) ok "the code is shown once only" ;; esac
api -a DELETE "/admin/invites/$INV_ID"
expect_status 204
api -a DELETE "/admin/invites/$INV_ID"
expect_error 404

# --- reject a pending peer; accepted peers cannot be rejected
register foxtrot || die "cannot register"
F=$PEER_ID F_TOK=$PEER_TOKEN
api -a POST "/admin/peers/$F/reject"
expect_status 204
api -b "$F_TOK" GET /peer
expect_error 401 unauthorized
api -a POST "/admin/peers/$A/reject"
expect_error 409 not_pending

# --- edit
api -a PATCH "/admin/peers/$A" '{"name":"alpha-1","keepalive":15}'
expect_status 200
expect_str .name alpha-1
api -a GET "/admin/peers/$A"
expect_str .name alpha-1

# --- unpair; deleting a peer removes its pairs
api -a DELETE "/admin/pairs/$A/$B"
expect_status 204
api -a DELETE "/admin/pairs/$A/$B"
expect_error 404 not_paired
api -b "$A_TOK" GET /peer/config
expect_json .peers '[]'
api -a PUT "/admin/pairs/$A/$D"
expect_status 201
api -a DELETE "/admin/peers/$D"
expect_status 204
api -a GET /admin/pairs
expect_true "[.pairs[] | select(.a == \"$D\" or .b == \"$D\")] | length == 0" "the deleted peer's pairs are gone"
api -b "$D_TOK" GET /peer
expect_error 401
api -b "$A_TOK" GET /peer/config
expect_json .peers '[]'
api -a GET "/admin/peers/$D"
expect_error 404

# --- a peer leaves
api -b "$B_TOK" DELETE /peer
expect_status 204
api -b "$B_TOK" GET /peer
expect_error 401
api -a GET /admin/peers
expect_true "[.peers[].id] | index(\"$B\") == null" "the peer that left is gone"

# --- the audit log: who did what, newest first
api -a GET '/admin/audit?limit=100'
expect_status 200
expect_true '.entries | length > 5' "changes were logged"
expect_true '[.entries[].id] as $i | $i == ($i | sort | reverse)' "newest first"
expect_true "[.entries[] | select(.actor == \"admin:admin\" and .target == \"$A\")] | length >= 1" \
    "the admin's accept is logged as admin:admin"
expect_true "[.entries[] | select(.actor == \"peer:$A\")] | length >= 1" \
    "alpha's endpoint change is logged as peer:$A"
AUDIT=$BODY
for secret in "${A_TOK#*.}" "${B_TOK#*.}" "$CODE" "$PSK_A"; do
	case $AUDIT in *"$secret"*) fail "a secret is in the audit log" ;; *) ok "no secret in the audit log" ;; esac
done
api -a GET '/admin/audit?limit=2'
expect_true '.entries | length == 2' "limit pages"
NEXT=$(jqr .next)
api -a GET "/admin/audit?limit=2&before=$NEXT"
expect_status 200
expect_true ".entries | length == 2 and all(.id < $NEXT)" "before= gives the next page"

# --- what a stolen database holds: no token, no invite code, no PSK
DUMP=$(db_dump)
for secret in "${A_TOK#*.}" "${C_TOK#*.}" "$CODE" "$PSK_A"; do
	case $DUMP in *"$secret"*) fail "a secret is stored in the database" ;; *) ok "the secret is not in the database" ;; esac
done

expect_responders_alive
