#!/bin/sh
# SPDX-License-Identifier: MIT
# t1150-config-etag: a peer's config carries a strong ETag; asking again with
# If-None-Match gets 304 and no body; any change that alters what the peer
# sees (a partner moves, pairing, network settings) gives a new ETag, and a
# change elsewhere in the mesh does not.
. "$(dirname "$0")/lib.sh"
stack_start

register one 192.0.2.1:51820 || die "register"
ONE=$PEER_ID ONE_TOK=$PEER_TOKEN
register two 192.0.2.2:51820 || die "register"
TWO=$PEER_ID TWO_TOK=$PEER_TOKEN
register three 192.0.2.3:51820 || die "register"
THREE=$PEER_ID THREE_TOK=$PEER_TOKEN
for p in $ONE $TWO $THREE; do
	api -a POST "/admin/peers/$p/accept" '{}'
	expect_status 200
done
api -a PUT "/admin/pairs/$ONE/$TWO"
expect_status 201

api -b "$ONE_TOK" GET /peer/config
expect_status 200
expect_header ETag '^"[^"]+"$'
E1=$(header ETag)
case $E1 in W/*) fail "the ETag is weak: $E1" ;; *) ok "the ETag is strong" ;; esac

api -b "$ONE_TOK" -h "If-None-Match: $E1" GET /peer/config
expect_status 304 "same ETag -> 304"
expect_eq "$BODY" "" "a 304 has no body"
api -b "$ONE_TOK" -h 'If-None-Match: "r999999"' GET /peer/config
expect_status 200 "another ETag -> 200"
api -b "$ONE_TOK" -h "If-None-Match: \"x\", $E1" GET /peer/config
expect_status 304 "a list holding the ETag -> 304"
# Someone else's If-None-Match does not leak one's config state.
api -b "$TWO_TOK" -h "If-None-Match: $E1" GET /peer/config
[ "$STATUS" = 200 ] || [ "$(header ETag)" = "$E1" ] && ok "two's answer is its own" ||
    fail "two got 304 for one's ETag with a different config"

# A change one does not see: the same ETag.
api -a PATCH "/admin/peers/$THREE" '{"name":"three-b"}'
expect_status 200
api -b "$ONE_TOK" -h "If-None-Match: $E1" GET /peer/config
expect_status 304 "a change to an unpaired peer keeps one's ETag"

# A partner moves: new ETag, new endpoint.
api -b "$TWO_TOK" PUT /peer/endpoint '{"endpoint":"192.0.2.22:51820"}'
expect_status 200
api -b "$ONE_TOK" -h "If-None-Match: $E1" GET /peer/config
expect_status 200 "the partner moved -> 200"
expect_str '.peers[0].endpoint' 192.0.2.22:51820
E2=$(header ETag)
[ -n "$E2" ] && [ "$E2" != "$E1" ] && ok "a new ETag $E2" || fail "ETag did not change ($E1 -> $E2)"

# Pairing with three: new ETag.
api -a PUT "/admin/pairs/$ONE/$THREE"
expect_status 201
api -b "$ONE_TOK" -h "If-None-Match: $E2" GET /peer/config
expect_status 200 "a new pair -> 200"
expect_true '.peers | length == 2'
E3=$(header ETag)
[ "$E3" != "$E2" ] && ok "a new ETag after pairing" || fail "ETag unchanged after pairing"

# Network settings reach everyone's config.
api -a PUT /admin/network '{"mtu":1380}'
expect_status 200
api -b "$ONE_TOK" -h "If-None-Match: $E3" GET /peer/config
expect_status 200 "a new MTU -> 200"
expect_str .interface.mtu 1380
E4=$(header ETag)
[ "$E4" != "$E3" ] && ok "a new ETag after the MTU change" || fail "ETag unchanged after an MTU change"

# Unpairing: new ETag again, and the revision never goes back.
api -a DELETE "/admin/pairs/$ONE/$THREE"
expect_status 204
api -b "$ONE_TOK" -h "If-None-Match: $E4" GET /peer/config
expect_status 200 "unpairing -> 200"
[ "$(header ETag)" != "$E4" ] && [ "$(header ETag)" != "$E2" ] && ok "no old ETag comes back" ||
    fail "ETag $(header ETag) was seen before"
