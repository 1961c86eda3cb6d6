#!/bin/sh
# SPDX-License-Identifier: MIT
# Link status on the admin page, from the hosts' own reports (PUT
# /peer/links): counts on the peer rows, the link filter, the picker's
# badges and the mesh graph's colours.
. "$(dirname "$0")/lib.sh"

need node chromium wg
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
stack_start

api -a GET /admin/links
# A feature test: the feature missing is a failure, never a skip.
expect_status 200 "the server has link status (GET /admin/links)" || die "no link status"

register L1 192.0.2.11:51820 || die "register"
L1=$PEER_ID T1=$PEER_TOKEN
register L2 192.0.2.12:51820 || die "register"
L2=$PEER_ID T2=$PEER_TOKEN
register L3 null || die "register"
L3=$PEER_ID
for p in $L1 $L2 $L3; do
	api -a POST "/admin/peers/$p/accept" '{}'
	expect_status 200 "accept" || die "accept"
done
for pr in "$L1/$L2" "$L1/$L3" "$L2/$L3"; do
	api -a PUT "/admin/pairs/$pr"
	expect_status 201 "pair $pr" || die "pair"
done
now=$(date +%s)
api -b "$T1" PUT /peer/links "{\"links\":[{\"peer\":\"$L2\",\"latest_handshake\":$now,\"rx\":100,\"tx\":200},{\"peer\":\"$L3\",\"latest_handshake\":0,\"rx\":0,\"tx\":0}]}"
expect_status 204 "L1 reports its links"
api -b "$T2" PUT /peer/links "{\"links\":[{\"peer\":\"$L3\",\"latest_handshake\":$((now - 3600)),\"rx\":5,\"tx\":5}]}"
expect_status 204 "L2 reports its links"
api -a GET /admin/links
expect_eq "$(jqr '[.links[].status] | sort | join(",")')" "never,stale,up" "the server has one link up, one stale, one never"

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS L1=$L1 L2=$L2 L3=$L3 NODE_EXTRA_CA_CERTS=$CACERT \
SHOT=$T_ROOT/tests/out/t4300-links.png node "$T_ROOT/tests/browser/links.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the link walk passed" || fail "the link walk failed (exit $rc)"
