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
# address is not routed to R; and R, though it allows relaying, does not
# forward on the server's unsigned word. Once signed (`admin sign` shows "+ relay" and
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

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t371k
NS_PFX=$NS_BASE$$
HOSTS="R P A B"
. "$TOP/tests/netns.sh"

mesh_begin t3701-relay-trust nft sqlite3

# --- the underlay -------------------------------------------------------

mesh_wan
mesh_host R 198.18.1.2
mesh_host P 198.18.2.2
mesh_host A 192.168.33.2 nat 198.18.3.2
mesh_host B 192.168.44.2 nat 198.18.4.2
ip -n "$NS_PFX"B addr add 192.168.50.1/32 dev lo || die "192.168.50.1 on B"
mesh_wg $HOSTS
mesh_server

# --- helpers ---------------------------------------------------------------

# wgc, admin, show_fail, sync_host, round_rc, allowed and fwd come from
# tests/netns.sh.

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

mesh_register R 198.18.1.2:51820
mesh_register P 198.18.2.2:51820
mesh_register A nat
mesh_register B nat
for _h in $HOSTS; do
	eval "id_$_h=\$(jq -r .id \"\$TMP/$_h/state/state.json\")"
done
mesh_accept R
mesh_accept P
mesh_accept A
mesh_accept B --networks 192.168.50.0/24
mesh_pair A-B A-P
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
mesh_addrs
wgc R allow-relay || show_fail "allow-relay on R"
round_rc R P A B
round_rc R P A B
mesh_pubkeys
check "signed: A pings P" ns_ping A "$addr_P" 15

# --- the server chooses a relay the admin has not signed ---------------------

admin relay host-r on || show_fail "admin relay host-r on"
round_rc R P A B
check "unsigned relay path: A holds it back (exit $rc_A)" [ "$rc_A" = 4 ]
check "unsigned relay path: A names host-r ($err_A)" \
	eval 'printf "%s\n" "$err_A" | grep -q "host-r"'
check "unsigned relay path: A does not route B's address to R ($(allowed A R))" \
	eval '! has "$addr_B/32" "$(allowed A R)"'
check "unsigned relay path: A cannot reach B" ns_noping A "$addr_B"
check "unsigned relay role: R refuses the server's word for it ($err_R)" \
	eval 'printf "%s\n" "$err_R" | grep -qF "refused the server'"'"'s relay role: its signed statement does not say relay"'
check "unsigned relay role: R does not forward, allow-relay or not ($(fwd R))" [ "$(fwd R)" = 0 ]

# --- the admin signs it ----------------------------------------------------------

admin sign host-r --key "$TMP/admin/signing.key" --yes || show_fail "admin sign host-r"
check "admin sign shows the relay line" eval 'printf "%s\n" "$OUT" | grep -q "^  + relay$"'
admin sign host-a --key "$TMP/admin/signing.key" --yes || show_fail "admin sign host-a"
check "admin sign shows A's via line" \
	eval 'printf "%s\n" "$OUT" | grep -q "^  + via $id_R/$id_B$"'
sign_all "(the relay path)"
round_rc R P A B
round_rc R P A B
check "signed relay path: A syncs cleanly (exit $rc_A: $err_A)" [ "$rc_A" = 0 ]
check "signed relay role: R forwards ($(fwd R))" [ "$(fwd R)" = 1 ]
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
