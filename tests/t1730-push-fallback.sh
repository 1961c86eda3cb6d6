#!/bin/sh
# SPDX-License-Identifier: MIT
# t1730-push-fallback: where nginx has no Nchan module (the site's push
# blocks removed, as local.sh does without it), the watch paths reach the
# responder, which answers 204; `wgconf sync --watch` says so, polls, and
# still applies a pairing; the admin watch path is 204 too (an EventSource
# stops there without an error). Nothing else changes.
. "$(dirname "$0")/lib.sh"
. "$T_ROOT/tests/watch.sh"
WGCONFSRV_NCHAN=none
export WGCONFSRV_NCHAN
stack_start 1
expect_not_in "$(cat "$RUN/site.conf")" 'nchan_' "the site runs without the push blocks"
expect_not_in "$(cat "$RUN/nginx.conf")" 'load_module' "and nginx loads no module"

wgc_register a a 192.0.2.1:51820 || die "register a"
A=$ID A_TOK=$(jq -r .token "$T_TMP/a/state/state.json")
wgc_register b b 192.0.2.2:51820 || die "register b"
B=$ID B_PUB=$PUB

api -b "$A_TOK" GET "/peer/watch?peer=$A"
expect_status 204 "the peer watch path answers 204: no push here"
api -a GET /admin/watch
expect_status 204 "so does the admin one"
api GET "/peer/watch?peer=$A"
expect_status 401 "and the peer one still wants the token"

watch_start a --check-every 2
for p in $A $B; do
	api -a POST "/admin/peers/$p/accept" '{}'
	expect_status 200
done
watch_wait a 'has no push \(HTTP 204' 10 && ok "the watching host says the server has no push" ||
    fail "the watching host did not notice there is no push"
api -a PUT "/admin/pairs/$A/$B"
expect_status 201
watch_until a "PublicKey = $(q "$B_PUB")" 10 && ok "it polls, and applies the pairing" ||
    fail "the pairing never reached the polling host"
expect_current a

api -a GET /admin/metrics
expect_in "$BODY" '^wgconf_push_published_total\{pid="[0-9]+"\} 0$' "the responder publishes nothing (no WGCONFSRV_PUSH)"
expect_in "$BODY" '^wgconf_push_failed_total\{pid="[0-9]+"\} 0$' "and counts no failure"
