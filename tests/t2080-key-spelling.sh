#!/bin/sh
# SPDX-License-Identifier: MIT
# t2080-key-spelling: one key, one spelling (issue 21). X25519 ignores bit
# 255 of a public key, so K and K' (K with bit 255 set) are the same key to
# a handshake but two texts to every comparison. Each K' is refused:
#
#   - by the server, with 400 invalid_public_key naming the field and the
#     value, the database unchanged: a revoked key's K' registering with an
#     invite, a taken key's K' registering, K' as a rotation target
#     (POST /peer/key: another peer's key, the revoked key, a fresh key,
#     the asker's own), K' imported;
#   - by a host that trusts the admin's signing key, when an intruder
#     writes the server's SQLite file: the revoked delta back as K', paired
#     with alpha, with statements the admin signed (made with openssl here:
#     an admin shown only "+ key K'" and "+ pair" would sign them), and
#     bravo rotated to its own K' the same way. Sync exits non-zero naming
#     K', and wg0.conf never holds it;
#   - in an old database: a responder starting on it says which peer holds
#     a K' (and hosts keep refusing it until the admin deletes that peer).
. "$(dirname "$0")/lib.sh"
need sqlite3 wg openssl od
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

# sql SQL: the intruder at the server's database; every ETag moves.
sql() {
	sqlite3 "$DB" "PRAGMA foreign_keys = ON; ATTACH '$LOOT' AS loot; $1;
	    UPDATE network SET revision = revision + 1;
	    UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1);" ||
	    die "cannot write the database: $1"
}

sync_a() {
	wgc a sync --config-dir "$T_TMP/a/etc"
}

# twin KEY: KEY with bit 255 set.
twin() {
	printf '%s' "$1" | base64 -d >"$T_TMP/key.bin"
	_last=$(tail -c 1 "$T_TMP/key.bin" | od -An -tu1 | tr -d ' ')
	# shellcheck disable=SC2059
	{ head -c 31 "$T_TMP/key.bin"; printf "\\$(printf '%03o' $((_last | 128)))"; } | base64 -w0
}

# refused FIELD KEY WHAT: the last answer is 400 invalid_public_key naming
# FIELD and KEY as not canonical.
refused() {
	expect_error 400 invalid_public_key "$3"
	expect_in "$(jqr .error.message)" "$(q "$1") \"$(q "$2")\" is not canonical: bit 255" \
	    "$3: the message names $1, the key and why"
}

# resign ID: the intruder has the admin sign peer ID's statement as it is
# now in the database (an admin shown "+ key K'" signs just that).
resign() {
	sqlite3 "$DB" "SELECT writefile('$T_TMP/st.txt', statement) FROM peers WHERE id = '$1'" \
	    >/dev/null || die "cannot read the statement of $1"
	openssl pkeyutl -sign -inkey "$T_TMP/keys/k1.pem" -rawin -in "$T_TMP/st.txt" \
	    >"$T_TMP/st.sig" || die "cannot sign the statement of $1"
	sql "UPDATE peers SET statement_sig = readfile('$T_TMP/st.sig') WHERE id = '$1'"
}

# --- an honest, signed mesh, and a deleted (revoked) peer ---------------------
K1=$T_TMP/keys/k1
wgc adm admin signing-key generate --out "$K1"
K1_PUB=$OUT
# The same key for openssl: PKCS#8 around the 32-byte seed.
{ printf '\060\056\002\001\000\060\005\006\003\053\145\160\004\042\004\040'
  grep -v '^#' "$K1" | base64 -d | head -c 32; } >"$T_TMP/keys/k1.der"
openssl pkey -inform DER -in "$T_TMP/keys/k1.der" -out "$T_TMP/keys/k1.pem" ||
    die "openssl cannot read the signing key"
expect_eq "$(openssl pkey -in "$T_TMP/keys/k1.pem" -pubout -outform DER | tail -c 32 | base64)" \
    "$K1_PUB" "openssl holds the admin's signing key"
admin network --signing-key "$K1_PUB"
[ "$RC" = 0 ] || die "network --signing-key: $ERR"
wgc_register a alpha 203.0.113.1:51820 --trust-key "$K1_PUB"
A_ID=$ID A_PUB=$PUB
wgc_register b bravo 198.51.100.2:51820
B_ID=$ID B_PUB=$PUB
wgc_register d delta 198.51.100.4:51820
D_ID=$ID D_PUB=$PUB
for p in alpha bravo delta; do
	admin accept $p
	[ "$RC" = 0 ] || die "accept $p: $ERR"
done
admin pair alpha bravo
admin pair alpha delta
admin sign --all --key "$K1" --yes
expect_rc 0 "the admin signs every peer"
sync_a
expect_rc 0 "alpha syncs the signed mesh"
expect_in "$(cat "$F")" "^PublicKey = $(q "$D_PUB")\$" "delta is configured"
sql "CREATE TABLE loot.ap AS SELECT statement FROM peers WHERE id = '$A_ID';
    CREATE TABLE loot.dp AS SELECT * FROM peers WHERE id = '$D_ID';
    CREATE TABLE loot.da AS SELECT * FROM addresses WHERE peer_id = '$D_ID';
    CREATE TABLE loot.dx AS SELECT * FROM pairs WHERE a = '$D_ID' OR b = '$D_ID'"
admin delete delta
admin sign --all --key "$K1" --yes
expect_in "$OUT" "revoked $(q "$D_PUB")" "the admin deletes delta and signs the revocation of its key"
sync_a
expect_rc 0 "alpha drops delta"
expect_eq "$(jq -r --arg k "$D_PUB" '.revoked | index($k) != null' "$T_TMP/a/state/trust.json")" true \
    "alpha keeps delta's key as revoked"

D_TWIN=$(twin "$D_PUB")
B_TWIN=$(twin "$B_PUB")
A_TWIN=$(twin "$A_PUB")
expect_in "$D_TWIN" '^[A-Za-z0-9+/]{43}=$' "K' of delta's key is 44 characters of base64"
[ "$D_TWIN" != "$D_PUB" ] || die "twin() made no twin"

# --- a trust-key host: the revoked key back as K', signed --------------------------
# As in the issue: K' registers again, the admin pairs it with alpha and
# signs both statements, seeing only "+ key K'" and "+ pair".
expect_eq "$(sqlite3 "$DB" "SELECT signed_version FROM peers WHERE id = '$A_ID'")" 2 \
    "alpha's statement is at version 2, without delta"
sql "INSERT INTO peers SELECT * FROM loot.dp; INSERT INTO addresses SELECT * FROM loot.da;
    INSERT INTO pairs SELECT * FROM loot.dx;
    UPDATE peers SET public_key = '$D_TWIN', signed_version = 2,
        statement = replace(replace(statement, 'key $D_PUB', 'key $D_TWIN'),
            char(10) || 'version 1' || char(10), char(10) || 'version 2' || char(10))
        WHERE id = '$D_ID';
    UPDATE peers SET signed_version = 3, statement = replace((SELECT statement FROM loot.ap),
            char(10) || 'version 1' || char(10), char(10) || 'version 3' || char(10))
        WHERE id = '$A_ID'"
resign "$D_ID"
resign "$A_ID"
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM peers WHERE statement LIKE '%key $D_TWIN%'")" 1 \
    "revived: the server holds delta with K' and a statement for K'"
admin config alpha
expect_in "$OUT" "$(q "$D_TWIN")" "revived: the server serves K' to alpha"
sync_a
[ "$RC" != 0 ] && ok "revived as K': alpha's sync fails (exit $RC)" ||
    fail "revived as K': alpha's sync exits 0"
expect_in "$ERR" "$(q "$D_TWIN").*bit 255" "revived as K': alpha names K' and why"
expect_not_in "$(cat "$F")" "$(q "$D_TWIN")" "revived as K': K' is not written"
expect_in "$(cat "$F")" "^PublicKey = $(q "$B_PUB")\$" "revived as K': bravo stays configured"

# --- an old database holding K': said when a responder starts ----------------------------
cgi GET /health
expect_in "$(cat "$T_TMP/cgi.err")" "peer $D_ID \(delta\) has the key $(q "$D_TWIN"), which is not canonical \(a second spelling of $(q "$D_PUB")\)" \
    "a responder starting on the database names delta's K'"
sql "DELETE FROM peers WHERE id = '$D_ID'"
sync_a
expect_rc 0 "delta deleted: alpha syncs again"
cgi GET /health
expect_not_in "$(cat "$T_TMP/cgi.err")" "not canonical" "and a responder starting says nothing"

# --- a trust-key host: bravo rotated to its own K', signed --------------------------------
sql "CREATE TABLE loot.bk AS SELECT public_key, statement, statement_sig, signed_version
    FROM peers WHERE id = '$B_ID';
    UPDATE peers SET public_key = '$B_TWIN', signed_version = signed_version + 1,
        statement = replace(replace(statement, 'key $B_PUB', 'key $B_TWIN'),
            char(10) || 'version 1' || char(10), char(10) || 'version 2' || char(10))
        WHERE id = '$B_ID'"
resign "$B_ID"
sync_a
[ "$RC" != 0 ] && ok "rotated to K': alpha's sync fails (exit $RC)" ||
    fail "rotated to K': alpha's sync exits 0"
expect_in "$ERR" "$(q "$B_TWIN").*bit 255" "rotated to K': alpha names K' and why"
expect_not_in "$(cat "$F")" "$(q "$B_TWIN")" "rotated to K': K' is not written"
expect_in "$(cat "$F")" "^PublicKey = $(q "$B_PUB")\$" "rotated to K': bravo's key stays as signed before"
sql "UPDATE peers SET (public_key, statement, statement_sig, signed_version) =
    (SELECT public_key, statement, statement_sig, signed_version FROM loot.bk) WHERE id = '$B_ID'"
sync_a
expect_rc 0 "bravo's signed key put back: alpha syncs again"

# --- the server: register, rotate, import ------------------------------------------
api -a POST /admin/invites '{"uses":5,"expires_in":3600}'
expect_status 201 "an invite" || die "no invite"
CODE=$(jqr .code)
B_TOKEN=$(jq -r .token "$T_TMP/b/state/state.json")

before=$(db_dump)
api POST /register "{\"name\":\"delta2\",\"public_key\":\"$D_TWIN\",\"invite\":\"$CODE\",\"endpoint\":null}"
refused public_key "$D_TWIN" "the revoked key's K' registering with an invite"
expect_db_unchanged "$before"
api POST /register "{\"name\":\"bravo2\",\"public_key\":\"$B_TWIN\",\"invite\":\"$CODE\",\"endpoint\":null}"
refused public_key "$B_TWIN" "a taken key's K' registering"
expect_db_unchanged "$before"
api POST /register "{\"name\":\"bravo3\",\"public_key\":\"$B_TWIN\",\"endpoint\":null}"
refused public_key "$B_TWIN" "a taken key's K' registering without an invite"
for k in "$A_TWIN" "$D_TWIN" "$B_TWIN"; do
	api -b "$B_TOKEN" POST /peer/key "{\"public_key\":\"$k\"}"
	refused public_key "$k" "K' as bravo's rotation target"
done
keypair
FRESH_TWIN=$(twin "$PUB")
api -b "$B_TOKEN" POST /peer/key "{\"public_key\":\"$FRESH_TWIN\"}"
refused public_key "$FRESH_TWIN" "a fresh key's K' as a rotation target"
expect_db_unchanged "$before"
api -a POST /admin/import "{\"peers\":[{\"name\":\"imp\",\"public_key\":\"$D_TWIN\"}],\"pairs\":[]}"
refused 'peers[0].public_key' "$D_TWIN" "the revoked key's K' imported"
expect_db_unchanged "$before"
# The honest spellings still answer as before.
api POST /register "{\"name\":\"delta3\",\"public_key\":\"$D_PUB\",\"endpoint\":null}"
expect_error 409 key_revoked "the revoked key itself stays revoked"
api -b "$B_TOKEN" POST /peer/key "{\"public_key\":\"$A_PUB\"}"
expect_error 409 public_key_taken "a taken key itself stays taken"
