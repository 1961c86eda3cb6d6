#!/bin/sh
# SPDX-License-Identifier: MIT
# The admin UI in headless Chromium against the real stack: review, accept,
# reject, pair, network, invites, which peers have unsigned changes (under
# a signing key); a hostile peer name stays text. Afterwards
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

# Under a signing key, the page shows which peers have unsigned changes.
openssl genpkey -algorithm ed25519 -out "$T_TMP/sign.pem" 2>/dev/null || die "openssl ed25519"
SIGNING_KEY=$(openssl pkey -in "$T_TMP/sign.pem" -pubout -outform DER | tail -c 32 | base64)
api -a PUT /admin/network "{\"signing_key\":\"$SIGNING_KEY\"}"
expect_status 200
# D is accepted and signed, then given a route nobody signed.
D=$(register D-host)
api -a POST "/admin/peers/$D/accept" '{}'
api -a GET "/admin/peers/$D/statement"
jqr .proposed >"$T_TMP/d.txt"
truncate -s -1 "$T_TMP/d.txt"
SIG=$(openssl pkeyutl -sign -inkey "$T_TMP/sign.pem" -rawin -in "$T_TMP/d.txt" | base64 -w0)
api -a PUT "/admin/peers/$D/signature" "{\"version\":1,\"signature\":\"$SIG\"}"
expect_str .signed_version 1
api -a PATCH "/admin/peers/$D" '{"networks":["192.168.9.0/24"]}'
expect_true .unsigned_changes

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS A_ID=$A B_ID=$B C_ID=$C D_ID=$D EVIL_ID=$EVIL \
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
