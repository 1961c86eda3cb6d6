#!/bin/sh
# SPDX-License-Identifier: MIT
# t1750-push-jobs: the pairs a rule makes in the background (more than
# RULE_INLINE_MAX, 2,000) reach a watching host by push. The rule's own
# request moves no config; the responder's sealer thread makes the pairs
# batch by batch and, when no job is left, publishes every peer they moved
# once (docs/operations.md, "Push"): the host fetches its config once the
# mesh is complete, not once a batch. Its own full check runs only every
# 600 s here: only push can bring the pairs.
. "$(dirname "$0")/lib.sh"
[ -r /usr/lib/nginx/modules/ngx_nchan_module.so ] ||
    skip "nginx's Nchan module is not installed (libnginx-mod-nchan; make deps)"
need wg
. "$T_ROOT/tests/watch.sh"
stack_start

N=66            # 66 peers: 2,145 pairs, past the 2,000 made in the request
wgc_register w w 192.0.2.1:51820 || die "register w"
W=$ID
api -a POST "/admin/peers/$W/accept" '{"tags":["all"]}'
expect_status 200 "the watching host accepted, tagged all"
i=1
while [ $i -lt $N ]; do
	keypair
	api POST /register "{\"name\":\"m$i\",\"public_key\":\"$PUB\",\"endpoint\":\"192.0.2.2:$((20000 + i))\"}"
	[ "$STATUS" = 201 ] || die "register m$i: $STATUS $BODY"
	api -a POST "/admin/peers/$(jqr .id)/accept" '{"tags":["all"]}'
	[ "$STATUS" = 200 ] || die "accept m$i: $STATUS $BODY"
	i=$((i + 1))
done
ok "$N peers accepted with the tag all"

watch_start w --check-every 600
watch_until w '^\[Interface\]' 10 || die "w never synced"
# subscribers: how many listen on w's channel, as the publisher says
subscribers() {
	curl -sS --max-time 5 --unix-socket "$RUN/push.sock" -H 'Accept: text/json' \
	    "http://wgconfsrv/pub/peer/$W" 2>/dev/null | jq -r '.subscribers // 0' 2>/dev/null
}
i=0
while [ "$(subscribers)" != 1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "$(subscribers)" 1 "w listens on its channel"
npeers() {
	grep -c '^PublicKey' "$(watch_conf w)" 2>/dev/null
}
expect_eq "$(npeers)" 0 "w starts with no partner"

api -a POST /admin/rules '{"a":"all","b":"all"}'
expect_status 201 "the rule of a full mesh"
expect_str .pairs $((N * (N - 1) / 2))
expect_str .job.state making
t0=$(date +%s)
i=0
while :; do
	api -a GET /admin/jobs
	[ "$(jqr '[.jobs[] | select(.state != "done")] | length')" = 0 ] && break
	i=$((i + 1))
	[ $i -lt 1200 ] || die "the job still runs after 120 s: $BODY"
	sleep 0.1
done
ok "the job made its pairs in $(($(date +%s) - t0)) s"
i=0
while [ "$(npeers)" != $((N - 1)) ] && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect_eq "$(npeers)" $((N - 1)) \
    "w has its $((N - 1)) partners within 15 s of the job's end, pushed (its own check is 600 s away)"
expect_current w
expect_watchers_stop
