#!/bin/sh
# SPDX-License-Identifier: MIT
# t2200-client: the wgconf client against a real local stack (nginx, TLS,
# responders): strict usage errors (exit 2); TLS trust by CA file or pin,
# and a wrong pin or an untrusted certificate refused with a message that
# says so; register keeps its state private and refuses to run twice; a
# pending host gets exit 3 from status, genconf and sync; the admin commands
# (password file or netrc) accept, pair and refuse ambiguous names; genconf
# renders wg-quick, wg and VyOS with the PSK both sides share; sync writes
# 0600 atomically, is silent when nothing changed, and never overwrites a
# file it did not write; endpoint, invite, reject, unpair and deregister do
# what they say (deregister --force also for a host the server deleted); a
# PSK box that does not open is an error, not an empty key.
. "$(dirname "$0")/lib.sh"
need wg sqlite3
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
stack_start

# wgc, expect_rc, expect_in, expect_not_in and q come from tests/lib.sh.

mode() {
	stat -c %a "$1" 2>/dev/null
}

PWFILE=$T_TMP/admin-pass
printf '%s\n' "$ADMIN_PASS" >"$PWFILE"
PIN="sha256//$(openssl x509 -in "$CACERT" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | openssl enc -base64)"
WRONG_PIN="sha256//$(printf 'not the key' | openssl dgst -sha256 -binary | openssl enc -base64)"
mkdir -p "$T_TMP/home"

# admin ARGS...: `wgconf admin` with the password file.
admin() {
	wgc adm admin --server "$URL" --cacert "$CACERT" --user admin \
	    --password-file "$PWFILE" "$@"
}

# --- usage: exit 2, and the message names the bad value -----------------
wgc a
expect_rc 2 "no command"
wgc a frobnicate
expect_rc 2 "unknown command"
for c in register status genconf sync endpoint deregister admin "admin peers" \
    "admin accept" "admin pair" "admin invite" "admin network" "admin edit" \
    "admin audit" "admin invites"; do
	# shellcheck disable=SC2086
	wgc a $c --help
	expect_rc 0 "$c --help" && expect_in "$OUT" '^Usage: wgconf' "$c --help prints usage"
done
wgc a register --server "$URL" 1.2.3.4:99999
expect_rc 2 "register: bad endpoint"
expect_in "$ERR" "1\.2\.3\.4:99999" "the message names the bad endpoint"
wgc a register --server "$URL" --listen-port 0 nat
expect_rc 2 "register: bad --listen-port"
expect_in "$ERR" "'0'" "the message names the bad port"
wgc a register --server "$URL" --bogus nat
expect_rc 2 "register: unknown option"
expect_in "$ERR" "'--bogus'" "the message names the unknown option"
wgc a register --server "$URL" --pin md5//xyz nat
expect_rc 2 "register: bad pin syntax"
wgc a genconf --format ini
expect_rc 2 "genconf: bad --format"
expect_in "$ERR" "'ini'" "the message names the bad format"
wgc a sync --interface ../../etc/x
expect_rc 2 "sync: a path as interface name"
for v in 0 86401 x; do
	wgc a sync --watch --check-every $v
	expect_rc 2 "sync: --check-every $v (1-86400, sync --help)"
done
wgc a sync --check-every 5
expect_rc 2 "sync: --check-every without --watch"
expect_in "$ERR" "needs --watch" "the message says it needs --watch"
wgc a admin peers --mtu 1400 --server "$URL"
expect_rc 2 "admin peers: an option of another subcommand"
wgc a admin invite --expires 3x --server "$URL"
expect_rc 2 "admin invite: bad --expires"
expect_in "$ERR" "'3x'" "the message names the bad duration"
wgc a register --server "http://127.0.0.1:$PORT" nat
expect_rc 2 "register: http:// refused"
expect_in "$ERR" "insecure-http" "the message says how to allow http"
# The server URL goes through libcurl's URL parser: only a scheme, host,
# port and path prefix; anything else would be dropped or sent elsewhere.
for u in "$URL#frag" "$URL/?x=1" "https://admin:pw@127.0.0.1:$PORT" "ftp://127.0.0.1"; do
	wgc a register --server "$u" nat
	expect_rc 2 "register: server URL $u refused"
	expect_in "$ERR" "$(q "'$u'")" "the message names the URL $u"
done
[ -e "$T_TMP/a/state" ] && fail "a refused register left state" || ok "usage errors leave no state"

# --- TLS trust ----------------------------------------------------------
wgc a register --server "$URL" --name alpha 203.0.113.1:51820
expect_rc 1 "register: self-signed certificate without --cacert or --pin"
expect_in "$ERR" "not trusted" "the message says the certificate is not trusted"
wgc a register --server "$URL" --pin "$WRONG_PIN" --name alpha 203.0.113.1:51820
expect_rc 1 "register: wrong pin"
expect_in "$ERR" "does not match the pinned key" "the message says the pin does not match"
[ -e "$T_TMP/a/state/state.json" ] && fail "a refused register left state" ||
    ok "no state after a refused registration"

# A state folder others may write to could have its key or server swapped.
mkdir -p "$T_TMP/w/state"
chmod 777 "$T_TMP/w/state"
[ "$(id -u)" = 0 ] && chown nobody "$T_TMP/w/state"
wgc w register --server "$URL" --cacert "$CACERT" --name whisky 203.0.113.9:51820
expect_rc 1 "register refuses a state folder others can write to"
expect_in "$ERR" "writable by other users" "and says why"
[ -e "$T_TMP/w/state/private.key" ] && fail "a key was written into it" ||
    ok "no key in a folder others can write to"

# --- register -----------------------------------------------------------
wgc a register --server "$URL" --cacert "$CACERT" --name alpha 203.0.113.1:51820
expect_rc 0 "register alpha with --cacert"
expect_in "$OUT" "pending" "register says alpha is pending"
A_PUB=$(printf '%s\n' "$OUT" | sed -n 's/^public key //p')
expect_eq "$(mode "$T_TMP/a/state")" 700 "the state folder is 0700"
expect_eq "$(mode "$T_TMP/a/state/state.json")" 600 "state.json is 0600"
expect_eq "$(mode "$T_TMP/a/state/private.key")" 600 "private.key is 0600"
A_PRIV=$(cat "$T_TMP/a/state/private.key")
expect_in "$A_PRIV" '^[A-Za-z0-9+/]{43}=$' "private.key is in wg genkey form"
expect_eq "$(printf '%s\n' "$A_PRIV" | wg pubkey)" "$A_PUB" "wg pubkey of the key is the public key registered"
expect_not_in "$OUT$ERR" "$(q "$A_PRIV")" "register does not print the private key"
A_ID=$(jq -r .id "$T_TMP/a/state/state.json")

chmod 777 "$T_TMP/a/state"
wgc a status
expect_rc 1 "status refuses the state once others can write to its folder"
expect_in "$ERR" "writable by other users" "and says why"
chmod 700 "$T_TMP/a/state"

wgc a register --server "$URL" --cacert "$CACERT" --name alpha 203.0.113.1:51820
expect_rc 1 "a second register is refused"
expect_in "$ERR" "already registered.*--force" "and says --force would do it"
expect_eq "$(cat "$T_TMP/a/state/private.key")" "$A_PRIV" "the key is untouched"

# B brings its own key and trusts the server by pin.
B_PRIV=$(wg genkey)
printf '%s\n' "$B_PRIV" >"$T_TMP/b-key"
wgc b register --server "$URL" --pin "$PIN" --name bravo --private-key-file "$T_TMP/b-key" \
    198.51.100.2:51821
expect_rc 0 "register bravo with --pin and --private-key-file"
B_PUB=$(printf '%s\n' "$B_PRIV" | wg pubkey)
expect_in "$OUT" "public key $(q "$B_PUB")" "bravo registered the key from the file"
B_ID=$(jq -r .id "$T_TMP/b/state/state.json")

# --- pending: exit 3 ----------------------------------------------------
wgc a status
expect_rc 3 "status of a pending host"
expect_in "$OUT" "^state +pending" "status says pending"
wgc a genconf
expect_rc 3 "genconf of a pending host"
mkdir -p "$T_TMP/a/etc"
wgc a sync --config-dir "$T_TMP/a/etc"
expect_rc 3 "sync of a pending host"
[ -e "$T_TMP/a/etc/wg0.conf" ] && fail "sync wrote a config for a pending host" ||
    ok "no config for a pending host"
wgc a rotate
expect_rc 3 "rotate of a pending host (rotate --help: 3 not yet accepted)"
rm -f "$T_TMP/a/state/next.key"

# --- admin --------------------------------------------------------------
admin peers
expect_rc 0 "admin peers"
expect_in "$OUT" "^ID +NAME +STATE" "admin peers prints a table"
expect_in "$OUT" "alpha +pending" "alpha is listed as pending"
admin peers --json
expect_rc 0 "admin peers --json"
expect_eq "$(printf '%s' "$OUT" | jq '.peers | length')" 2 "--json lists two peers"

wgc adm admin --server "$URL" --cacert "$CACERT" peers
expect_rc 1 "admin without credentials"
expect_in "$ERR" "login failed" "the message says the login failed"
printf 'machine 127.0.0.1 login admin password %s\n' "$ADMIN_PASS" >"$T_TMP/home/.netrc"
chmod 600 "$T_TMP/home/.netrc"
wgc adm admin --server "$URL" --cacert "$CACERT" peers
expect_rc 0 "admin with ~/.netrc"
printf 'machine 127.0.0.1 login admin password wrong\n' >"$T_TMP/netrc-bad"
wgc adm admin --server "$URL" --cacert "$CACERT" --netrc-file "$T_TMP/netrc-bad" peers
expect_rc 1 "admin with a wrong netrc password"
rm -f "$T_TMP/home/.netrc"
# The registered server and its trust are the default.
wgc a admin --user admin --password-file "$PWFILE" peers
expect_rc 0 "admin uses the server this host registered with"

admin accept alpha
expect_rc 0 "admin accept alpha (by name)"
admin accept "$B_ID" --networks 192.168.50.0/24
expect_rc 0 "admin accept bravo (by id) with a routed network"
admin accept nobody
expect_rc 1 "admin accept of an unknown peer"
expect_in "$ERR" "nobody" "the message names it"
admin pair alpha bravo
expect_rc 0 "admin pair alpha bravo"
expect_in "$OUT" "paired alpha and bravo" "pair says so"

# Two peers of one name: the name is ambiguous, ids still work.
wgc d1 register --server "$URL" --cacert "$CACERT" --name dup nat
wgc d2 register --server "$URL" --cacert "$CACERT" --name dup nat
admin accept dup
expect_rc 1 "admin accept of an ambiguous name"
expect_in "$ERR" "ambiguous" "the message says the name is ambiguous"
D1_ID=$(jq -r .id "$T_TMP/d1/state/state.json")
admin reject "$D1_ID"
expect_rc 0 "admin reject by id"
wgc d1 status
expect_rc 1 "a rejected host's status is an error"
admin delete dup
expect_rc 0 "admin delete: the name is unique again"

# --- status, genconf ----------------------------------------------------
wgc a status
expect_rc 0 "status of an accepted host"
expect_in "$OUT" "^state +accepted" "status says accepted"
expect_in "$OUT" "^address +10\.77\.0\." "status shows the tunnel address"
expect_in "$OUT" "^peers +1$" "status counts one peer"

wgc a genconf
expect_rc 0 "genconf (wg-quick)"
A_CONF=$OUT
expect_in "$A_CONF" "^PrivateKey = $(q "$A_PRIV")\$" "alpha's config holds its private key"
expect_in "$A_CONF" "^PublicKey = $(q "$B_PUB")\$" "and bravo's public key"
expect_in "$A_CONF" "^AllowedIPs = 10\.77\.0\.[0-9]+/32, 192\.168\.50\.0/24\$" "and bravo's routes"
expect_in "$A_CONF" "^Address = 10\.77\.0\.[0-9]+/24\$" "and an Address line"
expect_in "$A_CONF" "^Endpoint = 198\.51\.100\.2:51821\$" "and bravo's endpoint"
PSK_A=$(printf '%s\n' "$A_CONF" | sed -n 's/^PresharedKey = //p')
wgc b genconf
expect_rc 0 "genconf on bravo (trust by the remembered pin)"
PSK_B=$(printf '%s\n' "$OUT" | sed -n 's/^PresharedKey = //p')
expect_in "$PSK_A" '^[A-Za-z0-9+/]{43}=$' "the preshared key is a key"
expect_eq "$PSK_A" "$PSK_B" "both sides open the same preshared key"
wgc a genconf --format wg
expect_rc 0 "genconf --format wg"
expect_not_in "$OUT" "^(Address|DNS|MTU) " "the wg format has only what wg setconf takes"
expect_in "$OUT" "^PrivateKey = $(q "$A_PRIV")\$" "the wg format has the private key"
expect_in "$OUT" "^PresharedKey = $(q "$PSK_A")\$" "and the preshared key"
wgc a genconf --format vyos --interface wg7
expect_rc 0 "genconf --format vyos"
expect_in "$OUT" "^set interfaces wireguard wg7 private-key '$(q "$A_PRIV")'\$" "vyos: private-key"
expect_in "$OUT" "^set interfaces wireguard wg7 peer bravo public-key '$(q "$B_PUB")'\$" "vyos: peer public-key"
expect_in "$OUT" "^set interfaces wireguard wg7 peer bravo address '198\.51\.100\.2'\$" "vyos: endpoint address"
expect_in "$OUT" "^set interfaces wireguard wg7 peer bravo port '51821'\$" "vyos: endpoint port apart"
expect_in "$OUT" "^set protocols static route 192\.168\.50\.0/24 interface wg7\$" "vyos: a route for the network"
expect_not_in "$OUT" "^[^#s]" "vyos: only commands and comments"
wgc a genconf --format vyos --interface eth0
expect_rc 2 "vyos wants a wgN interface"

# A wrong pin remembered at registration is used from then on.
cp "$T_TMP/b/state/state.json" "$T_TMP/b-state.json"
jq --arg p "$WRONG_PIN" '.pin = $p' "$T_TMP/b-state.json" >"$T_TMP/b/state/state.json"
wgc b status
expect_rc 1 "the remembered pin is checked on every request"
expect_in "$ERR" "does not match the pinned key" "and a mismatch says so"
cp "$T_TMP/b-state.json" "$T_TMP/b/state/state.json"

# --- sync ---------------------------------------------------------------
wgc a sync --config-dir "$T_TMP/a/etc"
expect_rc 0 "sync writes the config"
expect_in "$OUT" "wrote .*/wg0.conf" "sync says what it wrote"
F=$T_TMP/a/etc/wg0.conf
expect_eq "$(mode "$F")" 600 "the config is 0600"
expect_eq "$(head -n 1 "$F" | cut -c1-19)" "# Written by wgconf" "the config carries the wgconf mark"
expect_in "$(cat "$F")" "^PresharedKey = $(q "$PSK_A")\$" "the config holds the preshared key"
expect_eq "$(ls -A "$T_TMP/a/etc")" wg0.conf "no temporary file left beside it"
wgc a sync --config-dir "$T_TMP/a/etc"
expect_rc 0 "sync again"
expect_eq "$OUT$ERR" "" "sync prints nothing when nothing changed"
expect_eq "$(tail -n 1 "$RUN/logs/access.log" | grep -c '"GET /api/v1/peer/config[^"]*" 304 ')" 1 \
    "the second sync asked with If-None-Match and got 304"
rm "$F"
wgc a sync --config-dir "$T_TMP/a/etc"
expect_rc 0 "sync after the file was deleted"
[ -f "$F" ] && ok "a 304 still restores a deleted config" || fail "the deleted config is not restored"

printf '[Interface]\nPrivateKey = mine\n' >"$T_TMP/a/etc/wg1.conf"
wgc a sync --config-dir "$T_TMP/a/etc" --interface wg1
expect_rc 1 "sync refuses a file it did not write"
expect_in "$ERR" "did not write it" "and says why"
expect_eq "$(cat "$T_TMP/a/etc/wg1.conf")" "$(printf '[Interface]\nPrivateKey = mine')" "the foreign file is untouched"
wgc a sync --config-dir "$T_TMP/a/etc" --interface wg1 --force
expect_rc 0 "sync --force replaces it"
expect_eq "$(head -n 1 "$T_TMP/a/etc/wg1.conf" | cut -c1-19)" "# Written by wgconf" "now with the mark"

admin network --mtu 1400
expect_rc 0 "admin network --mtu 1400"
wgc a sync --config-dir "$T_TMP/a/etc"
expect_rc 0 "sync after a network change"
expect_in "$OUT" "wrote" "sync reports the change"
expect_in "$(cat "$F")" "^MTU = 1400\$" "the new MTU is in the file"
admin network --mtu none
expect_rc 0 "admin network --mtu none"

# --- review: keys and routes wait for a human (exit 4) -------------------
wgc r register --server "$URL" --cacert "$CACERT" --name romeo 192.0.2.99:51820
R_PUB=$(printf '%s\n' "$OUT" | sed -n 's/^public key //p')
admin accept romeo
admin pair alpha romeo
expect_rc 0 "admin pair alpha romeo"
cp "$F" "$T_TMP/before-review"
wgc a sync --config-dir "$T_TMP/a/etc" --review
expect_rc 4 "sync --review holds a new peer"
expect_in "$OUT" "new peer romeo .*public key $(q "$R_PUB")" "and shows its key"
expect_eq "$(cat "$F")" "$(cat "$T_TMP/before-review")" "the held change is not written"
wgc a status
expect_in "$OUT" "^held +wg0 " "status says changes wait for wg0"
wgc a sync --config-dir "$T_TMP/a/etc" --review
expect_rc 4 "sync --review while the change waits"
expect_eq "$OUT$ERR" "" "and it waits quietly"
wgc a sync --config-dir "$T_TMP/a/etc" --review --verbose
expect_in "$OUT" "new peer romeo" "--verbose shows what waits"
mkdir -p "$T_TMP/a/other"
wgc a sync --config-dir "$T_TMP/a/other" --approve
expect_rc 1 "sync --approve into another --config-dir"
expect_in "$ERR" "were for .*a/etc/wg0.conf" "says where the held changes belong"
expect_eq "$(ls "$T_TMP/a/other")" "" "and writes nothing there"
wgc a sync --config-dir "$T_TMP/a/etc" --approve
expect_rc 0 "sync --approve"
expect_in "$(cat "$F")" "^PublicKey = $(q "$R_PUB")\$" "the approved peer is in the config"
wgc a sync --config-dir "$T_TMP/a/etc" --review
expect_rc 0 "sync --review after approval"
expect_eq "$OUT$ERR" "" "and nothing is left to say"
wgc a sync --config-dir "$T_TMP/a/etc" --approve
expect_rc 1 "sync --approve with nothing held"
wgc r endpoint 192.0.2.100:51820
wgc a sync --config-dir "$T_TMP/a/etc" --review
expect_rc 0 "an endpoint change is not held"
expect_in "$(cat "$F")" "^Endpoint = 192\.0\.2\.100:51820\$" "and is written"
admin unpair alpha romeo
wgc a sync --config-dir "$T_TMP/a/etc" --review
expect_rc 0 "a removed peer is not held"
expect_not_in "$(cat "$F")" "$(q "$R_PUB")" "and is gone from the config"

# --- endpoint -----------------------------------------------------------
wgc a endpoint 198.51.100.77:51820
expect_rc 0 "endpoint HOST:PORT"
wgc b genconf
expect_in "$OUT" "^Endpoint = 198\.51\.100\.77:51820\$" "bravo sees alpha's new endpoint"
# A peer moves at most once a minute (endpoint_min_interval): the client
# says so and when to try again.
wgc a endpoint nat
expect_rc 1 "a second move within the minute is refused"
expect_in "$ERR" "try again in [0-9]+ s" "the refusal says when to try again"
sqlite3 "$DB" "UPDATE peers SET endpoint_at = endpoint_at - 60 WHERE id = '$A_ID'" || die "poke"
wgc a endpoint nat
expect_rc 0 "endpoint nat"
wgc b genconf
expect_not_in "$OUT" "^Endpoint = 198\.51\.100\.77" "bravo no longer has an endpoint for alpha"
wgc a endpoint 198.51.100.77
expect_rc 2 "endpoint without a port"

# --- invite -------------------------------------------------------------
admin invite --uses 1 --expires 1h
expect_rc 0 "admin invite"
CODE=$OUT
expect_in "$CODE" '^[A-Za-z0-9_.~-]+$' "invite prints the code alone on stdout"
wgc c register --server "$URL" --cacert "$CACERT" --name charlie --invite "$CODE" nat
expect_rc 0 "register with the invite"
expect_in "$OUT" "accepted" "an invited host is accepted at once"
wgc c status
expect_rc 0 "status of the invited host"
wgc e register --server "$URL" --cacert "$CACERT" --name echo --invite "$CODE" nat
expect_rc 1 "a used-up invite is refused"

# --- a PSK box that does not open ---------------------------------------
sqlite3 "$DB" "UPDATE pairs SET psk_box_a = randomblob(80), psk_box_b = randomblob(80);" ||
    die "cannot tamper with the database"
wgc a genconf
expect_rc 1 "genconf with a PSK box that does not open"
expect_in "$ERR" "preshared key for peer bravo does not open" "the message names the peer"
expect_not_in "$OUT" "PresharedKey" "no config with an empty or missing key is printed"
cp "$F" "$T_TMP/before"
admin network --keepalive 20
wgc a sync --config-dir "$T_TMP/a/etc"
expect_rc 1 "sync with a PSK box that does not open"
expect_eq "$(cat "$F")" "$(cat "$T_TMP/before")" "the config file is left as it was"

# --- unpair, deregister -------------------------------------------------
admin unpair alpha bravo
expect_rc 0 "admin unpair"
wgc a sync --config-dir "$T_TMP/a/etc"
expect_rc 0 "sync after unpair"
expect_not_in "$(cat "$F")" "^\[Peer\]" "the config has no peer left"

wgc b deregister
expect_rc 0 "deregister"
[ -e "$T_TMP/b/state/state.json" ] || [ -e "$T_TMP/b/state/private.key" ] &&
    fail "deregister left the state" || ok "deregister removed the token and key"
wgc b status
expect_rc 1 "status after deregister"
expect_in "$ERR" "not registered" "says not registered"
admin peers --json
expect_eq "$(printf '%s' "$OUT" | jq --arg id "$B_ID" '[.peers[] | select(.id == $id)] | length')" 0 \
    "the server forgot bravo"
# deregister --help: --force removes the local state even when the server
# no longer knows this host; without it such a host keeps its state.
wgc_register g gone nat --pin "$PIN"
admin delete gone
expect_rc 0 "the admin deletes gone"
wgc g deregister
expect_rc 1 "deregister of a host the server deleted"
[ -e "$T_TMP/g/state/state.json" ] && ok "without --force the state stays" ||
    fail "deregister without --force removed the state"
wgc g deregister --force
expect_rc 0 "deregister --force"
[ -e "$T_TMP/g/state/state.json" ] || [ -e "$T_TMP/g/state/private.key" ] &&
    fail "deregister --force left the state" || ok "deregister --force removed the token and key"
