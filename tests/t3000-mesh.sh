#!/bin/sh
# SPDX-License-Identifier: MIT
# t3000-mesh: real WireGuard tunnels between network namespaces.
#
# The topology (all in namespaces named t3k<PID>*, nothing on the host's own
# interfaces):
#
#             srv 198.18.0.2 (nginx + responders, TLS)
#                  |
#   A 198.18.1.2 --+-- wan (router) --+-- D 198.18.4.2 (+192.168.50.1 on lo)
#   B 198.18.2.2 --+                  |
#                                     +-- nat 198.18.3.2 (nftables masquerade)
#                                            |
#                                            C 192.168.33.2 (registered as nat)
#
# Each host runs wireguard-go with its own interface name (the control sockets
# in /var/run/wireguard are shared by all namespaces).
set -u
umask 077

if [ "$(id -u)" -ne 0 ]; then
	echo "t3000-mesh: skipped: needs root (network namespaces, wireguard-go)"
	exit 77
fi

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t3k
NS_PFX=$NS_BASE$$
. "$TOP/tests/netns.sh"

TMP=""
FAILED=0

note() {
	echo "# $*"
}

ok() {
	echo "ok - $*"
}

# A check that fails is reported and counted; the test goes on so that one
# run shows everything that is wrong.
notok() {
	echo "not ok - $*"
	FAILED=$((FAILED + 1))
}

check() {
	_what=$1
	shift
	if "$@"; then ok "$_what"; else notok "$_what"; fi
}

die() {
	echo "Bail out! $*"
	exit 1
}

cleanup() {
	_rc=$?
	trap - EXIT INT TERM HUP
	# Output may go to a closed pipe (| head): cleaning up matters more.
	trap '' PIPE
	set +e
	if [ "$_rc" -ne 0 ] || [ "$FAILED" -ne 0 ]; then
		dump_state
	fi
	ns_cleanup
	if [ -n "$TMP" ]; then
		if [ -n "${T3000_KEEP:-}" ]; then
			note "kept $TMP"
		else
			rm -rf "$TMP"
		fi
	fi
	exit "$_rc"
}

dump_state() {
	for _h in A B C D; do
		ip netns list | grep -q "^$NS_PFX$_h\\b" || continue
		echo "# --- host $_h: wg show, addresses, routes"
		nsx "$_h" wg show "$NS_PFX$_h" 2>&1 | sed 's/^/#   /'
		ip -n "$NS_PFX$_h" -br addr 2>&1 | sed 's/^/#   /'
		ip -n "$NS_PFX$_h" route 2>&1 | sed 's/^/#   /'
	done
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

for _t in ip nft wireguard-go wg ping; do
	command -v "$_t" >/dev/null 2>&1 || die "$_t is missing (make deps installs it)"
done
[ -c /dev/net/tun ] || die "/dev/net/tun is missing: wireguard-go needs it"

ns_reap_stale "$NS_BASE"
for _d in "${TMPDIR:-/tmp}"/t3000-mesh.*.*; do
	[ -d "$_d" ] || continue
	_pid=${_d##*/t3000-mesh.}
	_pid=${_pid%%.*}
	kill -0 "$_pid" 2>/dev/null || rm -rf "$_d"
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/t3000-mesh.$$.XXXXXX") || die "mktemp"

# --- the underlay -------------------------------------------------------

for _h in wan srv A B nat C D; do
	ns_add "$_h" || die "cannot create namespace $NS_PFX$_h"
done
ns_forward wan
ns_forward nat
ns_link wan s0 198.18.0.1/24 srv eth0 198.18.0.2/24 &&
ns_link wan a0 198.18.1.1/24 A eth0 198.18.1.2/24 &&
ns_link wan b0 198.18.2.1/24 B eth0 198.18.2.2/24 &&
ns_link wan n0 198.18.3.1/24 nat wan0 198.18.3.2/24 &&
ns_link wan d0 198.18.4.1/24 D eth0 198.18.4.2/24 &&
ns_link nat lan0 192.168.33.1/24 C eth0 192.168.33.2/24 ||
	die "cannot create the veth links"
for _h in srv A B nat D; do
	_gw=$(ip -n "$NS_PFX$_h" -4 -o addr show | sed -n 's/.* inet \(198\.18\.[0-9]*\)\..*/\1.1/p')
	ip -n "$NS_PFX$_h" route add default via "$_gw" || die "default route on $_h"
done
ip -n "$NS_PFX"C route add default via 192.168.33.1 || die "default route on C"
# D's routed network: the address lives on D's loopback, so only a tunnel
# with 192.168.50.0/24 in its AllowedIPs (and a route to it) reaches it.
ip -n "$NS_PFX"D addr add 192.168.50.1/32 dev lo || die "192.168.50.1 on D"

# C's router: masquerade out, and nothing new comes in (a home router).
nsx nat nft -f - <<'EOF' || die "nftables NAT on the router"
table ip t3knat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "lan0" accept
	}
}
EOF

# The underlay must be what the rest assumes, or the tunnel checks would
# prove nothing: public hosts reach each other and the server, C gets out
# only through its NAT, nobody reaches C or 192.168.50.1 directly.
check "underlay: A reaches B" ns_ping A 198.18.2.2 3
check "underlay: D reaches the server" ns_ping D 198.18.0.2 3
check "underlay: C reaches A through its NAT" ns_ping C 198.18.1.2 3
check "underlay: C reaches the server through its NAT" ns_ping C 198.18.0.2 3
check "underlay: A cannot reach C directly" ns_noping A 192.168.33.2
check "underlay: A cannot reach 192.168.50.1 outside a tunnel" ns_noping A 192.168.50.1

for _h in A B C D; do
	ns_wg_up "$_h" "$NS_PFX$_h" || die "wireguard-go $NS_PFX$_h in $_h"
done
ok "wireguard-go runs in A, B, C, D"

# --- hand-written configs (stand-in until wgconf drives them) ------------

addr_A=10.77.0.1 addr_B=10.77.0.2 addr_C=10.77.0.3 addr_D=10.77.0.4
ep_A=198.18.1.2:51820 ep_B=198.18.2.2:51820 ep_D=198.18.4.2:51820
for _h in A B C D; do
	wg genkey >"$TMP/$_h.key"
	wg pubkey <"$TMP/$_h.key" >"$TMP/$_h.pub"
done
PAIRS="A-B A-C B-C A-D B-D"
for _p in $PAIRS; do
	wg genpsk >"$TMP/$_p.psk"
done
for _h in A B C D; do
	_c=$TMP/$_h.conf
	printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n' "$(cat "$TMP/$_h.key")" >"$_c"
	for _p in $PAIRS; do
		case $_p in
		"$_h"-*) _o=${_p#*-} ;;
		*-"$_h") _o=${_p%-*} ;;
		*) continue ;;
		esac
		eval "_a=\$addr_$_o _e=\${ep_$_o:-}"
		printf '[Peer]\nPublicKey = %s\nPresharedKey = %s\nAllowedIPs = %s/32' \
			"$(cat "$TMP/$_o.pub")" "$(cat "$TMP/$_p.psk")" "$_a" >>"$_c"
		[ "$_o" = D ] && printf ', 192.168.50.0/24' >>"$_c"
		printf '\n' >>"$_c"
		[ -n "$_e" ] && printf 'Endpoint = %s\n' "$_e" >>"$_c"
		[ "$_h" = C ] && printf 'PersistentKeepalive = 25\n' >>"$_c"
	done
	nsx "$_h" wg setconf "$NS_PFX$_h" "$_c" || die "wg setconf on $_h"
	eval "_a=\$addr_$_h"
	ip -n "$NS_PFX$_h" addr add "$_a/24" dev "$NS_PFX$_h"
done
ip -n "$NS_PFX"A route add 192.168.50.0/24 dev "$NS_PFX"A
ip -n "$NS_PFX"B route add 192.168.50.0/24 dev "$NS_PFX"B
check "tunnel: C pings A across its NAT" ns_ping C 10.77.0.1
check "tunnel: A pings C back" ns_ping A 10.77.0.3
check "tunnel: B pings C" ns_ping B 10.77.0.3
check "tunnel: A pings B" ns_ping A 10.77.0.2
check "tunnel: A reaches 192.168.50.1 behind D" ns_ping A 192.168.50.1
check "tunnel: C cannot reach D" ns_noping C 10.77.0.4

[ "$FAILED" -eq 0 ] || exit 1
