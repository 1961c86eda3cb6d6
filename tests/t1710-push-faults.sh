#!/bin/sh
# t1710-push-faults: push is a shortcut, never a dependency. With the
# publisher hung or gone, every write still succeeds at once and the
# failed publishes are counted; a host whose message was lost gets the
# change at its next check. With nginx restarted, watching hosts reconnect
# and catch up on what changed meanwhile (the ETag check on reconnect).
# A subscriber that never reads slows no write and no other host. Each
# case ends with every host's config equal to the server's.
# SPDX-License-Identifier: MIT
. "$(dirname "$0")/lib.sh"
[ -r /usr/lib/nginx/modules/ngx_nchan_module.so ] ||
    skip "nginx's Nchan module is not installed (libnginx-mod-nchan; make deps)"
need python3
. "$T_ROOT/tests/watch.sh"
# One responder: the publish counters are per process.
stack_start 1

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

# ------------------------------------------------------------ nginx restarted
# The hosts check only every 600 s: what they catch up on after the
# restart, they got from the check every reconnect starts with.
watch_start a
watch_start b
watch_until a 'PublicKey' 10 && watch_until b 'PublicKey' 10 || fail "the hosts never synced"
kill -TERM "$(cat "$RUN/nginx.pid")"
i=0
while [ -s "$RUN/nginx.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$RUN/nginx.pid" ] && die "nginx did not stop"
# Past nginx, straight to the responder, while nginx is down.
fcgi REMOTE_USER=admin CONTENT_TYPE=application/json PATCH "/api/v1/admin/peers/$B" "$(change 17)"
expect_status 200 "a change made while nginx is down"
sleep 2
nginx -e "$RUN/logs/error.log" -p "$RUN" -c "$RUN/nginx.conf" || die "nginx did not start again"
# Each host tries again at a random moment within 10 s of losing its
# subscription (and again a few seconds later if nginx was not back yet).
seen a 17 25 && seen b 17 25 &&
    ok "after nginx came back, both hosts caught up on the change made while it was down" ||
    fail "the hosts did not catch up after the restart"
watch_wait a 'reconnecting' 1 && ok "a said it reconnected" || fail "a did not say it reconnected"
expect_current a
expect_current b
watch_stop_all

# ---------------------------------------------- publisher hung, then gone
# Hosts check every 3 s here: that is how a lost message is made up for.
watch_start a --check-every 3
watch_start b --check-every 3
failed0=$(metric wgconf_push_failed_total)
mv "$RUN/push.sock" "$RUN/push.sock.nginx"
python3 "$T_ROOT/tests/tools/push-stuck.py" publisher "$RUN/push.sock" 8 &
HUNG=$!
i=0
while [ ! -S "$RUN/push.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
timed_write 21
expect_eq "$WCODE" 200 "a write succeeds while the publisher hangs"
[ "$WMS" -lt 2000 ] && ok "and is answered at once ($WMS ms; the publish times out after 300 ms, after the answer)" ||
    fail "the write waited on the hung publisher: $WMS ms"
wait $HUNG
timed_write 22
expect_eq "$WCODE" 200 "a write succeeds while the publisher is gone"
failed1=$(metric wgconf_push_failed_total)
[ "${failed1:-0}" -ge $((${failed0:-0} + 6)) ] &&
    ok "the failed publishes are counted ($failed0 -> $failed1; two peers a write)" ||
    fail "failed publishes not counted: $failed0 -> $failed1"
seen a 22 10 && seen b 22 5 && ok "the hosts got the change at their next check" ||
    fail "the hosts never got the change"
mv "$RUN/push.sock.nginx" "$RUN/push.sock"
expect_current a
expect_current b
watch_stop_all

# ------------------------------------------------ a subscriber that never reads
watch_start a
watch_start b
python3 "$T_ROOT/tests/tools/push-stuck.py" subscriber 127.0.0.1 "$PORT" "$CACERT" \
    "/api/v1/peer/watch?peer=$B" "$B_TOK" 60 >"$T_TMP/stuck.out" 2>&1 &
STUCK=$!
seen a 22 10 || fail "a did not start"
sleep 1
grep -q subscribed "$T_TMP/stuck.out" || fail "the stuck subscriber did not subscribe"
slowest=0 bad=0
n=1
while [ $n -le 150 ]; do
	timed_write $((100 + n))
	[ "$WCODE" = 200 ] || bad=$((bad + 1))
	[ "$WMS" -gt "$slowest" ] && slowest=$WMS
	n=$((n + 1))
done
expect_eq "$bad" 0 "150 writes succeed while a subscriber of b's channel never reads"
[ "$slowest" -lt 1000 ] && ok "the slowest of them took $slowest ms" ||
    fail "a write waited: $slowest ms"
seen a 250 5 && seen b 250 5 &&
    ok "both hosts have the last of them (pushed: they check only every 600 s)" ||
    fail "the hosts did not get the last write"
expect_eq "$(metric wgconf_push_failed_total)" "$failed1" "no publish failed meanwhile"
kill "$STUCK" 2>/dev/null
expect_current a
expect_current b
