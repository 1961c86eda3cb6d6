#!/bin/sh
# SPDX-License-Identifier: MIT
# t2500-operations: what an operator runs, against real local stacks.
#   links:   hosts' reports (PUT /peer/links) become each pair's status in
#            `wgconf admin links`: never, up, stale; strict (only paired
#            peers), and neither a config change nor an audit event;
#   metrics: GET /admin/metrics parsed by Debian's prometheus_client, every
#            value checked against the mesh the test built;
#   import:  three hand-made wg-quick files become peers and pairs (keys,
#            addresses, routed networks, endpoints, ports kept), all or
#            nothing, what is not taken over said, no private key or PSK
#            sent; a host adopts its peer with its own wg0.conf and syncs;
#   export:  stable JSON without secrets or ids; export -> fresh server ->
#            import -> export gives the same bytes;
#   backup:  sqlite3 .backup and VACUUM INTO while writers run, restored
#            into a fresh instance: the data (and a peer's token) is there.
. "$(dirname "$0")/lib.sh"
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
need sqlite3 wg
PY=/usr/bin/python3
"$PY" -c 'import prometheus_client.parser' 2>/dev/null ||
    die "Debian's python3-prometheus-client is missing (make deps)"
mkdir -p "$T_TMP/home"

# One responder: its per-process request counters are then the server's.
stack_start 1
A_RUN=$RUN A_URL=$URL A_PORT=$PORT A_PASS=$ADMIN_PASS A_DB=$DB A_CACERT=$CACERT
PWFILE=$T_TMP/admin-pass
printf '%s\n' "$ADMIN_PASS" >"$PWFILE"

admin() {
	printf '%s\n' "$ADMIN_PASS" >"$PWFILE"
	wgc adm admin --server "$URL" --cacert "$CACERT" --user admin \
	    --password-file "$PWFILE" "$@"
}

# reg NAME: an accepted peer through an invite; sets ID_NAME, TOK_NAME.
reg() {
	api -a POST /admin/invites '{"uses":1}'
	_code=$(jqr .code)
	keypair
	api POST /register "{\"name\":\"$1\",\"public_key\":\"$PUB\",\"endpoint\":null,\"invite\":\"$_code\"}"
	expect_status 201 "register $1 with an invite" || die "cannot register $1"
	eval "ID_$1=\$(jqr .id) TOK_$1=\$(jqr .token)"
}

# --- links --------------------------------------------------------------

reg h1
reg h2
reg h3
api -a PUT "/admin/pairs/$ID_h1/$ID_h2"
expect_status 201
api -a PUT "/admin/pairs/$ID_h1/$ID_h3"
expect_status 201

admin links
expect_rc 0 "admin links before any report"
expect_in "$OUT" "^A +B +STATUS +HANDSHAKE" "a table with a header"
expect_eq "$(printf '%s\n' "$OUT" | grep -c ' never ')" 2 "both pairs: never"

api -b "$TOK_h1" GET /peer/config
ETAG=$(header ETag)
AUDITS=$(sqlite3 "$DB" 'SELECT count(*) FROM audit')
NOW=$(date +%s)
api -b "$TOK_h1" PUT /peer/links "{\"links\":[{\"peer\":\"$ID_h2\",\"latest_handshake\":$((NOW - 5)),\"rx\":2048,\"tx\":4096},{\"peer\":\"$ID_h3\",\"latest_handshake\":0,\"rx\":0,\"tx\":0}]}"
expect_status 204 "h1 reports its links"
api -b "$TOK_h1" -h "If-None-Match: $ETAG" GET /peer/config
expect_status 304 "a report is no config change (same ETag)"
expect_eq "$(sqlite3 "$DB" 'SELECT count(*) FROM audit')" "$AUDITS" "a report is no audit event"

admin links
expect_rc 0 "admin links after h1's report"
expect_in "$OUT" "^h1 +h2 +up +[0-9]+s ago +rx 2.0 KiB, tx 4.0 KiB +- *$" "h1-h2 is up, with h1's bytes"
expect_in "$OUT" "^h1 +h3 +never " "h1-h3 is still never"
admin links --json
expect_rc 0 "admin links --json"
BODY=$OUT
expect_json '[.links[] | {a: .a.name, b: .b.name, status, expected}]' \
    '[{"a":"h1","b":"h2","status":"up","expected":true},{"a":"h1","b":"h3","status":"never","expected":true}]'
expect_json .stale_after 180

BEFORE=$(db_dump)
api -b "$TOK_h2" PUT /peer/links "{\"links\":[{\"peer\":\"$ID_h3\",\"latest_handshake\":0,\"rx\":0,\"tx\":0}]}"
expect_error 409 not_paired "h2 reports on h3, which it is not paired with"
expect_in "$(jqr .error.message)" "$ID_h3" "the message names the peer"
api -b "$TOK_h2" PUT /peer/links "{\"links\":[{\"peer\":\"$ID_h1\",\"latest_handshake\":0,\"rx\":0,\"tx\":0,\"secret\":1}]}"
expect_error 400 unknown_field
api -a PUT /peer/links '{"links":[]}'
expect_error 401 unauthorized "an admin is no peer"
expect_db_unchanged "$BEFORE"

# An old handshake is stale.
api -b "$TOK_h3" PUT /peer/links "{\"links\":[{\"peer\":\"$ID_h1\",\"latest_handshake\":$((NOW - 600)),\"rx\":1,\"tx\":1}]}"
expect_status 204 "h3 reports a handshake 10 minutes old"
admin links
expect_in "$OUT" "^h1 +h3 +stale +10m ago " "h1-h3 is stale"

# --- metrics --------------------------------------------------------------

api -a GET /admin/metrics
expect_status 200 "GET /admin/metrics"
expect_header Content-Type '^text/plain; version=0\.0\.4'
printf '%s\n' "$BODY" >"$T_TMP/metrics.txt"
PAGES=$(sqlite3 "$DB" 'PRAGMA page_count')
PSIZE=$(sqlite3 "$DB" 'PRAGMA page_size')
# name{labels} value, one a line, as the real parser reads them.
"$PY" - "$T_TMP/metrics.txt" >"$T_TMP/metrics.parsed" 2>"$T_TMP/metrics.err" <<'PYEOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
for fam in text_string_to_metric_families(text):
    for s in fam.samples:
        labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
        print("%s %s{%s} %d" % (fam.type, s.name, labels, s.value))
PYEOF
expect_eq "$?" 0 "prometheus_client parses the metrics ($(head -c 300 "$T_TMP/metrics.err"))"
m() {
	grep -F " $1 " "$T_TMP/metrics.parsed" | awk '{ print $NF }'
}
expect_eq "$(m 'wgconf_peers{state=accepted}')" 3 "metrics: 3 accepted peers"
expect_eq "$(m 'wgconf_peers{state=pending}')" 0 "metrics: 0 pending peers"
expect_eq "$(m 'wgconf_pending_peers{}')" 0 "metrics: pending count 0"
expect_eq "$(m 'wgconf_pairs{}')" 2 "metrics: 2 pairs"
expect_eq "$(m 'wgconf_links{status=up}')" 1 "metrics: 1 link up"
expect_eq "$(m 'wgconf_links{status=stale}')" 1 "metrics: 1 link stale"
expect_eq "$(m 'wgconf_links{status=never}')" 0 "metrics: 0 links never"
expect_eq "$(m 'wgconf_database_bytes{}')" "$((PAGES * PSIZE))" "metrics: database size is page_count * page_size"
expect_in "$(grep -F 'wgconf_peer_last_config_fetch_age_seconds{name=h1,' "$T_TMP/metrics.parsed")" \
    "^gauge .*peer=$ID_h1\} [0-9]+$" "metrics: h1's last config fetch age"
expect_eq "$(grep -c 'wgconf_peer_last_config_fetch_age_seconds' "$T_TMP/metrics.parsed")" 1 \
    "metrics: only h1 fetched its config"
PID=$(tr -d ' \n' <"$RUN/responders.pid")
expect_eq "$(m "wgconf_http_requests_total{pid=$PID,route=PUT /peer/links}")" 5 \
    "metrics: 5 link reports answered (counter type: $(grep -c '^counter wgconf_http_requests_total' "$T_TMP/metrics.parsed") routes)"
expect_eq "$(m "wgconf_http_errors_total{pid=$PID,route=PUT /peer/links}")" 3 \
    "metrics: 3 of them refused"
expect_eq "$(m "wgconf_http_requests_total{pid=$PID,route=POST /register}")" 3 \
    "metrics: 3 registrations"
api GET /admin/metrics
expect_error 401 unauthorized "metrics are for admins"

# --- import a hand-made mesh --------------------------------------------------

stack_start 1
B_URL=$URL B_DB=$DB
mkdir -p "$T_TMP/mesh"
for h in hosta hostb hostc; do
	keypair
	eval "PRIV_$h=\$PRIV PUB_$h=\$PUB"
done
PSK1=$(wg genpsk) PSK2=$(wg genpsk) PSK3=$(wg genpsk)
# hosta and hostc are public, hostb is behind NAT; hostc routes a LAN.
cat >"$T_TMP/mesh/hosta.conf" <<EOC
# hosta, written by hand
[Interface]
PrivateKey = $PRIV_hosta
Address = 10.99.0.1/24
ListenPort = 51820
DNS = 10.99.0.1

[Peer]
# hostb
PublicKey = $PUB_hostb
PresharedKey = $PSK1
AllowedIPs = 10.99.0.2/32

[Peer]
# hostc
PublicKey = $PUB_hostc
PresharedKey = $PSK2
AllowedIPs = 10.99.0.3/32, 192.168.70.0/24
Endpoint = 198.51.100.3:51822
EOC
cat >"$T_TMP/mesh/hostb.conf" <<EOC
[Interface]
PrivateKey = $PRIV_hostb
Address = 10.99.0.2/24

[Peer]
PublicKey = $PUB_hosta
PresharedKey = $PSK1
AllowedIPs = 10.99.0.1/32
Endpoint = 198.51.100.1:51820
PersistentKeepalive = 25

[Peer]
PublicKey = $PUB_hostc
PresharedKey = $PSK3
AllowedIPs = 10.99.0.3/32, 192.168.70.0/24
Endpoint = 198.51.100.3:51822
PersistentKeepalive = 25
EOC
cat >"$T_TMP/mesh/hostc.conf" <<EOC
[Interface]
PrivateKey = $PRIV_hostc
Address = 10.99.0.3/24
ListenPort = 51822
PostUp = sysctl -w net.ipv4.ip_forward=1

[Peer]
PublicKey = $PUB_hosta
PresharedKey = $PSK2
AllowedIPs = 10.99.0.1/32
Endpoint = 198.51.100.1:51820

[Peer]
PublicKey = $PUB_hostb
PresharedKey = $PSK3
AllowedIPs = 10.99.0.2/32
EOC

admin import "$T_TMP/mesh/hosta.conf" "$T_TMP/mesh/hostb.conf" "$T_TMP/mesh/hostc.conf"
expect_rc 1 "import outside the server's pool"
expect_in "$ERR" "10\.99\.0\.1 is not a host address of the pool" "the refusal names the address"
expect_in "$ERR" "nothing was imported" "and says nothing was imported"
expect_eq "$(sqlite3 "$DB" 'SELECT count(*) FROM peers')" 0 "no peer was created"

admin network --ipv4 10.99.0.0/24
expect_rc 0 "the pool of the hand-made mesh"
admin import "$T_TMP/mesh/hosta.conf" "$T_TMP/mesh/hostb.conf" "$T_TMP/mesh/hostc.conf"
expect_rc 0 "import three wg-quick files"
expect_in "$OUT" "imported 3 peers and 3 pairs" "import says what it created"
expect_in "$ERR" "hosta-hostb: the PresharedKey is not taken over" "PSKs are said not to be taken over"
expect_in "$ERR" "hosta: DNS is not taken over" "DNS is said not to be taken over"
expect_in "$ERR" "hostc: PostUp is not taken over" "scripts are said not to be taken over"
expect_in "$ERR" "private keys: read here only to derive the public keys, never sent" \
    "private keys are said never to be sent"
expect_in "$ERR" "register --adopt" "import says how a host takes its peer over"
for s in "$PRIV_hosta" "$PRIV_hostb" "$PRIV_hostc" "$PSK1" "$PSK2" "$PSK3"; do
	if sqlite3 "$DB" .dump | grep -qF "$s" || printf '%s%s' "$OUT" "$ERR" | grep -qF "$s" ||
	    grep -qF "$s" "$RUN/logs/responder.log" 2>/dev/null; then
		fail "a private or preshared key of the hand-made mesh reached the server or the output"
	fi
done
ok "no private or preshared key is in the database or the output"

api_all /admin/peers peers
expect_status 200 "the peer list, every page" || die "no peer list"
for h in hosta hostb hostc; do
	eval "_pub=\$PUB_$h"
	expect_str "[.peers[] | select(.name == \"$h\") | .public_key] | .[0]" "$_pub"
done
expect_json '[.peers[] | {name, state, addresses, networks, endpoint, listen_port}] | sort_by(.name)' \
    '[{"name":"hosta","state":"accepted","addresses":["10.99.0.1"],"networks":[],"endpoint":"198.51.100.1:51820","listen_port":51820},
      {"name":"hostb","state":"accepted","addresses":["10.99.0.2"],"networks":[],"endpoint":null,"listen_port":null},
      {"name":"hostc","state":"accepted","addresses":["10.99.0.3"],"networks":["192.168.70.0/24"],"endpoint":"198.51.100.3:51822","listen_port":51822}]'
expect_json '[.peers[] | .pairs | length]' '[2,2,2]'

BEFORE=$(db_dump)
admin import "$T_TMP/mesh/hosta.conf" "$T_TMP/mesh/hostb.conf" "$T_TMP/mesh/hostc.conf"
expect_rc 1 "the same mesh again"
expect_in "$ERR" "3 public keys are registered already: hosta \(hosta\), hostb \(hostb\), hostc \(hostc\)" \
    "the conflict names every peer"
expect_db_unchanged "$BEFORE"
admin import "$T_TMP/mesh/hosta.conf" "$T_TMP/mesh/nonesuch.conf"
expect_rc 1 "a missing file"
expect_in "$ERR" "nonesuch.conf" "the message names it"

# --- a host adopts its imported peer ---------------------------------------

# A public key is in every partner's config: with it, an invite made for
# no peer, or for another one, adopts nothing.
api -a POST /admin/invites '{"uses":3}'
PLAIN=$(jqr .code)
wgc hosta register --adopt --server "$URL" --cacert "$CACERT" --invite "$PLAIN" \
    --private-key-file "$T_TMP/mesh/hosta.conf"
expect_rc 1 "adopting with an invite made for no peer"
expect_in "$ERR" "takes an invite made for it" "is refused, saying why"
admin invite --for hosta --uses 3
expect_rc 0 "admin invite --for hosta"
CODE=$OUT
expect_in "$ERR" "register --server URL --invite CODE --adopt" "says how the host uses it"
wgc hostb register --adopt --server "$URL" --cacert "$CACERT" --invite "$CODE" \
    --private-key-file "$T_TMP/mesh/hostb.conf"
expect_rc 1 "adopting hostb with hosta's invite"
expect_in "$ERR" "made for another peer" "is refused, saying why"
admin network --registration closed
wgc hosta register --adopt --server "$URL" --cacert "$CACERT" --invite "$CODE" \
    --private-key-file "$T_TMP/mesh/hosta.conf"
expect_rc 1 "adopting while registration is closed"
expect_in "$ERR" "registration is closed" "is refused, saying why"
admin network --registration open
wgc hosta register --adopt --server "$URL" --cacert "$CACERT" --invite "$CODE" \
    --private-key-file "$T_TMP/mesh/hosta.conf"
expect_rc 0 "hosta adopts its peer with its own wg0.conf and its invite"
expect_in "$OUT" "adopted hosta" "register says which peer it took over"
expect_eq "$(cat "$T_TMP/hosta/state/private.key")" "$PRIV_hosta" "the host keeps its own private key"
cp "$T_TMP/mesh/hosta.conf" "$T_TMP/mesh/wgA.conf"
wgc hosta sync --interface wgA --config-dir "$T_TMP/mesh"
expect_rc 1 "the first sync does not overwrite the hand-made file unasked"
wgc hosta sync --interface wgA --config-dir "$T_TMP/mesh" --force
expect_rc 0 "the first sync with --force"
CONF=$(cat "$T_TMP/mesh/wgA.conf")
expect_in "$CONF" "PrivateKey = $(q "$PRIV_hosta")" "the config keeps hosta's key"
expect_in "$CONF" "PublicKey = $(q "$PUB_hostc")" "hostc is a peer"
expect_in "$CONF" "AllowedIPs = 10\.99\.0\.3/32, ?192\.168\.70\.0/24" "with its address and LAN"
expect_eq "$(grep -c '^PresharedKey = ' "$T_TMP/mesh/wgA.conf")" 2 "each link has a fresh PSK"
expect_not_in "$CONF" "$(q "$PSK1")|$(q "$PSK2")" "not the hand-made ones"
wgc hosta2 register --adopt --server "$URL" --cacert "$CACERT" --invite "$CODE" \
    --private-key-file "$T_TMP/mesh/hosta.conf"
expect_rc 1 "a second adoption of hosta"
expect_in "$ERR" "adopted already" "is refused, saying why"
keypair
printf '%s\n' "$PRIV" >"$T_TMP/other.key"
wgc other register --adopt --server "$URL" --cacert "$CACERT" --invite "$CODE" \
    --private-key-file "$T_TMP/other.key"
expect_rc 1 "adopting with a key nobody imported"
expect_in "$ERR" "no imported peer has this public key" "is refused, saying why"
wgc other register --adopt --server "$URL" --cacert "$CACERT" \
    --private-key-file "$T_TMP/other.key"
expect_rc 2 "adopting without an invite"

# --- export, and back into a fresh server ------------------------------------

admin export
expect_rc 0 "admin export"
printf '%s\n' "$OUT" >"$T_TMP/export1.json"
expect_eq "$(jq -S . "$T_TMP/export1.json")" "$(jq . "$T_TMP/export1.json")" "export keys are sorted"
expect_eq "$(jq -c '[.peers[].public_key] == ([.peers[].public_key] | sort)' "$T_TMP/export1.json")" true \
    "peers are sorted by public key"
expect_eq "$(jq -c '.pairs == (.pairs | sort) and all(.pairs[]; .[0] < .[1])' "$T_TMP/export1.json")" true \
    "pairs are sorted"
expect_eq "$(jq -c '[.. | objects | keys[]] | unique | map(select(. == "id" or . == "token" or test("_at$") or test("psk|preshared|private"))) ' "$T_TMP/export1.json")" '[]' \
    "no id, time or secret"
for s in "$PRIV_hosta" "$PSK1"; do
	grep -qF "$s" "$T_TMP/export1.json" && fail "a secret in the export"
done
admin export
expect_eq "$OUT" "$(cat "$T_TMP/export1.json")" "two exports of the same mesh are the same text"

stack_start 1
admin import "$T_TMP/export1.json"
expect_rc 0 "import the export into a fresh server"
admin export
printf '%s\n' "$OUT" >"$T_TMP/export2.json"
if cmp -s "$T_TMP/export1.json" "$T_TMP/export2.json"; then
	ok "export -> fresh server -> import -> export: the same bytes"
else
	fail "the round trip changed the export"
	diff "$T_TMP/export1.json" "$T_TMP/export2.json" | head -n 20 | sed 's/^/    | /'
fi

# --- backup while writers run, restore into a fresh instance -------------------

RUN=$A_RUN URL=$A_URL API=$A_URL/api/v1 PORT=$A_PORT ADMIN_PASS=$A_PASS DB=$A_DB CACERT=$A_CACERT
# Writers: registrations (each a new row) and link reports, as fast as they go,
# all from 127.0.0.1: the bound on pending peers per network prefix is lifted.
api -a PUT /admin/network '{"pending_max_per_prefix":100000}'
expect_status 200 || die "pending_max_per_prefix"
(
	i=0
	while [ ! -e "$T_TMP/stop-writers" ] && [ $i -lt 400 ]; do
		keypair
		curl -sS --cacert "$CACERT" -o /dev/null -H 'Content-Type: application/json' \
		    -d "{\"name\":\"w$i\",\"public_key\":\"$PUB\",\"endpoint\":null}" "$API/register"
		curl -sS --cacert "$CACERT" -o /dev/null -X PUT -H 'Content-Type: application/json' \
		    -H "Authorization: Bearer $TOK_h1" \
		    -d "{\"links\":[{\"peer\":\"$ID_h2\",\"latest_handshake\":$NOW,\"rx\":$i,\"tx\":$i}]}" \
		    "$API/peer/links"
		i=$((i + 1))
	done
) &
WRITERS=$!
sleep 1
sqlite3 "$DB" ".timeout 5000" ".backup '$T_TMP/backup.db'"
expect_eq "$?" 0 "sqlite3 .backup while writers run"
sqlite3 "$DB" ".timeout 5000" "VACUUM INTO '$T_TMP/vacuum.db'"
expect_eq "$?" 0 "VACUUM INTO while writers run"
sleep 1
touch "$T_TMP/stop-writers"
wait "$WRITERS"
for f in backup vacuum; do
	expect_eq "$(sqlite3 "$T_TMP/$f.db" 'PRAGMA integrity_check')" ok "the $f copy is sound"
done
NB=$(sqlite3 "$T_TMP/backup.db" 'SELECT count(*) FROM peers')
NOWDB=$(sqlite3 "$DB" 'SELECT count(*) FROM peers')
say "# peers: $NB in the backup, $NOWDB in the live database after the writers"
[ "$NB" -gt 3 ] && [ "$NOWDB" -gt "$NB" ] && ok "the backup caught the writers mid-run ($NB of $NOWDB peers)" ||
    fail "the backup did not run while writers ran ($NB, then $NOWDB peers)"

# The fresh instance: a new stack, stopped, the backup put in its place, started.
stack_start 1
R_RUN=$RUN
stack_stop "$R_RUN"
rm -f "$R_RUN/wgconfsrv.db" "$R_RUN/wgconfsrv.db-wal" "$R_RUN/wgconfsrv.db-shm"
install -m 0600 "$T_TMP/backup.db" "$R_RUN/wgconfsrv.db"
WGCONFSRV_RUN_DIR=$R_RUN WGCONFSRV_LISTEN=127.0.0.1:$PORT WGCONFSRV_RESPONDERS=1 \
WGCONFSRV_BIN=$WGCONFSRV_BIN sh "$T_ROOT/nginx/local.sh" start >"$T_TMP/restart.log" 2>&1 ||
    { cat "$T_TMP/restart.log"; die "cannot start the restored instance"; }
T_STACKS="$T_STACKS $R_RUN"
api_all "/admin/peers?limit=2" peers
expect_status 200 "the restored instance answers"
expect_eq "$(jqr '.peers | length')" "$NB" "every peer of the backup is there"
api -b "$TOK_h1" GET /peer/config
expect_status 200 "h1's token works on the restored instance"
admin links --json
BODY=$OUT
expect_json '[.links[] | {a: .a.name, b: .b.name}]' '[{"a":"h1","b":"h2"},{"a":"h1","b":"h3"}]'

