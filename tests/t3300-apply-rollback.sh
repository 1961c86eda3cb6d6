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

if [ "$(id -u)" -ne 0 ]; then
	echo "# skip: needs root (network namespaces, wireguard-go)"
	echo "# exit status: 77"
	exit 77
fi

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t33k
NS_PFX=$NS_BASE$$
. "$TOP/tests/netns.sh"

SRV_ADDR=198.18.30.2
SRV_PORT=8443
URL=https://$SRV_ADDR:$SRV_PORT
HOSTS="A B"
BUSY=5355
TMP=""
RUN=""
HOLDER=""

cleanup() {
	_rc=$?
	trap - EXIT INT TERM HUP
	set +e
	[ "$_rc" -eq 0 ] && [ "$FAILED" -ne 0 ] && _rc=1
	if [ "$_rc" -ne 0 ]; then
		for _h in $HOSTS; do
			echo "# --- $_h"
			nsx "$_h" wg show "$NS_PFX$_h" 2>&1 | sed 's/^/#   /'
		done
		[ -n "$TMP" ] && sed 's/^/#   /' "$TMP/commands.log" 2>/dev/null | tail -n 40
	fi
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
	if [ -n "$RUN" ] && [ -f "$RUN/nginx.conf" ]; then
		WGCONFSRV_RUN_DIR=$RUN nsx srv sh "$TOP/nginx/local.sh" stop >/dev/null 2>&1
	fi
	ns_cleanup
	[ -n "$TMP" ] && rm -rf "$TMP"
	echo "# exit status: $_rc"
	exit "$_rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

for _t in ip wireguard-go wg ping jq curl nginx spawn-fcgi openssl python3; do
	command -v "$_t" >/dev/null 2>&1 || die "$_t is missing (make deps installs it)"
done
[ -x "$TOP/client/wgconf" ] && [ -x "$TOP/cgi/wgconfsrv" ] || die "not built (make)"
ns_reap_stale "$NS_BASE"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/t3300-rollback.$$.XXXXXX") || die "mktemp"
chmod 0755 "$TMP"
RUN=$TMP/srv
mkdir -p "$TMP/bin" "$TMP/admin"
cp "$TOP/client/wgconf" "$TOP/cgi/wgconfsrv" "$TMP/bin/" || die "cannot copy the binaries"
WGCONF=$TMP/bin/wgconf
LOG=$TMP/commands.log

# --- the underlay: srv, A, B on one router -------------------------------
for _h in wan srv $HOSTS; do
	ns_add "$_h" || die "cannot create namespace $NS_PFX$_h"
done
ns_forward wan
ns_link wan s0 198.18.30.1/24 srv eth0 $SRV_ADDR/24 &&
ns_link wan a0 198.18.31.1/24 A eth0 198.18.31.2/24 &&
ns_link wan b0 198.18.32.1/24 B eth0 198.18.32.2/24 || die "cannot create the veth links"
ip -n "$NS_PFX"srv route add default via 198.18.30.1 &&
ip -n "$NS_PFX"A route add default via 198.18.31.1 &&
ip -n "$NS_PFX"B route add default via 198.18.32.1 || die "default routes"
for _h in $HOSTS; do
	ns_wg_up "$_h" "$NS_PFX$_h" || die "wireguard-go $NS_PFX$_h in $_h"
	mkdir -p "$TMP/$_h/wireguard"
done

WGCONFSRV_RUN_DIR=$RUN WGCONFSRV_LISTEN=0.0.0.0:$SRV_PORT \
WGCONFSRV_CERT_NAMES=IP:$SRV_ADDR WGCONFSRV_RESPONDERS=2 \
WGCONFSRV_REGISTER_RATE=600r/m WGCONFSRV_BIN=$TMP/bin/wgconfsrv \
	nsx srv sh "$TOP/nginx/local.sh" start >"$TMP/local-start.log" 2>&1 ||
	{ cat "$TMP/local-start.log"; die "nginx/local.sh start in the server namespace"; }
CACERT=$RUN/cert.pem
PWFILE=$RUN/admin-password

sync_host() {
	_h=$1
	shift
	wgc "$_h" sync --interface "$NS_PFX$_h" --config-dir "$TMP/$_h/wireguard" --apply "$@"
}

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
wgc A register --server "$URL" --cacert "$CACERT" --name host-a 198.18.31.2:51820 ||
	[ "$RC" -eq 3 ] || die "register A: $ERR"
wgc B register --server "$URL" --cacert "$CACERT" --name host-b 198.18.32.2:51820 ||
	[ "$RC" -eq 3 ] || die "register B: $ERR"
admin accept host-a && admin accept host-b && admin pair host-a host-b ||
	die "admin accept and pair: $ERR"
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
nsx A python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', $BUSY))
time.sleep(600)" &
HOLDER=$!
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
