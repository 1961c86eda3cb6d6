#!/bin/sh
# SPDX-License-Identifier: MIT
# t2160-intruder-db: someone who broke into the server writes its SQLite file
# directly, against a host that trusts the admin's signing key
# (docs/trust.md). For each attack the host's `wgconf sync` writes a config
# without the intruder's key or route, exits 4, and names the refusal on
# stderr; after each, the database is put back and the host is whole again:
#
#   key swap, the statement rewritten to match, route widening (the networks
#   table, and the statement text), an unsigned peer, one signed by the
#   intruder's own key, rollback to an older signed statement, pair
#   injection, revival of a deleted (revoked) peer, the host's own interface
#   prefix (the pool, and its own statement), the intruder's key swapped
#   in for the network's signing key, and after a key rotation (wgconf
#   rotate, admin accept-key, admin sign) the old key and statement put back,
#   and a peer of another mesh the admin signs with the same key.
#
# Hosts: alpha (the victim, trusts K1), bravo (paired with alpha, routes
# 192.168.50.0/24), charlie (signed, paired with bravo only), delta (paired
# with alpha, deleted later). No tunnel is brought up: `sync` writes
# wg0.conf into a folder (t3200 does the real tunnels).
. "$(dirname "$0")/lib.sh"
need sqlite3 wg
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
stack_start

PWFILE=$T_TMP/admin-pass
printf '%s\n' "$ADMIN_PASS" >"$PWFILE"
mkdir -p "$T_TMP/home" "$T_TMP/keys" "$T_TMP/a/etc"
F=$T_TMP/a/etc/wg0.conf
LOOT=$T_TMP/loot.db

admin() {
	wgc adm admin --server "$URL" --cacert "$CACERT" --user admin \
	    --password-file "$PWFILE" "$@"
}

# sql SQL: the intruder at the server's database. Every ETag moves, so the
# hosts fetch again.
sql() {
	sqlite3 "$DB" "PRAGMA foreign_keys = ON; ATTACH '$LOOT' AS loot; $1; UPDATE network SET revision = revision + 1;
	    UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1);" ||
	    die "cannot write the database: $1"
}

# val SQL: one value from the database.
val() {
	sqlite3 "$DB" "$1"
}

sync_a() {
	wgc a sync --config-dir "$T_TMP/a/etc"
}

# clean WHAT: after an attack is undone, alpha takes the honest config again.
clean() {
	sync_a
	expect_rc 0 "$1: undone, alpha syncs cleanly again"
	expect_in "$(cat "$F")" "^PublicKey = $(q "$B_PUB")\$" "$1: bravo is configured again"
}

EVIL_PUB=$(wg genkey | wg pubkey)

# --- an honest, signed mesh ------------------------------------------------
K1=$T_TMP/keys/k1
wgc adm admin signing-key generate --out "$K1"
K1_PUB=$OUT
admin network --signing-key "$K1_PUB"
[ "$RC" = 0 ] || die "network --signing-key: $ERR"
wgc_register a alpha 203.0.113.1:51820 --trust-key "$K1_PUB"
A_ID=$ID A_PUB=$PUB
wgc_register b bravo 198.51.100.2:51820
B_ID=$ID B_PUB=$PUB
wgc_register c charlie 198.51.100.3:51820
C_ID=$ID C_PUB=$PUB
wgc_register d delta 198.51.100.4:51820
D_ID=$ID D_PUB=$PUB
for p in alpha charlie delta; do
	admin accept $p
	[ "$RC" = 0 ] || die "accept $p: $ERR"
done
admin accept bravo --networks 192.168.50.0/24
admin pair alpha bravo
admin pair alpha delta
admin pair bravo charlie
admin sign --all --key "$K1" --yes
expect_rc 0 "the admin signs every peer"
sync_a
expect_rc 0 "alpha syncs the signed mesh"
expect_in "$(cat "$F")" "^PublicKey = $(q "$B_PUB")\$" "bravo is configured"
expect_in "$(cat "$F")" "^AllowedIPs = 10\.77\.0\.[0-9]+/32, 192\.168\.50\.0/24\$" "with its route"
expect_in "$(cat "$F")" "^PublicKey = $(q "$D_PUB")\$" "delta is configured"
expect_not_in "$(cat "$F")" "$(q "$C_PUB")" "charlie, not paired with alpha, is not"
expect_in "$(cat "$F")" "^Address = 10\.77\.0\.[0-9]+/24\$" "alpha's address has the pool prefix"

# --- key swap ---------------------------------------------------------------
sql "UPDATE peers SET public_key = '$EVIL_PUB' WHERE id = '$B_ID'"
sync_a
expect_rc 4 "key swap: held"
expect_in "$ERR" "peer bravo \(id $B_ID\): refused: .*$(q "$EVIL_PUB")" "key swap: bravo is named, with the swapped key"
expect_not_in "$(cat "$F")" "$(q "$EVIL_PUB")" "key swap: the intruder's key is not written"
# ... and the statement text rewritten to match (its signature cannot follow)
sql "UPDATE peers SET statement = replace(statement, 'key $B_PUB', 'key $EVIL_PUB') WHERE id = '$B_ID'"
expect_eq "$(val "SELECT count(*) FROM peers WHERE statement LIKE '%$EVIL_PUB%'")" 1 \
    "key swap: the statement now names the intruder's key"
sync_a
expect_rc 4 "key swap in the statement: held"
expect_in "$ERR" "peer bravo \(id $B_ID\): refused: bad signature" "key swap in the statement: a bad signature"
expect_not_in "$(cat "$F")" "$(q "$EVIL_PUB")" "key swap in the statement: not written"
sql "UPDATE peers SET public_key = '$B_PUB', statement = replace(statement, 'key $EVIL_PUB', 'key $B_PUB') WHERE id = '$B_ID'"
clean "key swap"

# --- route widening ------------------------------------------------------------
sql "UPDATE networks SET cidr = '192.168.0.0/16' WHERE peer_id = '$B_ID'"
admin config alpha
expect_in "$OUT" "192\.168\.0\.0/16" "route widening: the server does serve the wider route"
sync_a
expect_rc 4 "route widening in the networks table: held"
expect_in "$ERR" "peer bravo \(id $B_ID\): refused the server's AllowedIPs .*192\.168\.0\.0/16" \
    "route widening: bravo is named, with the wider route"
expect_not_in "$(cat "$F")" "192\.168\.0\.0/16" "route widening: the wider route is not written"
expect_in "$(cat "$F")" "192\.168\.50\.0/24" "route widening: the signed one stays"
admin peers
expect_in "$OUT" "bravo +accepted +v1 changed" "route widening: admin peers shows bravo's unsigned change"
sql "UPDATE peers SET statement = replace(statement, 'network 192.168.50.0/24', 'network 192.168.0.0/16') WHERE id = '$B_ID'"
sync_a
expect_rc 4 "route widening in the statement: held"
expect_in "$ERR" "peer bravo \(id $B_ID\): refused: bad signature" "route widening: bravo is named, bad signature"
expect_not_in "$(cat "$F")" "192\.168\.0\.0/16" "route widening in the statement: not written"
sql "UPDATE networks SET cidr = '192.168.50.0/24' WHERE peer_id = '$B_ID';
    UPDATE peers SET statement = replace(statement, 'network 192.168.0.0/16', 'network 192.168.50.0/24') WHERE id = '$B_ID'"
clean "route widening"

# --- an unsigned peer -----------------------------------------------------------
wgc_register m mallory 192.0.2.66:51820
M_ID=$ID M_PUB=$PUB
admin accept mallory
admin pair alpha mallory
sync_a
expect_rc 4 "unsigned peer: held"
expect_in "$ERR" "peer mallory \(id $M_ID\): refused: unsigned" "unsigned peer: named"
expect_not_in "$(cat "$F")" "$(q "$M_PUB")" "unsigned peer: not written"
expect_in "$(cat "$F")" "^PublicKey = $(q "$B_PUB")\$" "unsigned peer: bravo stays"
# ... and signed with the intruder's own key, which the server now holds
K2=$T_TMP/keys/k2
wgc adm admin signing-key generate --out "$K2"
K2_PUB=$OUT
sql "UPDATE network SET signing_key = '$K2_PUB'"
admin sign alpha mallory --key "$K2" --yes
expect_rc 0 "the intruder signs alpha's and mallory's statements with K2 (the server takes it)"
sync_a
expect_rc 4 "signed by another key: held"
expect_in "$ERR" "held, nothing written or applied: bad signature" "signed by another key: alpha's own statement is refused"
expect_not_in "$(cat "$F")" "$(q "$M_PUB")" "signed by another key: mallory is not written"
expect_in "$(cat "$F")" "^PublicKey = $(q "$B_PUB")\$" "signed by another key: the file is left as it was"
sql "UPDATE network SET signing_key = '$K1_PUB'"
admin delete mallory
admin sign --all --key "$K1" --yes
expect_rc 0 "the admin signs again"
clean "unsigned peer"

# --- rollback -------------------------------------------------------------------
sql "CREATE TABLE loot.b AS SELECT statement, statement_sig, signed_version FROM peers WHERE id = '$B_ID'"
admin edit bravo --networks 192.168.50.0/25
admin sign bravo --key "$K1" --yes
expect_rc 0 "the admin narrows bravo to 192.168.50.0/25 and signs"
sync_a
expect_rc 0 "alpha takes the narrower route"
expect_in "$(cat "$F")" "192\.168\.50\.0/25" "rollback: alpha has the narrower route"
sql "UPDATE peers SET (statement, statement_sig, signed_version) =
    (SELECT statement, statement_sig, signed_version FROM loot.b) WHERE id = '$B_ID';
    UPDATE networks SET cidr = '192.168.50.0/24' WHERE peer_id = '$B_ID'"
expect_eq "$(val "SELECT signed_version FROM peers WHERE id = '$B_ID'")" 1 \
    "rollback: the server holds bravo's old, validly signed statement"
sync_a
expect_rc 4 "rollback: held"
expect_in "$ERR" "peer bravo \(id $B_ID\): refused: rollback" "rollback: named as a rollback"
expect_not_in "$(cat "$F")" "192\.168\.50\.0/24" "rollback: the old, wider route is not written"
sql "UPDATE networks SET cidr = '192.168.50.0/25' WHERE peer_id = '$B_ID'"
admin sign bravo --key "$K1" --yes
clean "rollback"

# --- pair injection ----------------------------------------------------------------
sql "INSERT INTO pairs (a, b, psk_box_a, psk_box_b, created_at)
    SELECT min('$A_ID', '$C_ID'), max('$A_ID', '$C_ID'), psk_box_a, psk_box_b, created_at
    FROM pairs WHERE a = min('$B_ID', '$C_ID') AND b = max('$B_ID', '$C_ID')"
admin config alpha
expect_in "$OUT" "$(q "$C_PUB")" "pair injection: the server serves charlie to alpha"
sync_a
expect_rc 4 "pair injection: held"
expect_in "$ERR" "peer charlie \(id $C_ID\): refused: not paired" "pair injection: charlie is named, not paired"
expect_not_in "$(cat "$F")" "$(q "$C_PUB")" "pair injection: charlie is not written"
sql "DELETE FROM pairs WHERE (a = '$A_ID' AND b = '$C_ID') OR (a = '$C_ID' AND b = '$A_ID')"
clean "pair injection"

# --- revival of a deleted peer -------------------------------------------------------
sql "CREATE TABLE loot.dp AS SELECT * FROM peers WHERE id = '$D_ID';
    CREATE TABLE loot.da AS SELECT * FROM addresses WHERE peer_id = '$D_ID';
    CREATE TABLE loot.dx AS SELECT * FROM pairs WHERE a = '$D_ID' OR b = '$D_ID'"
admin delete delta
admin sign --all --key "$K1" --yes
expect_rc 0 "the admin deletes delta and signs"
expect_in "$OUT" "revoked $(q "$D_PUB")" "sign --all signs the revocation of delta's key"
sync_a
expect_rc 0 "alpha drops delta"
expect_not_in "$(cat "$F")" "$(q "$D_PUB")" "revival: delta is gone"
expect_eq "$(jq -r --arg k "$D_PUB" '.revoked | index($k) != null' "$T_TMP/a/state/trust.json")" true \
    "revival: alpha keeps delta's key as revoked"
sql "INSERT INTO peers SELECT * FROM loot.dp; INSERT INTO addresses SELECT * FROM loot.da;
    INSERT INTO pairs SELECT * FROM loot.dx; DELETE FROM revocations"
admin config alpha
expect_in "$OUT" "$(q "$D_PUB")" "revival: the server serves delta again, revocation gone"
sync_a
expect_rc 4 "revival: held"
expect_in "$ERR" "peer delta \(id $D_ID\): refused: .*revoked" "revival: delta is named, its key revoked"
expect_not_in "$(cat "$F")" "$(q "$D_PUB")" "revival: delta is not written"
sql "DELETE FROM peers WHERE id = '$D_ID'"
clean "revival"

# --- the host's own interface prefix ---------------------------------------------------
sql "UPDATE network SET ipv4_pool = '0.0.0.0/1'"
admin config alpha
expect_in "$OUT" "10\.77\.0\.[0-9]+/1\"" "interface prefix: the server serves a /1 address"
sync_a
expect_rc 4 "interface prefix from the pool: held"
expect_in "$ERR" "this host \(id $A_ID\): refused the server's interface addresses 10\.77\.0\.[0-9]+/1" \
    "interface prefix: the /1 is named"
expect_in "$(cat "$F")" "^Address = 10\.77\.0\.[0-9]+/24\$" "interface prefix: the /24 stays"
expect_not_in "$(cat "$F")" "/1\$" "interface prefix: no /1 is written"
sql "UPDATE peers SET statement = replace(statement, '/24
', '/1
') WHERE id = '$A_ID'"
sync_a
expect_rc 4 "interface prefix in alpha's statement: held"
expect_in "$ERR" "this host \(id $A_ID\): held, nothing written or applied: bad signature" \
    "interface prefix: alpha's own statement is refused"
expect_not_in "$(cat "$F")" "/1\$" "interface prefix: still no /1"
sql "UPDATE network SET ipv4_pool = '10.77.0.0/24';
    UPDATE peers SET statement = replace(statement, '/1
', '/24
') WHERE id = '$A_ID'"
clean "interface prefix"

# --- key rotation, and the old key replayed ---------------------------------------------
# bravo rotates; the admin accepts and signs; both sides take the new key.
# Then the intruder puts bravo's old key and old signed statement back.
sql "CREATE TABLE loot.bk AS SELECT public_key, statement, statement_sig, signed_version
    FROM peers WHERE id = '$B_ID'"
wgc b rotate
expect_rc 0 "rotation: bravo asks for a new key"
expect_eq "$(stat -c %a "$T_TMP/b/state/next.key" 2>&1)" 600 \
    "rotation: the new private key waits in next.key, mode 0600 (wgconf(1) rotate)"
admin peers --json
NEW_B=$(printf '%s' "$OUT" | jq -r --arg id "$B_ID" '.peers[] | select(.id == $id) | .pending_key')
expect_in "$NEW_B" '^[A-Za-z0-9+/]{43}=$' "rotation: the server holds it as pending"
sync_a
expect_rc 0 "rotation: nothing changes before the admin accepts"
expect_in "$(cat "$F")" "^PublicKey = $(q "$B_PUB")\$" "rotation: alpha keeps bravo's old key meanwhile"
admin accept-key bravo
expect_rc 0 "rotation: the admin accepts the new key"
sync_a
expect_rc 4 "rotation: accepted but not signed: held"
expect_in "$ERR" "peer bravo \(id $B_ID\): refused: not signed: the server gives key $(q "$NEW_B")" \
    "rotation: the unsigned new key is named"
expect_not_in "$(cat "$F")" "$(q "$NEW_B")" "rotation: the unsigned new key is not written"
admin sign --all --key "$K1" --yes
expect_rc 0 "rotation: the admin signs"
expect_in "$OUT" "^  - key $(q "$B_PUB")\$" "rotation: sign shows the old key going"
expect_in "$OUT" "^  \+ key $(q "$NEW_B")\$" "rotation: and the new one coming"
expect_in "$OUT" "revoked $(q "$B_PUB")" "rotation: and revokes the old key"
sync_a
expect_rc 0 "rotation: alpha takes the new key"
expect_in "$(cat "$F")" "^PublicKey = $(q "$NEW_B")\$" "rotation: alpha configures bravo's new key"
expect_not_in "$(cat "$F")" "$(q "$B_PUB")" "rotation: and not the old one"
wgc b sync --config-dir "$T_TMP/b/etc"
expect_rc 0 "rotation: bravo syncs with its new key"
sql "CREATE TABLE loot.bn AS SELECT public_key, statement, statement_sig, signed_version
    FROM peers WHERE id = '$B_ID';
    UPDATE peers SET (public_key, statement, statement_sig, signed_version) =
    (SELECT public_key, statement, statement_sig, signed_version FROM loot.bk) WHERE id = '$B_ID'"
sync_a
expect_rc 4 "old key replayed: held"
expect_in "$ERR" "peer bravo \(id $B_ID\): refused: (rollback|.*revoked)" "old key replayed: named"
expect_not_in "$(cat "$F")" "$(q "$B_PUB")" "old key replayed: the old key is not written"
sql "UPDATE peers SET (public_key, statement, statement_sig, signed_version) =
    (SELECT public_key, statement, statement_sig, signed_version FROM loot.bn) WHERE id = '$B_ID'"
B_PUB=$NEW_B
clean "old key replayed"

# --- a statement of another mesh ------------------------------------------------------
# The admin runs a second mesh and signs it with the same key. The intruder
# copies a peer of it, statement and all, into this server's database.
S1_DB=$DB S1_URL=$URL S1_CACERT=$CACERT
stack_start
printf '%s\n' "$ADMIN_PASS" >"$T_TMP/admin-pass2"
admin2() {
	wgc adm2 admin --server "$URL" --cacert "$CACERT" --user admin \
	    --password-file "$T_TMP/admin-pass2" "$@"
}
admin2 network --signing-key "$K1_PUB"
wgc_register z zulu 192.0.2.90:51820
Z_ID=$ID Z_PUB=$PUB
admin2 accept zulu --address 10.77.0.200
admin2 sign --all --key "$K1" --yes
expect_rc 0 "other mesh: the admin signs zulu in the second mesh with the same key"
DB2=$DB
DB=$S1_DB URL=$S1_URL CACERT=$S1_CACERT
sql "ATTACH '$DB2' AS m2; INSERT INTO peers SELECT * FROM m2.peers WHERE id = '$Z_ID';
    INSERT INTO addresses SELECT * FROM m2.addresses WHERE peer_id = '$Z_ID';
    INSERT INTO pairs (a, b, psk_box_a, psk_box_b, created_at)
    SELECT min('$A_ID', '$Z_ID'), max('$A_ID', '$Z_ID'), psk_box_a, psk_box_b, created_at
    FROM pairs WHERE a = min('$A_ID', '$B_ID') AND b = max('$A_ID', '$B_ID')"
admin config alpha
expect_in "$OUT" "$(q "$Z_PUB")" "other mesh: the server serves zulu, validly signed, to alpha"
sync_a
expect_rc 4 "other mesh: held"
expect_in "$ERR" "peer zulu \(id $Z_ID\): refused: other mesh" "other mesh: zulu is named, another mesh"
expect_not_in "$(cat "$F")" "$(q "$Z_PUB")" "other mesh: zulu is not written"
sql "DELETE FROM peers WHERE id = '$Z_ID'"
clean "other mesh"
