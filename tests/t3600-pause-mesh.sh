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

TOP=$(cd "$(dirname "$0")/.." && pwd)
NS_BASE=t36
NS_PFX=$NS_BASE$$
HOSTS="A B C"
. "$TOP/tests/netns.sh"

mesh_begin t3600-pause-mesh

mesh_wan
mesh_host A 198.18.1.2
mesh_host B 198.18.2.2
mesh_host C 198.18.3.2
mesh_wg $HOSTS
ok "wireguard-go runs in A, B, C"
mesh_server

mesh_register A 198.18.1.2:51820
mesh_accept A
mesh_register B 198.18.2.2:51820
mesh_accept B
mesh_register C 198.18.3.2:51820
mesh_accept C
mesh_pair A-B A-C B-C
mesh_addrs
mesh_sync_all
mesh_sync_all
mesh_pubkeys

psk() { # HOST PEERHOST: the preshared key HOST holds for PEERHOST
	wgfield "$1" "$2" preshared-keys
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
mesh_sync_all
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
mesh_sync_all
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
mesh_sync_all
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
mesh_server_stop
for _f in "$RUN"/logs/asan* "$RUN"/logs/ubsan*; do
	[ -f "$_f" ] || continue
	notok "sanitizer report from a responder: $_f"
	sed 's/^/#   /' "$_f" | head -n 60
done
