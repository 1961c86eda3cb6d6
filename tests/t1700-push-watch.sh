#!/bin/sh
# SPDX-License-Identifier: MIT
# t1700-push-watch: with nginx's Nchan module, a host running `wgconf sync
# --watch` applies a pairing within seconds of the admin's request (not at
# its next poll); a peer's token subscribes only to its own channel, a
# wrong token to none; the admin channel wants the password; one address
# holds at most 256 subscriptions; the publisher cannot be reached through
# the public server; the responders count what they published.
. "$(dirname "$0")/lib.sh"
[ -r /usr/lib/nginx/modules/ngx_nchan_module.so ] ||
    skip "nginx's Nchan module is not installed (libnginx-mod-nchan; make deps)"
. "$T_ROOT/tests/watch.sh"
stack_start 1

wgc_register a a 192.0.2.1:51820 || die "register a"
A=$ID A_PUB=$PUB A_TOK=$(jq -r .token "$T_TMP/a/state/state.json")
wgc_register b b 192.0.2.2:51820 || die "register b"
B=$ID B_PUB=$PUB B_TOK=$(jq -r .token "$T_TMP/b/state/state.json")

# ------------------------------------------------------ who may subscribe
# (curl ends a subscription that was let in after --max-time: exit 28)
sub() { # TOKEN PEER: the status of a subscription attempt
	curl -sS --cacert "$CACERT" --max-time 2 -o "$T_TMP/sub.body" -w '%{http_code}' \
	    -H 'Accept: text/event-stream' ${1:+-H "Authorization: Bearer $1"} \
	    "$API/peer/watch?peer=$2" 2>/dev/null
}
expect_eq "$(sub "$A_TOK" "$A")" 200 "a host's token subscribes to its own channel"
expect_eq "$(sub "$A_TOK" "$B")" 403 "a host's token cannot subscribe to another host's channel"
expect_str_in_file "$T_TMP/sub.body" not_your_channel "and the refusal says why (JSON)"
expect_eq "$(sub "$A.$(echo "$B_TOK" | cut -d. -f2)" "$A")" 401 "a token of the wrong secret is refused"
expect_eq "$(sub "" "$A")" 401 "no token is refused"
code=$(curl -sS --cacert "$CACERT" --max-time 2 -o /dev/null -w '%{http_code}' \
    -H 'Accept: text/event-stream' "$API/admin/watch" 2>/dev/null)
expect_eq "$code" 401 "the admin channel wants the admin's password"

# One address holds at most 256 subscriptions (limit_conn): the next is
# refused at once, 429 like every other limit.
if command -v python3 >/dev/null 2>&1; then
	codes=$(python3 "$T_ROOT/tests/tools/push-stuck.py" many 127.0.0.1 "$PORT" "$CACERT" \
	    "/api/v1/peer/watch?peer=$A" "$A_TOK" 257 2>&1 | tr '\n' ' ')
	expect_eq "$codes" "200 256 429 1 " "one address: 256 subscriptions held, the 257th refused"
fi

# ---------------------------------------------- the publisher is private
# While a subscriber listens on a's channel, whatever the public server is
# sent on the publisher's paths (with the admin's password too) reaches
# nobody.
curl -sN --cacert "$CACERT" --max-time 6 -H 'Accept: text/event-stream' \
    -H "Authorization: Bearer $A_TOK" "$API/peer/watch?peer=$A" >"$T_TMP/listen.out" 2>/dev/null &
LISTEN=$!
sleep 1
printf 'header = "Authorization: Bearer %s"\n' "$A_TOK" >"$T_TMP/as-peer.cfg"
printf 'user = "admin:%s"\n' "$ADMIN_PASS" >"$T_TMP/as-admin.cfg"
for path in "/pub/peer/$A" /pub/all /pub/admin "/api/v1/peer/watch?peer=$A" \
    "/api/v1/peer/watch-auth?peer=$A" "/api/v1/admin/watch"; do
	for who in peer admin; do
		code=$(curl -sS --cacert "$CACERT" --max-time 3 -o /dev/null -w '%{http_code}' \
		    -K "$T_TMP/as-$who.cfg" -X POST -H 'Content-Type: text/plain' \
		    --data-binary 'revision 999999' "$URL$path" 2>/dev/null)
		case $code in
		2*) fail "POST $path as $who was taken: $code" ;;
		*) ok "POST $path as $who, through the public server: $code" ;;
		esac
	done
done
wait $LISTEN
expect_not_in "$(cat "$T_TMP/listen.out")" 'data:' "nothing published through the public server reached the subscriber"

# ------------------------------------------------------ a pairing, pushed
watch_start a
watch_start b
for p in $A $B; do
	api -a POST "/admin/peers/$p/accept" '{}'
	expect_status 200
done
watch_wait a 'revision' 10 || fail "a never wrote its first config"
watch_wait b 'revision' 10 || fail "b never wrote its first config"
t0=$(date +%s%N)
api -a PUT "/admin/pairs/$A/$B"
expect_status 201
watch_until a "PublicKey = $(q "$B_PUB")" 10 && watch_until b "PublicKey = $(q "$A_PUB")" 10 &&
    ok "both hosts applied the pairing in $(( ($(date +%s%N) - t0) / 1000000 )) ms (their check period is 600 s)" ||
    fail "the pairing did not reach both watching hosts within 10 s"
expect_current a
expect_current b
expect_watchers_stop

api -a GET /admin/metrics
expect_in "$BODY" '^wgconf_push_published_total\{pid="[0-9]+"\} [1-9]' "the responder counts what it published"
expect_in "$BODY" '^wgconf_push_failed_total\{pid="[0-9]+"\} 0$' "and no publish failed"
