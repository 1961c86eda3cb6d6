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
#                                     +-- nat 198.18.3.2 (nftables masquerade)
#                                            |
#                                            C 192.168.33.2 (registered as nat)
#
# Each host runs wireguard-go; its interface is named like its namespace
# (t3k<PID>A...), since the control sockets in /var/run/wireguard are shared
# by all namespaces. For a post-mortem, T3000_KEEP=1 keeps the temporary
# folder and T3000_PAUSE=SECONDS waits that long before tearing down a failed
# run.
set -u
umask 077

if [ "$(id -u)" -ne 0 ]; then
	echo "# skip: needs root (network namespaces, wireguard-go)"
	echo "t3000-mesh: skipped: needs root (network namespaces, wireguard-go)" >&2
	echo "# exit status: 77"
	exit 77
fi

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t3k
NS_PFX=$NS_BASE$$
. "$TOP/tests/netns.sh"

WGCONF=$TOP/client/wgconf
SRV_ADDR=198.18.0.2
SRV_PORT=8443
URL=https://$SRV_ADDR:$SRV_PORT
HOSTS="A B C D"
# The link status threshold the server runs with (default 180 s).
STALE=30
# The pairs the admin makes; C-D is left out on purpose.
PAIRS="A-B A-C B-C A-D B-D"

TMP=""
RUN=""
# FAILED, note, ok, notok, check and die come from tests/netns.sh.

dump_state() {
	for _h in $HOSTS; do
		ip netns list | grep -qE "^$NS_PFX$_h( |\$)" || continue
		echo "# --- host $_h: wg show, addresses, routes"
		nsx "$_h" wg show "$NS_PFX$_h" 2>&1 | sed 's/^/#   /'
		ip -n "$NS_PFX$_h" -br addr 2>&1 | sed 's/^/#   /'
		ip -n "$NS_PFX$_h" route 2>&1 | sed 's/^/#   /'
	done
	if [ -n "$RUN" ] && [ -d "$RUN/logs" ]; then
		echo "# --- server logs (last lines)"
		tail -n 15 "$RUN/logs/responder.log" "$RUN/logs/error.log" 2>/dev/null | sed 's/^/#   /'
	fi
}

cleanup() {
	_rc=$?
	trap - EXIT INT TERM HUP
	# Output may go to a closed pipe (| head): cleaning up matters more.
	trap '' PIPE
	set +e
	[ "$_rc" -eq 0 ] && [ "$FAILED" -ne 0 ] && _rc=1
	[ "$_rc" -ne 0 ] && dump_state
	if [ "$_rc" -ne 0 ] && [ -n "${T3000_PAUSE:-}" ]; then
		note "T3000_PAUSE: the namespaces stay for $T3000_PAUSE s (ip netns list)"
		sleep "$T3000_PAUSE"
	fi
	if [ -n "$RUN" ] && [ -f "$RUN/nginx.conf" ]; then
		WGCONFSRV_RUN_DIR=$RUN nsx srv sh "$TOP/nginx/local.sh" stop >/dev/null 2>&1
	fi
	# Whatever local.sh missed dies with the namespace's processes.
	ns_cleanup
	if [ -n "$TMP" ]; then
		if [ -n "${T3000_KEEP:-}" ]; then
			note "kept $TMP"
		else
			rm -rf "$TMP"
		fi
	fi
	if [ "$FAILED" -ne 0 ]; then
		echo "# $FAILED check(s) failed:$FAILED_LIST"
	fi
	echo "# exit status: $_rc"
	exit "$_rc"
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

for _t in ip nft wireguard-go wg ping jq curl nginx spawn-fcgi openssl; do
	command -v "$_t" >/dev/null 2>&1 || die "$_t is missing (make deps installs it)"
done
[ -c /dev/net/tun ] || die "/dev/net/tun is missing: wireguard-go needs it"
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
[ -x "$TOP/cgi/wgconfsrv" ] || die "cgi/wgconfsrv is not built (make)"

ns_reap_stale "$NS_BASE"
for _d in "${TMPDIR:-/tmp}"/t3000-mesh.*.*; do
	[ -d "$_d" ] || continue
	_pid=${_d##*/t3000-mesh.}
	_pid=${_pid%%.*}
	kill -0 "$_pid" 2>/dev/null || rm -rf "$_d"
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/t3000-mesh.$$.XXXXXX") || die "mktemp"
chmod 0755 "$TMP"
RUN=$TMP/srv
LOG=$TMP/commands.log
# The binaries under test, copied: one run tests one build even when the
# tree is rebuilt meanwhile.
mkdir -p "$TMP/bin"
cp "$TOP/client/wgconf" "$TOP/cgi/wgconfsrv" "$TMP/bin/" || die "cannot copy the binaries"
WGCONF=$TMP/bin/wgconf

# --- the underlay -------------------------------------------------------

for _h in wan srv A B nat C D; do
	ns_add "$_h" || die "cannot create namespace $NS_PFX$_h"
done
ns_forward wan
ns_forward nat
ns_link wan s0 198.18.0.1/24 srv eth0 $SRV_ADDR/24 &&
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
check "underlay: D reaches the server's address" ns_ping D $SRV_ADDR 3
check "underlay: C reaches A through its NAT" ns_ping C 198.18.1.2 3
# The checks that something stays silent take 7 s each: run them together.
ns_noping A 192.168.33.2 & _p1=$!
ns_noping A 192.168.50.1 & _p2=$!
check "underlay: A cannot reach C directly" wait $_p1
check "underlay: A cannot reach 192.168.50.1 outside a tunnel" wait $_p2

for _h in $HOSTS; do
	ns_wg_up "$_h" "$NS_PFX$_h" || die "wireguard-go $NS_PFX$_h in $_h"
done
ok "wireguard-go runs in A, B, C, D"

# --- the server ---------------------------------------------------------

# It listens on every address of its namespace; the peers reach it as
# 198.18.0.2, so the certificate must name that address.
WGCONFSRV_RUN_DIR=$RUN WGCONFSRV_LISTEN=0.0.0.0:$SRV_PORT \
WGCONFSRV_CERT_NAMES=IP:$SRV_ADDR WGCONFSRV_RESPONDERS=2 \
WGCONFSRV_REGISTER_RATE=600r/m WGCONFSRV_BIN=$TMP/bin/wgconfsrv \
WGCONFSRV_LINK_STALE_SECONDS=$STALE \
	nsx srv sh "$TOP/nginx/local.sh" start >"$TMP/local-start.log" 2>&1 ||
	{ cat "$TMP/local-start.log"; die "nginx/local.sh start in the server namespace"; }
CACERT=$RUN/cert.pem
PWFILE=$RUN/admin-password
# D trusts the server by its public key instead of a CA file.
PIN=sha256//$(openssl x509 -in "$CACERT" -pubkey -noout |
	openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
check "server: https://$SRV_ADDR:$SRV_PORT answers A over the underlay" \
	nsx A curl -sf --cacert "$CACERT" -o /dev/null "$URL/api/v1/health"

# --- running wgconf -----------------------------------------------------

# wgc, wgc_in, admin and show_fail come from tests/netns.sh.

# sync HOST [ARGS...]: one cron run on HOST.
sync_host() {
	_h=$1
	shift
	wgc "$_h" sync --state-dir "$TMP/$_h/state" --interface "$NS_PFX$_h" \
		--config-dir "$TMP/$_h/wireguard" --apply "$@"
}

mkdir -p "$TMP/admin"
for _h in $HOSTS; do
	mkdir -p "$TMP/$_h/wireguard"
done

# --- registration -------------------------------------------------------

# hname HOST: the name a host registers under (the admin uses it too).
hname() {
	echo "host-$1" | tr '[:upper:]' '[:lower:]'
}

reg() {
	_h=$1
	shift
	if wgc "$_h" register --state-dir "$TMP/$_h/state" --server "$URL" \
		--name "$(hname "$_h")" "$@"; then
		ok "register: $_h registers ($*)"
	elif [ "$RC" -eq 3 ]; then
		ok "register: $_h registers, pending ($*)"
	else
		show_fail "register: $_h registers ($*)"
		die "cannot go on without $_h"
	fi
}
reg A --cacert "$CACERT" 198.18.1.2:51820
reg B --cacert "$CACERT" 198.18.2.2:51820
reg C --cacert "$CACERT" --listen-port 51000 nat
reg D --pin "$PIN" 198.18.4.2:51820

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

if admin accept host-a && admin accept host-b && admin accept host-c &&
	admin accept host-d --networks 192.168.50.0/24; then
	ok "admin: accept A, B, C, and D with 192.168.50.0/24"
else
	show_fail "admin: accept"
	die "cannot go on without accepted peers"
fi
for _p in $PAIRS; do
	_a=$(hname "${_p%-*}")
	_b=$(hname "${_p#*-}")
	admin pair "$_a" "$_b" || { show_fail "admin: pair $_a $_b"; die "cannot pair"; }
done
ok "admin: pair $PAIRS"

admin peers --json || { show_fail "admin peers --json"; die "no peer list"; }
printf '%s\n' "$OUT" >"$TMP/peers.json"
for _h in $HOSTS; do
	_n=$(hname "$_h")
	_a=$(jq -r --arg n "$_n" '(.peers // .)[] | select(.name == $n) | .addresses[0]' \
		"$TMP/peers.json" | sed 's|/.*||')
	case $_a in
	[0-9]*.*.*.*) eval "addr_$_h=\$_a" ;;
	*) die "admin peers --json gives no IPv4 address for $_n: $(cat "$TMP/peers.json")" ;;
	esac
	note "$_h is $_a in the tunnel"
done

# linkstatus X Y: the status `wgconf admin links` gives the pair of hosts X
# and Y ("none" when it lists no such pair).
linkstatus() {
	admin links --json || { echo "error"; return; }
	printf '%s\n' "$OUT" | jq -r --arg x "$(hname "$1")" --arg y "$(hname "$2")" '
		[.links[] | select((.a.name == $x and .b.name == $y) or
		                   (.a.name == $y and .b.name == $x)) | .status] | .[0] // "none"'
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

# pubkey HOST: the host's WireGuard public key, as its interface shows it.
pubkey() {
	nsx "$1" wg show "$NS_PFX$1" public-key
}
for _h in $HOSTS; do
	eval "pub_$_h=\$(pubkey $_h)"
done

# wgfield HOST PEERHOST FIELD: one column of `wg show IF FIELD` for a peer.
wgfield() {
	eval "_k=\$pub_$2"
	nsx "$1" wg show "$NS_PFX$1" "$3" | awk -v k="$_k" '$1 == k { print $2 }'
}

haspeer() {
	eval "_k=\$pub_$2"
	nsx "$1" wg show "$NS_PFX$1" peers | grep -qxF "$_k"
}

npeers() {
	nsx "$1" wg show "$NS_PFX$1" peers | grep -c .
}

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
