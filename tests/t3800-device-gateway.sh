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
# signed the device, by name, like any peer.
# Deleted by the admin, the device stops working at G's next sync, and its
# key cannot join again.
#
#   srv 198.18.0.2 --+                     (nginx + responders; Chromium)
#   G 198.18.1.2   --+-- wan (router)
#   H 198.18.2.2   --+
#   D 198.18.3.2   --+                     (the device: only the file)
set -u
umask 077

if [ "$(id -u)" -ne 0 ]; then
	echo "# skip: needs root (network namespaces, wireguard-go)"
	echo "# exit status: 77"
	exit 77
fi

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t38k
NS_PFX=$NS_BASE$$
. "$TOP/tests/netns.sh"

SRV_ADDR=198.18.0.2
SRV_PORT=8443
URL=https://$SRV_ADDR:$SRV_PORT
HOSTS="G H"
TMP=""
RUN=""

cleanup() {
	_rc=$?
	trap - EXIT INT TERM HUP
	trap '' PIPE
	set +e
	[ "$_rc" -eq 0 ] && [ "$FAILED" -ne 0 ] && _rc=1
	if [ "$_rc" -ne 0 ]; then
		for _h in G H D; do
			echo "# --- $_h"
			nsx "$_h" wg show all 2>&1 | sed 's/\(key: \).*/\1…/; s/^/#   /'
			ip -n "$NS_PFX$_h" route 2>&1 | sed 's/^/#   /'
		done
		[ -f "$TMP/commands.log" ] && tail -n 30 "$TMP/commands.log" | sed 's/^/#   /'
	fi
	if [ -n "$RUN" ] && [ -f "$RUN/nginx.conf" ]; then
		WGCONFSRV_RUN_DIR=$RUN nsx srv sh "$TOP/nginx/local.sh" stop >/dev/null 2>&1
	fi
	ns_cleanup
	[ -n "$TMP" ] && rm -rf "$TMP"
	[ "$FAILED" -ne 0 ] && echo "# $FAILED check(s) failed:$FAILED_LIST"
	echo "# exit status: $_rc"
	exit "$_rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

for _t in ip wireguard-go wg wg-quick ping jq curl nginx spawn-fcgi openssl node chromium; do
	command -v "$_t" >/dev/null 2>&1 || die "$_t is missing (make deps installs it)"
done
[ -d "$TOP/node_modules/playwright-core" ] || die "playwright-core is not installed (make deps)"
[ -c /dev/net/tun ] || die "/dev/net/tun is missing: wireguard-go needs it"
ns_reap_stale "$NS_BASE"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/t3800-device.$$.XXXXXX") || die "mktemp"
chmod 0755 "$TMP"
RUN=$TMP/srv
LOG=$TMP/commands.log
mkdir -p "$TMP/bin" "$TMP/admin" "$TMP/phone"
cp "$TOP/client/wgconf" "$TOP/cgi/wgconfsrv" "$TMP/bin/" || die "cannot copy the binaries"
WGCONF=$TMP/bin/wgconf

# --- the underlay and the server ------------------------------------------

for _h in wan srv G H D; do
	ns_add "$_h" || die "cannot create namespace $NS_PFX$_h"
done
ns_forward wan
ns_link wan s0 198.18.0.1/24 srv eth0 $SRV_ADDR/24 &&
ns_link wan g0 198.18.1.1/24 G eth0 198.18.1.2/24 &&
ns_link wan h0 198.18.2.1/24 H eth0 198.18.2.2/24 &&
ns_link wan d0 198.18.3.1/24 D eth0 198.18.3.2/24 || die "cannot create the veth links"
for _h in srv G H D; do
	_gw=$(ip -n "$NS_PFX$_h" -4 -o addr show | sed -n 's/.* inet \(198\.18\.[0-9]*\)\..*/\1.1/p')
	ip -n "$NS_PFX$_h" route add default via "$_gw" || die "default route on $_h"
done
for _h in G H; do
	ns_wg_up "$_h" "$NS_PFX$_h" || die "wireguard-go in $_h"
	mkdir -p "$TMP/$_h/wireguard"
done

WGCONFSRV_RUN_DIR=$RUN WGCONFSRV_LISTEN=0.0.0.0:$SRV_PORT \
WGCONFSRV_CERT_NAMES=IP:$SRV_ADDR WGCONFSRV_RESPONDERS=2 \
WGCONFSRV_REGISTER_RATE=600r/m WGCONFSRV_BIN=$TMP/bin/wgconfsrv \
	nsx srv sh "$TOP/nginx/local.sh" start >"$TMP/local-start.log" 2>&1 ||
	{ cat "$TMP/local-start.log"; die "nginx/local.sh start in the server namespace"; }
CACERT=$RUN/cert.pem
PWFILE=$RUN/admin-password

sync_host() {
	wgc "$1" sync --state-dir "$TMP/$1/state" --interface "$NS_PFX$1" \
		--config-dir "$TMP/$1/wireguard" --apply
}

# --- the gateway and a host ------------------------------------------------

wgc G register --state-dir "$TMP/G/state" --server "$URL" --cacert "$CACERT" \
	--name host-g 198.18.1.2:51820 || { show_fail "register G"; die "register"; }
wgc H register --state-dir "$TMP/H/state" --server "$URL" --cacert "$CACERT" \
	--name host-h 198.18.2.2:51820 || { show_fail "register H"; die "register"; }
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

for _r in 1 2; do
	for _h in $HOSTS; do
		sync_host "$_h" || show_fail "sync $_h"
	done
done
admin peers --json >/dev/null || die "admin peers"
addr_G=$(printf '%s\n' "$OUT" | jq -r '.peers[] | select(.name == "host-g") | .addresses[0]' | sed 's|/.*||')
addr_H=$(printf '%s\n' "$OUT" | jq -r '.peers[] | select(.name == "host-h") | .addresses[0]' | sed 's|/.*||')
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
fwd_G() {
	nsx G cat "/proc/sys/net/ipv4/conf/${NS_PFX}G/forwarding"
}
check "G's config asks it to forward, but without allow-relay it does not ($(fwd_G))" [ "$(fwd_G)" = 0 ]
check "without allow-relay on G, the device does not reach H" ns_noping D "$addr_H"
wgc G allow-relay --state-dir "$TMP/G/state" || show_fail "allow-relay on G"
sync_host G || show_fail "sync G after allow-relay"
check "with allow-relay, G forwards on its tunnel interface ($(fwd_G))" [ "$(fwd_G)" = 1 ]
check "the device pings H through the gateway" ns_ping D "$addr_H" 15
check "H pings the device back" ns_ping H "$DEV_ADDR" 10

# --- under a signing key: the device is signed like any peer ----------------

admin signing-key generate --out "$TMP/admin/signing.key" || die "admin signing-key generate"
SIGN_PUB=$(printf '%s\n' "$OUT" | grep -oE '[A-Za-z0-9+/]{43}=' | head -n 1)
admin network --signing-key "$SIGN_PUB" || show_fail "admin network --signing-key"
admin sign host-g host-h --yes --key "$TMP/admin/signing.key" || show_fail "admin sign host-g host-h"
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
