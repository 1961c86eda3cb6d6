#!/bin/sh
# SPDX-License-Identifier: MIT
# t1400-network-pools: addresses come from the network's pools, IPv4 and
# (when set) IPv6, never twice; a full pool says so (409) and changes
# nothing; a freed address is handed out again; a pool that would orphan
# given addresses is refused; MTU, DNS and keepalive reach the configs.
. "$(dirname "$0")/lib.sh"
stack_start

api -a PUT /admin/network '{"ipv4_pool":"10.99.0.0/30","ipv6_pool":"fd99::/64","dns":["10.99.0.1"],"mtu":1400,"keepalive":17}'
expect_status 200
expect_str .ipv4_pool 10.99.0.0/30
expect_str .ipv6_pool fd99::/64

register p1 192.0.2.1:51820 || die register
P1=$PEER_ID P1_TOK=$PEER_TOKEN
register p2 || die register
P2=$PEER_ID P2_TOK=$PEER_TOKEN
register p3 192.0.2.3:51820 || die register
P3=$PEER_ID P3_TOK=$PEER_TOKEN

api -a POST "/admin/peers/$P1/accept" '{}'
expect_status 200
expect_true '[.addresses[] | select(startswith("10.99.0."))] | length == 1' "an IPv4 address from the pool"
expect_true '[.addresses[] | select(startswith("fd99::"))] | length == 1' "and an IPv6 one"
A1=$(jqr '.addresses[] | select(startswith("10.99.0."))')
api -a POST "/admin/peers/$P2/accept" '{}'
expect_status 200
A2=$(jqr '.addresses[] | select(startswith("10.99.0."))')
[ "$A1" != "$A2" ] && ok "two peers, two addresses ($A1, $A2)" || fail "$A1 given twice"
for a in "$A1" "$A2"; do
	case $a in 10.99.0.1 | 10.99.0.2) ok "$a is a host address of 10.99.0.0/30" ;;
	*) fail "$a is the network or broadcast address of 10.99.0.0/30" ;; esac
done

# A /30 has two host addresses: the third peer does not fit.
before=$(db_dump)
api -a POST "/admin/peers/$P3/accept" '{}'
expect_error 409 pool_exhausted
expect_db_unchanged "$before"

# A pool that would leave the given addresses outside is refused.
before=$(db_dump)
api -a PUT /admin/network '{"ipv4_pool":"10.98.0.0/24"}'
expect_error 409
expect_db_unchanged "$before"
api -a PUT /admin/network '{"ipv4_pool":"10.99.0.0/29"}'
expect_status 200 "a pool that holds every given address"

# Freed addresses come back.
api -a PUT /admin/network '{"ipv4_pool":"10.99.0.0/30"}'
expect_status 200
api -a DELETE "/admin/peers/$P2"
expect_status 204
api -a POST "/admin/peers/$P3/accept" '{}'
expect_status 200
expect_true "[.addresses[] | select(. == \"$A2\")] | length == 1" "the freed $A2 is given again"

# The settings reach the configs: MTU, DNS, v4 and v6 tunnel addresses, and
# the network's keepalive on the link to a NAT peer.
register p4 || die register
P4=$PEER_ID P4_TOK=$PEER_TOKEN
api -a PUT /admin/network '{"ipv4_pool":"10.99.0.0/29"}'
api -a POST "/admin/peers/$P4/accept" '{}'
expect_status 200
api -a PUT "/admin/pairs/$P1/$P4"
expect_status 201
api -b "$P1_TOK" GET /peer/config
expect_status 200
expect_str .interface.mtu 1400
expect_json .interface.dns '["10.99.0.1"]'
expect_true '.interface.addresses | (map(select(endswith("/29"))) | length == 1) and (map(select(endswith("/64"))) | length == 1)' \
    "interface addresses in both families with the pools' prefixes"
expect_true '.peers[0].allowed_ips | (map(select(endswith("/32"))) | length == 1) and (map(select(endswith("/128"))) | length == 1)' \
    "the partner's /32 and /128"
api -b "$P4_TOK" GET /peer/config
expect_str '.peers[0].persistent_keepalive' 17

# Dropping the IPv6 pool drops the v6 addresses.
api -a PUT /admin/network '{"ipv6_pool":null}'
expect_status 200
expect_str .ipv6_pool null
api -b "$P1_TOK" GET /peer/config
expect_true '[.interface.addresses[] | select(contains(":"))] | length == 0' "no IPv6 address left"
expect_true '[.peers[0].allowed_ips[] | select(contains(":"))] | length == 0' "no IPv6 route left"

expect_responders_alive
