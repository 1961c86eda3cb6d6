#!/bin/sh
# SPDX-License-Identifier: MIT
# t3710-relay-firewall: a relay whose firewall drops forwarded traffic by
# default carries relayed traffic only once its host allows relaying, lets
# through nothing else, and is closed again when it stops relaying; with
# nftables and with iptables.
#
# A and B sit behind NAT routers of their own and are paired; they reach
# each other only through a relay. R1's firewall is nftables (a forward
# chain with policy drop); R2's is iptables (iptables-nft, FORWARD policy
# DROP), and wgconf on R2 runs without `nft` in its PATH, so it takes its
# iptables path. For each relay in turn: marked a relay by the admin but
# without `wgconf allow-relay`, A cannot reach B; after allow-relay and one
# sync round, the relay's forward chain has exactly one rule more (wg to
# wg, commented "wgconf relay IF") and A pings B through it; A, sending
# through the relay to the public host X (AllowedIPs and a route forced on
# A), reaches the relay but never X: the rule is wg-to-wg only, the rest of
# forwarding stays dropped. When the relay stops relaying (R1: `allow-relay
# --remove`; R2: the admin turns it off), its next sync removes the rule,
# the chain drops as before, and A no longer reaches B.
#
#             srv 198.18.0.2:8443 (nginx + responders, TLS)
#                  |
#   R1 198.18.1.2 -+- wan (router) -+- natA 198.18.3.2 (masquerade) - A 192.168.33.2
#   R2 198.18.5.2 -+                +- natB 198.18.4.2 (masquerade) - B 192.168.44.2
#   X  198.18.6.2 -+  (counts what arrives from A's tunnel address)
#
# T3710_KEEP=1 keeps the temporary folder, T3710_PAUSE=SECONDS waits before
# tearing down a failed run.
set -u
umask 077

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t371f
NS_PFX=$NS_BASE$$
HOSTS="R1 R2 A B"
. "$TOP/tests/netns.sh"

mesh_begin t3710-relay-firewall nft iptables

# --- the underlay -------------------------------------------------------

mesh_wan
mesh_host R1 198.18.1.2
mesh_host R2 198.18.5.2
mesh_host X 198.18.6.2
mesh_host A 192.168.33.2 nat 198.18.3.2
mesh_host B 192.168.44.2 nat 198.18.4.2
nsx R1 nft -f - <<'EOF' || die "nftables firewall on R1"
table inet t3710fw {
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
}
EOF
nsx R2 iptables -P FORWARD DROP || die "iptables on R2"
# R2's wgconf has every command of /usr/sbin but nft.
mkdir -p "$TMP/R2/sbin"
for _f in /usr/sbin/*; do
	[ "${_f##*/}" = nft ] || ln -s "$_f" "$TMP/R2/sbin/"
done
wgc_path_R2=$TMP/R2/sbin:/usr/local/bin:/usr/bin:/bin
check "underlay: nft is not in R2's PATH, iptables is" nsx R2 env PATH="$wgc_path_R2" \
	sh -c '! command -v nft >/dev/null && command -v iptables >/dev/null'
check "underlay: A reaches X through its NAT" ns_ping A 198.18.6.2 3
ns_noping A 192.168.44.2 & _p1=$!
check "underlay: A cannot reach B directly" wait $_p1
mesh_wg $HOSTS
mesh_server

# --- helpers ---------------------------------------------------------------

# x_seen: how many packets from A's tunnel address reached X.
x_seen() {
	nsx X nft list chain ip t3710x pre | sed -n 's/.* counter packets \([0-9]*\) .*/\1/p'
}

# exit_attempt R: A sends five pings to X through the tunnel to relay R (X
# in R's AllowedIPs, a route to X into the tunnel); R's byte count from A
# before and after in rx_before and rx_after. A's own config is put back.
exit_attempt() {
	_if=$NS_PFX"A"
	eval "_kr=\$pub_$1"
	_al=$(allowed A "$1" | sed 's/^ *//; s/ /,/g')
	rx_before=$(rxtx "$1" A | cut -d' ' -f1)
	nsx A wg set "$_if" peer "$_kr" allowed-ips "$_al,198.18.6.2/32" &&
		ip -n "$NS_PFX"A route add 198.18.6.2/32 dev "$_if" ||
		notok "exit attempt: A routes X into the tunnel to $1"
	nsx A ping -n -q -c 5 -i 0.2 -W 1 198.18.6.2 >/dev/null 2>&1
	sleep 1
	rx_after=$(rxtx "$1" A | cut -d' ' -f1)
	ip -n "$NS_PFX"A route del 198.18.6.2/32 dev "$_if"
	nsx A wg set "$_if" peer "$_kr" allowed-ips "$_al"
}

# relays_only WHAT R: relay R carries A-B both ways, and A's packets for
# X reach R but never X.
relays_only() {
	check "$1: A pings B ($addr_B) through $2" ns_ping A "$addr_B" 20
	check "$1: B pings A ($addr_A) through $2" ns_ping B "$addr_A" 10
	_seen=$(x_seen)
	exit_attempt "$2"
	check "$1: A's packets for X reached $2 (rx $rx_before -> $rx_after)" \
		[ "${rx_after:-0}" -gt "${rx_before:-0}" ]
	check "$1: $2 forwards none of them to X (X saw $_seen, then $(x_seen))" \
		[ "$(x_seen)" = "$_seen" ]
}

# rules_R1: the rules of R1's forward chain, one a line.
rules_R1() {
	nsx R1 nft list chain inet t3710fw forward | grep -Ev '^[[:space:]]*(table|chain|type|}|$)'
}

# rules_R2: what `iptables -S FORWARD` says on R2.
rules_R2() {
	nsx R2 iptables -S FORWARD
}

# --- registration, the pair ------------------------------------------------

mesh_register R1 198.18.1.2:51820
mesh_register R2 198.18.5.2:51820
mesh_register A nat
mesh_register B nat
for _h in $HOSTS; do
	mesh_accept "$_h"
done
mesh_pair A-B
mesh_addrs
round R1 R2 A B
mesh_pubkeys
nsx X nft -f - <<EOF || die "nftables counter on X"
table ip t3710x {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ip saddr $addr_A counter
	}
}
EOF
check "no relay: A cannot reach B ($addr_B)" ns_noping A "$addr_B"

# --- nftables: R1 -------------------------------------------------------------

IF1=$NS_PFX"R1"
admin relay host-r1 on || show_fail "admin relay host-r1 on"
round R1 A B
check "nft, no consent: R1 adds no rule" eval '[ -z "$(rules_R1)" ]'
check "nft, no consent: A cannot reach B ($addr_B)" ns_noping A "$addr_B"

wgc R1 allow-relay || show_fail "allow-relay on R1"
sync_host R1 --verbose || show_fail "sync on R1 after allow-relay"
check "nft: sync on R1 inserts the rule with nft, forwarding on" \
	eval 'printf "%s\n" "$OUT" | grep -q "^+ nft insert rule inet t3710fw forward iifname $IF1 oifname $IF1 accept" &&
	      printf "%s\n" "$OUT" | grep -q "forwards between its peers: on"'
round A B
sync_host R1 --verbose
check "nft: a second sync on R1 inserts nothing more ($OUT)" \
	eval '! printf "%s\n" "$OUT" | grep -q "^+ nft insert"'
check "nft: R1's forward chain has one rule, wg to wg ($(rules_R1 | tr '\t' ' '))" \
	eval '[ "$(rules_R1 | wc -l)" = 1 ] &&
	      rules_R1 | grep -q "iifname \"$IF1\" oifname \"$IF1\" accept comment \"wgconf relay $IF1\""'
check "nft: the chain still drops by default" \
	eval 'nsx R1 nft list chain inet t3710fw forward | grep -q "policy drop"'
relays_only nft R1

wgc R1 allow-relay --remove || show_fail "allow-relay --remove on R1"
sync_host R1 || show_fail "sync on R1 after allow-relay --remove"
check "nft, consent taken back: sync on R1 switches forwarding off ($OUT)" \
	eval 'printf "%s\n" "$OUT" | grep -q "forwards between its peers: off"'
check "nft, consent taken back: the rule is gone" eval '[ -z "$(rules_R1)" ]'
check "nft, consent taken back: the chain still drops" \
	eval 'nsx R1 nft list chain inet t3710fw forward | grep -q "policy drop"'
check "nft, consent taken back: R1's interface does not forward ($(fwd R1))" [ "$(fwd R1)" = 0 ]
check "nft, consent taken back: A cannot reach B ($addr_B)" ns_noping A "$addr_B"

# --- iptables: R2 ---------------------------------------------------------------

IF2=$NS_PFX"R2"
RULE2="-A FORWARD -i $IF2 -o $IF2 -m comment --comment \"wgconf relay $IF2\" -j ACCEPT"
admin relay host-r1 off || show_fail "admin relay host-r1 off"
admin relay host-r2 on || show_fail "admin relay host-r2 on"
round R1 R2 A B
check "iptables, no consent: R2 adds no rule ($(rules_R2 | tr '\n' ' '))" \
	[ "$(rules_R2)" = "-P FORWARD DROP" ]
check "iptables, no consent: A cannot reach B ($addr_B)" ns_noping A "$addr_B"

wgc R2 allow-relay || show_fail "allow-relay on R2"
sync_host R2 --verbose || show_fail "sync on R2 after allow-relay"
check "iptables: sync on R2 inserts the rule with iptables, not nft; forwarding on" \
	eval 'printf "%s\n" "$OUT" | grep -q "^+ iptables -I FORWARD -i $IF2 -o $IF2 " &&
	      printf "%s\n" "$OUT" | grep -q "forwards between its peers: on" &&
	      ! printf "%s\n" "$OUT" | grep -q "^+ nft"'
round A B
sync_host R2 --verbose
check "iptables: a second sync on R2 inserts nothing more" \
	eval '! printf "%s\n" "$OUT" | grep -q "^+ iptables -I"'
check "iptables: FORWARD drops by default and has one rule, wg to wg" \
	eval '[ "$(rules_R2)" = "-P FORWARD DROP
$RULE2" ]'
relays_only iptables R2

admin relay host-r2 off || show_fail "admin relay host-r2 off"
sync_host R2 || show_fail "sync on R2 after relay off"
check "iptables, relay off: sync on R2 switches forwarding off ($OUT)" \
	eval 'printf "%s\n" "$OUT" | grep -q "forwards between its peers: off"'
check "iptables, relay off: the rule is gone, FORWARD still drops" \
	[ "$(rules_R2)" = "-P FORWARD DROP" ]
check "iptables, relay off: R2's interface does not forward ($(fwd R2))" [ "$(fwd R2)" = 0 ]
check "iptables, relay off: A cannot reach B ($addr_B)" ns_noping A "$addr_B"

[ "$FAILED" -eq 0 ]
