#!/bin/sh
# SPDX-License-Identifier: MIT
# t3700-relay-mesh: two hosts behind their own NATs reach each other through
# a relay the server chose, only once the relay's host allows it, and move
# to a second relay when the first goes down.
#
# A and B sit behind NAT routers of their own (nftables masquerade, nothing
# new comes in), so no packet of theirs ever reaches the other directly.
# R1 and R2 have public addresses; R1 also has a firewall whose forward
# chain drops by default, and no global ip_forward. The admin pairs A with
# B (and A with the public P). Without a relay the pair is "down" and says
# why; with R1 marked a relay but no `wgconf allow-relay` on R1, R1 forwards
# nothing, tells the server, and the pair names R1 as the reason. Once R1
# allows it, one sync round routes A-B through R1 (B's address and B's
# routed LAN in R1's AllowedIPs on A; forwarding on for R1's WireGuard
# interface only, and one firewall rule): A pings B and 192.168.50.1 behind
# B, R1's counters show the traffic, `admin links` says "relayed" via
# host-r1, `wgconf status` on A says so too, and A's session with P is
# untouched. With R2 a relay too, R1's interface goes down: after the stale
# window one sync round moves A-B to R2 and the pings resume. R1 stops being
# a relay: its next sync switches forwarding off and removes the rule.
#             srv 198.18.0.2:8443 (nginx + responders, TLS)
#                  |
#   R1 198.18.1.2 -+- wan (router) -+- natA 198.18.3.2 (masquerade) - A 192.168.33.2
#   R2 198.18.5.2 -+                +- natB 198.18.4.2 (masquerade) - B 192.168.44.2
#   P  198.18.2.2 -+                                     (+ 192.168.50.1 on B's lo)
#
# T3700_KEEP=1 keeps the temporary folder, T3700_PAUSE=SECONDS waits before
# tearing down a failed run.
set -u
umask 077

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t37k
NS_PFX=$NS_BASE$$
HOSTS="R1 R2 P A B"
. "$TOP/tests/netns.sh"

# The link status threshold the server runs with (default 180 s): a relay
# whose links have had no handshake for that long is taken as down. A live
# link shakes hands again only every 2 minutes or so (WireGuard's rekey), so
# what needs a live relay here is done within 90 s of its handshakes.
STALE=90

mesh_begin t3700-relay-mesh nft

# --- the underlay -------------------------------------------------------

mesh_wan
mesh_host R1 198.18.1.2
mesh_host P 198.18.2.2
mesh_host R2 198.18.5.2
mesh_host A 192.168.33.2 nat 198.18.3.2
mesh_host B 192.168.44.2 nat 198.18.4.2
# B's routed LAN: reached only by a tunnel with 192.168.50.0/24 in its
# AllowedIPs (and a route to it).
ip -n "$NS_PFX"B addr add 192.168.50.1/32 dev lo || die "192.168.50.1 on B"
# R1 is a careful host: it forwards nothing unless a rule says so.
nsx R1 nft -f - <<'EOF' || die "nftables firewall on R1"
table inet t37kfw {
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
}
EOF

check "underlay: A reaches R1 through its NAT" ns_ping A 198.18.1.2 3
check "underlay: B reaches R2 through its NAT" ns_ping B 198.18.5.2 3
check "underlay: R1 does not forward (ip_forward 0)" \
	[ "$(nsx R1 cat /proc/sys/net/ipv4/ip_forward)" = 0 ]
ns_noping A 192.168.44.2 & _p1=$!
ns_noping B 192.168.33.2 & _p2=$!
check "underlay: A cannot reach B directly" wait $_p1
check "underlay: B cannot reach A directly" wait $_p2

mesh_wg $HOSTS
ok "wireguard-go runs in R1, R2, P, A, B"
mesh_server WGCONFSRV_LINK_STALE_SECONDS=$STALE

# --- helpers ---------------------------------------------------------------

# wgc, admin, show_fail, sync_host, round, wgfield, haspeer, rxtx, allowed,
# link and fwd come from tests/netns.sh.

# grows BEFORE AFTER: AFTER is at least 5000 bytes more (what bulk() sends).
grows() {
	[ "${2:-0}" -ge "$((${1:-0} + 5000))" ]
}

# bulk HOST ADDR: five 1000-byte pings that all come back: 5 kB each way.
bulk() {
	nsx "$1" ping -n -q -c 5 -i 0.2 -s 1000 -W 5 "$2" >/dev/null 2>&1
}

# --- registration, the admin's pairs ------------------------------------------

mesh_register R1 198.18.1.2:51820
mesh_register R2 198.18.5.2:51820
mesh_register P 198.18.2.2:51820
mesh_register A nat
mesh_register B nat
for _h in R1 R2 P A; do
	mesh_accept "$_h"
done
mesh_accept B --networks 192.168.50.0/24
mesh_pair A-B A-P
ok "admin: five hosts accepted (B routes 192.168.50.0/24), A-B and A-P paired"
mesh_addrs

round R1 R2 P A B
round R1 R2 P A B
mesh_pubkeys

# --- no relay ----------------------------------------------------------------

check "no relay: A reaches P (A-P's session starts)" ns_ping A "$addr_P" 15
_p=$(link A B .path)
check "no relay: A-B's path is 'down' (is '$_p')" [ "$_p" = down ]
_r=$(link A B .reason)
check "no relay: A-B says why ($_r)" eval 'case $_r in *"no peer may relay"*) true ;; *) false ;; esac'
check "no relay: A cannot reach B ($addr_B)" ns_noping A "$addr_B"

# --- R1 is a relay, but its host does not allow it ------------------------------

admin relay host-a on
check "admin relay: a host behind NAT cannot relay (exit $RC)" \
	eval '[ "$RC" = 1 ] && printf "%s\n" "$ERR" | grep -q relay_needs_endpoint'
admin relay host-r1 on || show_fail "admin relay host-r1 on"
round R1 R2 P A B
check "no consent: sync on R1 says it does not forward, and why" \
	eval 'printf "%s\n" "$err_R1" | grep -q "relaying is not allowed here"'
check "no consent: R1's WireGuard interface does not forward ($(fwd R1))" [ "$(fwd R1)" = 0 ]
check "no consent: no firewall rule on R1" \
	eval '! nsx R1 nft list ruleset | grep -q "wgconf relay"'
_p=$(link A B .path)
check "no consent: A-B's path is 'down' (is '$_p')" [ "$_p" = down ]
_r=$(link A B .reason)
check "no consent: A-B names R1 and allow-relay ($_r)" \
	eval 'case $_r in *host-r1*allow-relay*) true ;; *) false ;; esac'
admin peers --json
check "no consent: host-r1 shows relay_refused" \
	eval 'printf "%s\n" "$OUT" | jq -e ".peers[] | select(.name == \"host-r1\") | .relay_refused" >/dev/null'
check "no consent: A cannot reach B ($addr_B)" ns_noping A "$addr_B"

# --- R1 allows it ------------------------------------------------------------------

_hs_AP=$(wgfield A P latest-handshakes)
_rx_AP=$(rxtx A P | cut -d' ' -f1)
wgc R1 allow-relay --status
check "allow-relay --status: not given yet ($OUT)" \
	eval '[ "$RC" = 0 ] && [ "$OUT" = "relaying is not allowed" ]'
wgc R1 allow-relay --remove --status
check "allow-relay: --remove with --status is a usage error (exit $RC)" [ "$RC" = 2 ]
admin relay host-r1 maybe
check "admin relay: on or off, else a usage error (exit $RC)" [ "$RC" = 2 ]
wgc R1 allow-relay || show_fail "allow-relay on R1"
wgc R1 allow-relay --status
check "allow-relay --status: given ($OUT)" [ "$OUT" = "relaying is allowed" ]
round R1 R2 P A B
check "relay: sync on R1 switches forwarding on" \
	eval 'printf "%s\n" "$out_R1" | grep -q "forwards between its peers: on"'
check "relay: R1's WireGuard interface forwards ($(fwd R1))" [ "$(fwd R1)" = 1 ]
check "relay: R1's global ip_forward is still 0" \
	[ "$(nsx R1 cat /proc/sys/net/ipv4/ip_forward)" = 0 ]
_if=$NS_PFX"R1"
check "relay: R1's forward chain lets $_if to $_if through" \
	eval 'nsx R1 nft list chain inet t37kfw forward |
	      grep -q "iifname \"$_if\" oifname \"$_if\" accept comment \"wgconf relay $_if\""'
check "relay: A has no peer entry for B" eval '! haspeer A B'
_al=$(allowed A R1)
check "relay: A routes B's address and LAN to R1 ($_al)" \
	eval 'case " $_al " in *" $addr_B/32 "*) true ;; *) false ;; esac &&
	      case " $_al " in *" 192.168.50.0/24 "*) true ;; *) false ;; esac'
_p=$(link A B '.path + " " + .via.name')
check "relay: A-B's path is 'relayed' via host-r1 (is '$_p')" [ "$_p" = "relayed host-r1" ]
admin links
check "relay: admin links says host-a - host-b: relayed via host-r1" \
	eval 'printf "%s\n" "$OUT" | grep -qxF "host-a - host-b: relayed via host-r1"'
_before_A=$(rxtx R1 A)
_before_B=$(rxtx R1 B)
check "relay: A pings B ($addr_B) through R1" ns_ping A "$addr_B" 20
check "relay: A pings 192.168.50.1 on B's routed LAN" ns_ping A 192.168.50.1 10
check "relay: B pings A ($addr_A) through R1" ns_ping B "$addr_A" 10
check "relay: five 1000-byte pings A -> B all come back" bulk A "$addr_B"
_after_A=$(rxtx R1 A)
_after_B=$(rxtx R1 B)
check "relay: R1 received from A (rx $_before_A -> $_after_A)" \
	grows "${_before_A%% *}" "${_after_A%% *}"
check "relay: R1 sent to B (tx $_before_B -> $_after_B)" grows "${_before_B##* }" "${_after_B##* }"
wgc A status
check "relay: wgconf status on A says B is reached via R1" \
	eval 'printf "%s\n" "$OUT" | grep -Eq "^relayed +host-b via host-r1$"'
wgc R1 status
check "relay: wgconf status on R1 says it relays" \
	eval 'printf "%s\n" "$OUT" | grep -Eq "^relay +yes"'
_hs=$(wgfield A P latest-handshakes)
check "relay: A-P's session survived (handshake $_hs_AP, now $_hs)" [ "$_hs" = "$_hs_AP" ]
check "relay: A's counters for P were not reset" [ "$(rxtx A P | cut -d' ' -f1)" -ge "$_rx_AP" ]
check "relay: A still pings P" ns_ping A "$addr_P" 5
for _h in R1 A B; do
	sync_host "$_h"
	check "relay: a second sync on $_h prints nothing" [ -z "$OUT$ERR" ]
done

# --- a second relay; the first goes down -----------------------------------------

admin relay host-r2 on || show_fail "admin relay host-r2 on"
wgc R2 allow-relay || show_fail "allow-relay on R2"
round R2 A B
_p=$(link A B .via.name)
check "two relays: A-B stays on R1 while R1 is up (is '$_p')" [ "$_p" = host-r1 ]
ip -n "$NS_PFX"R1 link del "$NS_PFX"R1
note "R1's WireGuard is down; waiting ${STALE}s for its links to go stale"
sleep $((STALE + 2))
round A B R2 P
_p=$(link A B '.path + " " + .via.name')
check "failover: one sync round moved A-B to host-r2 (is '$_p')" [ "$_p" = "relayed host-r2" ]
_al=$(allowed A R2)
check "failover: A routes B's address to R2 ($_al)" \
	eval 'case " $_al " in *" $addr_B/32 "*) true ;; *) false ;; esac'
_before_B=$(rxtx R2 B)
check "failover: A pings B ($addr_B) again, through R2" ns_ping A "$addr_B" 30
check "failover: A pings 192.168.50.1 again" ns_ping A 192.168.50.1 10
check "failover: five 1000-byte pings A -> B all come back" bulk A "$addr_B"
_after_B=$(rxtx R2 B)
check "failover: R2 carried it (tx $_before_B -> $_after_B)" grows "${_before_B##* }" "${_after_B##* }"

# --- R1 stops being a relay -------------------------------------------------------

admin relay host-r1 off || show_fail "admin relay host-r1 off"
_i=0
while [ -e /var/run/wireguard/"$NS_PFX"R1.sock ] && [ $_i -lt 50 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
ns_wg_up R1 "$NS_PFX"R1 || die "wireguard-go on R1 again"
# The interface is new: its sysctl starts at 0; what wgconf switched on is
# undone all the same (the firewall rule, the record).
nsx R1 sh -c "echo 1 > /proc/sys/net/ipv4/conf/$NS_PFX""R1/forwarding"
sync_host R1 || show_fail "sync on R1 after relay off"
check "relay off: sync on R1 switches forwarding off ($OUT)" \
	eval 'printf "%s\n" "$OUT" | grep -q "forwards between its peers: off"'
check "relay off: R1's interface does not forward ($(fwd R1))" [ "$(fwd R1)" = 0 ]
check "relay off: the firewall rule is gone" \
	eval '! nsx R1 nft list ruleset | grep -q "wgconf relay"'
check "relay off: the forward chain still drops" \
	eval 'nsx R1 nft list chain inet t37kfw forward | grep -q "policy drop"'

[ "$FAILED" -eq 0 ]
