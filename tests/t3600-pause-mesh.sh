#!/bin/sh
# SPDX-License-Identifier: MIT
# t3600-pause-mesh: a paused peer leaves its partners' tunnels and comes back.
#
# Issue 20, with real tunnels: three hosts A, B, C, all paired, configured
# only by `wgconf sync --apply`, ping each other. `wgconf admin disable
# host-a`: after their next sync B and C have no peer entry for A (`wg
# show`), A has none at all and its sync says why, B and C still reach each
# other, and nothing of A is deleted. `wgconf admin enable host-a`: after a
# sync A is back in both, with the same preshared keys (its pairs were kept),
# and the tunnels ping again. Then `enable --expires 3s`: without an admin,
# the responder's periodic check pauses A again, and B's next syncs drop it.
# Last, the same under a signing key that every host trusts: the pause and
# the return need no new signature, and no host refuses anything.
#
#   A 198.18.1.2 --+
#   B 198.18.2.2 --+-- wan (router) -- srv 198.18.0.2:8443 (nginx + responders)
#   C 198.18.3.2 --+
#
# Namespaces and interfaces are named t36<PID>*. T3600_KEEP=1 keeps the
# temporary folder; T3600_PAUSE=SECONDS waits before tearing down a failed run.
set -u
umask 077

if [ "$(id -u)" -ne 0 ]; then
	echo "# skip: needs root (network namespaces, wireguard-go)"
	echo "t3600-pause-mesh: skipped: needs root (network namespaces, wireguard-go)" >&2
	echo "# exit status: 77"
	exit 77
fi

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t36
NS_PFX=$NS_BASE$$
. "$TOP/tests/netns.sh"

WGCONF=$TOP/client/wgconf
SRV_ADDR=198.18.0.2
SRV_PORT=8443
URL=https://$SRV_ADDR:$SRV_PORT
HOSTS="A B C"

TMP=""
RUN=""
# FAILED, note, ok, notok, check and die come from tests/netns.sh.

dump_state() {
	for _h in $HOSTS; do
		ip netns list | grep -qE "^$NS_PFX$_h( |\$)" || continue
		echo "# --- host $_h: wg show, addresses, routes"
		nsx "$_h" wg show "$NS_PFX$_h" 2>&1 | sed 's/^/#   /'
		ip -n "$NS_PFX$_h" -br addr 2>&1 | sed 's/^/#   /'
		ip -n "$NS_PFX$_h" route 2>&1 | sed 's/^/#   /'
	done
	if [ -n "$RUN" ] && [ -d "$RUN/logs" ]; then
		echo "# --- server logs (last lines)"
		tail -n 15 "$RUN/logs/responder.log" "$RUN/logs/error.log" 2>/dev/null | sed 's/^/#   /'
	fi
}

cleanup() {
	_rc=$?
	trap - EXIT INT TERM HUP
	# Output may go to a closed pipe (| head): cleaning up matters more.
	trap '' PIPE
	set +e
	[ "$_rc" -eq 0 ] && [ "$FAILED" -ne 0 ] && _rc=1
	[ "$_rc" -ne 0 ] && dump_state
	if [ "$_rc" -ne 0 ] && [ -n "${T3600_PAUSE:-}" ]; then
		note "T3600_PAUSE: the namespaces stay for $T3600_PAUSE s (ip netns list)"
		sleep "$T3600_PAUSE"
	fi
	if [ -n "$RUN" ] && [ -f "$RUN/nginx.conf" ]; then
		WGCONFSRV_RUN_DIR=$RUN nsx srv sh "$TOP/nginx/local.sh" stop >/dev/null 2>&1
	fi
	# Whatever local.sh missed dies with the namespace's processes.
	ns_cleanup
	if [ -n "$TMP" ]; then
		if [ -n "${T3600_KEEP:-}" ]; then
			note "kept $TMP"
		else
			rm -rf "$TMP"
		fi
	fi
	if [ "$FAILED" -ne 0 ]; then
		echo "# $FAILED check(s) failed:$FAILED_LIST"
	fi
	echo "# exit status: $_rc"
	exit "$_rc"
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

for _t in ip nft wireguard-go wg ping jq curl nginx spawn-fcgi openssl; do
	command -v "$_t" >/dev/null 2>&1 || die "$_t is missing (make deps installs it)"
done
[ -c /dev/net/tun ] || die "/dev/net/tun is missing: wireguard-go needs it"
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
[ -x "$TOP/cgi/wgconfsrv" ] || die "cgi/wgconfsrv is not built (make)"

ns_reap_stale "$NS_BASE"
for _d in "${TMPDIR:-/tmp}"/t3600-pause-mesh.*.*; do
	[ -d "$_d" ] || continue
	_pid=${_d##*/t3600-pause-mesh.}
	_pid=${_pid%%.*}
	kill -0 "$_pid" 2>/dev/null || rm -rf "$_d"
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/t3600-pause-mesh.$$.XXXXXX") || die "mktemp"
chmod 0755 "$TMP"
RUN=$TMP/srv
LOG=$TMP/commands.log
# The binaries under test, copied: one run tests one build even when the
# tree is rebuilt meanwhile.
mkdir -p "$TMP/bin"
cp "$TOP/client/wgconf" "$TOP/cgi/wgconfsrv" "$TMP/bin/" || die "cannot copy the binaries"
WGCONF=$TMP/bin/wgconf

for _t in ip wireguard-go wg ping jq curl nginx spawn-fcgi openssl; do
	command -v "$_t" >/dev/null 2>&1 || die "$_t is missing (make deps installs it)"
done
[ -c /dev/net/tun ] || die "/dev/net/tun is missing: wireguard-go needs it"
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
[ -x "$TOP/cgi/wgconfsrv" ] || die "cgi/wgconfsrv is not built (make)"

ns_reap_stale "$NS_BASE"
for _d in "${TMPDIR:-/tmp}"/t3600-pause-mesh.*.*; do
	[ -d "$_d" ] || continue
	_pid=${_d##*/t3600-pause-mesh.}
	_pid=${_pid%%.*}
	kill -0 "$_pid" 2>/dev/null || rm -rf "$_d"
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/t3600-pause-mesh.$$.XXXXXX") || die "mktemp"
chmod 0755 "$TMP"
RUN=$TMP/srv
LOG=$TMP/commands.log
mkdir -p "$TMP/bin"
cp "$TOP/client/wgconf" "$TOP/cgi/wgconfsrv" "$TMP/bin/" || die "cannot copy the binaries"
WGCONF=$TMP/bin/wgconf

# --- the underlay -------------------------------------------------------

for _h in wan srv A B C; do
	ns_add "$_h" || die "cannot create namespace $NS_PFX$_h"
done
ns_forward wan
ns_link wan s0 198.18.0.1/24 srv eth0 $SRV_ADDR/24 &&
ns_link wan a0 198.18.1.1/24 A eth0 198.18.1.2/24 &&
ns_link wan b0 198.18.2.1/24 B eth0 198.18.2.2/24 &&
ns_link wan c0 198.18.3.1/24 C eth0 198.18.3.2/24 ||
	die "cannot create the veth links"
for _h in srv A B C; do
	_gw=$(ip -n "$NS_PFX$_h" -4 -o addr show | sed -n 's/.* inet \(198\.18\.[0-9]*\)\..*/\1.1/p')
	ip -n "$NS_PFX$_h" route add default via "$_gw" || die "default route on $_h"
done
for _h in $HOSTS; do
	ns_wg_up "$_h" "$NS_PFX$_h" || die "wireguard-go $NS_PFX$_h in $_h"
done
ok "wireguard-go runs in A, B, C"

# --- the server ---------------------------------------------------------

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
	wgc "$_h" sync --state-dir "$TMP/$_h/state" --interface "$NS_PFX$_h" \
		--config-dir "$TMP/$_h/wireguard" --apply "$@"
}
sync_all() {
	for _h in $HOSTS; do
		sync_host "$_h" || show_fail "sync on $_h"
	done
}
hname() {
	echo "host-$1" | tr '[:upper:]' '[:lower:]'
}

mkdir -p "$TMP/admin"
for _h in $HOSTS; do
	mkdir -p "$TMP/$_h/wireguard"
	_ip=$(ip -n "$NS_PFX$_h" -4 -o addr show dev eth0 | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p')
	wgc "$_h" register --state-dir "$TMP/$_h/state" --server "$URL" --cacert "$CACERT" \
		--name "$(hname "$_h")" "$_ip:51820" || [ "$RC" -eq 3 ] ||
		{ show_fail "register $_h"; die "cannot go on without $_h"; }
	admin accept "$(hname "$_h")" || { show_fail "accept $_h"; die "cannot accept $_h"; }
done
for _p in A-B A-C B-C; do
	admin pair "$(hname "${_p%-*}")" "$(hname "${_p#*-}")" ||
		{ show_fail "pair $_p"; die "cannot pair"; }
done
admin peers --json || die "no peer list"
for _h in $HOSTS; do
	_a=$(printf '%s\n' "$OUT" | jq -r --arg n "$(hname "$_h")" \
		'.peers[] | select(.name == $n) | .addresses[0]')
	eval "addr_$_h=\$_a"
done
sync_all
sync_all
for _h in $HOSTS; do
	eval "pub_$_h=\$(nsx $_h wg show $NS_PFX$_h public-key)"
done

haspeer() { # HOST PEERHOST
	eval "_k=\$pub_$2"
	nsx "$1" wg show "$NS_PFX$1" peers | grep -qxF "$_k"
}
npeers() {
	nsx "$1" wg show "$NS_PFX$1" peers | grep -c .
}
psk() { # HOST PEERHOST: the preshared key HOST holds for PEERHOST
	eval "_k=\$pub_$2"
	nsx "$1" wg show "$NS_PFX$1" preshared-keys | awk -v k="$_k" '$1 == k { print $2 }'
}

check "before: A has 2 peers" [ "$(npeers A)" = 2 ]
check "before: B has A" haspeer B A
check "before: C has A" haspeer C A
check "before: ping B -> A ($addr_A)" ns_ping B "$addr_A" 15
check "before: ping C -> A ($addr_A)" ns_ping C "$addr_A" 15
check "before: ping B -> C ($addr_C)" ns_ping B "$addr_C" 15
psk_ba=$(psk B A)

# --- pause ----------------------------------------------------------------

if admin disable host-a; then
	ok "admin disable host-a: $OUT"
else
	show_fail "admin disable host-a"
fi
# A's own sync first: its config changed, and the sync says why.
sync_host A || show_fail "sync on A"
check "paused: A's sync says why" eval 'printf "%s\n" "$ERR" | grep -q "disabled by an admin"'
sync_all
check "paused: B has no peer entry for A" eval '! haspeer B A'
check "paused: C has no peer entry for A" eval '! haspeer C A'
check "paused: B still has C" haspeer B C
check "paused: A has no peers at all" [ "$(npeers A)" = 0 ]
check "paused: B -> C still pings" ns_ping B "$addr_C" 5
ns_noping B "$addr_A" & _p1=$!
ns_noping A "$addr_C" & _p2=$!
check "paused: B cannot reach A" wait $_p1
check "paused: A cannot reach C" wait $_p2
wgc A status || show_fail "status on A"
check "paused: wgconf status on A says so" \
	eval 'printf "%s\n" "$OUT" | grep -Eq "^state +accepted, disabled by an admin"'
admin peers || show_fail "admin peers"
check "paused: admin peers shows host-a as disabled" \
	eval 'printf "%s\n" "$OUT" | grep -E "host-a +accepted, disabled" >/dev/null'
admin links || show_fail "admin links"
check "paused: admin links marks A's pairs paused, not B-C" \
	eval '[ "$(printf "%s\n" "$OUT" | grep -c ", paused")" = 2 ] &&
	printf "%s\n" "$OUT" | grep -E "^host-b +host-c " | grep -vq paused'
admin disable no-such-host
check "admin disable of an unknown peer: exit 1 ($RC)" [ "$RC" = 1 ]
admin enable host-a --expires 400d
check "admin enable --expires 400d: a usage error, exit 2 ($RC)" [ "$RC" = 2 ]
admin peers --json || show_fail "admin peers"
_st=$(printf '%s\n' "$OUT" | jq -r '.peers[] | select(.name == "host-a") |
	"\(.state) \(.disabled) \(.pairs | length) \(.addresses | length)"')
check "paused: host-a is accepted, disabled, keeps 2 pairs and its address ($_st)" \
	[ "$_st" = "accepted true 2 1" ]

# --- and back ---------------------------------------------------------------

if admin enable host-a; then
	ok "admin enable host-a: $OUT"
else
	show_fail "admin enable host-a"
fi
sync_all
check "enabled: B has A again" haspeer B A
check "enabled: C has A again" haspeer C A
check "enabled: A has 2 peers again" [ "$(npeers A)" = 2 ]
check "enabled: B holds the same preshared key for A as before" [ "$(psk B A)" = "$psk_ba" ]
check "enabled: ping B -> A ($addr_A)" ns_ping B "$addr_A" 15
check "enabled: ping A -> C ($addr_C)" ns_ping A "$addr_C" 15

# --- an expiry pauses by itself ---------------------------------------------

if admin enable host-a --expires 3s; then
	ok "admin enable host-a --expires 3s: $OUT"
else
	show_fail "admin enable host-a --expires 3s"
fi
sleep 4
# The responders look for expiries every 10 s, after a request: B's
# cron-like syncs are the requests, as on a real mesh.
_i=0
while haspeer B A && [ $_i -lt 30 ]; do
	sync_host B
	sleep 1
	_i=$((_i + 1))
done
check "expired: B dropped A by itself after ~$_i syncs" eval '! haspeer B A'
sync_host C
check "expired: C dropped A" eval '! haspeer C A'
admin audit --json --limit 20 || show_fail "admin audit"
check "expired: the audit log says the system disabled host-a" \
	eval 'printf "%s\n" "$OUT" | jq -e ".entries | map(select(.actor == \"system\" and .action == \"peer.disable\")) | length == 1" >/dev/null'

# --- under a signing key: a pause needs no signature ------------------------

# docs/trust.md: a pause is a removal a trusting host accepts, and enabling
# brings back only what the statements already say; nothing is re-signed.
admin enable host-a || show_fail "admin enable host-a (signing phase)"
admin signing-key generate --out "$TMP/admin/signing.key" ||
	{ show_fail "admin signing-key generate"; die "no signing key"; }
SIGN_PUB=$(printf '%s\n' "$OUT" | grep -oE '[A-Za-z0-9+/]{43}=' | head -n 1)
admin network --signing-key "$SIGN_PUB" || show_fail "admin network --signing-key"
admin sign --all --yes --key "$TMP/admin/signing.key" || show_fail "admin sign --all"
for _h in $HOSTS; do
	wgc "$_h" trust-key "$SIGN_PUB" || show_fail "trust-key on $_h"
done
sync_all
check "signed: B has A" haspeer B A
check "signed: ping B -> A ($addr_A)" ns_ping B "$addr_A" 15
# unsigned COUNT: how many peers have changes to sign.
unsigned() {
	admin peers --json >/dev/null
	printf '%s\n' "$OUT" | jq '[.peers[] | select(.unsigned_changes)] | length'
}
admin disable host-a || show_fail "admin disable host-a (signed)"
check "signed: the pause leaves nothing to sign" [ "$(unsigned)" = 0 ]
for _h in B C; do
	sync_host "$_h"
	check "signed: $_h's sync takes the pause, nothing refused (exit $RC)" [ "$RC" = 0 ]
done
check "signed: B has no peer entry for A" eval '! haspeer B A'
check "signed: C has no peer entry for A" eval '! haspeer C A'
admin enable host-a || show_fail "admin enable host-a (signed)"
check "signed: enabling leaves nothing to sign" [ "$(unsigned)" = 0 ]
for _h in $HOSTS; do
	sync_host "$_h"
	check "signed: $_h's sync after the enable, on the old signatures, nothing refused (exit $RC)" [ "$RC" = 0 ]
done
check "signed: B has A again" haspeer B A
check "signed: ping B -> A ($addr_A) again" ns_ping B "$addr_A" 15

# The server stops here: under a sanitizer build (make all SANITIZE=...) a
# responder's leak report comes at its exit, and any report is a failure.
WGCONFSRV_RUN_DIR=$RUN nsx srv sh "$TOP/nginx/local.sh" stop >/dev/null 2>&1
for _f in "$RUN"/logs/asan* "$RUN"/logs/ubsan*; do
	[ -f "$_f" ] || continue
	notok "sanitizer report from a responder: $_f"
	sed 's/^/#   /' "$_f" | head -n 60
done
