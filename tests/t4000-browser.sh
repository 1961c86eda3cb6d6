#!/bin/sh
# SPDX-License-Identifier: MIT
# The admin UI in headless Chromium against the real stack: review, accept,
# reject, pair, network, invites; a hostile peer name stays text. Afterwards
# the API must show what the clicks did.
. "$(dirname "$0")/lib.sh"

need node chromium wg
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
stack_start

register() { # NAME -> prints id
	_pk=$(wg genkey | wg pubkey)
	api POST /register "{\"name\":\"$1\",\"public_key\":\"$_pk\",\"endpoint\":\"192.0.2.1:51820\"}" >/dev/null
	jqr .id
}
A=$(register A-host)
B=$(register B-host)
C=$(register C-host)
EVIL=$(register evil)
[ -n "$A" ] && [ -n "$EVIL" ] || die "registration failed"
# A name the API would refuse, planted as a compromised or older database
# might hold it: the page must still show it as text.
sqlite3 "$DB" "UPDATE peers SET name = '<img src=x onerror=\"window.pwned=1\">' WHERE id = '$EVIL'"

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS A_ID=$A B_ID=$B C_ID=$C EVIL_ID=$EVIL \
SHOT=$T_ROOT/tests/out/t4000-admin.png \
    node "$T_ROOT/tests/browser/admin.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the browser walk passed" || fail "the browser walk failed (exit $rc)"
CODE=$(sed -n 's/^CODE=//p' "$out")

# What the clicks did, as the API sees it.
api -a GET "/admin/peers/$A"
expect_str .state accepted
expect_json .addresses '["10.77.0.50"]'
expect_json .pairs "[\"$B\"]"
api -a GET "/admin/peers/$C"
expect_error 404 peer_not_found
api -a GET /admin/network
expect_str .keepalive 17
# The invite made in the browser lets a peer in at once.
pk=$(wg genkey | wg pubkey)
api POST /register "{\"name\":\"invited\",\"public_key\":\"$pk\",\"endpoint\":null,\"invite\":\"$CODE\"}"
expect_status 201
expect_str .state accepted
