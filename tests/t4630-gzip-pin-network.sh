#!/bin/sh
# SPDX-License-Identifier: MIT
# The nginx example compresses the admin JSON and the UI (gzip), never what
# the peers are answered (a config holds sealed keys); it tells admins the server's
# key pin (GET /api/v1/admin/tls-pin, the pin of the certificate nginx
# serves), which the page puts into the invite's register line; the Network
# page shows registration mode and the limits. A request the stopped
# responders never answer is nginx's 504 gateway_timeout, not the 502 of
# "no responder running", and the change is made once they run again.
. "$(dirname "$0")/lib.sh"

need node chromium openssl
stack_start

HUB=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	register "gz-host-$i" "192.0.2.$i:51820" >/dev/null || die "registration failed"
	api -a POST "/admin/peers/$PEER_ID/accept" '{}' >/dev/null
	if [ -z "$HUB" ]; then
		HUB=$PEER_ID HUB_TOKEN=$PEER_TOKEN
	else
		api -a PUT "/admin/pairs/$HUB/$PEER_ID" >/dev/null
	fi
done
# What a browser sends: gzip accepted.
gz() { # PATH [curl args...] -> the Content-Encoding of the answer
	_p=$1
	shift
	curl -s -o /dev/null -D - --cacert "$CACERT" -H 'Accept-Encoding: gzip' "$@" "$URL$_p" |
	    grep -i '^content-encoding:' | tr -d '\r' | sed 's/^[^:]*: *//'
}
expect_eq "$(gz /api/v1/admin/peers -u "admin:$ADMIN_PASS")" gzip "the admin's peer list comes compressed"
expect_eq "$(gz /app.js -u "admin:$ADMIN_PASS")" gzip "the UI's scripts come compressed"
# A hub's config is kilobytes of sealed preshared keys beside the names
# peers chose: never compressed.
CONF_LEN=$(curl -s --cacert "$CACERT" -H "Authorization: Bearer $HUB_TOKEN" "$API/peer/config" | wc -c)
[ "$CONF_LEN" -gt 2048 ] && ok "the hub's config is $CONF_LEN bytes" || fail "the hub's config is only $CONF_LEN bytes"
expect_eq "$(gz /api/v1/peer/config -H "Authorization: Bearer $HUB_TOKEN")" "" \
    "a peer's config (sealed keys) is not compressed"
curl -s --compressed --cacert "$CACERT" -u "admin:$ADMIN_PASS" "$API/admin/peers" | jq -e '.peers | length >= 12' >/dev/null &&
    ok "the compressed list is the same JSON" || fail "the compressed list does not decode"

PIN=sha256//$(openssl x509 -in "$CACERT" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64)
api -a GET /admin/tls-pin
expect_status 200 "nginx gives admins the pin"
expect_str .pin "$PIN"
api GET /admin/tls-pin
expect_status 401 "but not to anyone else"

# 504 is not 502: with every responder stopped, nginx waits its 60 s for
# the answer, then says the change is not confirmed (it may still be made).
kill -STOP $RESPONDER_PIDS
curl -s -o "$T_TMP/504.json" -w '%{http_code}' --max-time 90 --cacert "$CACERT" -u "admin:$ADMIN_PASS" \
    -X PATCH -H 'Content-Type: application/json' -d '{"keepalive":33}' "$API/admin/peers/$HUB" >"$T_TMP/504.code"
kill -CONT $RESPONDER_PIDS
expect_eq "$(cat "$T_TMP/504.code")" 504 "a request the responders never answer is a 504"
expect_eq "$(jq -r .error.code "$T_TMP/504.json")" gateway_timeout "with its own JSON code, not backend_unavailable"
api -a GET "/admin/peers/$HUB"
expect_str .keepalive 33

[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS PIN=$PIN NODE_EXTRA_CA_CERTS=$CACERT \
    node "$T_ROOT/tests/browser/pin.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the invite and network walk passed" || fail "the invite and network walk failed (exit $rc)"
