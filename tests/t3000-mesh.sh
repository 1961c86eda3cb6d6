#!/bin/sh
# SPDX-License-Identifier: MIT
# t3000-mesh: a WireGuard mesh configured only by wgconf, proven by pings.
#
# Four hosts register with `wgconf register`, the admin accepts and pairs
# them with `wgconf admin`, and each host runs `wgconf sync --apply` as cron
# would. Then, the way an operator would check it: every paired host pings
# every other one over the tunnel (C behind a real NAT included), A and B
# reach the network routed behind D, the unpaired C and D cannot talk, a
# second sync is silent and changes nothing, unpairing A and D cuts that
# link without disturbing A-B's session, and each pair uses its own PSK.
# The link status the hosts report with each sync shows in `wgconf admin
# links`: every pair `never` before the first sync, A-B `up` once pinged,
# and A-D, B-D `stale` once D's WireGuard is stopped (the server runs with
# WGCONFSRV_LINK_STALE_SECONDS=30 so that takes 30 s, not 3 min).
#
# The topology (namespaces named t3k<PID>*, nothing on the host's own
# interfaces):
#
#             srv 198.18.0.2:8443 (nginx + responders, TLS)
#                  |
#   A 198.18.1.2 --+-- wan (router) --+-- D 198.18.4.2 (+192.168.50.1 on lo)
#   B 198.18.2.2 --+                  |
#                                     +-- natC 198.18.3.2 (nftables masquerade)
#                                            |
#                                            C 192.168.33.2 (registered as nat)
#
# Each host runs wireguard-go (tests/netns.sh). For a post-mortem,
# T3000_KEEP=1 keeps the temporary folder and T3000_PAUSE=SECONDS waits that
# long before tearing down a failed run.
set -u
umask 077

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t3k
NS_PFX=$NS_BASE$$
HOSTS="A B C D"
. "$TOP/tests/netns.sh"

# The link status threshold the server runs with (default 180 s).
STALE=30
# The pairs the admin makes; C-D is left out on purpose.
PAIRS="A-B A-C B-C A-D B-D"

mesh_begin t3000-mesh nft

# --- the underlay -------------------------------------------------------

mesh_wan
mesh_host A 198.18.1.2
mesh_host B 198.18.2.2
mesh_host C 192.168.33.2 nat 198.18.3.2
mesh_host D 198.18.4.2
# D's routed network: the address lives on D's loopback, so only a tunnel
# with 192.168.50.0/24 in its AllowedIPs (and a route to it) reaches it.
ip -n "$NS_PFX"D addr add 192.168.50.1/32 dev lo || die "192.168.50.1 on D"

# The underlay must be what the rest assumes, or the tunnel checks would
# prove nothing: public hosts reach each other and the server, C gets out
# only through its NAT, nobody reaches C or 192.168.50.1 directly.
check "underlay: A reaches B" ns_ping A 198.18.2.2 3
check "underlay: D reaches the server's address" ns_ping D $SRV_ADDR 3
check "underlay: C reaches A through its NAT" ns_ping C 198.18.1.2 3
# The checks that something stays silent take 7 s each: run them together.
ns_noping A 192.168.33.2 & _p1=$!
ns_noping A 192.168.50.1 & _p2=$!
check "underlay: A cannot reach C directly" wait $_p1
check "underlay: A cannot reach 192.168.50.1 outside a tunnel" wait $_p2

mesh_wg $HOSTS
ok "wireguard-go runs in A, B, C, D"

# --- the server ---------------------------------------------------------

mesh_server WGCONFSRV_LINK_STALE_SECONDS=$STALE
# D trusts the server by its public key instead of a CA file.
PIN=sha256//$(openssl x509 -in "$CACERT" -pubkey -noout |
	openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
check "server: https://$SRV_ADDR:$SRV_PORT answers A over the underlay" \
	nsx A curl -sf --cacert "$CACERT" -o /dev/null "$URL/api/v1/health"

# --- registration -------------------------------------------------------

mesh_register A 198.18.1.2:51820
mesh_register B 198.18.2.2:51820
mesh_register C nat --listen-port 51000
mesh_register D 198.18.4.2:51820 --pin "$PIN"

for _h in $HOSTS; do
	_m=$(stat -c %a "$TMP/$_h/state/private.key" 2>/dev/null)
	[ "$_m" = 600 ] || notok "register: $_h's private key is mode 0600 (is ${_m:-missing})"
done

# Not accepted yet: cron's sync says so with exit 3 and touches nothing.
sync_host A
if [ "$RC" -eq 3 ] && ! [ -e "$TMP/A/wireguard/$NS_PFX"A.conf ]; then
	ok "sync before accept: exit 3, no config written"
else
	show_fail "sync before accept: exit 3, no config written"
fi

# --- the admin accepts and pairs ----------------------------------------

mesh_accept A
mesh_accept B
mesh_accept C
mesh_accept D --networks 192.168.50.0/24
ok "admin: accept A, B, C, and D with 192.168.50.0/24"
# shellcheck disable=SC2086
mesh_pair $PAIRS
ok "admin: pair $PAIRS"
mesh_addrs

# linkstatus X Y: the status `wgconf admin links` gives the pair of hosts X
# and Y ("none" when it lists no such pair).
linkstatus() {
	link "$1" "$2" '.status // "none"'
}

_never=0
for _p in $PAIRS; do
	_s=$(linkstatus "${_p%-*}" "${_p#*-}")
	[ "$_s" = never ] && _never=$((_never + 1))
done
check "links: before any sync, all 5 pairs are 'never' ($_never)" [ "$_never" = 5 ]
check "links: the unpaired C-D is not listed" [ "$(linkstatus C D)" = none ]

# --- cron runs sync on every host ---------------------------------------

for _round in 1 2 3; do
	for _h in $HOSTS; do
		sync_host "$_h" || show_fail "sync round $_round on $_h"
	done
done

for _h in $HOSTS; do
	_f=$TMP/$_h/wireguard/$NS_PFX$_h.conf
	_m=$(stat -c %a "$_f" 2>/dev/null)
	check "sync: $_h wrote its config, mode 0600" [ "$_m" = 600 ]
done

# What an operator on the host sees.
for _h in $HOSTS; do
	eval "_a=\$addr_$_h"
	if wgc "$_h" status; then
		check "status on $_h: accepted, address $_a" \
			eval 'printf "%s\n" "$OUT" | grep -Eiq "state[^a-z]+accepted" &&
			printf "%s\n" "$OUT" | grep -qw "$_a"'
	else
		show_fail "status on $_h"
	fi
done
mesh_pubkeys

check "wg: A has 3 peers (B, C, D)" [ "$(npeers A)" = 3 ]
check "wg: B has 3 peers (A, C, D)" [ "$(npeers B)" = 3 ]
check "wg: C has 2 peers (A, B)" [ "$(npeers C)" = 2 ]
check "wg: D has 2 peers (A, B)" [ "$(npeers D)" = 2 ]
check "wg: C has no peer entry for D" eval '! haspeer C D'
check "wg: D has no peer entry for C" eval '! haspeer D C'

# confendpoint HOST PEERHOST: the Endpoint line HOST's config file has for
# PEERHOST, "none" when that [Peer] has none.
confendpoint() {
	eval "_k=\$pub_$2"
	awk -v k="$_k" '
		/^\[/ { if (inpeer) exit; }
		/^PublicKey *=/ { inpeer = ($3 == k); next }
		inpeer && /^Endpoint *=/ { e = $3 }
		END { print (e == "" ? "none" : e) }
	' "$TMP/$1/wireguard/$NS_PFX$1.conf"
}
# Nobody can know where C is: its peers get no endpoint for it (they learn
# the NAT's address from C's packets), while C gets theirs.
_e=$(confendpoint A C)
check "nat: A's config has no endpoint for C (has $_e)" [ "$_e" = none ]
_e=$(confendpoint C A)
check "nat: C's config has A's endpoint (has $_e)" [ "$_e" = 198.18.1.2:51820 ]

# C is behind NAT: it must keep its NAT mapping open towards its peers.
for _o in A B; do
	_k=$(wgfield C "$_o" persistent-keepalive)
	check "nat: C keeps its link to $_o alive (persistent keepalive '$_k')" \
		eval 'case $_k in [1-9]*) true ;; *) false ;; esac'
done

# --- the tunnels ----------------------------------------------------------

# C speaks first: nobody knows where C is until its packets come through
# the NAT. After that, every paired host reaches every other, both ways.
check "ping: C -> A ($addr_A) across C's NAT" ns_ping C "$addr_A" 15
check "ping: C -> B ($addr_B) across C's NAT" ns_ping C "$addr_B" 15
check "ping: A -> C ($addr_C) back through the NAT" ns_ping A "$addr_C" 5
check "ping: B -> C ($addr_C) back through the NAT" ns_ping B "$addr_C" 5
for _p in A-B A-D B-D; do
	_x=${_p%-*} _y=${_p#*-}
	eval "_ax=\$addr_$_x _ay=\$addr_$_y"
	check "ping: $_x -> $_y ($_ay)" ns_ping "$_x" "$_ay" 15
	check "ping: $_y -> $_x ($_ax)" ns_ping "$_y" "$_ax" 5
done
_e=$(wgfield A C endpoints)
check "nat: A sees C at the router's public address (endpoint $_e)" \
	eval 'case $_e in 198.18.3.2:*) true ;; *) false ;; esac'

check "routed network: A reaches 192.168.50.1 behind D" ns_ping A 192.168.50.1 5
check "routed network: B reaches 192.168.50.1 behind D" ns_ping B 192.168.50.1 5
ns_noping C "$addr_D" & _p1=$!
ns_noping D "$addr_C" & _p2=$!
ns_noping C 192.168.50.1 & _p3=$!
check "unpaired: C cannot reach D ($addr_D)" wait $_p1
check "unpaired: D cannot reach C ($addr_C)" wait $_p2
check "unpaired: C cannot reach 192.168.50.1" wait $_p3

# --- preshared keys -------------------------------------------------------

_seen=""
for _p in $PAIRS; do
	_x=${_p%-*} _y=${_p#*-}
	_kx=$(wgfield "$_x" "$_y" preshared-keys)
	_ky=$(wgfield "$_y" "$_x" preshared-keys)
	if [ -z "$_kx" ] || [ "$_kx" = "(none)" ]; then
		notok "psk: $_x has a preshared key for $_y (has '${_kx}')"
	elif [ "$_kx" != "$_ky" ]; then
		notok "psk: $_x and $_y hold the same preshared key"
	else
		case " $_seen " in
		*" $_kx "*) notok "psk: pair $_x-$_y has its own preshared key (shared with another pair)" ;;
		*) ok "psk: $_x and $_y share their own preshared key" ;;
		esac
		_seen="$_seen $_kx"
		[ "$_p" = A-D ] && psk_AD=$_kx
	fi
done

# --- a second cron run changes nothing -------------------------------------

# wgstate HOST: the interface's configuration (not its counters), sorted.
wgstate() {
	nsx "$1" wg show "$NS_PFX$1" dump | awk 'NR == 1 { print $2, $3; next } { print $1, $2, $3, $4, $8 }' | sort
	ip -n "$NS_PFX$1" addr show dev "$NS_PFX$1" | grep inet
	ip -n "$NS_PFX$1" route show dev "$NS_PFX$1"
}
for _h in $HOSTS; do
	_f=$TMP/$_h/wireguard/$NS_PFX$_h.conf
	_before=$(wgstate "$_h")
	_sum=$(cksum <"$_f")
	_mt=$(stat -c %Y.%i "$_f")
	if ! sync_host "$_h"; then
		show_fail "second sync on $_h exits 0"
		continue
	fi
	check "second sync on $_h prints nothing" [ -z "$OUT$ERR" ]
	[ -z "$OUT$ERR" ] || printf '%s\n%s\n' "$OUT" "$ERR" | sed '/^$/d; s/^/#   /'
	check "second sync on $_h leaves the config file alone" \
		[ "$(cksum <"$_f") $(stat -c %Y.%i "$_f")" = "$_sum $_mt" ]
	check "second sync on $_h leaves the interface alone" [ "$(wgstate "$_h")" = "$_before" ]
done

# The second syncs reported the handshakes the pings made.
_s=$(linkstatus A B)
check "links: after the pings and a sync, A-B is 'up' (is '$_s')" [ "$_s" = up ]
admin links
check "links: admin links shows A-B up in its table" \
	eval 'printf "%s\n" "$OUT" | grep -Eq "^host-a +host-b +up +[0-9]+s ago +rx [0-9]"'

# --- unpairing A and D ------------------------------------------------------

_hs_before=$(wgfield A B latest-handshakes)
_rx_before=$(nsx A wg show "$NS_PFX"A transfer | awk -v k="$pub_B" '$1 == k { print $2 }')
if [ -z "$_hs_before" ] || [ "$_hs_before" = 0 ]; then
	notok "A-B has a handshake before the unpair (latest-handshake '$_hs_before')"
fi
admin unpair host-a host-d || show_fail "admin: unpair host-a host-d"
for _h in $HOSTS; do
	sync_host "$_h" || show_fail "sync after unpair on $_h"
	# cron mails what the changed hosts print; the others stay quiet.
	case $_h in
	A | D) check "sync after unpair on $_h (changed) says so" [ -n "$OUT$ERR" ] ;;
	B | C) check "sync after unpair on $_h (unchanged) prints nothing" [ -z "$OUT$ERR" ] ;;
	esac
done
check "unpair: A has no peer entry for D any more" eval '! haspeer A D'
check "unpair: D has no peer entry for A any more" eval '! haspeer D A'
check "unpair: A has no route to 192.168.50.0/24 any more" \
	[ -z "$(ip -n "$NS_PFX"A route show 192.168.50.0/24)" ]
ns_noping A "$addr_D" & _p1=$!
ns_noping D "$addr_A" & _p2=$!
ns_noping A 192.168.50.1 & _p3=$!
check "unpair: A cannot reach D ($addr_D)" wait $_p1
check "unpair: D cannot reach A ($addr_A)" wait $_p2
check "unpair: A cannot reach 192.168.50.1" wait $_p3
check "unpair: B still reaches 192.168.50.1 behind D" ns_ping B 192.168.50.1 5
_hs_after=$(wgfield A B latest-handshakes)
_rx_after=$(nsx A wg show "$NS_PFX"A transfer | awk -v k="$pub_B" '$1 == k { print $2 }')
check "unpair: A-B session survives the syncs (latest handshake $_hs_before, now $_hs_after)" \
	[ "$_hs_after" = "$_hs_before" ]
check "unpair: A's counters for B were not reset (rx $_rx_before, now $_rx_after)" \
	[ "${_rx_after:-0}" -ge "${_rx_before:-1}" ]
check "unpair: A still pings B ($addr_B)" ns_ping A "$addr_B" 5

# --- pairing A and D again ------------------------------------------------

admin pair host-a host-d || show_fail "admin: pair host-a host-d again"
for _h in $HOSTS; do
	sync_host "$_h" || show_fail "sync after the new pairing on $_h"
done
check "re-pair: A reaches D ($addr_D) again" ns_ping A "$addr_D" 10
check "re-pair: A reaches 192.168.50.1 again" ns_ping A 192.168.50.1 5
_kx=$(wgfield A D preshared-keys)
_ky=$(wgfield D A preshared-keys)
check "re-pair: A and D share a preshared key again" \
	eval '[ -n "$_kx" ] && [ "$_kx" != "(none)" ] && [ "$_kx" = "$_ky" ]'
check "re-pair: the new pairing has a new preshared key" [ "$_kx" != "${psk_AD:-}" ]

sync_host A || show_fail "sync on A after the new pairing's ping"
_s=$(linkstatus A D)
check "links: re-paired A-D is 'up' after its ping and a sync (is '$_s')" [ "$_s" = up ]

# --- D stops ------------------------------------------------------------------

# D's WireGuard dies (its interface goes with wireguard-go). Its peers still
# hold their last handshake with it; once that is older than $STALE s, their
# reports make the pairs stale, while a pair that shakes hands again (A-B,
# when B reboots below) is up.
ip -n "$NS_PFX"D link del "$NS_PFX"D
_stopped=$(date +%s)
note "D's WireGuard is down; waiting ${STALE}s for its links to go stale"
sleep $((STALE + 1))


# Its interface comes back empty; the next cron run must rebuild it from
# the config wgconf already has, though the server has nothing new.
ip -n "$NS_PFX"B link del "$NS_PFX"B
_i=0
while [ -e /var/run/wireguard/"$NS_PFX"B.sock ] && [ $_i -lt 50 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
ns_wg_up B "$NS_PFX"B || die "wireguard-go ${NS_PFX}B in B after the reboot"
sync_host B || show_fail "sync on B after its reboot"
check "reboot: B has its 3 peers back" [ "$(npeers B)" = 3 ]
check "reboot: B reaches A ($addr_A)" ns_ping B "$addr_A" 10
check "reboot: A reaches B ($addr_B)" ns_ping A "$addr_B" 10
sync_host A || show_fail "sync on A after B's reboot"
sync_host B || show_fail "sync on B after its reboot"
for _p in A-D B-D; do
	_s=$(linkstatus "${_p%-*}" "${_p#*-}")
	check "links: $_p is 'stale' $(($(date +%s) - _stopped)) s after D stopped (is '$_s')" \
		[ "$_s" = stale ]
done
_s=$(linkstatus A B)
check "links: A-B, fresh from B's reboot, is 'up' (is '$_s')" [ "$_s" = up ]
# D comes back; its next cron run rebuilds its interface.
ns_wg_up D "$NS_PFX"D || die "wireguard-go ${NS_PFX}D in D after its stop"
sync_host D || show_fail "sync on D after its restart"
check "restart: D has its 2 peers back" [ "$(npeers D)" = 2 ]
# C still holds a session with B's old instance and keeps using it until
# WireGuard gives up on it (no answer for 10 + 5 s) and shakes hands anew:
# only then does B learn where C is.
check "reboot: C reaches B ($addr_B) across its NAT, within 30 s" ns_ping C "$addr_B" 30
check "reboot: B reaches C ($addr_C) once C has spoken" ns_ping B "$addr_C" 5
check "reboot: B reaches 192.168.50.1 behind D" ns_ping B 192.168.50.1 10

# --- B moves to a new address ----------------------------------------------

# B says so with `wgconf endpoint`; the others learn it at their next cron
# run. C, behind its NAT, can only ever find B through its config.
# (promote_secondaries: dropping the old address must not drop the new one)
nsx B sysctl -q -w net.ipv4.conf.eth0.promote_secondaries=1
ip -n "$NS_PFX"B addr add 198.18.2.3/24 dev eth0
if wgc B endpoint 198.18.2.3:51820; then
	ok "endpoint: B announces 198.18.2.3:51820"
else
	show_fail "endpoint: B announces 198.18.2.3:51820"
fi
for _h in $HOSTS; do
	sync_host "$_h" || show_fail "sync after B moved on $_h"
done
ip -n "$NS_PFX"B addr del 198.18.2.2/24 dev eth0
ip -n "$NS_PFX"B route replace default via 198.18.2.1
for _h in A C D; do
	_e=$(wgfield "$_h" B endpoints)
	check "endpoint: $_h has B at 198.18.2.3:51820 (has $_e)" [ "$_e" = 198.18.2.3:51820 ]
done
check "endpoint: C reaches B at its new address" ns_ping C "$addr_B" 30
check "endpoint: D reaches B at its new address" ns_ping D "$addr_B" 25
check "endpoint: A reaches B at its new address" ns_ping A "$addr_B" 25

# --- C leaves the mesh --------------------------------------------------------

if wgc C deregister; then
	ok "deregister: C leaves the mesh"
else
	show_fail "deregister: C leaves the mesh"
fi
check "deregister: C's token and private key are gone" \
	eval '[ -z "$(ls -A "$TMP/C/state" 2>/dev/null)" ]'
for _h in A B; do
	sync_host "$_h" || show_fail "sync after C left on $_h"
done
check "deregister: A has no peer entry for C any more" eval '! haspeer A C'
check "deregister: B has no peer entry for C any more" eval '! haspeer B C'
check "deregister: A keeps its peers B and D" [ "$(npeers A)" = 2 ]
ns_noping C "$addr_A" & _p1=$!
ns_noping A "$addr_C" & _p2=$!
check "deregister: C cannot reach A ($addr_A) any more" wait $_p1
check "deregister: A cannot reach C ($addr_C) any more" wait $_p2
sync_host C
check "deregister: a sync on C fails (exit 1), it is no longer registered (exit $RC)" [ "$RC" = 1 ]

[ "$FAILED" -eq 0 ]
