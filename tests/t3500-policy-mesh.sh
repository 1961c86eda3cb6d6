#!/bin/sh
# SPDX-License-Identifier: MIT
# t3500-policy-mesh: twelve hosts paired by two rules under a signing key,
# with real tunnels: the statements carry the hosts' tags and no pair a rule
# makes, the rule set is one signed policy, and the hosts configure exactly
# the pairs the signed policy makes of the signed tags (docs/trust.md).
#
# h1..h8 are tagged web, h9..h12 db; the rules are web-db and db-db (the
# web hosts do not talk to each other). `wgconf admin sign --all` signs the
# twelve statements and the policy; every host runs `wgconf sync --apply`;
# web and db hosts ping each other over the tunnels, db hosts ping each
# other, and `wg show` on a web host lists exactly the four db hosts. Then
# an intruder writes the server's SQLite file against h1, and h1's next
# sync exits 4 naming the refusal, and `wg show` on h1 never lists what the
# admin did not pair:
#
#   - a rule forged into the signed policy text (web-web), with the pair
#     h1-h2 in the pairs table: the policy is refused (bad signature);
#   - a tag added to h2 (db) in peer_tags, then in h2's signed statement,
#     with the pair h1-h2: h2 is not paired (then: a bad signature), and h1
#     keeps pinging h9 meanwhile;
#   - the policy rolled back to version 1 (web-db) after the admin deleted
#     web-db and signed version 2: refused as a rollback.
#
# After each, the database is put back (or the admin signs anew) and h1
# pings h9 again. Topology (namespaces t35k<PID>*): srv 198.18.0.2:8443,
# host N at 198.18.N.2, all behind the router wan. T3500_KEEP=1 keeps the
# temporary folder.
set -u
umask 077

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t35k
NS_PFX=$NS_BASE$$
N=12
WEB="1 2 3 4 5 6 7 8"
DBS="9 10 11 12"
HOSTS=$(seq -f 'h%g' 1 $N | tr '\n' ' ')
. "$TOP/tests/netns.sh"

# The hosts register under their own names, h1..h12.
hname() {
	echo "$1"
}

mesh_begin t3500-policy-mesh sqlite3

# --- the underlay, the server ---------------------------------------------------
mesh_wan
for _h in $HOSTS; do
	mesh_host "$_h" "198.18.${_h#h}.2"
done
mesh_wg $HOSTS
ok "twelve hosts with wireguard-go behind one router"
mesh_server WGCONFSRV_REGISTER_RATE=6000r/m
# sql SQL: the intruder at the database; every ETag moves.
sql() {
	sqlite3 "$DB" "PRAGMA foreign_keys = ON; ATTACH '$TMP/loot.db' AS loot; $1;
	    UPDATE network SET revision = revision + 1;
	    UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1);" ||
	    die "cannot write the database: $1"
}

# peers_of N: the public keys wg shows on host N.
peers_of() {
	nsx "h$1" wg show "$NS_PFX"h$1 peers 2>/dev/null
}

# --- a signed mesh by two rules ------------------------------------------------
admin signing-key generate --out "$TMP/admin/signing.key" || die "signing key: $ERR"
SIGN_PUB=$OUT
admin network --signing-key "$SIGN_PUB" || die "network --signing-key: $ERR"
i=1
while [ $i -le $N ]; do
	mesh_register h$i 198.18.$i.2:51820 --trust-key "$SIGN_PUB"
	eval "pub_$i=\$(printf '%s\n' \"\$OUT\" | sed -n 's/^public key //p')"
	_t=web
	[ $i -ge 9 ] && _t=db
	admin accept h$i --tags $_t || { show_fail "accept h$i"; die "cannot accept"; }
	i=$((i + 1))
done
admin rules add web db && admin rules add db db || { show_fail "rules"; die "no rules"; }
admin sign --all --key "$TMP/admin/signing.key" --yes
check "the admin signs 12 statements and the policy: one sign --all" \
	eval 'printf "%s\n" "$OUT" | grep -q "signed 13, declined 0, failed 0"'
check "no statement lists a pair the rules make" \
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM peers WHERE statement LIKE '%pair %'")" = 0 ]
admin peers --json || die "no peer list"
printf '%s\n' "$OUT" >"$TMP/peers.json"
addr() {
	jq -r --arg n "h$1" '(.peers // .)[] | select(.name == $n) | .addresses[0]' \
	    "$TMP/peers.json" | sed 's|/.*||'
}

i=1
while [ $i -le $N ]; do
	sync_host h$i || show_fail "sync --apply on h$i"
	i=$((i + 1))
done
check "web h1 pings db h9 over the tunnel" ns_ping h1 "$(addr 9)" 15
check "web h8 pings db h12" ns_ping h8 "$(addr 12)" 15
check "db h9 pings db h12 (the db-db rule)" ns_ping h9 "$(addr 12)" 15
check "db h12 pings web h4" ns_ping h12 "$(addr 4)" 15
check "wg show on h1 lists exactly the four db hosts" \
	[ "$(peers_of 1 | wc -l)" = 4 ]
check "wg show on h9 lists the eight web and three other db hosts" \
	[ "$(peers_of 9 | wc -l)" = 11 ]
check "h1 does not list h2 (web-web is not a rule)" eval '! peers_of 1 | grep -qF "$pub_2"'

# expect_held WHAT PATTERN: h1's sync exits 4 naming PATTERN, h2 is not in wg.
expect_held() {
	held_pat=$2
	sync_host h1
	check "$1: held (exit 4)" [ "$RC" = 4 ]
	check "$1: named" eval 'printf "%s\n" "$ERR" | grep -Eq "$held_pat"'
	check "$1: h2 is not configured on h1" eval '! peers_of 1 | grep -qF "$pub_2"'
}

# clean WHAT: undone, h1 syncs cleanly and pings h9.
clean() {
	sync_host h1
	check "$1: undone, h1 syncs cleanly (exit $RC)" [ "$RC" = 0 ]
	check "$1: h1 pings h9 again" ns_ping h1 "$(addr 9)" 15
}

PAIR12="INSERT INTO pairs (a, b, psk_box_a, psk_box_b, created_at, explicit)
    SELECT min(p1.id, p2.id), max(p1.id, p2.id), x.psk_box_a, x.psk_box_b, 0, 0
    FROM peers p1, peers p2, pairs x WHERE p1.name = 'h1' AND p2.name = 'h2' LIMIT 1"
UNPAIR12="DELETE FROM pairs WHERE a IN (SELECT id FROM peers WHERE name IN ('h1', 'h2'))
    AND b IN (SELECT id FROM peers WHERE name IN ('h1', 'h2'))"

# --- a rule forged into the signed policy --------------------------------------
sql "$PAIR12; UPDATE policy SET text = replace(text, 'rule db web', 'rule db web
rule web web')"
expect_held "forged rule" "policy: refused: bad signature"
sql "$UNPAIR12; UPDATE policy SET text = replace(text, 'rule db web
rule web web', 'rule db web')"
clean "forged rule"

# --- a tag added by the intruder -------------------------------------------------
sql "$PAIR12; INSERT INTO peer_tags SELECT id, 'db' FROM peers WHERE name = 'h2'"
expect_held "tag in peer_tags" "peer h2 \(id [0-9a-f]+\): refused: not paired"
check "tag in peer_tags: h1 keeps pinging h9 meanwhile" ns_ping h1 "$(addr 9)" 15
sql "UPDATE peers SET statement = replace(statement, 'tag web', 'tag db
tag web') WHERE name = 'h2'"
expect_held "tag in h2's statement" "peer h2 \(id [0-9a-f]+\): refused: bad signature"
sql "$UNPAIR12; DELETE FROM peer_tags WHERE tag = 'db' AND peer_id IN
    (SELECT id FROM peers WHERE name = 'h2');
    UPDATE peers SET statement = replace(statement, 'tag db
tag web', 'tag web') WHERE name = 'h2'"
clean "tag added"

# --- the policy rolled back ------------------------------------------------------
sql "CREATE TABLE loot.pol AS SELECT signed_version, text, signature FROM policy;
    CREATE TABLE loot.pairs AS SELECT * FROM pairs"
admin rules --json
WEBDB=$(printf '%s\n' "$OUT" | jq -r '.rules[] | select(.a == "db" and .b == "web") | .id')
admin rules delete "$WEBDB" && admin sign --all --key "$TMP/admin/signing.key" --yes ||
    show_fail "rollback: the admin deletes web-db and signs policy version 2"
sync_host h1
check "rollback: h1 takes policy version 2: no peer left" [ -z "$(peers_of 1)" ]
sql "CREATE TABLE loot.pol2 AS SELECT signed_version, text, signature FROM policy;
    CREATE TABLE loot.pairs2 AS SELECT * FROM pairs"
sql "UPDATE policy SET (signed_version, text, signature) =
    (SELECT signed_version, text, signature FROM loot.pol);
    INSERT INTO pairs SELECT * FROM loot.pairs WHERE true ON CONFLICT DO NOTHING"
sync_host h1
check "policy rolled back: held (exit 4)" [ "$RC" = 4 ]
check "policy rolled back: named" eval 'printf "%s\n" "$ERR" |
    grep -q "policy: refused: rollback: the policy has version 1, older than version 2"'
check "policy rolled back: h1 configures no db host" [ -z "$(peers_of 1)" ]
sql "UPDATE policy SET (signed_version, text, signature) =
    (SELECT signed_version, text, signature FROM loot.pol2);
    DELETE FROM pairs; INSERT INTO pairs SELECT * FROM loot.pairs2 WHERE true"
admin rules add web db && admin sign --all --key "$TMP/admin/signing.key" --yes ||
    show_fail "rollback: the admin adds web-db again and signs"
i=9
while [ $i -le $N ]; do
	sync_host h$i || show_fail "sync h$i after the rule came back"
	i=$((i + 1))
done
clean "rollback"
