#!/bin/sh
# SPDX-License-Identifier: MIT
# t2150-signatures: admin-signed statements (docs/trust.md) with the admin's
# offline key, against a real local stack. signing-key generate writes a
# 0600 file it never overwrites; admin sign shows what it signs (the whole
# statement the first time, then only what changed: keys, addresses,
# networks, pairs), wants a terminal or --yes, and sends only the signature;
# admin peers shows none / vN / "vN changed" / invalid. A host that trusts
# the key is held until its own statement is signed, then configures a
# signed, paired peer and refuses an unsigned one (named on stderr, exit 4,
# the rest still written); after the server's database is tampered with (a
# peer's key, a routed network, the network's signing key) the served entry
# is refused (exit 4, named); a signature by another key is refused;
# a peer refused and signed later is still held by --review; a host without
# a trusted key sees no change. t2160 plays the intruder further.
. "$(dirname "$0")/lib.sh"
need sqlite3 script
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
stack_start

# wgc, expect_rc, expect_in, expect_not_in and q come from tests/lib.sh.

PWFILE=$T_TMP/admin-pass
printf '%s\n' "$ADMIN_PASS" >"$PWFILE"
mkdir -p "$T_TMP/home" "$T_TMP/keys"

admin() {
	wgc adm admin --server "$URL" --cacert "$CACERT" --user admin \
	    --password-file "$PWFILE" "$@"
}

# signed_state ID: what the admin API says is signed of a peer: "none",
# "vN" (signed at version N) or "vN changed" (with changes to sign).
signed_state() {
	admin peers --json
	printf '%s' "$OUT" | jq -r --arg id "$1" '.peers[] | select(.id == $id) |
	    if .signed_version == 0 then "none" else "v\(.signed_version)" +
	    (if .unsigned_changes then " changed" else "" end) end'
}

# tamper SQL: changes the database behind the server's back, as someone who
# broke into it would, and moves every ETag so the hosts fetch again.
tamper() {
	sqlite3 "$DB" "$1; UPDATE network SET revision = revision + 1;
	    UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1);" ||
	    die "cannot tamper with the database"
}

# --- the offline key ----------------------------------------------------
K1=$T_TMP/keys/k1
wgc adm admin signing-key generate --out "$K1"
expect_rc 0 "signing-key generate (no server needed)"
K1_PUB=$OUT
expect_in "$K1_PUB" '^[A-Za-z0-9+/]{43}=$' "it prints the public key alone on stdout"
expect_in "$ERR" "trust-key" "and says what to do next"
expect_eq "$(stat -c %a "$K1")" 600 "the key file is 0600"
cp "$K1" "$T_TMP/k1-copy"
wgc adm admin signing-key generate --out "$K1"
expect_rc 1 "generate refuses to overwrite a key"
expect_in "$ERR" "not replacing" "and says so"
expect_eq "$(cat "$K1")" "$(cat "$T_TMP/k1-copy")" "the key file is untouched"
wgc adm admin signing-key public --key "$K1"
expect_rc 0 "signing-key public"
expect_eq "$OUT" "$K1_PUB" "it gives the same public key"
printf 'garbage\n' >"$T_TMP/keys/bad"
wgc adm admin signing-key public --key "$T_TMP/keys/bad"
expect_rc 1 "a file that is not a signing key"
wgc adm admin signing-key frob --key "$K1"
expect_rc 2 "signing-key with an unknown action"
wgc adm admin signing-key generate
expect_rc 2 "generate without --out"
wgc adm admin sign --help
expect_rc 0 "admin sign --help"
expect_in "$OUT" "^Usage: wgconf admin sign" "it prints usage"
wgc adm trust-key --help
expect_rc 0 "trust-key --help"

# --- hosts --------------------------------------------------------------
wgc a register --server "$URL" --cacert "$CACERT" --name alpha --trust-key 'not a key' nat
expect_rc 2 "register with an invalid --trust-key"
wgc_register a alpha 203.0.113.1:51820 --trust-key "$K1_PUB"
A_ID=$ID
expect_in "$OUT" "trusting peer records signed by $(q "$K1_PUB")" "register says which key it trusts"
expect_eq "$(jq -r .trust_key "$T_TMP/a/state/state.json")" "$K1_PUB" "state.json keeps the key"
wgc_register b bravo 198.51.100.2:51820
B_ID=$ID B_PUB=$PUB
wgc_register c charlie 198.51.100.3:51820
C_ID=$ID C_PUB=$PUB
for p in alpha charlie; do
	admin accept $p
	[ "$RC" = 0 ] || die "accept $p: $ERR"
done
admin accept bravo --networks 192.168.50.0/24
[ "$RC" = 0 ] || die "accept bravo: $ERR"
admin pair alpha bravo
admin pair alpha charlie
admin pair bravo charlie

wgc a status
expect_in "$OUT" "^trust key +$(q "$K1_PUB")\$" "status shows the trusted key"
wgc b status
expect_in "$OUT" "^trust key +none" "status shows that bravo trusts none"

# Nothing signed yet: not even this host's own statement, so nothing at all
# (its interface addresses come from that statement too).
wgc a genconf
expect_rc 4 "genconf with a trusted key and no signatures"
expect_in "$ERR" "this host \(id $A_ID\): held, nothing written or applied: unsigned" \
    "the message says this host's own statement is not signed"
expect_in "$ERR" "admin sign" "and how to sign it"
expect_not_in "$OUT" "^\[Peer\]" "no peer is configured"
expect_not_in "$OUT" "^\[Interface\]" "nor the interface"

# --- signing ------------------------------------------------------------
admin sign bravo --key "$K1" --yes
expect_rc 1 "sign before the network has a signing key"
expect_in "$ERR" "network --signing-key" "the message says how to set it"
admin network --signing-key 'abc'
expect_rc 2 "network --signing-key with an invalid key"
admin network --signing-key "$K1_PUB"
expect_rc 0 "network --signing-key"
expect_in "$OUT" "^signing key +$(q "$K1_PUB")\$" "network shows the signing key"

admin sign bravo --key "$K1"
expect_rc 1 "sign without a terminal and without --yes"
expect_in "$ERR" "confirmation" "the message asks for a terminal or --yes"
expect_eq "$(signed_state "$B_ID")" none "nothing was signed"
# On a terminal (script(1), bsdutils) it asks, and only "y" signs.
for answer in n y; do
	printf '%s\n' "$answer" | WGCONF_STATE_DIR=$T_TMP/adm/state HOME=$T_TMP/home \
	    script -qec "'$WGCONF' admin --server '$URL' --cacert '$CACERT' --user admin \
	    --password-file '$PWFILE' sign bravo --key '$K1'" /dev/null >"$T_TMP/out" 2>&1
	RC=$? OUT=$(tr -d "\r" <"$T_TMP/out") ERR=""
	T_LAST_REQ="(on a terminal, answering $answer) wgconf admin sign bravo"
	expect_in "$OUT" "Sign version 1 of bravo\\? .*\\[y/N\\]" "on a terminal, sign asks ($answer)"
	expect_in "$OUT" "^  \\+ key $(q "$B_PUB")\$" "after showing the key ($answer)"
	if [ "$answer" = n ]; then
		expect_rc 1 "answering n"
		expect_in "$OUT" "not signed bravo" "says it did not sign"
		expect_eq "$(signed_state "$B_ID")" none "and did not"
	else
		expect_rc 0 "answering y"
		expect_eq "$(signed_state "$B_ID")" v1 "signs"
		expect_in "$OUT" "signed bravo \\(id $B_ID\\) at version 1" "and says so"
	fi
done
admin sign bravo --all --key "$K1" --yes
expect_rc 2 "sign PEER and --all together"
admin sign bravo --yes
expect_rc 2 "sign without --key"
admin peers --yes
expect_rc 2 "--yes does not apply to peers"

admin sign bravo --key "$K1" --yes
expect_rc 0 "sign bravo again"
expect_in "$OUT" "nothing to sign \(signed at version 1\)" "there is nothing new to sign"
# A change shows as what changed, and only that.
admin edit bravo --networks 192.168.50.0/24,192.168.60.0/24
expect_eq "$(signed_state "$B_ID")" "v1 changed" "a new route is an unsigned change"
admin sign bravo --key "$K1" --yes
expect_rc 0 "sign bravo's change"
expect_in "$OUT" "^peer bravo \(id $B_ID\), version 2, changes since the last signed version:" \
    "sign says which version it signs"
expect_in "$OUT" "^  \+ network 192\.168\.60\.0/24\$" "and shows the new route"
expect_not_in "$OUT" "^  [-+] (key|address|pair|network 192\.168\.50)" "and nothing that did not change"
expect_in "$OUT" "^signed bravo \(id $B_ID\) at version 2" "and says it signed"
admin edit bravo --networks 192.168.50.0/24
admin unpair bravo charlie
admin sign bravo --key "$K1" --yes
expect_in "$OUT" "^  - network 192\.168\.60\.0/24\$" "a route removed shows with -"
expect_in "$OUT" "^  - pair $C_ID \(charlie\)\$" "a pair removed shows with - and its name"
expect_in "$OUT" "^signed bravo \(id $B_ID\) at version 3" "version 3"
admin pair bravo charlie
expect_not_in "$OUT$ERR" "$(q "$(sed -n 2p "$K1")")" "the secret key is not printed"
grep -F "$(sed -n 2p "$K1" | cut -c1-20)" "$RUN/logs/"* "$DB" >/dev/null 2>&1 &&
    fail "the secret key reached the server" || ok "the secret key never reached the server"
expect_eq "$(signed_state "$B_ID")" "v3 changed" "the pair made again is an unsigned change of bravo"
admin sign bravo --key "$K1" --yes
expect_in "$OUT" "^  \+ pair $C_ID \(charlie\)\$" "a pair added shows with +"
expect_eq "$(signed_state "$B_ID")" v4 "the server lists bravo as signed at version 4"
expect_eq "$(signed_state "$C_ID")" none "and charlie as not signed"
admin peers
expect_in "$OUT" "^ID +NAME +STATE +SIGNED" "admin peers has a SIGNED column"
expect_in "$OUT" "bravo +accepted +v4 " "bravo is v4 in the table"
expect_in "$OUT" "charlie +accepted +none" "charlie is none in the table"
admin sign alpha --key "$K1" --yes
expect_rc 0 "sign alpha, the host itself"
expect_in "$OUT" "^  \+ address 10\.77\.0\.[0-9]+/24\$" "its statement carries its address with the prefix"

# --- a trusting host: signed in, unsigned out ----------------------------
wgc a genconf
expect_rc 4 "genconf with one signed and one unsigned peer"
expect_in "$OUT" "^PublicKey = $(q "$B_PUB")\$" "the signed peer is configured"
expect_in "$OUT" "^AllowedIPs = 10\.77\.0\.[0-9]+/32, 192\.168\.50\.0/24\$" "with its routes"
expect_not_in "$OUT" "$(q "$C_PUB")" "the unsigned peer is left out"
expect_in "$ERR" "peer charlie \(id $C_ID\): refused: unsigned" "the message names it and its id"
expect_in "$ERR" "admin sign" "and says how to sign it"
expect_not_in "$ERR" "peer bravo" "bravo is not named"

F=$T_TMP/a/etc/wg0.conf
wgc a sync --config-dir "$T_TMP/a/etc"
expect_rc 4 "sync with an unsigned peer"
expect_in "$OUT" "wrote .*wg0\.conf .*1 peer\)" "sync writes the config with the signed peer"
expect_in "$ERR" "peer charlie \(id $C_ID\): refused" "and names the unsigned one"
expect_in "$(cat "$F")" "^PublicKey = $(q "$B_PUB")\$" "the file holds bravo"
expect_not_in "$(cat "$F")" "$(q "$C_PUB")" "and not charlie"
wgc a sync --config-dir "$T_TMP/a/etc"
expect_rc 4 "sync again while charlie waits"
expect_eq "$OUT$ERR" "" "quietly"
wgc a sync --config-dir "$T_TMP/a/etc" --verbose
expect_in "$ERR" "peer charlie \(id $C_ID\): refused" "--verbose says it again"

# Signed later: --review still holds it as new, the file never had it.
admin sign --all --key "$K1" --yes
expect_rc 0 "sign --all"
expect_in "$OUT" "^signed charlie" "it signs charlie"
expect_not_in "$OUT" "^signed (alpha|bravo)" "but not alpha or bravo again"
expect_eq "$(signed_state "$C_ID")" v1 "charlie is signed"
admin sign --all --key "$K1" --yes
expect_rc 0 "sign --all again"
expect_in "$OUT" "nothing to sign" "finds nothing to sign"
wgc a sync --config-dir "$T_TMP/a/etc" --review
expect_rc 4 "sync --review holds a peer that was left out and is now signed"
expect_in "$OUT" "new peer charlie" "as a new peer"
expect_not_in "$(cat "$F")" "$(q "$C_PUB")" "charlie is not written yet"
wgc a sync --config-dir "$T_TMP/a/etc" --approve
expect_rc 0 "sync --approve"
expect_in "$(cat "$F")" "^PublicKey = $(q "$C_PUB")\$" "charlie is configured"
wgc a genconf
expect_rc 0 "genconf with every peer signed"
expect_eq "$ERR" "" "and nothing to say"

# --- a compromised server -----------------------------------------------
# A version far ahead would use up bravo's versions: sign refuses it.
tamper "UPDATE peers SET signed_version = signed_version + 1000 WHERE id = '$B_ID'"
admin edit bravo --networks 192.168.50.0/24,192.168.61.0/24
admin sign bravo --key "$K1" --yes
expect_rc 1 "sign refuses a version that skips ahead"
expect_in "$ERR" "not the one after the signed version 4: not signing it" "and says why"
tamper "UPDATE peers SET signed_version = signed_version - 1000 WHERE id = '$B_ID'"
admin edit bravo --networks 192.168.50.0/24
expect_eq "$(signed_state "$B_ID")" v4 "bravo is back at version 4, nothing to sign"
# A key swapped in the database: the server still serves charlie.
EVIL_PUB=$(wg genkey 2>/dev/null | wg pubkey 2>/dev/null) ||
    EVIL_PUB=$(head -c 32 /dev/urandom | base64)
tamper "UPDATE peers SET public_key = '$EVIL_PUB' WHERE id = '$C_ID'"
wgc a genconf
expect_rc 4 "genconf after charlie's key was swapped in the database"
expect_not_in "$OUT" "$(q "$EVIL_PUB")" "the swapped key is not configured"
expect_in "$ERR" "peer charlie \(id $C_ID\): refused: not signed: .*$(q "$EVIL_PUB")" \
    "the message says the served key is not the signed one"
expect_in "$OUT" "^PublicKey = $(q "$B_PUB")\$" "bravo still is configured"
admin config bravo
expect_in "$OUT" "$(q "$EVIL_PUB")" "the server does serve the swapped key"
expect_eq "$(signed_state "$C_ID")" "v1 changed" "admin peers lists charlie's swapped key as unsigned"
wgc a sync --config-dir "$T_TMP/a/etc"
expect_rc 4 "sync after the key swap"
expect_not_in "$(cat "$F")" "$(q "$EVIL_PUB")" "the file never gets the swapped key"
expect_not_in "$(cat "$F")" "$(q "$C_PUB")" "and charlie's entry is gone"
tamper "UPDATE peers SET public_key = '$C_PUB' WHERE id = '$C_ID'"

# A routed network changed in the database.
# A routed network changed in the database: routes come from the statement.
tamper "UPDATE networks SET cidr = '192.168.0.0/16' WHERE peer_id = '$B_ID'"
wgc a genconf
expect_rc 4 "genconf after bravo's network was widened in the database"
expect_in "$ERR" "peer bravo \(id $B_ID\): refused the server's AllowedIPs" "the message names bravo"
expect_not_in "$OUT" "192\.168\.0\.0/16" "the widened route is not configured"
expect_in "$OUT" "^AllowedIPs = 10\.77\.0\.[0-9]+/32, 192\.168\.50\.0/24\$" "the signed route is"
expect_in "$OUT" "^PublicKey = $(q "$C_PUB")\$" "charlie (restored) is configured again"
expect_eq "$(signed_state "$B_ID")" "v4 changed" "admin peers shows the widened route as unsigned"
tamper "UPDATE networks SET cidr = '192.168.50.0/24' WHERE peer_id = '$B_ID'"
expect_eq "$(signed_state "$B_ID")" v4 "with the network back, nothing is left to sign"

# The attacker's own signing key, and a peer signed with it.
K2=$T_TMP/keys/k2
wgc adm admin signing-key generate --out "$K2"
K2_PUB=$OUT
tamper "UPDATE network SET signing_key = '$K2_PUB'"
admin sign bravo --key "$K1" --yes
expect_rc 1 "sign with a key that is not the network's"
expect_in "$ERR" "not the network's signing key" "the admin is told the server's key changed"
wgc_register m mallory 192.0.2.66:51820
M_ID=$ID M_PUB=$PUB
admin accept mallory
admin pair alpha mallory
admin pair bravo mallory
admin sign mallory --key "$K2" --yes
expect_rc 0 "mallory is signed with the other key (the server takes it)"
wgc a genconf
expect_rc 4 "genconf with a peer signed by another key"
expect_not_in "$OUT" "$(q "$M_PUB")" "that peer is left out"
expect_in "$ERR" "peer mallory \(id $M_ID\): refused: bad signature" "and named"
expect_in "$OUT" "^PublicKey = $(q "$B_PUB")\$" "the peers signed with the trusted key stay"

# --- without a trusted key nothing changes ---------------------------------
wgc b genconf
expect_rc 0 "genconf on a host that trusts no key"
expect_in "$OUT" "^PublicKey = $(q "$M_PUB")\$" "it configures every peer, signed or not"
expect_eq "$ERR" "" "and says nothing about signatures"

# --- trust-key ------------------------------------------------------------
wgc a trust-key
expect_rc 0 "trust-key shows the key"
expect_eq "$(printf '%s\n' "$OUT" | head -n 1)" "$K1_PUB" "the trusted key"
wgc a trust-key 'AAAA'
expect_rc 2 "trust-key with an invalid key"
wgc a trust-key none
expect_rc 0 "trust-key none"
wgc a genconf
expect_rc 0 "genconf without a trusted key"
expect_in "$OUT" "^PublicKey = $(q "$M_PUB")\$" "takes every peer again"
wgc a trust-key "$K1_PUB"
expect_rc 0 "trust-key PUBKEY"
wgc a genconf
expect_rc 4 "genconf trusts the key again"
wgc b trust-key "$K2_PUB"
wgc b genconf
expect_rc 4 "bravo, trusting the other key, refuses its own statement signed by the first"
expect_in "$ERR" "this host \(id $B_ID\): held, nothing written or applied: bad signature" \
    "and says so"
expect_not_in "$OUT" "PublicKey" "so nothing is configured, not even mallory"

# A damaged trust key fails closed: no config at all.
cp "$T_TMP/a/state/state.json" "$T_TMP/a-state.json"
jq '.trust_key = "garbage"' "$T_TMP/a-state.json" >"$T_TMP/a/state/state.json"
wgc a genconf
expect_rc 1 "genconf with a damaged trust_key"
expect_not_in "$OUT" "PublicKey" "prints no config"
expect_in "$ERR" "trust_key" "and names the damaged field"
cp "$T_TMP/a-state.json" "$T_TMP/a/state/state.json"

# Registering again keeps the trusted key.
wgc a register --server "$URL" --cacert "$CACERT" --name alpha2 --force nat
expect_rc 0 "register --force"
expect_eq "$(jq -r .trust_key "$T_TMP/a/state/state.json")" "$K1_PUB" "keeps the trusted key"
