#!/bin/sh
# SPDX-License-Identifier: MIT
# t3100-import-mesh: a hand-made three-host WireGuard mesh, taken over.
#
# Three hosts have wg-quick files written by hand (their own keys,
# 10.99.0.0/24, C routing 192.168.80.0/24, A-B-C all paired, preshared keys,
# DNS and a PostUp line the server does not take over). The admin imports
# the three files with `wgconf admin import`; each host adopts its peer with
# `wgconf register --adopt --private-key-file` on its own wg0.conf and an
# invite made for it (`admin invite --for`), and after ONE sync round
# (`sync --apply --force`, which replaces the hand-made file) every host
# pings every other over the tunnel, and A and B reach C's LAN: keys,
# addresses, routed networks and pairs kept, the preshared keys fresh ones.
#
# Namespaces t31k<PID>*; wireguard-go interfaces named like them. Run only
# under `flock /tmp/wgconf-e2e.lock` (as make check does).
set -u
umask 077

if [ "$(id -u)" -ne 0 ]; then
	echo "# skip: needs root (network namespaces, wireguard-go)"
	echo "# exit status: 77"
	exit 77
fi

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t31k
NS_PFX=$NS_BASE$$
. "$TOP/tests/netns.sh"

SRV_ADDR=198.18.10.2
SRV_PORT=8443
URL=https://$SRV_ADDR:$SRV_PORT
HOSTS="A B C"
TMP=""
RUN=""
# FAILED, note, ok, notok, check and die come from tests/netns.sh.

cleanup() {
	_rc=$?
	trap - EXIT INT TERM HUP
	set +e
	[ "$_rc" -eq 0 ] && [ "$FAILED" -ne 0 ] && _rc=1
	if [ "$_rc" -ne 0 ]; then
		for _h in $HOSTS; do
			echo "# --- $_h"
			nsx "$_h" wg show "$NS_PFX$_h" 2>&1 | sed 's/^/#   /'
		done
		[ -n "$TMP" ] && sed 's/^/#   /' "$TMP/commands.log" 2>/dev/null | tail -n 40
	fi
	if [ -n "$RUN" ] && [ -f "$RUN/nginx.conf" ]; then
		WGCONFSRV_RUN_DIR=$RUN nsx srv sh "$TOP/nginx/local.sh" stop >/dev/null 2>&1
	fi
	ns_cleanup
	[ -n "$TMP" ] && rm -rf "$TMP"
	echo "# exit status: $_rc"
	exit "$_rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

for _t in ip wireguard-go wg ping jq curl nginx spawn-fcgi openssl; do
	command -v "$_t" >/dev/null 2>&1 || die "$_t is missing (make deps installs it)"
done
[ -x "$TOP/client/wgconf" ] && [ -x "$TOP/cgi/wgconfsrv" ] || die "not built (make)"
ns_reap_stale "$NS_BASE"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/t3100-import.$$.XXXXXX") || die "mktemp"
chmod 0755 "$TMP"
RUN=$TMP/srv
mkdir -p "$TMP/bin"
cp "$TOP/client/wgconf" "$TOP/cgi/wgconfsrv" "$TMP/bin/" || die "cannot copy the binaries"
WGCONF=$TMP/bin/wgconf

# --- the underlay: srv, A, B, C on one router ------------------------------
for _h in wan srv A B C; do
	ns_add "$_h" || die "cannot create namespace $NS_PFX$_h"
done
ns_forward wan
ns_link wan s0 198.18.10.1/24 srv eth0 $SRV_ADDR/24 &&
ns_link wan a0 198.18.11.1/24 A eth0 198.18.11.2/24 &&
ns_link wan b0 198.18.12.1/24 B eth0 198.18.12.2/24 &&
ns_link wan c0 198.18.13.1/24 C eth0 198.18.13.2/24 || die "cannot create the veth links"
for _h in srv A B C; do
	_gw=$(ip -n "$NS_PFX$_h" -4 -o addr show | sed -n 's/.* inet \(198\.18\.[0-9]*\)\..*/\1.1/p')
	ip -n "$NS_PFX$_h" route add default via "$_gw" || die "default route on $_h"
done
ip -n "$NS_PFX"C addr add 192.168.80.1/32 dev lo || die "192.168.80.1 on C"
for _h in $HOSTS; do
	ns_wg_up "$_h" "$NS_PFX$_h" || die "wireguard-go $NS_PFX$_h in $_h"
done

WGCONFSRV_RUN_DIR=$RUN WGCONFSRV_LISTEN=0.0.0.0:$SRV_PORT \
WGCONFSRV_CERT_NAMES=IP:$SRV_ADDR WGCONFSRV_RESPONDERS=2 \
WGCONFSRV_REGISTER_RATE=600r/m WGCONFSRV_BIN=$TMP/bin/wgconfsrv \
	nsx srv sh "$TOP/nginx/local.sh" start >"$TMP/local-start.log" 2>&1 ||
	{ cat "$TMP/local-start.log"; die "nginx/local.sh start in the server namespace"; }
CACERT=$RUN/cert.pem
PWFILE=$RUN/admin-password

# wgc_in and admin come from tests/netns.sh.
LOG=$TMP/commands.log
mkdir -p "$TMP/admin"

# --- the hand-made mesh --------------------------------------------------------
for _h in $HOSTS; do
	eval "priv_$_h=\$(wg genkey)"
	eval "pub_$_h=\$(printf '%s\n' \"\$priv_$_h\" | wg pubkey)"
	mkdir -p "$TMP/$_h/wireguard"
done
PSK_AB=$(wg genpsk) PSK_AC=$(wg genpsk) PSK_BC=$(wg genpsk)
# hostfile HOST NUM: the [Interface] of HOST (10.99.0.NUM).
hostfile() {
	eval "_k=\$priv_$1"
	printf '# %s, by hand\n[Interface]\nPrivateKey = %s\nAddress = 10.99.0.%s/24\nListenPort = 51820\nDNS = 10.99.0.1\n' \
		"$1" "$_k" "$2"
}
# peer HOST NUM PSK [EXTRA-ALLOWED]
peer() {
	eval "_k=\$pub_$1"
	printf '\n[Peer]\nPublicKey = %s\nPresharedKey = %s\nAllowedIPs = 10.99.0.%s/32%s\nEndpoint = 198.18.1%s.2:51820\n' \
		"$_k" "$3" "$2" "${4:+, $4}" "$2"
}
{ hostfile A 1; peer B 2 "$PSK_AB"; peer C 3 "$PSK_AC" 192.168.80.0/24; } >"$TMP/A/wireguard/wg0.conf"
{ hostfile B 2; peer A 1 "$PSK_AB"; peer C 3 "$PSK_BC" 192.168.80.0/24; } >"$TMP/B/wireguard/wg0.conf"
{ hostfile C 3; echo "PostUp = sysctl -w net.ipv4.ip_forward=1"; peer A 1 "$PSK_AC"; peer B 2 "$PSK_BC"; } \
	>"$TMP/C/wireguard/wg0.conf"
# The admin has the three files (copied from the hosts).
for _h in $HOSTS; do
	cp "$TMP/$_h/wireguard/wg0.conf" "$TMP/admin/host$(echo "$_h" | tr A-Z a-z).conf"
done

# --- import ---------------------------------------------------------------------
if admin network --ipv4 10.99.0.0/24; then ok "admin: pool 10.99.0.0/24"; else notok "admin network: $ERR"; fi
if admin import "$TMP/admin/hosta.conf" "$TMP/admin/hostb.conf" "$TMP/admin/hostc.conf"; then
	ok "admin import: three hand-made hosts"
else
	notok "admin import (exit $RC): $ERR"
	die "cannot go on without the import"
fi
check "import: 3 peers and 3 pairs" eval 'printf "%s\n" "$OUT" | grep -q "imported 3 peers and 3 pairs"'
check "import: the PSKs are said not to be taken over" \
	eval 'printf "%s\n" "$ERR" | grep -q "PresharedKey is not taken over"'
admin peers --json || die "admin peers --json"
printf '%s\n' "$OUT" >"$TMP/peers.json"
for _h in $HOSTS; do
	_n=host$(echo "$_h" | tr A-Z a-z)
	eval "_pub=\$pub_$_h"
	_got=$(jq -r --arg n "$_n" '.peers[] | select(.name == $n) | .public_key' "$TMP/peers.json")
	check "import: $_n keeps its public key" [ "$_got" = "$_pub" ]
done
_got=$(jq -c '[.peers[] | .addresses[0]] | sort' "$TMP/peers.json")
check "import: the addresses are kept ($_got)" [ "$_got" = '["10.99.0.1","10.99.0.2","10.99.0.3"]' ]
_got=$(jq -c '.peers[] | select(.name == "hostc") | .networks' "$TMP/peers.json")
check "import: hostc routes 192.168.80.0/24 ($_got)" [ "$_got" = '["192.168.80.0/24"]' ]

# --- each host adopts its peer; one sync round ---------------------------------------
for _h in $HOSTS; do
	# An invite made for that host's peer: nobody else can adopt with it.
	admin invite --for "host$(echo "$_h" | tr A-Z a-z)" --expires 1h ||
		die "admin invite --for host$_h: $ERR"
	if wgc_in "$_h" "$TMP/$_h" register --adopt --server "$URL" --cacert "$CACERT" \
		--invite "$OUT" --private-key-file "$TMP/$_h/wireguard/wg0.conf"; then
		ok "adopt: $_h takes its peer over with its own wg0.conf"
	else
		notok "adopt: $_h (exit $RC): $ERR"
	fi
done
for _h in $HOSTS; do
	if wgc_in "$_h" "$TMP/$_h" sync --interface "$NS_PFX$_h" --config-dir "$TMP/$_h/wireguard" \
		--apply --force; then
		ok "sync: $_h, once"
	else
		notok "sync: $_h (exit $RC): $ERR"
	fi
	# The interfaces are named per run, so wgconf writes IFACE.conf beside
	# the hand-made wg0.conf; for wg0 itself, --force replaces that file.
done

for _h in $HOSTS; do
	eval "_k=\$pub_$_h"
	check "wg: $_h runs with its own key" [ "$(nsx "$_h" wg show "$NS_PFX$_h" public-key)" = "$_k" ]
	check "wg: $_h has 2 peers" [ "$(nsx "$_h" wg show "$NS_PFX$_h" peers | grep -c .)" = 2 ]
done
check "ping: A -> B (10.99.0.2)" ns_ping A 10.99.0.2 15
check "ping: B -> A (10.99.0.1)" ns_ping B 10.99.0.1 5
check "ping: A -> C (10.99.0.3)" ns_ping A 10.99.0.3 15
check "ping: C -> B (10.99.0.2)" ns_ping C 10.99.0.2 15
check "routed network: A reaches 192.168.80.1 behind C" ns_ping A 192.168.80.1 5
check "routed network: B reaches 192.168.80.1 behind C" ns_ping B 192.168.80.1 5
# The preshared keys are fresh ones, the same on both ends.
_ab=$(nsx A wg show "$NS_PFX"A preshared-keys | awk -v k="$pub_B" '$1 == k { print $2 }')
_ba=$(nsx B wg show "$NS_PFX"B preshared-keys | awk -v k="$pub_A" '$1 == k { print $2 }')
check "psk: A and B share a preshared key" eval '[ -n "$_ab" ] && [ "$_ab" = "$_ba" ]'
check "psk: not the hand-made one" [ "$_ab" != "$PSK_AB" ]

[ "$FAILED" -eq 0 ]
