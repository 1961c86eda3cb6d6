#!/bin/sh
# SPDX-License-Identifier: MIT
# t3800-device-gateway: a phone's config, made in its browser, works.
#
# A gateway G and a host H (real wireguard-go tunnels, configs from
# `wgconf sync --apply`) are paired; H is tagged lab, a rule pairs the tag
# phones with lab. The admin makes a device link with `wgconf admin
# device-invite --gateway host-g --tags phones`; a phone-sized Chromium
# without WebCrypto X25519 (so tweetnacl makes the key) opens it and
# downloads the config. A namespace D then runs wireguard-go with exactly
# that file (`wg-quick strip`, its Address and AllowedIPs) and pings G's
# tunnel address; H, paired with the device by the rule, is reached
# through G only once G's host allows forwarding (`wgconf allow-relay`).
# Under a signing key, H takes the route to the device only once the admin
# signed the device, by name, like any peer (and the policy, whose rule
# pairs them: rule-made pairs are no pair lines, docs/trust.md).
# Deleted by the admin, the device stops working at G's next sync, and its
# key cannot join again.
#
#   srv 198.18.0.2 --+                     (nginx + responders; Chromium)
#   G 198.18.1.2   --+-- wan (router)
#   H 198.18.2.2   --+
#   D 198.18.3.2   --+                     (the device: only the file)
set -u
umask 077

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t38k
NS_PFX=$NS_BASE$$
HOSTS="G H"
. "$TOP/tests/netns.sh"

# A failed run shows G, H and the device (keys cut), and the last commands.
mesh_dump() {
	for _h in G H D; do
		echo "# --- $_h"
		nsx "$_h" wg show all 2>&1 | sed 's/\(key: \).*/\1…/; s/^/#   /'
		ip -n "$NS_PFX$_h" route 2>&1 | sed 's/^/#   /'
	done
	[ -f "$TMP/commands.log" ] && tail -n 30 "$TMP/commands.log" | sed 's/^/#   /'
}

mesh_begin t3800-device-gateway wg-quick node chromium
[ -d "$TOP/node_modules/playwright-core" ] || die "playwright-core is not installed (make deps)"
mkdir -p "$TMP/phone"

# --- the underlay and the server ------------------------------------------

mesh_wan
mesh_host G 198.18.1.2
mesh_host H 198.18.2.2
mesh_host D 198.18.3.2
mesh_wg $HOSTS
mesh_server

# --- the gateway and a host ------------------------------------------------

mesh_register G 198.18.1.2:51820
mesh_register H 198.18.2.2:51820
admin accept host-g && admin accept host-h --tags lab && admin pair host-g host-h &&
	admin rules add phones lab || { show_fail "admin: accept, pair, rule"; die "admin"; }
ok "G and H accepted and paired; H tagged lab; a rule pairs phones with lab"

admin device-invite --gateway host-g --label "test phone" --tags phones
LINK=$OUT
case $LINK in
"$URL/join.html#"*) ok "admin device-invite prints the link ($RC)" ;;
*) show_fail "admin device-invite prints the link"; die "no link" ;;
esac

# --- the phone ------------------------------------------------------------

nsx srv env URL="$URL" OUT="$TMP/phone" LINK="$LINK" GW_NAME=host-g DEVICE=phone-1 \
	FALLBACK=1 NODE_EXTRA_CA_CERTS="$CACERT" HOME="$TMP/phone" \
	node "$TOP/tests/browser/device.mjs" >"$TMP/browser.out" 2>&1
_rc=$?
sed 's/^/#   /' "$TMP/browser.out"
check "the phone joined through the page (exit $_rc)" [ "$_rc" = 0 ]
CONF=$TMP/phone/device.conf
[ -s "$CONF" ] || die "no config was downloaded"
admin devices --json || die "admin devices"
DEV=$(printf '%s\n' "$OUT" | jq -r '.devices[0].id')
DEV_ADDR=$(printf '%s\n' "$OUT" | jq -r '.devices[0].addresses[0]')
check "the device is listed with its gateway" \
	[ "$(printf '%s\n' "$OUT" | jq -r '.devices[0].gateway.name')" = host-g ]

mesh_sync_all
mesh_sync_all
mesh_addrs
note "G is $addr_G, H is $addr_H, the device $DEV_ADDR"

# --- the device runs exactly the downloaded file ---------------------------

DIF=${NS_PFX}D
cp "$CONF" "$TMP/phone/$DIF.conf"
ns_wg_up D "$DIF" || die "wireguard-go in D"
wg-quick strip "$TMP/phone/$DIF.conf" >"$TMP/phone/wg.conf" 2>>"$LOG" || die "wg-quick strip"
nsx D wg setconf "$DIF" "$TMP/phone/wg.conf" || die "wg setconf with the downloaded file"
for _a in $(sed -n 's/^Address = //p' "$CONF" | tr ',' ' '); do
	ip -n "$NS_PFX"D addr add "$_a" dev "$DIF" || die "address $_a"
done
for _n in $(sed -n 's/^AllowedIPs = //p' "$CONF" | tr ',' ' '); do
	ip -n "$NS_PFX"D route add "$_n" dev "$DIF" || die "route $_n"
done
check "the device pings the gateway's tunnel address" ns_ping D "$addr_G" 15
check "the gateway sees the device's handshake" \
	sh -c "ip netns exec $NS_PFX""G wg show $NS_PFX""G latest-handshakes | grep -v '	0\$' | grep -q ."

# H is paired with the device (the rule), through G; G forwards only
# with its host's consent.
check "G's config asks it to forward, but without allow-relay it does not ($(fwd G))" [ "$(fwd G)" = 0 ]
check "without allow-relay on G, the device does not reach H" ns_noping D "$addr_H"
wgc G allow-relay --state-dir "$TMP/G/state" || show_fail "allow-relay on G"
sync_host G || show_fail "sync G after allow-relay"
check "with allow-relay, G forwards on its tunnel interface ($(fwd G))" [ "$(fwd G)" = 1 ]
check "the device pings H through the gateway" ns_ping D "$addr_H" 15
check "H pings the device back" ns_ping H "$DEV_ADDR" 10

# --- under a signing key: the device is signed like any peer ----------------

admin signing-key generate --out "$TMP/admin/signing.key" || die "admin signing-key generate"
SIGN_PUB=$(printf '%s\n' "$OUT" | grep -oE '[A-Za-z0-9+/]{43}=' | head -n 1)
admin network --signing-key "$SIGN_PUB" || show_fail "admin network --signing-key"
admin sign host-g host-h --policy --yes --key "$TMP/admin/signing.key" ||
	show_fail "admin sign host-g host-h --policy"
check "admin sign shows H's path to the device through G" \
	eval 'printf "%s\n" "$OUT" | grep -q "via .*/$DEV"'
for _h in $HOSTS; do
	wgc "$_h" trust-key "$SIGN_PUB" || show_fail "trust-key on $_h"
done
sync_host G
sync_host H
_rc=$RC
check "the device unsigned, H holds its route back (exit $_rc)" [ "$_rc" = 4 ]
check "and the device does not reach H" ns_noping D "$addr_H"
admin sign phone-1 --yes --key "$TMP/admin/signing.key" || show_fail "admin sign phone-1 (a device, by name)"
sync_host G
sync_host H
check "the device signed, H syncs cleanly (exit $RC: $ERR)" [ "$RC" = 0 ]
check "the signed device pings H through the gateway" ns_ping D "$addr_H" 15

# --- deleted: it stops at the gateway's next sync, and never comes back -----

admin devices delete "$DEV" || show_fail "admin devices delete"
sync_host G || show_fail "sync G after the delete"
sync_host H || show_fail "sync H after the delete"
check "the deleted device no longer reaches the gateway" ns_noping D "$addr_G"
check "nor H" ns_noping D "$addr_H"
admin device-invite --gateway host-g
LINK2=$OUT
pub=$(sed -n 's/^PrivateKey = //p' "$CONF" | wg pubkey)
_st=$(nsx srv curl -s --cacert "$CACERT" -o "$TMP/join.json" -w '%{http_code}' \
	-H 'Content-Type: application/json' \
	-d "{\"invite\":\"${LINK2#*#}\",\"public_key\":\"$pub\",\"name\":\"again\"}" \
	"$URL/api/v1/join")
check "its key cannot join again (409 key_revoked: $_st)" \
	[ "$_st" = 409 ] && [ "$(jq -r .error.code "$TMP/join.json")" = key_revoked ]
