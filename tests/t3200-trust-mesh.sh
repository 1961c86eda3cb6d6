#!/bin/sh
# SPDX-License-Identifier: MIT
# t3200-trust-mesh: a server that is broken into cannot take a host's way
# out, its networks or its tunnel, nor get a key or a route past the
# admin's signature; proven with real tunnels.
#
# A is paired with B (which routes 192.168.77.0/24) and C; E is the
# intruder's own host. The intruder plays both ways: by writing to the
# server's SQLite file, and by a hostile server process (a second, real
# nginx holding the stolen certificate and key, serving tampered copies of
# A's config at /api/v1/peer/config, put in the real server's place by an
# nftables redirect in the server's namespace). After each attack `wg show`
# on A never lists the intruder's route or key, A still pings its trusted
# pairs over the tunnel, and sync's exit status and message say what was
# refused:
#
#   - without a signing key: a route covering the server's address, a
#     default gateway of A, a network connected to A, a /1 interface
#     address (held, exit 4); `wgconf allow-route` lets a route through on
#     purpose, and when the applied config then cuts A off from the server,
#     sync --apply restores the previous config and exits 1 saying so;
#   - key rotation: one sync round on every host and every pair pings;
#   - under a signing key whose statements are made with openssl (another
#     implementation of the signed bytes) and served by the hostile nginx:
#     unsigned peer, pair injection on either side, key swap, route
#     widening (JSON and signed text), another mesh, another key, rollback,
#     revival of a revoked key, A's own older statement, /1 interface
#     addresses, a signed route over the server;
#   - under a signing key on the real server (`wgconf admin sign`): a
#     revoked key stays out across a change of signing key, a mesh pinned
#     by hand, --review comparing signed with signed, SQLite writes (key
#     swap, widened route, an unsigned peer paired with A, an older signed
#     statement put back), a genuine older signed answer replayed by the
#     hostile nginx, and a signed key rotation after one sync round.
#
# Topology (namespaces t32k<PID>*): srv 198.18.0.2:8443, A 198.18.1.2,
# B 198.18.2.2, C 198.18.3.2, E 198.18.5.2, all behind the router wan.
# T3200_KEEP=1 keeps the temporary folder.
set -u
umask 077

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t32k
NS_PFX=$NS_BASE$$
HOSTS="A B C E"
. "$TOP/tests/netns.sh"

EVIL_PORT=8444

mesh_begin t3200-trust-mesh nft sqlite3

# --- the underlay -------------------------------------------------------

mesh_wan
mesh_host A 198.18.1.2
mesh_host B 198.18.2.2
mesh_host C 198.18.3.2
mesh_host E 198.18.5.2
# B routes a LAN: the address lives on its loopback.
ip -n "$NS_PFX"B addr add 192.168.77.1/32 dev lo || die "192.168.77.1 on B"
mesh_wg $HOSTS
mesh_server

# --- running wgconf -----------------------------------------------------

# wgc, wgc_in, admin, show_fail and sync_host come from tests/netns.sh.

# expect RC TEXT WHAT: the last command exited RC and said TEXT on stderr.
expect() {
	if [ "$RC" = "$1" ] && printf '%s\n' "$ERR" | grep -qF -- "$2"; then
		ok "$3 (exit $RC: $2)"
	else
		show_fail "$3 (want exit $1 and '$2')"
	fi
}

# --- the mesh -------------------------------------------------------------

mesh_register A 198.18.1.2:51820
mesh_accept A
mesh_register B 198.18.2.2:51820
mesh_accept B --networks 192.168.77.0/24
mesh_register C 198.18.3.2:51820
mesh_accept C
mesh_register E 198.18.5.2:51820
mesh_accept E
for _h in $HOSTS; do
	eval "id_$_h=\$(jq -r .id \"\$TMP/$_h/state/state.json\")"
done
mesh_pair A-B A-C B-E
mesh_addrs
for _h in $HOSTS; do
	sync_host "$_h" || show_fail "first sync on $_h"
done
pub_E=$(nsx E wg show "$NS_PFX"E public-key)
check "baseline: A pings B ($addr_B) over the tunnel" ns_ping A "$addr_B" 15
check "baseline: A pings C ($addr_C) over the tunnel" ns_ping A "$addr_C" 15
check "baseline: A reaches 192.168.77.1 behind B" ns_ping A 192.168.77.1 5
check "baseline: B pings E ($addr_E) over the tunnel" ns_ping B "$addr_E" 15

# wgstate: A's interface as the kernel has it (peers, keys, AllowedIPs,
# addresses, routes through it).
wgstate() {
	nsx A wg show "$NS_PFX"A dump | awk 'NR > 1 { print $1, $4 }' | sort
	ip -n "$NS_PFX"A addr show dev "$NS_PFX"A | grep inet
	ip -n "$NS_PFX"A route show dev "$NS_PFX"A
}
BASE_STATE=$(wgstate)
CONF_A=$TMP/A/wireguard/${NS_PFX}A.conf
BASE_SUM=$(cksum <"$CONF_A")

# unharmed WHAT ROUTE: after an attack A's interface and file are as they
# were, ROUTE is nowhere on A, and A still pings B.
unharmed() {
	check "$1: A's interface is unchanged" [ "$(wgstate)" = "$BASE_STATE" ]
	check "$1: A's config file is unchanged" [ "$(cksum <"$CONF_A")" = "$BASE_SUM" ]
	_route=$2
	if [ -n "$_route" ]; then
		check "$1: wg show on A does not list $_route" \
			eval '! nsx A wg show "$NS_PFX"A allowed-ips | grep -qF "$_route"'
		check "$1: A has no route for $_route" \
			eval '[ -z "$(ip -n "$NS_PFX"A route show "$_route" dev "$NS_PFX"A)" ]'
	fi
	check "$1: wg show on A never lists E's key" \
		eval '! nsx A wg show "$NS_PFX"A peers | grep -qxF "$pub_E"'
	check "$1: A still pings B ($addr_B)" ns_ping A "$addr_B" 5
}

# --- the intruder writes to the SQLite file --------------------------------

# db SQL: a write as the intruder makes it; A's revision moves as the
# server moves it (from the network's counter), so that A's next request
# gets the new config and later real changes get new ETags too.
db() {
	sqlite3 -cmd '.timeout 5000' "$DB" "$1;
		UPDATE network SET revision = revision + 1 WHERE id = 1;
		UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1)
			WHERE id = '$id_A';" || die "sqlite3: $1"
}

db "INSERT INTO networks (peer_id, cidr, position) VALUES ('$id_B', '198.18.1.1/32', 7)"
sync_host A
expect 4 "route 198.18.1.1/32 covers the default gateway 198.18.1.1 on eth0" \
	"db write: B routes A's default gateway"
expect 4 "nothing written or applied" "db write: the config is held"
unharmed "db write, gateway" 198.18.1.1/32
db "DELETE FROM networks WHERE peer_id = '$id_B' AND cidr = '198.18.1.1/32'"

db "INSERT INTO networks (peer_id, cidr, position) VALUES ('$id_B', '198.18.1.128/25', 7)"
sync_host A
expect 4 "route 198.18.1.128/25 overlaps the directly connected network 198.18.1.0/24 on eth0" \
	"db write: B routes half of A's LAN"
unharmed "db write, connected network" 198.18.1.128/25
db "DELETE FROM networks WHERE peer_id = '$id_B' AND cidr = '198.18.1.128/25'"

_pool=$(sqlite3 "$DB" 'SELECT ipv4_pool FROM network')
db "UPDATE network SET ipv4_pool = '0.0.0.0/1'"
sync_host A
expect 4 "prefix /1 is shorter than /8" "db write: a /1 interface address for A"
unharmed "db write, interface prefix" 0.0.0.0/1
db "UPDATE network SET ipv4_pool = '$_pool'"

# Back to the truth: the next sync puts nothing new (the file is as it was).
sync_host A
check "db write undone: sync on A exits 0 (exit $RC)" [ "$RC" = 0 ]
unharmed "db write undone" ""

# --- a hostile server answers in the real one's place ------------------------

TOKEN_A=$(jq -r .token "$TMP/A/state/state.json")
nsx A curl -sf --cacert "$CACERT" -H "Authorization: Bearer $TOKEN_A" \
	"$URL/api/v1/peer/config" >"$TMP/config-A.json" || die "A's config from the server"
mkdir -p "$TMP/evil/logs" "$TMP/evil/tmp"
# nginx's workers run as nobody: they read the tampered file.
chmod 0755 "$TMP/evil"
cat >"$TMP/evil/nginx.conf" <<EOF
worker_processes 1;
pid $TMP/evil/nginx.pid;
error_log $TMP/evil/logs/error.log warn;
events { worker_connections 64; }
http {
	access_log $TMP/evil/logs/access.log;
	client_body_temp_path $TMP/evil/tmp;
	proxy_temp_path $TMP/evil/tmp;
	fastcgi_temp_path $TMP/evil/tmp;
	uwsgi_temp_path $TMP/evil/tmp;
	scgi_temp_path $TMP/evil/tmp;
	server {
		listen $SRV_ADDR:$EVIL_PORT ssl;
		ssl_certificate $RUN/cert.pem;
		ssl_certificate_key $RUN/key.pem;
		default_type application/json;
		# Every answer is new: two tampered files of one size written in
		# the same second must not share an ETag.
		etag off;
		if_modified_since off;
		location = /api/v1/health { return 200 '{"status": "ok"}'; }
		location = /api/v1/peer/config { alias $TMP/evil/config.json; }
		location / { return 503; }
	}
}
EOF
cp "$TMP/config-A.json" "$TMP/evil/config.json"
[ -f "$RUN/key.pem" ] || die "no $RUN/key.pem: where does local.sh keep the key?"
nsx srv nginx -c "$TMP/evil/nginx.conf" || die "the hostile nginx does not start"
# From now on what reaches the server's port is the hostile one's.
nsx srv nft -f - <<EOF || die "nftables redirect to the hostile server"
table ip t32kevil {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport $SRV_PORT redirect to :$EVIL_PORT
	}
}
EOF

# evil JQ: the hostile server now serves A's real config changed by JQ.
evil() {
	jq "$1" "$TMP/config-A.json" >"$TMP/evil/config.json.new" &&
		chmod 0644 "$TMP/evil/config.json.new" &&
		mv "$TMP/evil/config.json.new" "$TMP/evil/config.json" || die "jq $1"
}
peer_b="(.peers[] | select(.id == \"$id_B\"))"

evil "$peer_b.allowed_ips += [\"198.18.0.0/24\"]"
sync_host A
expect 4 "route 198.18.0.0/24 covers the server's address 198.18.0.2" \
	"hostile server: B routes the server's address"
unharmed "hostile server, server's address" 198.18.0.0/24
check "hostile server: the request did reach the hostile nginx" \
	grep -q 'peer/config' "$TMP/evil/logs/access.log"

evil "$peer_b.allowed_ips += [\"0.0.0.0/0\"]"
sync_host A
expect 4 "route 0.0.0.0/0 covers the server's address" "hostile server: B takes all of IPv4"
unharmed "hostile server, default route" 0.0.0.0/0

evil '.interface.addresses = ["10.77.0.2/1"]'
sync_host A
expect 4 "prefix /1 is shorter than /8" "hostile server: a /1 interface address"
unharmed "hostile server, interface prefix" 0.0.0.0/1

# --- allowed on purpose, then it cuts A off: restored ------------------------

if wgc A allow-route 198.18.0.0/24 && printf '%s\n' "$OUT" | grep -qF "allowed routes inside 198.18.0.0/24"; then
	ok "allow-route 198.18.0.0/24"
else
	show_fail "allow-route 198.18.0.0/24"
fi
wgc A allow-route
check "allow-route lists 198.18.0.0/24" [ "$OUT" = 198.18.0.0/24 ]
for _bad in 198.18.0.1/24 198.18.0.0 300.1.2.3/8 x; do
	wgc A allow-route 10.0.0.0/8 "$_bad"
	expect 2 "invalid CIDR '$_bad'" "allow-route refuses '$_bad'"
done
wgc A allow-route
check "allow-route: the list is unchanged after the refusals" [ "$OUT" = 198.18.0.0/24 ]
check "the allow-list is mode 0600" [ "$(stat -c %a "$TMP/A/state/allowed-routes")" = 600 ]
evil "$peer_b.allowed_ips += [\"198.18.0.0/24\"]"
sync_host A --verbose
expect 1 "+ ip route replace 198.18.0.0/24 dev ${NS_PFX}A" \
	"allowed: the route to the server goes on A's interface"
expect 1 "the server does not answer after applying" \
	"allowed, the route cuts A off from the server: sync --apply says so"
expect 1 "restored the previous config of ${NS_PFX}A" "and restores the previous one"
unharmed "restored" 198.18.0.0/24
check "restored: A reaches the server again" \
	nsx A curl -sf --max-time 5 --cacert "$CACERT" -o /dev/null "$URL/api/v1/health"
wgc A allow-route --remove 198.18.0.0/24
check "allow-route --remove empties the list (exit $RC)" \
	eval '[ "$RC" = 0 ] && [ -z "$(cat "$TMP/A/state/allowed-routes")" ]'

nsx srv nft delete table ip t32kevil
nsx srv sh -c "kill \$(cat '$TMP/evil/nginx.pid')"
sync_host A
check "the real server back: sync on A exits 0 (exit $RC)" [ "$RC" = 0 ]
wgc A allow-route 10.200.0.0/16
wgc A status
check "status shows the routes allowed" \
	eval 'printf "%s\n" "$OUT" | grep -qxF "allowed   10.200.0.0/16"'
wgc A allow-route --remove 10.200.0.0/16
unharmed "the real server back" ""

# --- key rotation -------------------------------------------------------------

# A makes a new key pair; the admin accepts it; after one sync round on
# every host, A uses the new key and every pair still pings.
wgc A rotate
expect 0 "" "rotate: A asks for its new key"
new_A=$(wg pubkey <"$TMP/A/state/next.key")
check "rotate: A says its new public key" \
	eval 'printf "%s\n" "$OUT" | grep -qF "$new_A"'
wgc A status
check "status shows the new key waiting" \
	eval 'printf "%s\n" "$OUT" | grep -qF "next key  $new_A "'
wgc A rotate
check "rotate again before it is accepted: the same new key (exit $RC)" \
	eval '[ "$RC" = 0 ] && printf "%s\n" "$OUT" | grep -qF "$new_A" &&
	      [ "$(wg pubkey <"$TMP/A/state/next.key")" = "$new_A" ]'
sync_host A
check "rotate: nothing changes before the admin accepts (A keeps its key)" \
	[ "$(nsx A wg show "$NS_PFX"A public-key)" != "$new_A" ]
admin accept-key host-a || show_fail "rotate: the admin accepts A's new key"
for _h in B C E A; do
	sync_host "$_h" || show_fail "rotate: sync round on $_h"
done
check "rotate: A's interface has the new key" \
	[ "$(nsx A wg show "$NS_PFX"A public-key)" = "$new_A" ]
check "rotate: B knows A by its new key" \
	eval 'nsx B wg show "$NS_PFX"B peers | grep -qxF "$new_A"'
check "rotate: next.key became private.key" \
	eval '[ ! -e "$TMP/A/state/next.key" ] && [ "$(wg pubkey <"$TMP/A/state/private.key")" = "$new_A" ]'
check "rotate: A pings B after one sync round" ns_ping A "$addr_B" 15
check "rotate: A pings C after one sync round" ns_ping A "$addr_C" 15
check "rotate: B pings A" ns_ping B "$addr_A" 5
BASE_STATE=$(wgstate)
BASE_SUM=$(cksum <"$CONF_A")

# --- under the admin's signing key --------------------------------------------

# The admin's offline Ed25519 key, and the statements it signs, made here
# with openssl: an implementation of its own, so the host is proven to take
# the signed bytes exactly as docs/trust.md writes them. The server in this
# tree does not serve statements yet, so every answer A gets from here on is
# the hostile nginx's, built on A's real config (real preshared-key boxes,
# real endpoints) with the statements the admin signed.
openssl genpkey -algorithm ed25519 -out "$TMP/admin.pem" 2>/dev/null || die "openssl ed25519"
ADMIN_PUB=$(openssl pkey -in "$TMP/admin.pem" -pubout -outform DER | tail -c 32 | base64)
openssl genpkey -algorithm ed25519 -out "$TMP/other.pem" 2>/dev/null || die "openssl ed25519"
MESH=$(openssl rand -hex 16)
MESH2=$(openssl rand -hex 16)
mkdir -p "$TMP/st"

# stmt NAME PEER_ID VERSION KEY ADDRESS "NETWORKS" "PAIRS" [MESH] [KEYFILE]:
# $TMP/st/NAME.txt, the statement, and NAME.sig, its signature.
stmt() {
	{
		printf 'wgconfsrv-statement-v2\nmesh %s\npeer %s\nversion %s\nkey %s\naddress %s\n' \
			"${8:-$MESH}" "$2" "$3" "$4" "$5"
		for _x in $(printf '%s\n' $6 | LC_ALL=C sort); do printf 'network %s\n' "$_x"; done
		for _x in $(printf '%s\n' $7 | LC_ALL=C sort); do printf 'pair %s\n' "$_x"; done
		printf 'end\n'
	} >"$TMP/st/$1.txt"
	openssl pkeyutl -sign -inkey "${9:-$TMP/admin.pem}" -rawin -in "$TMP/st/$1.txt" |
		base64 -w0 >"$TMP/st/$1.sig" || die "signing $1"
}
# revocation NAME KEY
revocation() {
	printf 'wgconfsrv-revocation-v1\nmesh %s\nkey %s\nend\n' "$MESH" "$2" >"$TMP/st/$1.txt"
	openssl pkeyutl -sign -inkey "$TMP/admin.pem" -rawin -in "$TMP/st/$1.txt" |
		base64 -w0 >"$TMP/st/$1.sig" || die "signing $1"
}

admin pair host-a host-e || { show_fail "pair host-a host-e"; die "pair"; }
for _h in A E; do
	sync_host "$_h" || show_fail "sync on $_h after pairing A and E"
done
for _h in A B C E; do
	eval "pub_$_h=\$(nsx $_h wg show $NS_PFX$_h public-key)"
done
# F exists only in the intruder's answers: a key nobody here holds.
pub_F=$(wg genkey | wg pubkey)
id_F=f0f0f0f0f0f0f0f0
nsx A curl -sf --cacert "$CACERT" -H "Authorization: Bearer $TOKEN_A" \
	"$URL/api/v1/peer/config" >"$TMP/config-A.json" || die "A's config from the server"
check "A's real config has B, C and E" [ "$(jq '.peers | length' "$TMP/config-A.json")" = 3 ]

stmt A1 "$id_A" 1 "$pub_A" "$addr_A/24" "" "$id_B $id_C $id_E"
stmt B1 "$id_B" 1 "$pub_B" "$addr_B/24" "192.168.77.0/24" "$id_A $id_E"
stmt C1 "$id_C" 1 "$pub_C" "$addr_C/24" "" "$id_A"
stmt E1 "$id_E" 1 "$pub_E" "$addr_E/24" "" "$id_A $id_B"
stmt F1 "$id_F" 1 "$pub_F" "10.77.0.99/24" "" "$id_B"
stmt F2 "$id_F" 2 "$pub_F" "10.77.0.99/24" "" "$id_A $id_B"

# serve OWN "ID=NAME ..." [JQ] ["REVOCATION ..."]: the hostile server answers
# A with A's real config changed by JQ, then carrying statement OWN for A
# itself ("-": none) and statement NAME on the entry of peer ID, and the
# signed revocations named.
serve() {
	_args=""
	_jq=". | ${3:-.}"
	if [ "$1" != - ]; then
		_args="--rawfile ot $TMP/st/$1.txt --rawfile os $TMP/st/$1.sig"
		_jq="$_jq | .statement = {text: \$ot, signature: \$os}"
	fi
	_i=0
	for _e in $2; do
		_i=$((_i + 1))
		_args="$_args --arg i$_i ${_e%%=*} --rawfile t$_i $TMP/st/${_e#*=}.txt"
		_args="$_args --rawfile s$_i $TMP/st/${_e#*=}.sig"
		_jq="$_jq | (.peers[] | select(.id == \$i$_i)).statement = {text: \$t$_i, signature: \$s$_i}"
	done
	_r='[]'
	for _v in ${4:-}; do
		_i=$((_i + 1))
		_args="$_args --rawfile t$_i $TMP/st/$_v.txt --rawfile s$_i $TMP/st/$_v.sig"
		_r="$_r + [{text: \$t$_i, signature: \$s$_i}]"
	done
	_jq="$_jq | .revocations = ($_r)"
	# shellcheck disable=SC2086
	jq $_args "$_jq" "$TMP/config-A.json" >"$TMP/evil/config.json.new" &&
		chmod 0644 "$TMP/evil/config.json.new" &&
		mv "$TMP/evil/config.json.new" "$TMP/evil/config.json" || die "serve: jq $_jq"
}

nsx srv nginx -c "$TMP/evil/nginx.conf" || die "the hostile nginx does not start again"
nsx srv nft -f - <<EOF || die "nftables redirect to the hostile server"
table ip t32kevil {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport $SRV_PORT redirect to :$EVIL_PORT
	}
}
EOF

if wgc A trust-key "$ADMIN_PUB"; then ok "trust-key on A"; else show_fail "trust-key on A"; fi
# Before anything is signed, a trusting host writes nothing.
serve - ""
sync_host A
expect 4 "held, nothing written or applied: unsigned" "trusted key, nothing signed: A holds"
check "trusted key, nothing signed: A still pings B" ns_ping A "$addr_B" 5

SIGNED="$id_B=B1 $id_C=C1 $id_E=E1"
serve A1 "$SIGNED"
sync_host A
check "signed: sync on A exits 0 (exit $RC)" [ "$RC" = 0 ] || printf '%s\n' "$ERR"
check "signed: A pings B" ns_ping A "$addr_B" 10
check "signed: A pings C" ns_ping A "$addr_C" 10
check "signed: A pings E" ns_ping A "$addr_E" 10
check "signed: A reaches 192.168.77.1 behind B" ns_ping A 192.168.77.1 5
check "signed: trust.json is mode 0600" [ "$(stat -c %a "$TMP/A/state/trust.json")" = 600 ]
check "signed: trust.json pins the mesh of A's own statement" \
	[ "$(jq -r .mesh "$TMP/A/state/trust.json")" = "$MESH" ]

# trusted WHAT ROUTE KEY PEERS: after an attack, wg show on A lists neither
# ROUTE nor KEY ("" to skip) and A pings each of PEERS over the tunnel.
trusted() {
	_route=$2 _key=$3
	if [ -n "$_route" ]; then
		check "$1: wg show on A does not list $_route" \
			eval '! nsx A wg show "$NS_PFX"A allowed-ips | grep -qF "$_route"'
		check "$1: A has no route for $_route" \
			eval '[ -z "$(ip -n "$NS_PFX"A route show "$_route" dev "$NS_PFX"A)" ]'
	fi
	[ -z "$_key" ] || check "$1: wg show on A never lists the intruder's key" \
		eval '! nsx A wg show "$NS_PFX"A peers | grep -qxF "$_key"'
	for _p in $4; do
		eval "_a=\$addr_$_p"
		check "$1: A still pings $_p ($_a)" ns_ping A "$_a" 10
	done
}
# F's entry, as the intruder adds it (any sealed box will do: a refused
# entry is never opened).
ADD_F=".peers += [(.peers[0] | .id = \"$id_F\" | .name = \"host-f\" | .public_key = \"$pub_F\" | .allowed_ips = [\"10.77.0.99/32\"])]"

serve A1 "$SIGNED" "$ADD_F"
sync_host A
expect 4 "peer host-f (id $id_F): refused: unsigned" "unsigned peer"
trusted "unsigned peer" 10.77.0.99 "$pub_F" "B C E"

serve A1 "$SIGNED $id_F=F1" "$ADD_F"
sync_host A
expect 4 "peer host-f (id $id_F): refused: not paired: its statement does not name this host" \
	"pair injection (a peer the admin signed, paired elsewhere)"
trusted "pair injection" 10.77.0.99 "$pub_F" "B C E"

serve A1 "$SIGNED $id_F=F2" "$ADD_F"
sync_host A
expect 4 "peer host-f (id $id_F): refused: not paired: this host's statement does not name it" \
	"pair injection (F's statement names A, A's does not name F)"
trusted "pair injection, one side" 10.77.0.99 "$pub_F" "B C E"

serve A1 "$SIGNED" "(.peers[] | select(.id == \"$id_B\")).public_key = \"$pub_F\""
sync_host A
expect 4 "peer host-b (id $id_B): refused: not signed: the server gives key $pub_F" "key swap"
trusted "key swap" "" "$pub_F" "C E"

serve A1 "$SIGNED" "(.peers[] | select(.id == \"$id_B\")).allowed_ips += [\"10.99.0.0/16\"]"
sync_host A
expect 4 "peer host-b (id $id_B): refused the server's AllowedIPs" "route widening (unsigned)"
trusted "route widening" 10.99.0.0/16 "" "B C E"

# The statement's text widened, its old signature kept.
sed 's|^network 192.168.77.0/24$|network 10.99.0.0/16\nnetwork 192.168.77.0/24|' \
	"$TMP/st/B1.txt" >"$TMP/st/B1x.txt"
cp "$TMP/st/B1.sig" "$TMP/st/B1x.sig"
serve A1 "$id_B=B1x $id_C=C1 $id_E=E1"
sync_host A
expect 4 "peer host-b (id $id_B): refused: bad signature" "route widening (signed text changed)"
trusted "signed text changed" 10.99.0.0/16 "" "C E"

stmt Bo "$id_B" 5 "$pub_B" "$addr_B/24" "10.99.0.0/16 192.168.77.0/24" "$id_A" "$MESH2"
serve A1 "$id_B=Bo $id_C=C1 $id_E=E1"
sync_host A
expect 4 "peer host-b (id $id_B): refused: other mesh" "a statement from another mesh"
trusted "other mesh" 10.99.0.0/16 "" "C E"

stmt Bk "$id_B" 5 "$pub_B" "$addr_B/24" "10.99.0.0/16 192.168.77.0/24" "$id_A" "" "$TMP/other.pem"
serve A1 "$id_B=Bk $id_C=C1 $id_E=E1"
sync_host A
expect 4 "peer host-b (id $id_B): refused: bad signature" "a statement signed by another key"
trusted "another key" 10.99.0.0/16 "" "C E"

# The admin narrows B (no more LAN) and signs version 2.
stmt B2 "$id_B" 2 "$pub_B" "$addr_B/24" "" "$id_A $id_E"
NARROW_B="(.peers[] | select(.id == \"$id_B\")).allowed_ips = [\"$addr_B/32\"]"
serve A1 "$id_B=B2 $id_C=C1 $id_E=E1" "$NARROW_B"
sync_host A
check "narrowed: sync on A exits 0 (exit $RC)" [ "$RC" = 0 ] || printf '%s\n' "$ERR"
trusted "narrowed" 192.168.77.0/24 "" "B C E"
# Rollback: the older, wider, validly signed B1 comes back.
serve A1 "$SIGNED"
sync_host A
expect 4 "peer host-b (id $id_B): refused: rollback: its statement has version 1, older than version 2 seen before" \
	"rollback of B"
trusted "rollback of B" 192.168.77.0/24 "" "C E"

# The admin deletes E: A's statement without E, E's key revoked.
stmt A2 "$id_A" 2 "$pub_A" "$addr_A/24" "" "$id_B $id_C"
revocation RE "$pub_E"
DROP_E="del(.peers[] | select(.id == \"$id_E\")) | $NARROW_B"
serve A2 "$id_B=B2 $id_C=C1" "$DROP_E" RE
sync_host A
check "E deleted: sync on A exits 0 (exit $RC)" [ "$RC" = 0 ] || printf '%s\n' "$ERR"
trusted "E deleted" "" "$pub_E" "B C"
check "E deleted: trust.json keeps E's key as revoked" \
	jq -e --arg k "$pub_E" '.revoked | index($k)' "$TMP/A/state/trust.json" >/dev/null
# Revival: E's old statement (it named A) and its entry, no revocation sent.
serve A2 "$id_B=B2 $id_C=C1 $id_E=E1" "$NARROW_B"
sync_host A
expect 4 "peer host-e (id $id_E): refused: revoked: its key $pub_E was revoked" "revival of E"
trusted "revival of E" "" "$pub_E" "B C"
# ...with A's own older statement that named E: the whole answer is held.
STATE_NOW=$(wgstate)
serve A1 "$id_B=B2 $id_C=C1 $id_E=E1" "$NARROW_B"
sync_host A
expect 4 "this host (id $id_A): held, nothing written or applied: rollback" \
	"revival with A's own older statement"
check "held: A's interface is unchanged" [ "$(wgstate)" = "$STATE_NOW" ]
trusted "held" "" "$pub_E" "B C"

# Interface prefix: the server gives A a /1, the signed statement a /24.
serve A2 "$id_B=B2 $id_C=C1" "$DROP_E | .interface.addresses = [\"$addr_A/1\"]"
sync_host A
expect 4 "this host (id $id_A): refused the server's interface addresses $addr_A/1" \
	"interface prefix from the server"
check "interface prefix: A's address keeps its /24" \
	eval 'ip -n "$NS_PFX"A addr show dev "$NS_PFX"A | grep -qF "inet $addr_A/24 "'
trusted "interface prefix" 0.0.0.0/1 "" "B C"
# Even signed (a stolen or careless signing key), a /1 is held.
stmt A3 "$id_A" 3 "$pub_A" "$addr_A/1" "" "$id_B $id_C"
serve A3 "$id_B=B2 $id_C=C1" "$DROP_E | .interface.addresses = [\"$addr_A/1\"]"
sync_host A
expect 4 "prefix /1 is shorter than /8" "a signed /1 interface address is held all the same"
trusted "signed /1" 0.0.0.0/1 "" "B C"
# And a signed route over the server's own address.
stmt B3 "$id_B" 3 "$pub_B" "$addr_B/24" "198.18.0.0/24" "$id_A $id_E"
stmt A4 "$id_A" 4 "$pub_A" "$addr_A/24" "" "$id_B $id_C"
serve A4 "$id_B=B3 $id_C=C1" "$DROP_E | (.peers[] | select(.id == \"$id_B\")).allowed_ips = [\"$addr_B/32\", \"198.18.0.0/24\"]"
sync_host A
expect 4 "route 198.18.0.0/24 covers the server's address 198.18.0.2" \
	"a signed route over the server's address is held"
trusted "signed route over the server" 198.18.0.0/24 "" "B C"

# What was signed is known, even when held: B is back with version 4.
stmt B4 "$id_B" 4 "$pub_B" "$addr_B/24" "" "$id_A $id_E"
serve A4 "$id_B=B2 $id_C=C1" "$DROP_E"
sync_host A
expect 4 "peer host-b (id $id_B): refused: rollback: its statement has version 2, older than version 3" \
	"the held version 3 of B is remembered"
serve A4 "$id_B=B4 $id_C=C1" "$DROP_E"
sync_host A
check "all signed again: sync on A exits 0 (exit $RC)" [ "$RC" = 0 ] || printf '%s\n' "$ERR"
trusted "all signed again" "" "$pub_E" "B C"

# --- the real server signs ----------------------------------------------------

# Now the admin signs on the real server (`wgconf admin sign`), A, B and C
# trust that key, and the intruder replays a genuine, older signed answer.
evil_off() {
	nsx srv nft delete table ip t32kevil
	nsx srv sh -c "kill \$(cat '$TMP/evil/nginx.pid')"
	sleep 0.3
}
evil_on() {
	nsx srv nginx -c "$TMP/evil/nginx.conf" || die "the hostile nginx does not start"
	printf '%s\n' "table ip t32kevil {" "chain prerouting {" \
		"type nat hook prerouting priority dstnat; policy accept;" \
		"tcp dport $SRV_PORT redirect to :$EVIL_PORT" "}" "}" |
		nsx srv nft -f - || die "nftables redirect to the hostile server"
}
evil_off
admin signing-key generate --out "$TMP/admin/signing.key" ||
	{ show_fail "admin signing-key generate"; die "no signing key"; }
SIGN_PUB=$(printf '%s\n' "$OUT" | grep -oE '[A-Za-z0-9+/]{43}=' | head -n 1)
[ -n "$SIGN_PUB" ] || die "no public key in: $OUT"
admin network --signing-key "$SIGN_PUB" || show_fail "admin network --signing-key"
sign_all() {
	admin sign --all --yes --key "$TMP/admin/signing.key" || show_fail "admin sign --all $1"
}
sign_all "(first)"
for _h in A B C; do
	wgc "$_h" trust-key "$SIGN_PUB" || show_fail "trust-key on $_h"
done
for _h in B C E; do
	sync_host "$_h" || show_fail "server-signed: sync on $_h"
done
# A mesh pinned by hand (trust-key --mesh) is the only one taken.
_right=$(jq -r .mesh "$TMP/B/state/trust.json")
wgc C trust-key "$SIGN_PUB" --mesh "$MESH2"
sync_host C
expect 4 "held, nothing written or applied: other mesh" \
	"trust-key --mesh: C pinned to another mesh takes nothing"
wgc C trust-key "$SIGN_PUB" --mesh "$_right"
sync_host C
check "trust-key --mesh: pinned to the server's mesh, C syncs (exit $RC)" [ "$RC" = 0 ]
wgc C trust-key --mesh "$_right"
expect 2 "--mesh goes with the key it is for" "trust-key --mesh alone is a usage error"
wgc C trust-key "$SIGN_PUB" --mesh 0123
expect 2 "invalid --mesh '0123'" "trust-key refuses a mesh id that is not 32 hex digits"
# E's key was revoked under the key before: a revoked key never comes back,
# whoever signs now.
sync_host A
expect 4 "peer host-e (id $id_E): refused: revoked" \
	"server-signed: E stays out, its key revoked before the signing key changed"
check "server-signed: A pings B" ns_ping A "$addr_B" 10
check "server-signed: A pings C" ns_ping A "$addr_C" 10
check "server-signed: A reaches 192.168.77.1 behind B" ns_ping A 192.168.77.1 5
check "server-signed: A pinned the server's mesh, not the one before" \
	eval '_m=$(jq -r .mesh "$TMP/A/state/trust.json"); [ "$_m" != null ] && [ "$_m" != "$MESH" ]'
wgc A status
_m=$(jq -r .mesh "$TMP/A/state/trust.json")
check "status shows the trusted key and the pinned mesh" \
	eval 'printf "%s\n" "$OUT" | grep -qxF "trust key $SIGN_PUB" &&
	      printf "%s\n" "$OUT" | grep -Eq "^mesh +$_m$"'
nsx A curl -sf --cacert "$CACERT" -H "Authorization: Bearer $TOKEN_A" \
	"$URL/api/v1/peer/config" >"$TMP/config-signed-1.json" || die "A's signed config"
check "server-signed: A's config carries its own statement" \
	jq -e '.statement.text | startswith("wgconfsrv-statement-v2\n")' "$TMP/config-signed-1.json" >/dev/null

# --review under a signing key compares signed with signed: a route the
# admin added and signed for C is the one change held.
admin edit host-c --networks 10.123.0.0/24 || show_fail "admin edit host-c --networks"
sign_all "(C's new network)"
sync_host C || show_fail "sync on C after its new network"
sync_host A --review
check "review under a signing key: held, exit 4 (exit $RC)" [ "$RC" = 4 ]
check "review: the one change is C's signed new route" \
	eval 'printf "%s\n" "$OUT" | grep -qF "peer host-c (id $id_C): allowed IPs $addr_C/32 -> $addr_C/32, 10.123.0.0/24" &&
	      [ "$(printf "%s\n" "$OUT" | grep -c "^  ")" = 1 ]'
sync_host A --approve
check "review: approved, A routes 10.123.0.0/24 to C" \
	eval '[ -n "$(ip -n "$NS_PFX"A route show 10.123.0.0/24 dev "$NS_PFX"A)" ]'

# The intruder writes the SQLite file under the signing key too: a key
# swap, a widened route, and (after the admin narrows B) B's older signed
# statement put back.
db "UPDATE peers SET public_key = '$pub_F' WHERE id = '$id_B'"
sync_host A
expect 4 "peer host-b (id $id_B): refused: not signed: the server gives key $pub_F" \
	"db write under a signing key: key swap"
trusted "db key swap" "" "$pub_F" "C"
db "UPDATE peers SET public_key = '$pub_B' WHERE id = '$id_B'"
db "INSERT INTO networks (peer_id, cidr, position) VALUES ('$id_C', '10.99.0.0/16', 9)"
sync_host A
expect 4 "peer host-c (id $id_C): refused the server's AllowedIPs" \
	"db write under a signing key: a widened route"
trusted "db widened route" 10.99.0.0/16 "" "B C"
db "DELETE FROM networks WHERE peer_id = '$id_C' AND cidr = '10.99.0.0/16'"
# A peer of the intruder's, accepted and paired with A, straight into the
# tables (its preshared-key boxes are random: it is refused before any
# box is opened).
_lo=$id_A _hi=$id_F
[ "$id_A" \< "$id_F" ] || { _lo=$id_F _hi=$id_A; }
db "INSERT INTO peers (id, name, state, public_key, token_hash, created_at)
	VALUES ('$id_F', 'host-f', 'accepted', '$pub_F', randomblob(32), 0);
	INSERT INTO addresses (peer_id, family, address) VALUES ('$id_F', 4, '10.77.0.99');
	INSERT INTO pairs (a, b, psk_box_a, psk_box_b, created_at)
	VALUES ('$_lo', '$_hi', randomblob(80), randomblob(80), 0)"
sync_host A
expect 4 "peer host-f (id $id_F): refused: unsigned" \
	"db write under a signing key: an unsigned peer paired with A"
trusted "db unsigned peer" 10.77.0.99 "$pub_F" "B C"
db "DELETE FROM pairs WHERE a = '$id_F' OR b = '$id_F';
	DELETE FROM addresses WHERE peer_id = '$id_F'; DELETE FROM peers WHERE id = '$id_F'"
db "CREATE TABLE t32k_old AS SELECT statement, statement_sig, signed_version FROM peers WHERE id = '$id_B'"

# The admin narrows B and deletes E, and signs; then the intruder replays
# the genuine answer from before, signatures and all.
admin edit host-b --networks none || show_fail "admin edit host-b --networks none"
admin delete host-e || show_fail "admin delete host-e"
sign_all "(B narrowed, E deleted)"
for _h in B C A; do
	sync_host "$_h" || show_fail "after the narrowing: sync on $_h"
done
trusted "narrowed and deleted, signed" 192.168.77.0/24 "$pub_E" "B C"
check "E's key is revoked in A's trust.json" \
	jq -e --arg k "$pub_E" '.revoked | index($k)' "$TMP/A/state/trust.json" >/dev/null
db "CREATE TABLE t32k_new AS SELECT statement, statement_sig, signed_version FROM peers WHERE id = '$id_B'"
db "UPDATE peers SET statement = (SELECT statement FROM t32k_old),
	statement_sig = (SELECT statement_sig FROM t32k_old),
	signed_version = (SELECT signed_version FROM t32k_old) WHERE id = '$id_B'"
sync_host A
expect 4 "peer host-b (id $id_B): refused: rollback" \
	"db write under a signing key: B's older signed statement put back"
trusted "db rollback" 192.168.77.0/24 "" "C"
db "UPDATE peers SET statement = (SELECT statement FROM t32k_new),
	statement_sig = (SELECT statement_sig FROM t32k_new),
	signed_version = (SELECT signed_version FROM t32k_new) WHERE id = '$id_B'"
sync_host A
check "db rollback undone: A pings B again (exit $RC)" ns_ping A "$addr_B" 10
cp "$TMP/config-signed-1.json" "$TMP/evil/config.json"
chmod 0644 "$TMP/evil/config.json"
evil_on
STATE_NOW=$(wgstate)
sync_host A
expect 4 "this host (id $id_A): held, nothing written or applied: rollback" \
	"replayed signed answer: A's own older statement"
check "replayed: A's interface is unchanged" [ "$(wgstate)" = "$STATE_NOW" ]
trusted "replayed" 192.168.77.0/24 "$pub_E" "B C"
evil_off

# Rotation under the signing key: one sync round on every host after the
# admin accepted and signed, and every pair pings with A's new key.
old_A=$(nsx A wg show "$NS_PFX"A public-key)
if wgc A rotate; then ok "signed rotation: A asks for a new key"; else show_fail "signed rotation: rotate"; fi
new_A=$(wg pubkey <"$TMP/A/state/next.key")
admin accept-key host-a || show_fail "signed rotation: accept-key host-a"
sign_all "(A's new key)"
for _h in B C A; do
	sync_host "$_h" || show_fail "signed rotation: sync on $_h"
done
check "signed rotation: A's interface has the new key" \
	[ "$(nsx A wg show "$NS_PFX"A public-key)" = "$new_A" ]
check "signed rotation: B knows A by its new key, not the old one" \
	eval 'nsx B wg show "$NS_PFX"B peers | grep -qxF "$new_A" &&
	      ! nsx B wg show "$NS_PFX"B peers | grep -qxF "$old_A"'
check "signed rotation: A pings B" ns_ping A "$addr_B" 15
check "signed rotation: A pings C" ns_ping A "$addr_C" 15
check "signed rotation: C pings A" ns_ping C "$addr_A" 5
check "signed rotation: B keeps A's old key as revoked" \
	jq -e --arg k "$old_A" '.revoked | index($k)' "$TMP/B/state/trust.json" >/dev/null

[ "$FAILED" -eq 0 ]
