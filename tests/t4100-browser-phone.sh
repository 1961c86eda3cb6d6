#!/bin/sh
# SPDX-License-Identifier: MIT
# The admin UI in headless Chromium at phone size (390 × 844, touch): cards,
# 44 px targets, no horizontal scrolling in any view, and accept, edit and
# pair done by tapping; checked through the API.
. "$(dirname "$0")/lib.sh"

need node chromium wg
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
stack_start

register phone-pending-with-a-long-name.example.org "[2001:db8:1234:5678:9abc:def0:1234:5678]:51820" || die "register"
P=$PEER_ID
register phone-q null || die "register"
Q=$PEER_ID
register phone-r null || die "register"
R=$PEER_ID
api -a POST "/admin/peers/$Q/accept" '{"networks":["192.168.77.0/24"]}'
expect_status 200 || die "accept"
api -a POST "/admin/peers/$R/accept" '{}'
expect_status 200 || die "accept"

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS P_ID=$P Q_ID=$Q R_ID=$R NODE_EXTRA_CA_CERTS=$CACERT \
SHOT=$T_ROOT/tests/out/t4100-phone.png node "$T_ROOT/tests/browser/phone.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the phone walk passed" || fail "the phone walk failed (exit $rc)"

api -a GET "/admin/peers/$Q"
expect_str .keepalive 20
expect_json .pairs "[\"$R\"]"
api -a GET "/admin/peers/$P"
expect_str .state accepted
