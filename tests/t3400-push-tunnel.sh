#!/bin/sh
# SPDX-License-Identifier: MIT
# t3400-push-tunnel: two hosts run `wgconf sync --watch --apply` (as
# wgconf-watch@.service does) against a server with nginx's Nchan module;
# the admin pairs them, and the first ping over the new tunnel must come
# within 10 s of the admin's request (with the timer it was up to 110 s;
# the hosts' own full check runs only every 600 s here, so only push can do
# it). The time measured is printed (docs/benchmarks.md quotes it). Then
# an unpairing cuts the tunnel, pushed too.
#
#   srv 198.18.0.2:8443 --+-- wan (router) --+-- A 198.18.1.2
#                                            +-- B 198.18.2.2
set -u
umask 077

if [ "$(id -u)" -ne 0 ]; then
	echo "# skip: needs root (network namespaces, wireguard-go)"
	exit 77
fi
if [ ! -r /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
	echo "# skip: nginx's Nchan module is not installed (libnginx-mod-nchan; make deps)"
	exit 77
fi

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t34k
NS_PFX=$NS_BASE$$
. "$TOP/tests/netns.sh"

SRV_ADDR=198.18.0.2
URL=https://$SRV_ADDR:8443
TMP=""
RUN=""
WATCHERS=""

cleanup() {
	_rc=$?
	trap - EXIT INT TERM HUP
	set +e
	[ "$_rc" -eq 0 ] && [ "$FAILED" -ne 0 ] && _rc=1
	for _p in $WATCHERS; do
		kill "$_p" 2>/dev/null
	done
	if [ "$_rc" -ne 0 ] && [ -n "$TMP" ]; then
		for _h in A B; do
			echo "# --- $_h's watch log"
			tail -n 15 "$TMP/$_h/watch.log" 2>/dev/null | sed 's/^/#   /'
			nsx "$_h" wg show 2>&1 | sed 's/^/#   /'
		done
	fi
	if [ -n "$RUN" ] && [ -f "$RUN/nginx.conf" ]; then
		WGCONFSRV_RUN_DIR=$RUN nsx srv sh "$TOP/nginx/local.sh" stop >/dev/null 2>&1
	fi
	ns_cleanup
	[ -n "$TMP" ] && rm -rf "$TMP"
	[ "$FAILED" -ne 0 ] && echo "# $FAILED check(s) failed:$FAILED_LIST"
	echo "# exit status: $_rc"
	exit "$_rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

for _t in ip wireguard-go wg ping jq curl nginx spawn-fcgi openssl; do
	command -v "$_t" >/dev/null 2>&1 || die "$_t is missing (make deps installs it)"
done
[ -c /dev/net/tun ] || die "/dev/net/tun is missing: wireguard-go needs it"
ns_reap_stale "$NS_BASE"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/t3400-push.$$.XXXXXX") || die "mktemp"
chmod 0755 "$TMP"
RUN=$TMP/srv
LOG=$TMP/commands.log
mkdir -p "$TMP/bin" "$TMP/admin" "$TMP/A/wireguard" "$TMP/B/wireguard"
cp "$TOP/client/wgconf" "$TOP/cgi/wgconfsrv" "$TMP/bin/" || die "cannot copy the binaries"
WGCONF=$TMP/bin/wgconf

for _h in wan srv A B; do
	ns_add "$_h" || die "cannot create namespace $NS_PFX$_h"
done
ns_forward wan
ns_link wan s0 198.18.0.1/24 srv eth0 $SRV_ADDR/24 &&
ns_link wan a0 198.18.1.1/24 A eth0 198.18.1.2/24 &&
ns_link wan b0 198.18.2.1/24 B eth0 198.18.2.2/24 || die "cannot create the veth links"
for _h in srv A B; do
	_gw=$(ip -n "$NS_PFX$_h" -4 -o addr show | sed -n 's/.* inet \(198\.18\.[0-9]*\)\..*/\1.1/p')
	ip -n "$NS_PFX$_h" route add default via "$_gw" || die "default route on $_h"
done
for _h in A B; do
	ns_wg_up "$_h" "$NS_PFX$_h" || die "wireguard-go $NS_PFX$_h in $_h"
done

WGCONFSRV_RUN_DIR=$RUN WGCONFSRV_LISTEN=0.0.0.0:8443 WGCONFSRV_CERT_NAMES=IP:$SRV_ADDR \
WGCONFSRV_RESPONDERS=2 WGCONFSRV_BIN=$TMP/bin/wgconfsrv \
	nsx srv sh "$TOP/nginx/local.sh" start >"$TMP/local-start.log" 2>&1 ||
	{ cat "$TMP/local-start.log"; die "nginx/local.sh start in the server namespace"; }
CACERT=$RUN/cert.pem
PWFILE=$RUN/admin-password

for _h in A B; do
	_e=198.18.1.2
	[ "$_h" = B ] && _e=198.18.2.2
	wgc "$_h" register --server "$URL" --cacert "$CACERT" --name "host-$_h" "$_e:51820" ||
		[ "$RC" -eq 3 ] || { show_fail "register $_h"; die "cannot go on"; }
done
admin accept host-A && admin accept host-B || { show_fail "admin accept"; die "cannot go on"; }
admin peers --json || die "no peer list"
addr_B=$(printf '%s\n' "$OUT" | jq -r '(.peers // .)[] | select(.name == "host-B") | .addresses[0]' | sed 's|/.*||')

# The watchers, as wgconf-watch@IFACE.service runs them.
for _h in A B; do
	nsx "$_h" env WGCONF_STATE_DIR="$TMP/$_h/state" HOME="$TMP/$_h" \
		"$WGCONF" sync --watch --apply --interface "$NS_PFX$_h" \
		--config-dir "$TMP/$_h/wireguard" >"$TMP/$_h/watch.log" 2>&1 </dev/null &
	WATCHERS="$WATCHERS $!"
done
# Both applied their first config (an address on the interface, no peer)
# and are subscribed.
_i=0
while [ $_i -lt 100 ]; do
	grep -q applied "$TMP/A/watch.log" && grep -q applied "$TMP/B/watch.log" && break
	sleep 0.1
	_i=$((_i + 1))
done
check "both watching hosts applied their first config" \
	sh -c "grep -q applied '$TMP/A/watch.log' && grep -q applied '$TMP/B/watch.log'"
check "A cannot reach B's tunnel address before the pairing" ns_noping A "$addr_B"

t0=$(date +%s%N)
admin pair host-A host-B || show_fail "admin pair"
if ns_ping A "$addr_B" 15; then
	ms=$((($(date +%s%N) - t0) / 1000000))
	note "first ping over the new tunnel $ms ms after the admin's request"
	echo "t3400: first ping after pairing: $ms ms" >&2
	if [ "$ms" -lt 10000 ]; then ok "A pings B over the tunnel ${ms} ms after the pairing (< 10 s)"
	else notok "the first ping took $ms ms (>= 10 s)"; fi
else
	notok "A never pinged B over the tunnel after the pairing"
fi

admin unpair host-A host-B || show_fail "admin unpair"
_i=0
while [ $_i -lt 50 ] && nsx A wg show "$NS_PFX"A peers | grep -q .; do
	sleep 0.1
	_i=$((_i + 1))
done
check "the unpairing reached A within 5 s (no peer left on its interface)" \
	sh -c "! ip netns exec '$NS_PFX'A wg show '$NS_PFX'A peers | grep -q ."
