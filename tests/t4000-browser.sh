#!/bin/sh
# SPDX-License-Identifier: MIT
# The admin UI in headless Chromium against the real stack, at desktop size:
# review, accept (one and in bulk), reject, edits that cannot lose data (the
# host moves its endpoint while the admin renames it in an older page: the
# rename is refused with 412, the page shows what changed, saving again
# keeps the endpoint), fields checked before sending, search and filters in
# the URL, pairing by matrix and picker with the NAT warning, the mesh
# graph, the config preview, network, invites with a label, audit; a hostile
# peer name stays text; no console error. Afterwards the API must show what
# the clicks did.
. "$(dirname "$0")/lib.sh"

need node chromium wg openssl sqlite3
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
stack_start

reg() { # NAME ENDPOINT|null -> sets ID, TOKEN
	register "$1" "$2" || die "registration of $1 failed"
	ID=$PEER_ID TOKEN=$PEER_TOKEN
}
reg A-host 192.0.2.1:51820; A=$ID A_TOKEN=$TOKEN
reg B-host 192.0.2.2:51820; B=$ID
reg C-host 192.0.2.3:51820; C=$ID
reg evil 192.0.2.4:51820; EVIL=$ID
reg D-nat null; D=$ID
reg E-nat null; E=$ID
# A name the API would refuse, planted as a compromised or older database
# might hold it: the page must still show it as text.
sqlite3 "$DB" "UPDATE peers SET name = '<img src=x onerror=\"window.pwned=1\">' WHERE id = '$EVIL'"
# B was last seen two days ago: stale once accepted.
sqlite3 "$DB" "UPDATE peers SET last_seen = strftime('%s','now') - 172800 WHERE id = '$B'"
# A signing key: peers without a signature are flagged "unsigned".
openssl genpkey -algorithm ed25519 -out "$T_TMP/sign.pem" 2>/dev/null || die "openssl ed25519"
SK=$(openssl pkey -in "$T_TMP/sign.pem" -pubout -outform DER | tail -c 32 | base64)
api -a PUT /admin/network "{\"signing_key\":\"$SK\"}"
expect_status 200 "the network has a signing key" || die "cannot set the signing key"
# S is accepted and signed, then given a route nobody signed.
reg S-signed 192.0.2.9:51820; S=$ID
api -a POST "/admin/peers/$S/accept" '{}'
api -a GET "/admin/peers/$S/statement"
jqr .proposed >"$T_TMP/s.txt"
truncate -s -1 "$T_TMP/s.txt"
SIG=$(openssl pkeyutl -sign -inkey "$T_TMP/sign.pem" -rawin -in "$T_TMP/s.txt" | base64 -w0)
api -a PUT "/admin/peers/$S/signature" "{\"version\":1,\"signature\":\"$SIG\"}"
expect_str .signed_version 1
api -a PATCH "/admin/peers/$S" '{"networks":["192.168.9.0/24"]}'
expect_true .unsigned_changes

PIN=sha256//$(openssl x509 -in "$CACERT" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64)
out=$T_TMP/browser.out
PIN=$PIN URL=$URL ADMIN_PASS=$ADMIN_PASS A_ID=$A A_TOKEN=$A_TOKEN B_ID=$B C_ID=$C D_ID=$D E_ID=$E \
EVIL_ID=$EVIL S_ID=$S NODE_EXTRA_CA_CERTS=$CACERT SHOT=$T_ROOT/tests/out/t4000-admin.png \
    node "$T_ROOT/tests/browser/admin.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the browser walk passed" || fail "the browser walk failed (exit $rc)"
CODE=$(sed -n 's/^CODE=//p' "$out")

# What the clicks did, as the API sees it.
api -a GET "/admin/peers/$A"
expect_str .state accepted
expect_str .name A-renamed
expect_str .endpoint 198.51.100.7:51820
expect_str .keepalive 15
expect_json .addresses '["10.77.0.50","fd77::50"]'
expect_json .pairs "[\"$B\"]"
api -a GET "/admin/peers/$C"
expect_error 404 peer_not_found
api -a GET "/admin/peers/$D"
expect_json .pairs "[\"$E\"]"
api -a GET /admin/network
expect_str .keepalive 17
expect_str .mtu 1420
expect_str .ipv6_pool fd77::/64
# The command the page made, run on a host as it was copied: the invite lets
# the host in at once, the pin makes it trust the server.
LINE=$(sed -n 's/^LINE=//p' "$out")
case $LINE in
"wgconf register "*) ;;
*) die "the page gave no register command ($LINE)" ;;
esac
mkdir -p "$T_TMP/web9/state"
(
	WGCONF_STATE_DIR=$T_TMP/web9/state HOME=$T_TMP/home
	export WGCONF_STATE_DIR HOME
	eval "\"\$WGCONF\" ${LINE#wgconf }"
) >"$T_TMP/reg.out" 2>&1 </dev/null
expect_eq "$?" 0 "the copied command registers the host" || cat "$T_TMP/reg.out"
[ -s "$T_TMP/web9/state/state.json" ] && ok "its state went to the test's folder" ||
	fail "no state in $T_TMP/web9/state"
api -a GET /admin/peers
expect_eq "$(jqr '[.peers[] | select(.name == "web9") | .state + " " + .endpoint] | join(",")')" \
    "accepted 203.0.113.9:51820" "web9 is in, accepted, with the endpoint typed in the page"
expect_in "$CODE" '^[A-Za-z0-9_-]{43}$' "the invite code was printed"
