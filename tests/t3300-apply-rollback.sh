#!/bin/sh
# SPDX-License-Identifier: MIT
# t3300-apply-rollback: a config the interface refuses is rolled back.
#
# A and B, registered and paired, ping each other over wireguard-go. Then
# the server (or whoever writes its database) gives A a listen port that
# something on A already holds: `wg syncconf` fails, which used to leave
# A's interface without a socket and every tunnel down. Now `sync --apply`
# says so, puts the previous config, addresses and routes back (exit 1),
# and A still listens on its own port and pings B; the file on disk is the
# previous one and the next run tries again. Under a signing key the port
# is the host's own (pinned in trust.json, moved with `trust-key
# --listen-port`): the server's taken port is not applied at all.
#
# Namespaces t33k<PID>*; wireguard-go interfaces named like them. Run only
# under `flock /tmp/wgconf-e2e.lock` (as make check does).
set -u
umask 077

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t33k
NS_PFX=$NS_BASE$$
HOSTS="A B"
. "$TOP/tests/netns.sh"

SRV_ADDR=198.18.30.2
URL=https://$SRV_ADDR:$SRV_PORT
BUSY=5355

mesh_begin t3300-apply-rollback python3

# --- the underlay: srv, A, B on one router -------------------------------
mesh_wan
mesh_host A 198.18.31.2
mesh_host B 198.18.32.2
mesh_wg $HOSTS
mesh_server

# set_port NAME PORT: what a hostile server (or an admin's slip) does.
set_port() {
	_id=$(admin peers --json >/dev/null && printf '%s\n' "$OUT" |
		jq -r --arg n "$1" '.peers[] | select(.name == $n) | .id')
	nsx srv curl -sf --cacert "$CACERT" -u "admin:$(cat "$PWFILE")" -X PATCH \
		-H 'Content-Type: application/json' -d "{\"listen_port\":$2}" \
		"$URL/api/v1/admin/peers/$_id" >/dev/null
}

listen_port() {
	nsx "$1" wg show "$NS_PFX$1" listen-port
}

# --- A and B in the mesh ------------------------------------------------------
mesh_register A 198.18.31.2:51820
mesh_register B 198.18.32.2:51820
mesh_accept A
mesh_accept B
mesh_pair A-B
admin peers --json || die "admin peers: $ERR"
addr() {
	printf '%s\n' "$PEERS" | jq -r --arg n "$1" '.peers[] | select(.name == $n) | .addresses[0]' |
		sed 's|/.*||'
}
PEERS=$OUT
ADDR_A=$(addr host-a)
ADDR_B=$(addr host-b)
for _h in $HOSTS; do
	sync_host "$_h" || show_fail "sync: $_h, first"
done
check "before: A listens on 51820" [ "$(listen_port A)" = 51820 ]
check "before: A pings B ($ADDR_B)" ns_ping A "$ADDR_B" 15
cp "$TMP/A/wireguard/$NS_PFX"A.conf "$TMP/A.conf.before"

# --- a listen port that is taken on A ---------------------------------------------
# The process holding it lives in A's namespace: the cleanup ends it there.
nsx A python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', $BUSY))
time.sleep(600)" &
sleep 0.5
set_port host-a $BUSY || die "cannot set host-a's listen port"
sync_host A
check "taken port: sync exits 1 (exit $RC)" [ "$RC" = 1 ]
check "taken port: says applying failed" \
	eval 'printf "%s\n" "$ERR" | grep -q "applying it failed: restoring the previous config"'
check "taken port: says it restored the previous config" \
	eval 'printf "%s\n" "$ERR" | grep -q "restored the previous config of $NS_PFX"A'
check "taken port: A listens on 51820 again (has $(listen_port A))" [ "$(listen_port A)" = 51820 ]
check "taken port: A still has B as a peer" \
	[ "$(nsx A wg show "$NS_PFX"A peers | grep -c .)" = 1 ]
check "taken port: A still pings B" ns_ping A "$ADDR_B" 15
check "taken port: B still pings A ($ADDR_A)" ns_ping B "$ADDR_A" 15
check "taken port: the file is the previous one" \
	cmp -s "$TMP/A.conf.before" "$TMP/A/wireguard/$NS_PFX"A.conf
sync_host A
check "taken port: the next run tries again, and rolls back again (exit $RC)" [ "$RC" = 1 ]
check "taken port: still 51820" [ "$(listen_port A)" = 51820 ]

# The admin sets it right: the next run applies.
set_port host-a 51820 || die "cannot put host-a's port back"
sync_host A
check "port put back: sync exits 0 (exit $RC)" [ "$RC" = 0 ]
check "port put back: A pings B" ns_ping A "$ADDR_B" 15

# --- under a signing key the port is A's own -----------------------------------
admin signing-key generate --out "$TMP/admin/signing.key" || die "signing-key generate: $ERR"
SIGN_PUB=$(printf '%s\n' "$OUT" | grep -oE '[A-Za-z0-9+/]{43}=' | head -n 1)
admin network --signing-key "$SIGN_PUB" || die "network --signing-key: $ERR"
admin sign --all --yes --key "$TMP/admin/signing.key" || die "admin sign --all: $ERR"
for _h in $HOSTS; do
	wgc "$_h" trust-key "$SIGN_PUB" || die "trust-key on $_h: $ERR"
	sync_host "$_h" || show_fail "signed: sync on $_h"
done
wgc A trust-key
check "signed: A pinned its listen port (trust-key shows it)" \
	eval 'printf "%s\n" "$OUT" | grep -q "^listen port 51820$"'
set_port host-a $BUSY || die "cannot set host-a's listen port"
sync_host A
check "signed, taken port from the server: sync exits 0 (exit $RC)" [ "$RC" = 0 ]
check "signed, taken port from the server: A keeps 51820" [ "$(listen_port A)" = 51820 ]
check "signed, taken port from the server: the file keeps ListenPort = 51820" \
	grep -q '^ListenPort = 51820$' "$TMP/A/wireguard/$NS_PFX"A.conf
check "signed: A still pings B" ns_ping A "$ADDR_B" 15
# The host's own choice moves it.
wgc A trust-key --listen-port 51999 "$SIGN_PUB" || show_fail "trust-key --listen-port 51999"
sync_host A
check "signed, trust-key --listen-port 51999: applied (exit $RC)" [ "$RC" = 0 ]
check "signed, trust-key --listen-port 51999: A listens on 51999" [ "$(listen_port A)" = 51999 ]

[ "$FAILED" -eq 0 ]
