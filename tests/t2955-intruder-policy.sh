#!/bin/sh
# SPDX-License-Identifier: MIT
# t2955-intruder-policy: the signed policy (docs/trust.md) against someone
# who writes the server's SQLite file. Peers are paired by a rule (tag web
# with tag db); their statements carry their tags and no pair line, and the
# rule set is one signed document. For each attack the host's `wgconf sync`
# exits 4, names the refusal, and writes no key the admin did not pair;
# after each, the database is put back and the host is whole again:
#
#   a rule forged in the signed policy text, a rule added to the rules
#   table, a tag added to a peer in the peer_tags table, a tag added to a
#   peer's signed statement, a policy rolled back to an older, validly
#   signed version (bringing back a rule the admin removed).
#
# And what the policy is for: a rule added to a signed mesh is one
# signature (`admin sign --all` signs the policy alone), after which the
# host configures the new pairs.
#
# Hosts: alpha (web, the victim, trusts K1), bravo (db), delta (db),
# charlie (tag other: no rule pairs it with alpha). No tunnel is brought
# up: `sync` writes wg0.conf into a folder.
. "$(dirname "$0")/lib.sh"
need sqlite3 wg jq
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
stack_start

PWFILE=$T_TMP/admin-pass
printf '%s\n' "$ADMIN_PASS" >"$PWFILE"
mkdir -p "$T_TMP/keys" "$T_TMP/a/etc"
F=$T_TMP/a/etc/wg0.conf
LOOT=$T_TMP/loot.db

admin() {
	wgc adm admin --server "$URL" --cacert "$CACERT" --user admin \
	    --password-file "$PWFILE" "$@"
}

# sql SQL: the intruder at the server's database; every ETag moves.
sql() {
	sqlite3 "$DB" "PRAGMA foreign_keys = ON; ATTACH '$LOOT' AS loot; $1; UPDATE network SET revision = revision + 1;
	    UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1);" ||
	    die "cannot write the database: $1"
}

val() {
	sqlite3 "$DB" "$1"
}

sync_a() {
	wgc a sync --config-dir "$T_TMP/a/etc"
}

# pair_with_psk X Y: the intruder pairs X and Y, copying the sealed boxes of
# the alpha-bravo pair (they open for neither, which does not matter: the
# host must refuse the pair before it gets that far).
pair_with_psk() {
	sql "INSERT INTO pairs (a, b, psk_box_a, psk_box_b, created_at, explicit)
	    SELECT min('$1', '$2'), max('$1', '$2'), psk_box_a, psk_box_b, created_at, 0
	    FROM pairs WHERE a = min('$A_ID', '$B_ID') AND b = max('$A_ID', '$B_ID')"
}

unpair() {
	sql "DELETE FROM pairs WHERE a = min('$1', '$2') AND b = max('$1', '$2')"
}

clean() {
	sync_a
	expect_rc 0 "$1: undone, alpha syncs cleanly again"
	expect_in "$(cat "$F")" "^PublicKey = $(q "$B_PUB")\$" "$1: bravo is configured again"
	expect_not_in "$(cat "$F")" "$(q "$C_PUB")" "$1: charlie is not"
}

# --- an honest mesh, paired by one rule, signed -------------------------------
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
admin accept alpha --tags web
admin accept bravo --tags db
admin accept charlie --tags other
admin accept delta --tags db
admin rules add web db
expect_rc 0 "a rule pairs web with db"
admin sign --all --key "$K1" --yes
expect_rc 0 "the admin signs every peer and the policy"
expect_in "$OUT" "^  \+ tag web\$" "sign shows alpha's tag"
expect_in "$OUT" "^  \+ rule db web\$" "sign shows the rule, tags in byte order"
expect_in "$OUT" "signed the policy at version 1" "the policy is signed at version 1"
expect_eq "$(val "SELECT count(*) FROM peers WHERE statement LIKE '%pair %'")" 0 \
    "no statement lists a pair the rule makes"
sync_a
expect_rc 0 "alpha syncs the signed mesh"
expect_in "$(cat "$F")" "^PublicKey = $(q "$B_PUB")\$" "bravo (db) is configured by the rule"
expect_in "$(cat "$F")" "^PublicKey = $(q "$D_PUB")\$" "delta (db) is configured by the rule"
expect_not_in "$(cat "$F")" "$(q "$C_PUB")" "charlie (other) is not"
expect_eq "$(jq -r .policy_version "$T_TMP/a/state/trust.json")" 1 "alpha remembers policy version 1"

# --- a rule forged in the signed policy's text ----------------------------------
pair_with_psk "$A_ID" "$C_ID"
sql "UPDATE policy SET text = replace(text, 'rule db web', 'rule db web
rule other web')"
admin config alpha
expect_in "$OUT" "rule other web" "forged rule: the server serves the forged policy"
expect_in "$OUT" "$(q "$C_PUB")" "forged rule: and charlie to alpha"
sync_a
expect_rc 4 "forged rule in the policy: held"
expect_in "$ERR" "^wgconf: policy: refused: bad signature" "forged rule: the policy is named, a bad signature"
expect_in "$ERR" "peer charlie \(id $C_ID\): refused: not paired" "forged rule: charlie is named, not paired"
expect_not_in "$(cat "$F")" "$(q "$C_PUB")" "forged rule: charlie is not written"
sql "UPDATE policy SET text = replace(text, 'rule db web
rule other web', 'rule db web')"
unpair "$A_ID" "$C_ID"
clean "forged rule"

# --- a rule added to the rules table ----------------------------------------------
pair_with_psk "$A_ID" "$C_ID"
sql "INSERT INTO rules (a, b, created_at) VALUES ('other', 'web', 0)"
admin config alpha
expect_in "$OUT" "$(q "$C_PUB")" "rules table: the server serves charlie to alpha"
sync_a
expect_rc 4 "rule added to the rules table: held"
expect_in "$ERR" "peer charlie \(id $C_ID\): refused: not paired" "rules table: charlie is named, not paired"
expect_not_in "$(cat "$F")" "$(q "$C_PUB")" "rules table: charlie is not written"
expect_in "$(cat "$F")" "^PublicKey = $(q "$B_PUB")\$" "rules table: bravo stays"
sql "DELETE FROM rules WHERE a = 'other'"
unpair "$A_ID" "$C_ID"
clean "rules table"

# --- a tag added to charlie in the peer_tags table -----------------------------------
pair_with_psk "$A_ID" "$C_ID"
sql "INSERT INTO peer_tags (peer_id, tag) VALUES ('$C_ID', 'db')"
admin peers
expect_in "$OUT" "charlie +accepted +v1 changed" "peer_tags: admin peers shows charlie's unsigned change"
sync_a
expect_rc 4 "tag added in peer_tags: held"
expect_in "$ERR" "peer charlie \(id $C_ID\): refused: not paired" "peer_tags: charlie is named, not paired"
expect_not_in "$(cat "$F")" "$(q "$C_PUB")" "peer_tags: charlie is not written"
# ... and in charlie's signed statement (its signature cannot follow)
sql "UPDATE peers SET statement = replace(statement, 'tag other', 'tag db
tag other') WHERE id = '$C_ID'"
expect_eq "$(val "SELECT count(*) FROM peers WHERE id = '$C_ID' AND statement LIKE '%tag db%'")" 1 \
    "tag in the statement: charlie's statement now names tag db"
sync_a
expect_rc 4 "tag added in the statement: held"
expect_in "$ERR" "peer charlie \(id $C_ID\): refused: bad signature" "tag in the statement: a bad signature"
expect_not_in "$(cat "$F")" "$(q "$C_PUB")" "tag in the statement: charlie is not written"
sql "DELETE FROM peer_tags WHERE peer_id = '$C_ID' AND tag = 'db';
    UPDATE peers SET statement = replace(statement, 'tag db
tag other', 'tag other') WHERE id = '$C_ID'"
unpair "$A_ID" "$C_ID"
clean "tag added"

# --- a policy rolled back ---------------------------------------------------------------
sql "CREATE TABLE loot.pol AS SELECT signed_version, text, signature FROM policy;
    CREATE TABLE loot.pairs AS SELECT * FROM pairs"
admin rules --json
RULE=$(printf '%s' "$OUT" | jq -r '.rules[] | select(.a == "db" and .b == "web") | .id')
admin rules delete "$RULE"
expect_rc 0 "rollback: the admin deletes the rule web-db"
admin sign --all --key "$K1" --yes
expect_rc 0 "rollback: and signs the policy without it"
expect_in "$OUT" "^  - rule db web\$" "rollback: sign shows the rule going"
sync_a
expect_rc 0 "rollback: alpha takes policy version 2"
expect_not_in "$(cat "$F")" "$(q "$B_PUB")" "rollback: bravo is gone from alpha"
expect_eq "$(jq -r .policy_version "$T_TMP/a/state/trust.json")" 2 "alpha remembers policy version 2"
sql "CREATE TABLE loot.pol2 AS SELECT signed_version, text, signature FROM policy"
sql "UPDATE policy SET (signed_version, text, signature) =
    (SELECT signed_version, text, signature FROM loot.pol);
    INSERT INTO pairs SELECT * FROM loot.pairs WHERE true ON CONFLICT DO NOTHING"
admin config alpha
expect_in "$OUT" "$(q "$B_PUB")" "rollback: the server serves bravo again, under policy version 1"
sync_a
expect_rc 4 "policy rolled back: held"
expect_in "$ERR" "^wgconf: policy: refused: rollback: the policy has version 1, older than version 2" \
    "rollback: the policy is named, a rollback"
expect_in "$ERR" "peer bravo \(id $B_ID\): refused: not paired" "rollback: bravo is named, not paired"
expect_not_in "$(cat "$F")" "$(q "$B_PUB")" "rollback: bravo is not written"

sql "UPDATE policy SET (signed_version, text, signature) =
    (SELECT signed_version, text, signature FROM loot.pol2);
    DELETE FROM pairs WHERE NOT explicit"
sync_a
expect_rc 0 "rollback: undone, alpha syncs cleanly again"
expect_not_in "$(cat "$F")" "$(q "$B_PUB")" "rollback: undone, bravo stays out"

# --- a rule added to a signed mesh is one signature ------------------------------------
admin rules add web db
expect_rc 0 "one signature: the admin adds the rule again"
admin sign --all --key "$K1" --yes
expect_rc 0 "one signature: sign --all"
expect_in "$OUT" "signed 1, declined 0, failed 0" "one signature: the policy alone is signed"
expect_in "$OUT" "signed the policy at version 3" "one signature: at version 3"
clean "rollback"
expect_in "$(cat "$F")" "^PublicKey = $(q "$D_PUB")\$" "one signature: delta is configured again"
admin rules add other web
admin sign --all --key "$K1" --yes
expect_in "$OUT" "signed 1, declined 0, failed 0" "one signature: another rule, one signature"
sync_a
expect_rc 0 "one signature: alpha syncs"
expect_in "$(cat "$F")" "^PublicKey = $(q "$C_PUB")\$" "one signature: charlie is configured by the new rule"
