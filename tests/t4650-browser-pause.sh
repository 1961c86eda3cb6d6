#!/bin/sh
# SPDX-License-Identifier: MIT
# Pause, expiry and traffic in the admin page (headless Chromium, the real
# stack): the list and the edit dialog show the rx/tx and handshake a link
# report sent; Disable and Enable from the dialog, the row and the bulk bar
# reach the API and the paused badge follows; an expiry is set, shown in
# words and cleared, through a 412; disabling a hub asks first; a Disable with the responders stopped is
# "not confirmed", then what the API has; on a 390 px phone the new
# controls are 44 px targets.
. "$(dirname "$0")/lib.sh"

need node chromium
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
stack_start

register alpha 192.0.2.21:51820 || die "register"
A=$PEER_ID TA=$PEER_TOKEN
register bravo 192.0.2.22:51820 || die "register"
B=$PEER_ID
register charlie null || die "register"
C=$PEER_ID
for p in $A $B $C; do
	api -a POST "/admin/peers/$p/accept" '{}'
	expect_status 200 "accept" || die "accept"
done
for pr in "$A/$B" "$A/$C"; do
	api -a PUT "/admin/pairs/$pr"
	expect_status 201 "pair $pr" || die "pair"
done
register delta 192.0.2.24:51820 || die "register"
D=$PEER_ID TD=$PEER_TOKEN
api -a POST "/admin/peers/$D/accept" '{}'
expect_status 200 "accept" || die "accept"
api -a PUT "/admin/pairs/$B/$D"
expect_status 201 "pair $B/$D" || die "pair"
# D moved the most bytes: it sorts first by traffic, last by name.
api -b "$TD" PUT /peer/links "{\"links\":[{\"peer\":\"$B\",\"latest_handshake\":$(date +%s),\"rx\":10485760,\"tx\":1024}]}"
expect_status 204 "delta reports its links" || die "link report"
# and it is the one peer seen (a config fetch stamps last_seen).
api -b "$TD" GET /peer/config
expect_status 200 "delta fetches its config" || die "config"
# A hub of 11 leaves: disabling it takes more than a few links away.
register hub 192.0.2.30:51820 || die "register"
H=$PEER_ID
api -a POST "/admin/peers/$H/accept" '{}'
expect_status 200 "accept hub" || die "accept"
for i in 01 02 03 04 05 06 07 08 09 10 11; do
	register "leaf-$i" null || die "register"
	api -a POST "/admin/peers/$PEER_ID/accept" '{}'
	expect_status 200 "accept leaf-$i" || die "accept"
	api -a PUT "/admin/pairs/$H/$PEER_ID"
	expect_status 201 "pair hub, leaf-$i" || die "pair"
done
# A reports its links as wgconf sync does: B up, 2 KiB in, 3 MiB out; C never.
api -b "$TA" PUT /peer/links "{\"links\":[{\"peer\":\"$B\",\"latest_handshake\":$(date +%s),\"rx\":2048,\"tx\":3145728},{\"peer\":\"$C\",\"latest_handshake\":0,\"rx\":0,\"tx\":0}]}"
expect_status 204 "alpha reports its links" || die "link report"

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS A=$A B=$B C=$C D=$D H=$H TA=$TA RESPONDER_PIDS=$RESPONDER_PIDS NODE_EXTRA_CA_CERTS=$CACERT \
SHOT=$T_ROOT/tests/out/t4650-pause.png \
    node "$T_ROOT/tests/browser/pause.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the pause and traffic walk passed" || fail "the pause and traffic walk failed (exit $rc)"
