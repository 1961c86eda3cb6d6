#!/bin/sh
# SPDX-License-Identifier: MIT
# t3701-relay-trust: under a signing key, a relay path is part of what the
# admin signs, and a host that trusts the key takes no relay route the
# admin did not sign.
#
# R is public and allows relaying; A and B sit behind NATs of their own
# (nftables masquerade); P is public. Every host trusts the admin's signing
# key. When the admin makes R a relay, the server routes A-B through R at
# once, but until the admin signs it (R's "relay" line, A's and B's "via"
# lines, the pairs made with R) A holds it back: exit 4, naming R, and B's
# address is not routed to R. Once signed (`admin sign` shows "+ relay" and
# "+ via R/B"), A pings B and B's LAN through R. Then an intruder writes a
# relay path into the SQLite file (A-P, signed direct, through R): A
# refuses it, exit 4, naming P and R, P's address never goes to R, and A
# still pings B; the server's next write heals the path.
#
#             srv 198.18.0.2:8443
#                  |
#   R 198.18.1.2 -+- wan -+- natA 198.18.3.2 (masquerade) - A 192.168.33.2
#   P 198.18.2.2 -+       +- natB 198.18.4.2 (masquerade) - B 192.168.44.2
#                                              (+ 192.168.50.1 on B's lo)
set -u
umask 077

if [ "$(id -u)" -ne 0 ]; then
	echo "# skip: needs root (network namespaces, wireguard-go)"
	echo "t3701-relay-trust: skipped: needs root (network namespaces, wireguard-go)" >&2
	echo "# exit status: 77"
	exit 77
fi

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t371k
NS_PFX=$NS_BASE$$
. "$TOP/tests/netns.sh"

WGCONF=$TOP/client/wgconf
SRV_ADDR=198.18.0.2
SRV_PORT=8443
URL=https://$SRV_ADDR:$SRV_PORT
HOSTS="R P A B"

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
	if [ "$_rc" -ne 0 ] && [ -n "${T3701_PAUSE:-}" ]; then
		note "T3701_PAUSE: the namespaces stay for $T3701_PAUSE s (ip netns list)"
		sleep "$T3701_PAUSE"
	fi
	if [ -n "$RUN" ] && [ -f "$RUN/nginx.conf" ]; then
		WGCONFSRV_RUN_DIR=$RUN nsx srv sh "$TOP/nginx/local.sh" stop >/dev/null 2>&1
	fi
	# Whatever local.sh missed dies with the namespace's processes.
	ns_cleanup
	if [ -n "$TMP" ]; then
		if [ -n "${T3701_KEEP:-}" ]; then
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

for _t in ip nft wireguard-go wg ping jq curl nginx spawn-fcgi openssl sqlite3; do
	command -v "$_t" >/dev/null 2>&1 || die "$_t is missing (make deps installs it)"
done
[ -c /dev/net/tun ] || die "/dev/net/tun is missing: wireguard-go needs it"
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
[ -x "$TOP/cgi/wgconfsrv" ] || die "cgi/wgconfsrv is not built (make)"

ns_reap_stale "$NS_BASE"
for _d in "${TMPDIR:-/tmp}"/t3701-relay-trust.*.*; do
	[ -d "$_d" ] || continue
	_pid=${_d##*/t3701-relay-trust.}
	_pid=${_pid%%.*}
	kill -0 "$_pid" 2>/dev/null || rm -rf "$_d"
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/t3701-relay-trust.$$.XXXXXX") || die "mktemp"
chmod 0755 "$TMP"
RUN=$TMP/srv
LOG=$TMP/commands.log
# The binaries under test, copied: one run tests one build even when the
# tree is rebuilt meanwhile.
mkdir -p "$TMP/bin"
cp "$TOP/client/wgconf" "$TOP/cgi/wgconfsrv" "$TMP/bin/" || die "cannot copy the binaries"
WGCONF=$TMP/bin/wgconf



# --- the underlay -------------------------------------------------------

for _h in wan srv R P natA A natB B; do
	ns_add "$_h" || die "cannot create namespace $NS_PFX$_h"
done
ns_forward wan
ns_forward natA
ns_forward natB
ns_link wan s0 198.18.0.1/24 srv eth0 $SRV_ADDR/24 &&
ns_link wan r0 198.18.1.1/24 R eth0 198.18.1.2/24 &&
ns_link wan p0 198.18.2.1/24 P eth0 198.18.2.2/24 &&
ns_link wan na 198.18.3.1/24 natA wan0 198.18.3.2/24 &&
ns_link wan nb 198.18.4.1/24 natB wan0 198.18.4.2/24 &&
ns_link natA lan0 192.168.33.1/24 A eth0 192.168.33.2/24 &&
ns_link natB lan0 192.168.44.1/24 B eth0 192.168.44.2/24 ||
	die "cannot create the veth links"
for _h in srv R P natA natB; do
	_gw=$(ip -n "$NS_PFX$_h" -4 -o addr show | sed -n 's/.* inet \(198\.18\.[0-9]*\)\..*/\1.1/p')
	ip -n "$NS_PFX$_h" route add default via "$_gw" || die "default route on $_h"
done
ip -n "$NS_PFX"A route add default via 192.168.33.1 || die "default route on A"
ip -n "$NS_PFX"B route add default via 192.168.44.1 || die "default route on B"
ip -n "$NS_PFX"B addr add 192.168.50.1/32 dev lo || die "192.168.50.1 on B"
for _n in natA natB; do
	nsx "$_n" nft -f - <<'EOF' || die "nftables NAT on $_n"
table ip t37knat {
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
done
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
DB=$RUN/wgconfsrv.db

# --- helpers ---------------------------------------------------------------

sync_host() {
	_h=$1
	shift
	wgc "$_h" sync --state-dir "$TMP/$_h/state" --interface "$NS_PFX$_h" \
		--config-dir "$TMP/$_h/wireguard" --apply "$@"
}

# round HOST...: one cron run on each; each one's exit status and stderr in
# rc_HOST and err_HOST.
round() {
	for _rh in "$@"; do
		sync_host "$_rh"
		eval "rc_$_rh=\$RC err_$_rh=\$ERR"
	done
}

hname() {
	echo "host-$1" | tr '[:upper:]' '[:lower:]'
}

# allowed HOST PEERHOST: HOST's AllowedIPs for PEERHOST, space-separated.
allowed() {
	eval "_k=\$pub_$2"
	nsx "$1" wg show "$NS_PFX$1" allowed-ips | awk -v k="$_k" '$1 == k { $1 = ""; print }'
}

# has WORD TEXT: TEXT holds WORD, a whole word.
has() {
	case " $2 " in *" $1 "*) true ;; *) false ;; esac
}

# db SQL: a write as the intruder makes it; A's revision moves as the
# server moves it, so that A's next request gets the new config.
db() {
	sqlite3 -cmd '.timeout 5000' "$DB" "$1;
		UPDATE network SET revision = revision + 1 WHERE id = 1;
		UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1)
			WHERE id = '$id_A';" || die "sqlite3: $1"
}

# --- the mesh, signed ----------------------------------------------------------

mkdir -p "$TMP/admin"
for _h in $HOSTS; do
	mkdir -p "$TMP/$_h/wireguard"
	case $_h in
	A | B) _ep=nat ;;
	R) _ep=198.18.1.2:51820 ;;
	P) _ep=198.18.2.2:51820 ;;
	esac
	wgc "$_h" register --state-dir "$TMP/$_h/state" --server "$URL" --cacert "$CACERT" \
		--name "$(hname "$_h")" "$_ep"
	[ "$RC" = 0 ] || [ "$RC" = 3 ] || { show_fail "register $_h"; die "cannot go on"; }
	eval "id_$_h=\$(jq -r .id \"\$TMP/$_h/state/state.json\")"
done
for _h in R P A; do
	admin accept "$(hname "$_h")" || { show_fail "accept $_h"; die "cannot go on"; }
done
admin accept host-b --networks 192.168.50.0/24 || { show_fail "accept B"; die "cannot go on"; }
admin pair host-a host-b && admin pair host-a host-p || { show_fail "pair"; die "cannot go on"; }
admin signing-key generate --out "$TMP/admin/signing.key" ||
	{ show_fail "admin signing-key generate"; die "no signing key"; }
SIGN_PUB=$(printf '%s\n' "$OUT" | grep -oE '[A-Za-z0-9+/]{43}=' | head -n 1)
admin network --signing-key "$SIGN_PUB" || show_fail "admin network --signing-key"
sign_all() {
	admin sign --all --yes --key "$TMP/admin/signing.key" || show_fail "admin sign --all $1"
}
sign_all "(first)"
for _h in $HOSTS; do
	wgc "$_h" trust-key "$SIGN_PUB" || show_fail "trust-key on $_h"
done
admin peers --json || die "no peer list"
for _h in $HOSTS; do
	_a=$(printf '%s\n' "$OUT" | jq -r --arg n "$(hname "$_h")" \
		'.peers[] | select(.name == $n) | .addresses[0]' | sed 's|/.*||')
	eval "addr_$_h=\$_a"
done
wgc R allow-relay || show_fail "allow-relay on R"
round R P A B
round R P A B
for _h in $HOSTS; do
	eval "pub_$_h=\$(nsx $_h wg show $NS_PFX$_h public-key)"
done
check "signed: A pings P" ns_ping A "$addr_P" 15

# --- the server chooses a relay the admin has not signed ---------------------

admin relay host-r on || show_fail "admin relay host-r on"
round R P A B
check "unsigned relay path: A holds it back (exit $rc_A)" [ "$rc_A" = 4 ]
check "unsigned relay path: A names host-r ($err_A)" \
	eval 'printf "%s\n" "$err_A" | grep -q "host-r"'
check "unsigned relay path: A does not route B's address to R ($(allowed A R))" \
	eval '! has "$addr_B/32" "$(allowed A R)"'
check "unsigned relay path: A cannot reach B" ns_noping A "$addr_B"

# --- the admin signs it ----------------------------------------------------------

admin sign host-r --key "$TMP/admin/signing.key" --yes || show_fail "admin sign host-r"
check "admin sign shows the relay line" eval 'printf "%s\n" "$OUT" | grep -q "^  + relay$"'
admin sign host-a --key "$TMP/admin/signing.key" --yes || show_fail "admin sign host-a"
check "admin sign shows A's via line" \
	eval 'printf "%s\n" "$OUT" | grep -q "^  + via $id_R/$id_B$"'
sign_all "(the relay path)"
round R P A B
round R P A B
check "signed relay path: A syncs cleanly (exit $rc_A: $err_A)" [ "$rc_A" = 0 ]
check "signed relay path: B syncs cleanly (exit $rc_B: $err_B)" [ "$rc_B" = 0 ]
_al=$(allowed A R)
check "signed relay path: A routes B's address and LAN to R ($_al)" \
	eval 'has "$addr_B/32" "$_al" && has 192.168.50.0/24 "$_al"'
check "signed relay path: A pings B through R" ns_ping A "$addr_B" 20
check "signed relay path: A pings 192.168.50.1 behind B" ns_ping A 192.168.50.1 10

# --- the intruder writes a relay path into the database ------------------------

# A-P is direct and signed so; the intruder sends it through R.
_lo=$id_A _hi=$id_P
[ "$id_A" \< "$id_P" ] || { _lo=$id_P _hi=$id_A; }
db "UPDATE pairs SET via = '$id_R' WHERE a = '$_lo' AND b = '$_hi'"
sync_host A
check "intruder's relay path: A refuses it (exit $RC)" [ "$RC" = 4 ]
check "intruder's relay path: A names P and the relay ($ERR)" \
	eval 'printf "%s\n" "$ERR" | grep -qF "peer host-p (id $id_P): refused: the route through relay host-r (id $id_R): not signed"'
check "intruder's relay path: A does not route P's address to R ($(allowed A R))" \
	eval '! has "$addr_P/32" "$(allowed A R)"'
check "intruder's relay path: A still pings B through R" ns_ping A "$addr_B" 10

# The server's own next write (A's link report) put A-P back as it was:
# A's next sync takes P directly again.
sync_host A
check "healed: A's next sync is clean (exit $RC: $ERR)" [ "$RC" = 0 ]
check "healed: A pings P directly" ns_ping A "$addr_P" 10

[ "$FAILED" -eq 0 ]
