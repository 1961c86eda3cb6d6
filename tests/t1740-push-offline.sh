#!/bin/sh
# SPDX-License-Identifier: MIT
# t1740-push-offline: a watching host that was offline while its config
# changed several times comes back to a channel whose messages are gone,
# and still ends with the server's config: the check every (re)connect
# starts, with its ETag, finds the change. No write fails meanwhile.
#
# The issue's fault is "host offline for 10 minutes". What 10 minutes do to
# push: a channel keeps only its newest message
# (nchan_message_buffer_length 1), for 60 s (nchan_message_timeout), so a
# host away for longer comes back to an empty channel, and a host away
# through several changes has lost all but the last message whatever the
# time. (A host's subscription starts at the next message anyway,
# nchan_subscriber_first_message newest: it is never handed what it
# missed, even from a channel that still holds it.) Here the 60 s are 4 s
# (WGCONFSRV_PUSH_MESSAGE_TIMEOUT), and the test asks the publisher that
# b's channel is empty before b comes back: the state 10 minutes leave,
# reached in seconds. The only other thing that grows with the time away
# is the reconnect backoff (60 s at most, a few seconds here): it changes
# when the host comes back, not whether it catches up.
#
# The host is cut off by its own network (tests/tools/netcut.py, a relay
# it reaches the server through): its subscription is reset and every
# reconnect is refused while it is down; the other host stays online.
# Its full check runs only every 600 s: only the reconnect can find it.
. "$(dirname "$0")/lib.sh"
[ -r /usr/lib/nginx/modules/ngx_nchan_module.so ] ||
    skip "nginx's Nchan module is not installed (libnginx-mod-nchan; make deps)"
need python3
. "$T_ROOT/tests/watch.sh"
WGCONFSRV_PUSH_MESSAGE_TIMEOUT=4s
export WGCONFSRV_PUSH_MESSAGE_TIMEOUT
# One responder: the publish counters are per process.
stack_start 1
expect_in "$(cat "$RUN/site.conf")" 'nchan_message_timeout 4s;' "the publisher keeps a message 4 s here"

wgc_register a a 192.0.2.1:51820 || die "register a"
A=$ID
wgc_register b b 192.0.2.2:51820 || die "register b"
B=$ID B_TOK=$(jq -r .token "$T_TMP/b/state/state.json")
for p in $A $B; do
	api -a POST "/admin/peers/$p/accept" '{}'
	expect_status 200
done
api -a PUT "/admin/pairs/$A/$B"
expect_status 201

# b's network: b reaches the server only through this relay.
python3 "$T_ROOT/tests/tools/netcut.py" 127.0.0.1 "$PORT" >"$T_TMP/netcut.port" &
NETCUT=$!
i=0
while [ ! -s "$T_TMP/netcut.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
NETPORT=$(head -n 1 "$T_TMP/netcut.port")
[ -n "$NETPORT" ] || die "the relay did not start"
jq --arg from ":$PORT" --arg to ":$NETPORT" '.server |= sub($from; $to)' \
    "$T_TMP/b/state/state.json" >"$T_TMP/state.new" &&
    cat "$T_TMP/state.new" >"$T_TMP/b/state/state.json" || die "cannot point b at its relay"
rm -f "$T_TMP/state.new"
trap 'rc=$?; kill "$NETCUT" 2>/dev/null; watch_stop_all; (exit $rc); t_cleanup' EXIT

# waiting: what a host subscribing to b's channel now is handed at once
waiting() {
	curl -sN --cacert "$CACERT" --max-time 2 -H 'Accept: text/event-stream' \
	    -H "Authorization: Bearer $B_TOK" "$API/peer/watch?peer=$B" 2>/dev/null | grep '^data:'
}
# queued: how many messages b's channel holds, as the publisher says
queued() {
	curl -sS --max-time 5 --unix-socket "$RUN/push.sock" -H 'Accept: text/json' \
	    "http://wgconfsrv/pub/peer/$B" | jq -r .messages
}

watch_start a --check-every 600
watch_start b --check-every 600
watch_until a 'PublicKey' 10 && watch_until b 'PublicKey' 10 || die "the hosts never synced"
failed0=$(metric wgconf_push_failed_total)

# ------------------------------------------------------------- online
timed_write 1
expect_eq "$WCODE" 200 "a change while both hosts are online"
seen b 1 10 && ok "b got it through its relay, pushed" || fail "b did not get the first change"
expect_eq "$(queued)" 1 "b's channel holds that message for a while"

# ------------------------------------------------------------ b offline
kill -USR1 "$NETCUT"
watch_wait b 'subscription (failed|ended)' 10 && ok "b lost its subscription with its network" ||
    fail "b did not notice it went offline"
bad=0 slowest=0
for k in 2 3 4; do
	timed_write $k
	[ "$WCODE" = 200 ] || bad=$((bad + 1))
	[ "$WMS" -gt "$slowest" ] && slowest=$WMS
	sleep 1
done
expect_eq "$bad" 0 "three changes of b's config while b is offline, all written (slowest $slowest ms)"
seen a 4 10 && ok "a, online, got each of them pushed: they were published" ||
    fail "a did not get the changes made while b was offline"
expect_eq "$(queued)" 1 "b's channel holds only the last of the three messages"
# It outlives the last write by 4 s: wait it out.
i=0
while [ "$(queued)" != 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "$(queued)" 0 "then the messages for b are gone from its channel"
expect_eq "$(waiting)" "" "and a host subscribing is handed nothing"
if grep -q "ListenPort = 50004" "$(watch_conf b)"; then
	fail "b got the change while offline: the cut did not cut"
else
	ok "b, offline, still has its old config"
fi
expect_eq "$(metric wgconf_push_failed_total)" "$failed0" "no publish failed (the messages went out; b was not there)"

# ------------------------------------------------------------ b is back
t0=$(date +%s)
kill -USR2 "$NETCUT"
# Back off: 1, 2, 4, 8, 16 s (+-50%) between refused reconnects here.
seen b 4 45 &&
    ok "back online, b has the last change after $(($(date +%s) - t0)) s: its reconnect checked" ||
    fail "b never got the changes made while it was offline"
expect_current a
expect_current b
expect_watchers_stop
