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

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t34k
NS_PFX=$NS_BASE$$
HOSTS="A B"
. "$TOP/tests/netns.sh"

# A failed run shows the watchers' logs and interfaces. The watchers live
# in A's and B's namespaces: the cleanup ends them there.
mesh_dump() {
	for _h in A B; do
		echo "# --- $_h's watch log"
		tail -n 15 "$TMP/$_h/watch.log" 2>/dev/null | sed 's/^/#   /'
		nsx "$_h" wg show 2>&1 | sed 's/^/#   /'
	done
}

if [ ! -r /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
	echo "# skip: nginx's Nchan module is not installed (libnginx-mod-nchan; make deps)"
	exit 77
fi
mesh_begin t3400-push-tunnel

mesh_wan
mesh_host A 198.18.1.2
mesh_host B 198.18.2.2
mesh_wg $HOSTS
mesh_server

mesh_register A 198.18.1.2:51820
mesh_register B 198.18.2.2:51820
mesh_accept A
mesh_accept B
mesh_addrs

# The watchers, as wgconf-watch@IFACE.service runs them.
for _h in A B; do
	nsx "$_h" env WGCONF_STATE_DIR="$TMP/$_h/state" HOME="$TMP/$_h" \
		"$WGCONF" sync --watch --apply --interface "$NS_PFX$_h" \
		--config-dir "$TMP/$_h/wireguard" >"$TMP/$_h/watch.log" 2>&1 </dev/null &
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
admin pair host-a host-b || show_fail "admin pair"
if ns_ping A "$addr_B" 15; then
	ms=$((($(date +%s%N) - t0) / 1000000))
	note "first ping over the new tunnel $ms ms after the admin's request"
	echo "t3400: first ping after pairing: $ms ms" >&2
	if [ "$ms" -lt 10000 ]; then ok "A pings B over the tunnel ${ms} ms after the pairing (< 10 s)"
	else notok "the first ping took $ms ms (>= 10 s)"; fi
else
	notok "A never pinged B over the tunnel after the pairing"
fi

admin unpair host-a host-b || show_fail "admin unpair"
_i=0
while [ $_i -lt 50 ] && nsx A wg show "$NS_PFX"A peers | grep -q .; do
	sleep 0.1
	_i=$((_i + 1))
done
check "the unpairing reached A within 5 s (no peer left on its interface)" \
	sh -c "! ip netns exec '$NS_PFX'A wg show '$NS_PFX'A peers | grep -q ."
