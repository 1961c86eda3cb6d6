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

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t31k
NS_PFX=$NS_BASE$$
HOSTS="A B C"
. "$TOP/tests/netns.sh"

# The hand-made files below name these addresses.
SRV_ADDR=198.18.10.2
URL=https://$SRV_ADDR:$SRV_PORT

mesh_begin t3100-import-mesh

# --- the underlay: srv, A, B, C on one router ------------------------------
mesh_wan
mesh_host A 198.18.11.2
mesh_host B 198.18.12.2
mesh_host C 198.18.13.2
ip -n "$NS_PFX"C addr add 192.168.80.1/32 dev lo || die "192.168.80.1 on C"
mesh_wg $HOSTS
mesh_server

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
